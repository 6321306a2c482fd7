// Self-checking answer fields in the exercises (the page writes [[answer:ns.name]]).
// The expected value, the tolerance and the usual mistakes with their hints are computed and
// checked by the build (ctx.answer in a generator; hint sentences in includes/hints.md) and
// arrive in data-answer. This file only reads what the reader typed and compares.
(function () {
  "use strict";
  var MINUS = /[\u2212\u2012\u2013\u2014]/g;

  // "3x2", "3×2", "3 by 2", "(3, 2)" -> [3, 2]
  function parseShape(text) {
    var m = text.trim().replace(/^\(|\)$/g, "").match(/^(\d+)\s*(?:x|×|\*|,|by)\s*(\d+)$/i);
    return m ? [Number(m[1]), Number(m[2])] : null;
  }

  function parseNumber(text) {
    var t = text.trim().replace(MINUS, "-");
    if (/^-?\d+,\d+$/.test(t)) t = t.replace(",", "."); // a decimal comma
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return null;
    return Number(t);
  }

  // "0.1", "[0.1, -0.2]", "0.1, -0.2", "[[1, 2], [3, 4]]", "[1, 2; 3, 4]" -> rows of numbers
  function parseArray(text) {
    var t = text.trim().replace(MINUS, "-");
    var rows;
    if (/^\[\s*\[/.test(t)) {
      rows = t.replace(/^\[\s*|\s*\]$/g, "").split(/\]\s*,?\s*\[/).map(function (r) {
        return r.replace(/[\[\]]/g, "");
      });
    } else {
      rows = t.replace(/^[\[(]\s*|\s*[\])]$/g, "").split(";");
    }
    var out = [];
    for (var i = 0; i < rows.length; i++) {
      var cells = rows[i].split(/\s*,\s*|\s+/).filter(function (c) { return c !== ""; });
      var row = [];
      for (var j = 0; j < cells.length; j++) {
        var v = parseNumber(cells[j]);
        if (v === null) return null;
        row.push(v);
      }
      if (row.length) out.push(row);
    }
    return out.length ? out : null;
  }

  function close(x, v, digits) {
    var tol = Math.max(0.5 * Math.pow(10, -digits), 0.005 * Math.abs(v)) + 1e-12;
    return Math.abs(x - v) <= tol;
  }

  function flat(rows) {
    return [].concat.apply([], rows);
  }

  // Does the reader's input equal this record (a number, an array or a shape)?
  function matches(input, rec, digits) {
    if (rec.kind === "shape") {
      var s = parseShape(input);
      return !!s && s[0] === rec.shape[0] && s[1] === (rec.shape[1] === undefined ? 1 : rec.shape[1]);
    }
    if (rec.kind === "number") {
      var x = parseNumber(input);
      return x !== null && close(x, Number(rec.text), digits);
    }
    var rows = parseArray(input);
    if (!rows) return false;
    var want = flat(rec.cells).map(Number);
    var got = flat(rows);
    var vector = rec.shape[0] === 1 || rec.shape[1] === 1;
    if (!vector && !(rows.length === rec.shape[0] && rows[0].length === rec.shape[1])) return false;
    if (got.length !== want.length) return false;
    for (var i = 0; i < got.length; i++) if (!close(got[i], want[i], digits)) return false;
    return true;
  }

  function verdict(spec, input) {
    if (!input.trim()) return { state: "empty", text: "" };
    if (matches(input, spec.expect, spec.digits)) return { state: "right", text: spec.right };
    for (var i = 0; i < spec.mistakes.length; i++) {
      if (matches(input, spec.mistakes[i].value, spec.digits)) return { state: "hint", text: spec.mistakes[i].hint, kind: spec.mistakes[i].kind };
    }
    return { state: "wrong", text: spec.wrong };
  }

  function init(el) {
    var spec = JSON.parse(el.getAttribute("data-answer"));
    var input = el.querySelector("input");
    var out = el.querySelector("output");
    function check() {
      var v = verdict(spec, input.value);
      el.setAttribute("data-state", v.state);
      if (v.kind) el.setAttribute("data-mistake", v.kind);
      else el.removeAttribute("data-mistake");
      out.textContent = v.text;
    }
    el.querySelector("button").addEventListener("click", check);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        check();
      }
    });
    el.hidden = false;
  }

  window.bpAnswer = { verdict: verdict, parseShape: parseShape, parseNumber: parseNumber, parseArray: parseArray };
  if (window.bpWidgets && window.bpWidgets.define) window.bpWidgets.define("answer", init);
})();
