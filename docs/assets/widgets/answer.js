/* Self-checking answer fields in the exercises (the page writes [[answer:ns.name]]).
   The answer, its usual mistakes and every sentence the field says are computed and checked by
   the build (ctx.answer in a generator, includes/hints.md) and arrive in data-answer. This file
   reads what the reader typed and judges it by the rule of scripts/book/answers.py, which the
   build uses to check that every declared value gets its own verdict; tests hold the two together.

   Rule, per entry: right within one unit of the last printed digit, typed to the printed decimals
   (a trailing zero may be left out); close with fewer decimals when the printed number rounds to
   what was typed. Whole numbers exactly. A vector may be typed as a row or a column. */
(function (root) {
  "use strict";
  var SLACK = 1e-9; // relative, for binary floating point (0.0611 - 0.0610 is a hair over 0.0001)
  var DASHES = /[\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d]/g;
  var SUPER = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+"};
  // sign, mantissa (decimal point or comma), then e-3, ×10^-3, x10^(-3) or ·10⁻³
  var NUMBER = /^([-+]?)(\d+(?:[.,]\d*)?|[.,]\d+)(?:e([-+]?\d+)|\s*[x×·*]\s*10\s*(?:\^\s*\(?\s*([-+]?\d+)\s*\)?|([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?$/i;
  var TRANSPOSED = /\s*(?:ᵀ|\^\s*T|\^\s*\{\s*T\s*\}|\.T)$/;

  function tidy(text) {
    return String(text).replace(/[\u00a0\u2009\u202f]/g, " ").replace(DASHES, "-").trim();
  }

  // One typed number -> [value, decimals typed] ("6.10e-2" has 4), or null. A comma is a decimal
  // point only where the caller says so (in a list it separates entries).
  function parseNumber(text, comma) {
    var m = NUMBER.exec(tidy(text));
    if (!m || (!comma && m[2].indexOf(",") >= 0)) return null;
    var mantissa = m[2].replace(",", ".");
    var exp = m[3] || m[4] || (m[5] ? m[5].replace(/./g, function (c) { return SUPER[c]; }) : "0");
    var after = mantissa.indexOf(".") < 0 ? 0 : mantissa.length - mantissa.indexOf(".") - 1;
    var value = Number(m[1] + (mantissa[0] === "." ? "0" : "") + mantissa + "e" + Number(exp));
    return isFinite(value) ? [value, after - Number(exp)] : null;
  }

  // "3x2", "3×2", "3 by 2", "(3, 2)", "[3, 2]", "3 x 3 x 2" -> [3, 2] ...; null if not a shape.
  function parseShape(text) {
    var t = tidy(text).replace(/^[\[(]\s*([^\[\]()]*?)\s*[\])]$/, "$1");
    var parts = t.split(/\s*(?:[x×*·,]|\bby\b)\s*/i);
    if (parts.length < 2 || !parts.every(function (p) { return /^\d+$/.test(p); })) return null;
    return parts.map(Number);
  }

  function transpose(rows) {
    return rows[0].map(function (_, j) { return rows.map(function (r) { return r[j]; }); });
  }

  // What the reader typed, as rows of [value, decimals]: "0.1", "[0.1, -0.2]", "0.1 -0.2", "[0.1; -0.2]",
  // "[[1, 2], [3, 4]]", "[1, 2; 3, 4]", "[0.1, -0.2]ᵀ". Decimal commas make some inputs ambiguous
  // ("1,5" is 1.5 or the list 1, 5), so both readings are returned (nested brackets are code: commas
  // separate there); [] if none works.
  function readings(text) {
    var t = tidy(text), flip = false;
    if (TRANSPOSED.test(t)) {
      t = t.replace(TRANSPOSED, "");
      flip = true;
    }
    var rows, nested = /^[\[(]\s*[\[(]/.test(t) && /[\])]\s*[\])]$/.test(t);
    if (nested) {
      var inner = t.slice(1, -1);
      rows = inner.match(/[\[(][^\[\]()]*[\])]/g) || [];
      if (inner.replace(/[\[(][^\[\]()]*[\])]/g, "").replace(/[\s,;]/g, "") !== "") return [];
      rows = rows.map(function (r) { return r.slice(1, -1); });
    } else {
      rows = t.replace(/^[\[(]\s*([^\[\]()]*?)\s*[\])]$/, "$1").split(";");
      while (rows.length > 1 && !rows[rows.length - 1].trim()) rows.pop(); // "1; 2;"
    }
    var out = [], seen = {};
    [false, true].forEach(function (comma) {
      if (comma && (nested || !/\d,\d/.test(t))) return; // [[1,2],[3,4]] is code: commas separate
      var parsed = [];
      for (var i = 0; i < rows.length; i++) {
        var cells = rows[i].split(comma ? /\s+/ : /\s*,\s*|\s+/).filter(function (c) { return c !== ""; });
        if (!cells.length) return;
        var row = [];
        for (var j = 0; j < cells.length; j++) {
          var x = parseNumber(cells[j], comma);
          if (!x) return;
          row.push(x);
        }
        parsed.push(row);
      }
      if (flip) {
        if (parsed.some(function (r) { return r.length !== parsed[0].length; })) return;
        parsed = transpose(parsed);
      }
      var key = JSON.stringify(parsed);
      if (!seen[key]) out.push({rows: parsed});
      seen[key] = true;
    });
    return out;
  }

  // ---------------------------------------------------------------------------
  // The rule (book.answers: entry, compare, judge)

  function decimals(text) {
    var i = text.indexOf(".");
    return i < 0 ? 0 : text.length - i - 1;
  }

  function entry(x, typed, text) {
    var p = Number(text), d = decimals(text);
    if (d === 0) return x === p ? "right" : null;
    var unit = Number("1e" + -d);
    if (Math.abs(x - p) <= unit * (1 + SLACK) + SLACK * Math.abs(p) && (typed >= d || x === p)) return "right";
    if (typed < d && x !== 0 && Math.abs(x - p) <= 0.5 * Number("1e" + -typed) * (1 + SLACK)) return "close";
    return null;
  }

  function form(rec) {
    if (rec.kind === "array") return rec.shape[0] === 1 || rec.shape[1] === 1 ? "vector" : "matrix";
    return rec.kind;
  }

  function flat(rows) {
    return [].concat.apply([], rows);
  }

  function compare(typed, rec) {
    if (rec.kind === "shape") {
      var want = rec.shape.length === 1 ? [rec.shape[0], 1] : rec.shape;
      return typed.shape && typed.shape.join("x") === want.join("x") ? "right" : null;
    }
    if (!typed.rows) return null;
    var rows = typed.rows, cells = rec.kind === "number" ? [[rec.text]] : rec.cells;
    var got = flat(rows), wanted = flat(cells);
    if (form(rec) === "matrix") {
      if (rows.length !== cells.length || rows.some(function (r) { return r.length !== cells[0].length; })) return "size";
    } else if ((rows.length > 1 && rows.some(function (r) { return r.length !== 1; })) || got.length !== wanted.length) {
      return "size";
    }
    var states = got.map(function (g, i) { return entry(g[0], g[1], wanted[i]); });
    if (states.every(function (s) { return s === "right"; })) return "right";
    if (states.every(function (s) { return s === "right" || s === "close"; })) return "close";
    return null;
  }

  // The verdict on one or more readings of the input: {state: right | hint | close | size | wrong | unreadable, kind}.
  function judge(spec, typed) {
    if (!typed.length) return {state: "unreadable"};
    function against(rec) { return typed.map(function (t) { return compare(t, rec); }); }
    var first = against(spec.expect);
    if (first.indexOf("right") >= 0) return {state: "right"};
    var others = spec.mistakes.map(function (m) { return {kind: m.kind, states: against(m.value)}; });
    var i;
    for (i = 0; i < others.length; i++) if (others[i].states.indexOf("right") >= 0) return {state: "hint", kind: others[i].kind};
    if (first.indexOf("close") >= 0) return {state: "close"};
    for (i = 0; i < others.length; i++) if (others[i].states.indexOf("close") >= 0) return {state: "hint", kind: others[i].kind};
    if (first.every(function (s) { return s === "size"; })) return {state: "size"};
    return {state: "wrong"};
  }

  function read(spec, text) {
    if (spec.expect.kind === "shape") {
      var s = parseShape(text);
      return s ? [{shape: s}] : [];
    }
    return readings(text);
  }

  // What the field says to `text`: {state, kind, text}.
  function verdict(spec, text) {
    if (!tidy(text)) return {state: "empty", text: spec.empty};
    var v = judge(spec, read(spec, text));
    if (v.state === "hint") {
      v.text = spec.mistakes.filter(function (m) { return m.kind === v.kind; })[0].hint;
    } else {
      v.text = spec[v.state];
    }
    return v;
  }

  // ---------------------------------------------------------------------------
  // The field on the page

  function init(host) {
    var spec = JSON.parse(host.getAttribute("data-answer"));
    var input = host.querySelector("input"), out = host.querySelector("output");
    var later = 0;
    function say(text) {
      window.clearTimeout(later);
      if (out.textContent === text && text) { // the same words again: empty the live region first so they are read again
        out.textContent = "";
        later = window.setTimeout(function () { out.textContent = text; }, 100);
      } else {
        out.textContent = text;
      }
    }
    function check() {
      var v = verdict(spec, input.value);
      host.setAttribute("data-state", v.state);
      if (v.kind) host.setAttribute("data-mistake", v.kind);
      else host.removeAttribute("data-mistake");
      if (v.state === "right" || v.state === "close" || v.state === "empty") input.removeAttribute("aria-invalid");
      else input.setAttribute("aria-invalid", "true");
      say(v.text);
    }
    host.querySelector("button").addEventListener("click", check);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.isComposing) {
        e.preventDefault();
        check();
      }
    });
    input.addEventListener("input", function () { // a new answer: the old verdict no longer applies
      if (!host.hasAttribute("data-state")) return;
      window.clearTimeout(later);
      host.removeAttribute("data-state");
      host.removeAttribute("data-mistake");
      input.removeAttribute("aria-invalid");
      out.textContent = "";
    });
    host.hidden = false;
  }

  var api = {parseNumber: parseNumber, parseShape: parseShape, readings: readings, read: read, entry: entry,
             compare: compare, judge: judge, verdict: verdict};
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.bpAnswer = api;
  if (root.bpWidgets && root.bpWidgets.define) root.bpWidgets.define("answer", init);
})(typeof window !== "undefined" ? window : globalThis);
