// The explorer's model in Node (node --test), without a browser. tests/test_explorer_js.py runs it
// with BPX_VECTORS naming a file of the Python reference's answers; every one must come out the same.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const x = require(path.join(__dirname, "..", "..", "docs", "assets", "widgets", "explorer.js"));

const QUESTION = {widths: [2, 3, 2], m: 1, convention: "columns", layout: "denominator", faults: []};

// The first place where two JSON values differ, as a path ("layers.0.chains.1.expected.0"), or null.
function firstDifference(a, b, where) {
  if (a === b) return null;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return where;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference(a[k], b[k], where ? where + "." + k : k);
    if (d !== null) return d;
  }
  return null;
}

test("every reference vector comes out the same", {skip: !process.env.BPX_VECTORS && "BPX_VECTORS not set"}, () => {
  const vectors = JSON.parse(fs.readFileSync(process.env.BPX_VECTORS, "utf8"));
  assert.ok(vectors.length >= 200, `only ${vectors.length} vectors`);
  const drift = [];
  vectors.forEach((v, i) => {
    const d = firstDifference(v, x.compute(v.config), "");
    if (d !== null) drift.push(`vector ${i} ${JSON.stringify(v.config)} differs at ${d}`);
  });
  assert.deepEqual(drift, []);
});

test("the comparison finds a planted difference", () => {
  const v = x.compute(QUESTION);
  const planted = JSON.parse(JSON.stringify(v));
  planted.layers[0].chains[1].steps[0].result = [3, 3];
  assert.equal(firstDifference(v, x.compute(QUESTION), ""), null);
  assert.equal(firstDifference(planted, v, ""), "layers.0.chains.1.steps.0.result.1");
});

test("the question's chain fails at its first product (by hand)", () => {
  const W = x.compute({...QUESTION, faults: ["sigma-vector", "w-not-transposed"]}).layers[0].chains[1];
  assert.deepEqual(W.factors.map(f => f.symbol), ["δ⁽²⁾", "W⁽²⁾", "g′(z⁽¹⁾)", "a⁽⁰⁾ᵀ"]);
  assert.deepEqual(W.factors.map(f => f.shape), [[2, 1], [2, 3], [3, 1], [1, 2]]);
  assert.equal(W.verdict, "mismatch");
  assert.deepEqual(W.steps, [{op: "·", left: [0, 0], right: [1, 1], shapes: [[2, 1], [2, 3]], result: null}]);
});

test("square layers: the missing transpose fits with wrong values (by hand)", () => {
  const square = {...QUESTION, widths: [3, 3, 3], m: 3, faults: ["w-not-transposed"]};
  assert.equal(x.compute(square).layers[0].chains[0].verdict, "values");
  assert.equal(x.compute({...square, m: 1}).layers[0].chains[0].verdict, "mismatch");
  const all = x.compute({...QUESTION, widths: [1, 1, 1], faults: ["w-not-transposed", "sigma-vector", "dw-transposed", "bias-axis"]});
  assert.ok(all.layers.every(l => l.chains.every(c => c.verdict === "correct")), "every array 1×1: nothing changes");
});

test("configurations out of range are refused", () => {
  for (const bad of [{widths: [3]}, {widths: Array(10).fill(3)}, {widths: [0, 2]}, {widths: [1000, 2]}, {m: 0}, {m: 1.5},
                     {convention: "rows"}, {layout: "mixed"}, {faults: ["typo"]}]) {
    assert.throws(() => x.compute({...QUESTION, ...bad}), RangeError, JSON.stringify(bad));
  }
});

test("the state survives the URL", () => {
  const s = {widths: [784, 128, 10], m: 32, convention: "pytorch", layout: "numerator", faults: ["bias-axis", "twice"], layer: 2};
  const q = new URLSearchParams(x.stateQuery(s));
  assert.deepEqual(x.parseState(k => q.get(k), x.DEFAULT), s);
  assert.deepEqual(x.parseWidths(" 3, 5 ,2 "), [3, 5, 2]);
  for (const bad of ["3", "3-", "3-0", "3-1000", "1-2-3-4-5-6-7-8-9-10", "a-b"]) assert.equal(x.parseWidths(bad), null, bad);
  const junk = new URLSearchParams("widths=9999-1&m=-3&storage=rows&layout=x&faults=nope,twice&layer=7");
  assert.deepEqual(x.parseState(k => junk.get(k), x.DEFAULT), {...x.DEFAULT, faults: ["twice"], layer: 2});
});
