/* Shape explorer: every factor of the backward pass of one layer, with its shape, drawn to scale.
   The model (compute) mirrors scripts/backprop/explorer.py and has no DOM, so Node tests it too;
   the build's test vectors hold it to the Python reference. Labels (B1)-(B4) are the book's. */
(function (root) {
  "use strict";
  var CONVENTIONS = ["columns", "pytorch", "cs231n"];
  var LAYOUTS = ["denominator", "numerator"];
  var FAULTS = ["sigma-vector", "w-not-transposed", "twice", "wrong-layer", "dw-transposed", "bias-axis", "mean-twice"];
  var MAX_LAYERS = 8, MAX_WIDTH = 999, T = "ᵀ";
  var SUP = {"(": "⁽", ")": "⁾", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹"};

  function sup(k) {
    return ("(" + k + ")").replace(/[0-9()]/g, function (c) { return SUP[c]; });
  }
  function isWidth(n) {
    return Number.isInteger(n) && n >= 1 && n <= MAX_WIDTH;
  }

  // The configuration in canonical form (faults in FAULTS order); throws if it is not one.
  function checkConfig(c) {
    var widths = (c.widths || []).map(Number), m = Number(c.m), faults = c.faults || [];
    if (widths.length < 2 || widths.length > MAX_LAYERS + 1 || !widths.every(isWidth)) {
      throw new RangeError("widths: 2 to " + (MAX_LAYERS + 1) + " numbers from 1 to " + MAX_WIDTH);
    }
    if (!isWidth(m)) throw new RangeError("m: a whole number from 1 to " + MAX_WIDTH);
    if (CONVENTIONS.indexOf(c.convention) < 0 || LAYOUTS.indexOf(c.layout) < 0) throw new RangeError("convention or layout");
    faults.forEach(function (f) { if (FAULTS.indexOf(f) < 0) throw new RangeError("unknown fault " + f); });
    return {widths: widths, m: m, convention: c.convention, layout: c.layout,
            faults: FAULTS.filter(function (f) { return faults.indexOf(f) >= 0; })};
  }

  // ---------------------------------------------------------------------------
  // The model: the same chains as the Python reference, with shapes instead of arrays.

  function compute(config) {
    var c = checkConfig(config), d = c.widths, m = c.m, L = d.length - 1;
    var rows = c.convention !== "columns", u = c.convention === "cs231n", p = rows !== (c.layout === "numerator");
    function has(f) { return c.faults.indexOf(f) >= 0; }
    function fac(symbol, shape, op) { return {symbol: symbol, shape: shape, op: op || ""}; }
    function join(x, op) { var y = Object.assign({}, x); y.op = op; return y; }
    // a per-example quantity, given in the book's columns; t asks for its transpose
    function act(name, book, t, op) { return fac(name + (t !== rows ? T : ""), t ? [book[1], book[0]] : book, op); }
    function weight(k, t, op) { return fac("W" + sup(k) + (t !== u ? T : ""), t ? [d[k - 1], d[k]] : [d[k], d[k - 1]], op); }
    function ones(n, column, op) { return fac(column ? "1" : "1" + T, column ? [n, 1] : [1, n], op); }
    function overM(op) { return fac("1/m", [], op); }
    function group(factors, t, op) { return {group: factors, T: !!t, op: op || ""}; }

    function deltaItems(l, q) {
      var head, k, delta, slope;
      if (l === L) { // (B1)
        head = [overM(), act("(a" + sup(l) + " − y)", [d[l], m], q, "·")];
      } else { // (B2), δ⁽ˡ⁺¹⁾ from the reference
        k = has("wrong-layer") ? l : l + 1;
        delta = act("δ" + sup(l + 1), [d[l + 1], m], q);
        head = q !== has("w-not-transposed") ? [delta, weight(k, false, "·")] : [weight(k, true), join(delta, "·")];
      }
      slope = act("g′(z" + sup(l) + ")", [d[l], m], q, has("sigma-vector") ? "·" : "⊙");
      return head.concat(has("twice") ? [slope, slope] : [slope]);
    }

    function chains(l) {
      var delta = deltaItems(l, p), n = has("bias-axis") ? d[l] : m, W, b, a, k;
      if (u === has("dw-transposed")) W = [group(delta, p), act("a" + sup(l - 1), [d[l - 1], m], true, "·")]; // (B3)
      else W = [act("a" + sup(l - 1), [d[l - 1], m], false), group(delta, !p, "·")];
      b = p === has("bias-axis") ? [group(delta), ones(n, true, "·")] : [ones(n, false), group(delta, false, "·")]; // (B4)
      if (has("mean-twice")) {
        W = [overM(), join(W[0], "·"), W[1]];
        b = [overM(), join(b[0], "·"), b[1]];
      }
      k = has("wrong-layer") && l > 1 ? l - 1 : l;
      a = p !== has("w-not-transposed") ? [group(delta), weight(k, false, "·")] : [weight(k, true), group(delta, false, "·")];
      var sw = [d[l], d[l - 1]];
      return [
        describe(l, "delta", act("δ" + sup(l), [1, 1], p).symbol, delta, p ? [m, d[l]] : [d[l], m]),
        describe(l, "W", "∂J/∂W" + sup(l), W, u ? [sw[1], sw[0]] : sw),
        describe(l, "b", "∂J/∂b" + sup(l), b, p ? [1, d[l]] : [d[l], 1]),
        describe(l, "a", "∂J/∂a" + sup(l - 1), a, p ? [m, d[l - 1]] : [d[l - 1], m])
      ];
    }

    function describe(l, name, target, items, expected) {
      var factors = [], grp = null, steps = [];
      items.forEach(function (item) {
        if (item.group) {
          grp = {first: factors.length, last: factors.length + item.group.length - 1, T: item.T};
          factors.push(join(item.group[0], item.op));
          factors = factors.concat(item.group.slice(1));
        } else factors.push(item);
      });
      var result = multiply(factors, grp, steps), verdict;
      if (!result) verdict = "mismatch";
      else if (result[0] !== expected[0] || result[1] !== expected[1]) verdict = "shape";
      else verdict = valuesWrong(l, name) ? "values" : "correct";
      return {name: name, target: target, factors: factors, group: grp, steps: steps,
              result: result, expected: expected, verdict: verdict};
    }

    // The chain multiplies and has the variable's shape: do its numbers differ from the reference?
    // A fault changes them unless every array it moves is 1×1 (a number equals its transpose).
    function valuesWrong(l, name) {
      function allOne() { return Array.prototype.every.call(arguments, function (x) { return x === 1; }); }
      var k = has("wrong-layer") ? l : l + 1, ka = has("wrong-layer") && l > 1 ? l - 1 : l;
      return c.faults.some(function (f) {
        switch (f) {
          case "twice": return true;
          case "sigma-vector": return !allOne(d[l], m);
          case "wrong-layer": return l < L || (name === "a" && l > 1);
          case "w-not-transposed":
            return (l < L && !allOne(m, d[l + 1], d[k], d[k - 1])) || (name === "a" && !allOne(m, d[l], d[ka], d[ka - 1]));
          case "dw-transposed": return name === "W" && !allOne(d[l], d[l - 1]);
          case "bias-axis": return name === "b" && !allOne(d[l], m);
          case "mean-twice": return (name === "W" || name === "b") && m > 1;
        }
        return true;
      });
    }

    return {config: c, layers: d.slice(1).map(function (_, i) { return {l: i + 1, chains: chains(i + 1)}; })};
  }

  // One product on shapes: null when it cannot be formed. A scalar has shape [].
  function product(op, left, right) {
    if (op === "⊙") return left.length === 2 && left[0] === right[0] && left[1] === right[1] ? left : null;
    if (!left.length) return right;
    if (!right.length) return left;
    return left[1] === right[0] ? [left[0], right[1]] : null;
  }

  // Left to right, the parenthesised group first; every product goes into steps.
  function multiply(factors, grp, steps) {
    function run(operands) {
      var first = operands[0][0], last = operands[0][1], value = operands[0][2];
      for (var n = 1; n < operands.length; n++) {
        var o = operands[n], result = product(o[3], value, o[2]);
        steps.push({op: o[3], left: [first, last], right: [o[0], o[1]], shapes: [value, o[2]], result: result});
        if (!result) return null;
        value = result;
        last = o[1];
      }
      return value;
    }
    var single = factors.map(function (f, i) { return [i, i, f.shape, f.op]; });
    if (!grp) return run(single);
    var inner = run(single.slice(grp.first, grp.last + 1));
    if (!inner) return null;
    var grouped = [grp.first, grp.last, grp.T ? [inner[1], inner[0]] : inner, factors[grp.first].op];
    return run(single.slice(0, grp.first).concat([grouped], single.slice(grp.last + 1)));
  }

  // ---------------------------------------------------------------------------
  // State in the URL: ?widths=2-3-2&m=1&storage=columns&layout=denominator&faults=twice,bias-axis&layer=1

  function parseWidths(text) {
    var parts = String(text).trim().split(/\s*[-,;×x\s]\s*/);
    var widths = parts.map(function (s) { return /^\d+$/.test(s) ? Number(s) : NaN; });
    return widths.length >= 2 && widths.length <= MAX_LAYERS + 1 && widths.every(isWidth) ? widths : null;
  }

  // A state from query parameters (or data attributes), each falling back to `base`.
  function parseState(get, base) {
    var s = Object.assign({}, base), v;
    if ((v = get("widths")) && parseWidths(v)) s.widths = parseWidths(v);
    if ((v = get("m")) && isWidth(Number(v))) s.m = Number(v);
    if ((v = get("storage") || get("convention")) && CONVENTIONS.indexOf(v) >= 0) s.convention = v;
    if ((v = get("layout")) && LAYOUTS.indexOf(v) >= 0) s.layout = v;
    if ((v = get("faults")) !== null && v !== undefined) {
      s.faults = String(v).split(",").filter(function (f) { return FAULTS.indexOf(f) >= 0; });
    }
    if ((v = get("layer")) && /^\d+$/.test(v)) s.layer = Number(v);
    s.layer = Math.min(Math.max(s.layer || 1, 1), s.widths.length - 1);
    return s;
  }

  function stateQuery(s) {
    return "widths=" + s.widths.join("-") + "&m=" + s.m + "&storage=" + s.convention + "&layout=" + s.layout +
      "&faults=" + s.faults.join(",") + "&layer=" + s.layer;
  }

  var DEFAULT = {widths: [2, 3, 2], m: 1, convention: "columns", layout: "denominator", faults: [], layer: 1};
  var api = {compute: compute, checkConfig: checkConfig, parseWidths: parseWidths, parseState: parseState,
             stateQuery: stateQuery, FAULTS: FAULTS, CONVENTIONS: CONVENTIONS, LAYOUTS: LAYOUTS, DEFAULT: DEFAULT};
  if (typeof module === "object" && module.exports) module.exports = api;
  if (typeof document === "undefined") return;
  root.bpExplorer = api;

  // ---------------------------------------------------------------------------
  // Drawing: each matrix a box of cols × rows cells, clamped at 12 with a break mark (as chain_svg)

  var UNIT = 14, MAXC = 12, FONT = 14, SMALL = 13, PAD = 10, GAP = 26, PAREN = 9; // UNIT: 10 on a phone
  var NARROW = /[⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾ᵀ′ilj.,:;·()[\]|1 ]/;

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (ch) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[ch]; });
  }
  function textWidth(s, size) {
    var w = 0;
    for (var i = 0; i < s.length; i++) w += NARROW.test(s[i]) ? 0.35 : 0.6;
    return w * size;
  }
  function dims(shape) { return shape.length ? shape[0] + "×" + shape[1] : "scalar"; }
  function drawn(n) { return Math.min(n, MAXC) * UNIT; }
  function unitFor(width) { return width < 600 ? 10 : 14; } // a hidden host (closed details, other tab) has width 0
  function num(v) { return Math.round(v * 10) / 10; }

  function box(x, y, shape, cls, extra) {
    var w = drawn(shape[1]), h = drawn(shape[0]), out = '<rect class="' + cls + '" x="' + num(x) + '" y="' + num(y) +
      '" width="' + w + '" height="' + h + '" data-rows="' + shape[0] + '" data-cols="' + shape[1] + '"' + (extra || "") + "/>";
    [[shape[1], true], [shape[0], false]].forEach(function (cut) { // zigzags across a clamped side
      if (cut[0] <= MAXC) return;
      for (var off = -3; off <= 3; off += 6) {
        var pts = [];
        for (var i = 0; i <= 6; i++) {
          var t = i / 6, zig = i % 2 ? 3 : -3;
          pts.push(cut[1] ? [x + w * 0.7 + off + zig, y - 3 + t * (h + 6)] : [x - 3 + t * (w + 6), y + h * 0.7 + off + zig]);
        }
        out += '<polyline class="bpx-cut" points="' + pts.map(function (q) { return num(q[0]) + "," + num(q[1]); }).join(" ") + '"/>';
      }
    });
    return out;
  }

  function text(x, y, s, cls) {
    return "<text" + (cls ? ' class="' + cls + '"' : "") + ' x="' + num(x) + '" y="' + num(y) + '">' + esc(s) + "</text>";
  }
  function circle(x, y, r, cls, extra) {
    return '<circle class="' + cls + '" cx="' + num(x) + '" cy="' + num(y) + '" r="' + r + '"' + (extra || "") + "/>";
  }
  function paren(x, top, bottom, bulge) { // a tall bracket: bulge < 0 opens, > 0 closes
    return '<path class="bpx-paren" d="M' + num(x) + " " + top + "Q" + num(x + bulge) + " " + num((top + bottom) / 2) + " " +
      num(x) + " " + bottom + '"/>';
  }

  // The chain as factors drawn to scale, the operators between them, and the result after "=".
  // The product that cannot be formed: its operator red with ≠ below, its two operands outlined in red.
  function chainSvg(chain) {
    var f = chain.factors, g = chain.group, fits = chain.verdict === "correct" || chain.verdict === "values";
    var bad = chain.verdict === "mismatch" ? chain.steps[chain.steps.length - 1] : null;
    var items = f.map(function (x, i) { return {label: x.symbol, shape: x.shape, i: i}; });
    items.push({label: chain.target, shape: chain.result || chain.expected, result: true});
    var zone = Math.max(UNIT, Math.max.apply(null, items.map(function (it) { return it.shape.length ? drawn(it.shape[0]) : 0; })));
    var labelY = PAD + FONT, top = labelY + 10, bottom = top + zone, mid = top + zone / 2, dimsY = bottom + 8 + SMALL;
    var out = [], x = PAD;
    function inRange(i, r) { return r && i >= r[0] && i <= r[1]; }
    items.forEach(function (it, n) {
      var i = it.i, w = it.shape.length ? drawn(it.shape[1]) : 0;
      var note = !it.result || fits ? dims(it.shape) : chain.result ? dims(it.shape) + ", needs " + dims(chain.expected) : "needs " + dims(it.shape);
      var width = Math.max(w, textWidth(it.label, FONT), textWidth(note, SMALL), 12);
      if (it.result) {
        out.push(text(x + GAP / 2, mid + 6, "=", "bpx-op"));
        x += GAP;
      } else if (n > 0) {
        var ox = x + GAP / 2 - (g && i === g.first ? PAREN / 2 : 0), red = bad && bad.right[0] === i ? " bpx-bad" : "";
        if (f[i].op === "⊙") out.push(circle(ox, mid, 5, "bpx-had" + red));
        out.push(circle(ox, mid, red ? 4 : 2.2, "bpx-dot" + red));
        if (red) out.push(text(ox, dimsY, "≠", "bpx-ne"));
        x += GAP;
      }
      if (g && i === g.first) {
        out.push(paren(x + 6, top - 4, bottom + 4, -8));
        x += PAREN;
      }
      var cx = x + width / 2, cls = it.result ? "bpx-res" + (fits ? "" : " bpx-bad") : "bpx-fac";
      if (!it.result && (inRange(i, bad && bad.left) || inRange(i, bad && bad.right))) cls += " bpx-bad";
      var attrs = it.result ? (chain.result ? "" : ' stroke-dasharray="5 3"') : ' data-i="' + i + '" data-shape="' + dims(it.shape) + '"';
      out.push(it.shape.length ? box(cx - w / 2, mid - drawn(it.shape[0]) / 2, it.shape, cls, attrs) : circle(cx, mid, 4, cls, attrs));
      out.push(text(cx, labelY, it.label), text(cx, dimsY, note, "bpx-dims"));
      x += width;
      if (g && i === g.last) {
        out.push(paren(x + 2, top - 4, bottom + 4, 8));
        if (g.T) out.push(text(x + 15, top + 6, T, "bpx-t"));
        x += PAREN + (g.T ? 6 : 0);
      }
    });
    var W = Math.ceil(x + PAD), H = Math.ceil(dimsY + PAD);
    return '<svg class="bpx-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + W + " " + H + '" width="' + W + '" height="' + H +
      '" style="min-width:' + Math.round(W * 0.85) + 'px" aria-hidden="true" focusable="false">' + out.join("") + "</svg>";
  }

  // ---------------------------------------------------------------------------
  // Words for the chains (what a screen reader hears, and what the diagram says in text)

  var NAMES = {delta: ["(B2)", "(B1)"], W: ["(B3)"], b: ["(B4)"], a: [""]};
  var VERDICT = {correct: "✓", mismatch: "✗", shape: "▭", values: "≠"};
  var SAY = {correct: "correct", mismatch: "no product", shape: "wrong shape", values: "wrong values"};

  function rangeText(chain, r) {
    var g = chain.group, parts = [];
    for (var i = r[0]; i <= r[1]; i++) {
      var s = (i > r[0] ? chain.factors[i].op + " " : "") + (g && i === g.first && r[0] <= g.first && r[1] >= g.last ? "(" : "") +
        chain.factors[i].symbol + (g && i === g.last && r[0] <= g.first && r[1] >= g.last ? ")" + (g.T ? T : "") : "");
      parts.push(s);
    }
    return parts.join(" ");
  }
  function formula(chain) { return rangeText(chain, [0, chain.factors.length - 1]); }

  function shapesText(s) { return dims(s.shapes[0]) + " " + s.op + " " + dims(s.shapes[1]); }

  function stepText(chain, s) {
    var head = rangeText(chain, s.left) + "  " + s.op + "  " + rangeText(chain, s.right) + ": " + shapesText(s);
    if (s.result) return head + " → " + dims(s.result);
    if (s.op === "⊙") return head + ": ⊙ needs two arrays of the same shape";
    var c = s.shapes[0][1], r = s.shapes[1][0];
    return head + ": " + c + " column" + (c === 1 ? "" : "s") + " against " + r + " row" + (r === 1 ? "" : "s") + ", no product";
  }

  function verdictText(chain) {
    var bad = chain.steps[chain.steps.length - 1];
    switch (chain.verdict) {
      case "correct": return "Every product conforms; the result is " + dims(chain.result) + " and equals the reference.";
      case "mismatch": return "Product " + chain.steps.length + " does not conform (" + shapesText(bad) + ").";
      case "shape":
        return "Every product conforms, but the result is " + dims(chain.result) + " where " + chain.target + " must be " +
          dims(chain.expected) + ".";
      default: return "The shapes fit (" + dims(chain.result) + "), but the values are wrong: the reference gives other numbers.";
    }
  }

  function summary(model, l) {
    var count = {correct: 0, mismatch: 0, shape: 0, values: 0}, all = {correct: 0, mismatch: 0, shape: 0, values: 0};
    model.layers.forEach(function (layer) {
      layer.chains.forEach(function (ch) { all[ch.verdict]++; if (layer.l === l) count[ch.verdict]++; });
    });
    function say(c) {
      var parts = [];
      if (c.mismatch) parts.push(c.mismatch + " do" + (c.mismatch === 1 ? "es" : "") + " not conform");
      if (c.shape) parts.push(c.shape + " give" + (c.shape === 1 ? "s" : "") + " the wrong shape");
      if (c.values) parts.push(c.values + " fit" + (c.values === 1 ? "s" : "") + " but give" + (c.values === 1 ? "s" : "") + " wrong values");
      if (c.correct) parts.push(c.correct + " correct");
      return parts.join(", ");
    }
    return "Layer " + l + ": " + say(count) + "." + (model.layers.length > 1 ? " All " + model.layers.length + " layers: " + say(all) + "." : "");
  }

  // ---------------------------------------------------------------------------
  // The widget

  var LABELS = {
    columns: "Columns (this book)", pytorch: "Rows, PyTorch nn.Linear", cs231n: "Rows, CS231n",
    denominator: "Denominator", numerator: "Numerator",
    "sigma-vector": "σ′ as a vector (a matrix factor, not ⊙)", "w-not-transposed": "W not transposed (δ W, the question's order)",
    twice: "a factor written twice (g′ twice)", "wrong-layer": "the wrong layer's W (W⁽ˡ⁾ for W⁽ˡ⁺¹⁾)",
    "dw-transposed": "dW = a δᵀ (the factors of (B3) swapped)", "bias-axis": "the bias summed over the wrong axis",
    "mean-twice": "1/m applied twice"
  };
  var uid = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (ch) { node.append(ch); });
    return node;
  }

  function choices(type, name, legend, values, id) {
    return el("fieldset", {class: "bpx-set"}, [el("legend", {}, [legend])].concat(values.map(function (v) {
      var input = el("input", {type: type, name: name + id, value: v, id: id + "-" + v});
      return el("label", {for: id + "-" + v}, [input, " " + LABELS[v]]);
    })));
  }

  function faultSet(legend, values, id) {
    return el("fieldset", {class: "bpx-set bpx-faults"}, [el("legend", {}, [legend])].concat(values.map(function (f) {
      return el("label", {for: id + "-" + f}, [el("input", {type: "checkbox", value: f, id: id + "-" + f}), " " + LABELS[f]]);
    })));
  }

  // syncUrl: this explorer keeps its state in the address bar (the standalone page's, data-url="state").
  // An explorer embedded in a chapter ignores the address bar, and its link opens the standalone page:
  // the href of the link with class bpx-home in its fallback content (the engine resolved it).
  function Explorer(host, syncUrl) {
    var id = "bpx" + ++uid, data = host.dataset, home = host.querySelector("a.bpx-home");
    var homeUrl = home ? home.href.replace(/[?#].*$/, "") : null;
    var base = parseState(function (k) { return data[k === "storage" ? "convention" : k] || null; }, DEFAULT);
    var state = syncUrl ? parseState(function (k) { return new URLSearchParams(location.search).get(k); }, base) : base;
    var widths = el("input", {id: id + "-w", type: "text", inputmode: "numeric", autocomplete: "off", spellcheck: "false",
                              "aria-describedby": id + "-wh"});
    var m = el("input", {id: id + "-m", type: "number", min: "1", max: String(MAX_WIDTH), inputmode: "numeric"});
    var layer = el("select", {id: id + "-l"});
    var help = el("span", {id: id + "-wh", class: "bpx-help"}, ["d₀-d₁-…-d_L: 2 to 9 numbers from 1 to 999"]);
    var form = el("form", {class: "bpx-form", "aria-label": "Shape explorer settings"}, [
      el("div", {class: "bpx-sizes"}, [
        el("div", {class: "bpx-field bpx-wide"}, [el("label", {for: id + "-w"}, ["Layer widths"]), widths, help]),
        el("div", {class: "bpx-field"}, [el("label", {for: id + "-m"}, ["Batch size m"]), m]),
        el("div", {class: "bpx-field"}, [el("label", {for: id + "-l"}, ["Show layer l"]), layer])
      ]),
      choices("radio", "storage", "Storage", CONVENTIONS, id),
      choices("radio", "layout", "Layout", LAYOUTS, id),
      faultSet("Faults from the question", FAULTS.slice(0, 4), id),
      faultSet("Common faults", FAULTS.slice(4), id)
    ]);
    var status = el("p", {class: "bpx-status", role: "status", "aria-live": "polite"});
    var table = el("table", {class: "bpx-overview"});
    var out = el("div", {class: "bpx-chains"});
    var link = el("a", {class: "bpx-link", href: "?" + stateQuery(state)},
                  [syncUrl ? "Link to this configuration" : "Open this configuration in the shape explorer"]);
    var scroll = el("div", {class: "bpx-scroll"}, [table]), foot = el("p", {class: "bpx-foot"}, [link]);
    host.replaceChildren(el("div", {class: "bpx"}, [form, status, scroll, out].concat(syncUrl || homeUrl ? [foot] : [])));
    host.classList.add("bpx-ready");

    function fill() {
      widths.value = state.widths.join("-");
      m.value = String(state.m);
      form.querySelectorAll("input[type=radio]").forEach(function (r) {
        r.checked = r.value === state.convention || r.value === state.layout;
      });
      form.querySelectorAll("input[type=checkbox]").forEach(function (b) { b.checked = state.faults.indexOf(b.value) >= 0; });
    }

    function render() {
      var model = compute({widths: state.widths, m: state.m, convention: state.convention, layout: state.layout, faults: state.faults});
      state.layer = Math.min(state.layer, model.layers.length);
      layer.replaceChildren.apply(layer, model.layers.map(function (x) {
        var o = el("option", {value: String(x.l)}, [String(x.l)]);
        o.selected = x.l === state.layer;
        return o;
      }));
      var head = el("tr", {}, [el("th", {scope: "col"}, ["l"])].concat(model.layers[0].chains.map(function (ch) {
        return el("th", {scope: "col"}, [ch.target.replace(/⁽.*?⁾/g, "")]);
      })));
      var caption = el("caption", {}, ["Every layer: ✓ correct, ✗ no product, ▭ wrong shape, ≠ wrong values"]);
      table.replaceChildren(caption, el("thead", {}, [head]),
        el("tbody", {}, model.layers.map(function (x) {
          var pick = el("button", {type: "button", "aria-pressed": String(x.l === state.layer), "aria-label": "Show layer " + x.l}, [String(x.l)]);
          pick.addEventListener("click", function () { // the table is redrawn: keep the focus on this layer's button
            state.layer = x.l;
            update();
            table.querySelector("[aria-pressed=true]").focus();
          });
          return el("tr", {}, [el("th", {scope: "row"}, [pick])].concat(x.chains.map(function (ch) {
            return el("td", {"data-verdict": ch.verdict}, [el("span", {"aria-hidden": "true"}, [VERDICT[ch.verdict]]),
                                                          el("span", {class: "bpx-sr"}, [SAY[ch.verdict]])]);
          })));
        })));
      var chosen = model.layers[state.layer - 1];
      UNIT = unitFor(host.clientWidth || innerWidth);
      out.replaceChildren.apply(out, chosen.chains.map(function (ch) {
        var label = NAMES[ch.name][ch.name === "delta" && chosen.l === model.layers.length ? 1 : 0];
        var head = el("p", {class: "bpx-title", id: id + "-" + ch.name}, [ch.target + " " + label]);
        var fig = el("div", {class: "bpx-fig"});
        fig.innerHTML = chainSvg(ch);
        var steps = el("ol", {class: "bpx-steps"}, ch.steps.map(function (s) {
          return el("li", {class: s.result ? "" : "bpx-badstep"}, [stepText(ch, s)]);
        }));
        return el("div", {class: "bpx-chain", role: "group", "aria-labelledby": id + "-" + ch.name, "data-chain": ch.name,
                          "data-verdict": ch.verdict, "data-result": ch.result ? dims(ch.result) : ""}, [
          head, el("p", {class: "bpx-formula"}, [ch.target + " = " + formula(ch)]), fig, steps,
          el("p", {class: "bpx-verdict"}, [el("span", {"aria-hidden": "true"}, [VERDICT[ch.verdict] + " "]), verdictText(ch)])
        ]);
      }));
      scrollers();
      link.href = syncUrl ? "?" + stateQuery(state) + location.hash : homeUrl + "?" + stateQuery(state);
      status.textContent = summary(model, state.layer);
    }

    function scrollers() { // a drawing that scrolls sideways must take the keyboard focus (and only then)
      out.querySelectorAll(".bpx-fig").forEach(function (f) {
        var scrolls = f.scrollWidth > f.clientWidth + 1;
        ["tabindex", "role", "aria-label"].forEach(function (a, n) {
          if (scrolls) f.setAttribute(a, ["0", "region", "chain diagram, scrolls sideways"][n]);
          else f.removeAttribute(a);
        });
      });
    }

    function refuse(message) {
      status.textContent = message + "; the drawing shows the last valid choice.";
    }

    function update() {
      if (syncUrl) history.replaceState(history.state, "", "?" + stateQuery(state) + location.hash);
      render();
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("input", function (e) {
      var t = e.target;
      if (t === widths) {
        var w = parseWidths(widths.value);
        widths.setAttribute("aria-invalid", String(!w));
        help.classList.toggle("bpx-error", !w);
        if (!w) return refuse("Layer widths need 2 to 9 whole numbers from 1 to 999, such as 2-3-2");
        state.widths = w;
      } else if (t === m) {
        var n = Number(m.value), ok = isWidth(n);
        m.setAttribute("aria-invalid", String(!ok));
        if (!ok) return refuse("The batch size m needs a whole number from 1 to 999");
        state.m = n;
      } else if (t === layer) state.layer = Number(layer.value);
      else if (t.type === "radio") state[CONVENTIONS.indexOf(t.value) >= 0 ? "convention" : "layout"] = t.value;
      else if (t.type === "checkbox") {
        state.faults = FAULTS.filter(function (f) { return form.querySelector("#" + id + "-" + f).checked; });
      }
      update();
    });
    var unit = unitFor(host.clientWidth || innerWidth);
    addEventListener("resize", function () { // a phone turned sideways: redraw at the other cell size
      if (unitFor(host.clientWidth || innerWidth) !== unit) { unit = unitFor(host.clientWidth || innerWidth); render(); } else scrollers();
    });
    fill();
    render();
    this.state = state;
    this.set = function (next) { Object.assign(state, next); fill(); update(); };
  }

  function start() {
    var styled = (root.bpWidgets && root.bpWidgets.styled.explorer) || Promise.resolve();
    styled.then(function () {
      api.instances = [];
      var synced = false; // at most one explorer on a page writes the address bar
      document.querySelectorAll('[data-bp-widget="explorer"]').forEach(function (host) {
        if (host.closest(".print-page")) return;
        var sync = !synced && host.getAttribute("data-url") === "state";
        synced = synced || sync;
        api.instances.push(new Explorer(host, sync));
      });
      api.ready = true;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof window !== "undefined" ? window : globalThis);
