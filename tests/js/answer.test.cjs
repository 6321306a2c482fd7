// The answer field's reading and judging in Node (node --test), without a browser.
// tests/test_answer_js.py runs it on docs/assets/widgets/answer.js, on copies with a fault planted
// (each must fail), and with ANSWER_CASES naming cases judged by the Python rule (book.answers),
// which the JavaScript must judge the same way. Expected values here are worked out by hand.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const a = require(process.env.ANSWER_JS || path.join(__dirname, "..", "..", "docs", "assets", "widgets", "answer.js"));

const num = text => ({kind: "number", text});
const arr = cells => ({kind: "array", shape: [cells.length, cells[0].length], cells});
const SAID = {right: "R", close: "C", wrong: "W", size: "S", unreadable: "U", empty: "E"};
const spec = (expect, mistakes = {}) => ({expect, ...SAID,
  mistakes: Object.entries(mistakes).map(([kind, value]) => ({kind, value, hint: "hint:" + kind}))});
const said = (s, text) => {
  const v = a.verdict(s, text);
  return v.state === "hint" ? v.kind : v.state;
};

test("shapes in every written form", () => {
  for (const t of ["3x2", "3X2", "3×2", "3 × 2", "3 by 2", "3*2", "(3, 2)", "(3,2)", "[3, 2]", " 3x2 "]) {
    assert.deepEqual(a.parseShape(t), [3, 2], t);
  }
  assert.deepEqual(a.parseShape("3 x 3 x 2"), [3, 3, 2]);
  for (const t of ["3", "3x", "x2", "3.5x2", "-3x2", "3 2", "three by two", "", "[[3, 2]]"]) {
    assert.equal(a.parseShape(t), null, t);
  }
});

test("numbers: minus signs, decimal commas, scientific notation; the decimals typed", () => {
  const cases = [
    ["0.0091", [0.0091, 4]], ["-0.0610", [-0.061, 4]], ["\u22120.0610", [-0.061, 4]], ["\u20130.5", [-0.5, 1]],
    ["+2", [2, 0]], [".5", [0.5, 1]], ["-.25", [-0.25, 2]], ["5.", [5, 0]],
    ["6.1e-3", [0.0061, 4]], ["6.10E-2", [0.061, 4]], ["610e-4", [0.061, 4]], ["6e2", [600, -2]],
    ["6.10×10^-2", [0.061, 4]], ["6.10 x 10^(-2)", [0.061, 4]], ["6.1·10⁻³", [0.0061, 4]], ["1.5*10^3", [1500, -2]],
  ];
  for (const [t, want] of cases) {
    const got = a.parseNumber(t, false);
    assert.ok(got, t);
    assert.ok(Math.abs(got[0] - want[0]) < 1e-15, `${t}: ${got[0]}`);
    assert.equal(got[1], want[1], t);
  }
  assert.deepEqual(a.parseNumber("0,0091", true), [0.0091, 4]);
  assert.equal(a.parseNumber("0,0091", false), null, "in a list a comma separates entries");
  for (const t of ["", "abc", "1.2.3", "1e", "--1", "1e400", "0x10", "1/2", "½"]) assert.equal(a.parseNumber(t, true), null, t);
});

test("vectors and matrices in every written form", () => {
  const rows = t => a.readings(t).map(r => r.rows.map(row => row.map(c => c[0])));
  for (const t of ["[0.1, -0.2, 0.3]", "0.1, -0.2, 0.3", "0.1 -0.2 0.3", "(0.1, -0.2, 0.3)", "[0.1 −0.2 0.3]", "[[0.1, -0.2, 0.3]]"]) {
    assert.deepEqual(rows(t), [[[0.1, -0.2, 0.3]]], t);
  }
  for (const t of ["[0.1; -0.2; 0.3]", "[[0.1], [-0.2], [0.3]]", "0.1; -0.2; 0.3;", "[0.1, -0.2, 0.3]ᵀ", "[0.1, -0.2, 0.3]^T"]) {
    assert.deepEqual(rows(t), [[[0.1], [-0.2], [0.3]]], t);
  }
  for (const t of ["[[1, 2], [3, 4]]", "[1, 2; 3, 4]", "[1 2; 3 4]", "1, 2; 3, 4", "[[1,2],[3,4]]", "[[1 2] [3 4]]", "[(1, 2), (3, 4)]"]) {
    assert.deepEqual(rows(t), [[[1, 2], [3, 4]]], t);
  }
  assert.deepEqual(rows("[[1, 2], [3, 4]]ᵀ"), [[[1, 3], [2, 4]]]);
  // A decimal comma makes "1,5" either the list 1, 5 or the number 1.5: both readings are kept.
  assert.deepEqual(rows("1,5"), [[[1, 5]], [[1.5]]]);
  assert.deepEqual(rows("[0,5; -0,25]"), [[[0, 5], [-0, 25]], [[0.5], [-0.25]]]);
  assert.deepEqual(rows("0,5 0,25"), [[[0, 5, 0, 25]], [[0.5, 0.25]]]);
  for (const t of ["", "[1, 2", "[1, x]", "[[1, 2] 3]", "[1;;2]", "[[1, 2], [3]]ᵀ"]) assert.deepEqual(rows(t), [], t);
});

test("one unit of the last printed digit is right; fewer decimals are close (edges by hand)", () => {
  const e = (x, typed, text) => a.entry(x, typed, text);
  assert.equal(e(-0.061, 4, "-0.0610"), "right");
  assert.equal(e(-0.0611, 4, "-0.0610"), "right", "one unit off: a result from rounded tables");
  assert.equal(e(-0.0609, 4, "-0.0610"), "right");
  assert.equal(e(-0.0612, 4, "-0.0610"), null, "two units off");
  assert.equal(e(-0.06104, 5, "-0.0610"), "right", "more decimals than printed");
  assert.equal(e(-0.06116, 5, "-0.0610"), null);
  assert.equal(e(-0.061, 3, "-0.0610"), "right", "a trailing zero left out");
  assert.equal(e(-0.06, 2, "-0.0610"), "close");
  assert.equal(e(-0.1, 1, "-0.0610"), "close");
  assert.equal(e(-0.05, 2, "-0.0610"), null, "-0.0610 does not round to -0.05");
  assert.equal(e(0, 0, "-0.0610"), null, "nothing typed is not close");
  assert.equal(e(0.06, 2, "-0.0610"), null, "the sign is wrong");
  // the close edge is half a unit of the reader's last digit
  assert.equal(e(0.062, 3, "0.0615"), "close");
  assert.equal(e(0.061, 3, "0.0615"), "close");
  assert.equal(e(0.063, 3, "0.0615"), null);
  // whole numbers are exact
  assert.equal(e(5, 0, "5"), "right");
  assert.equal(e(5, 1, "5"), "right");
  assert.equal(e(4, 0, "5"), null);
  assert.equal(e(5.4, 1, "5"), null);
  assert.equal(e(0.5, 1, "0.50"), "right");
  assert.equal(e(0.49, 2, "0.50"), "right");
  assert.equal(e(0.48, 2, "0.50"), null);
});

test("a number: right, each mistake, close, size, wrong, unreadable, empty", () => {
  const s = spec(num("-0.0610"), {sign: num("0.0610"), "wrong-layer": num("-0.0555")});
  const cases = {
    "-0.0610": "right", "−0.061": "right", "-0,0610": "right", "-6.10e-2": "right", "[-0.0610]": "right", "-0.0611": "right",
    "0.0610": "sign", "+0.061": "sign", "-0.0555": "wrong-layer", "-0.0556": "wrong-layer",
    "-0.06": "close", "0.06": "sign", "-0.055": "wrong-layer",
    "[-0.0610, 0.0610]": "size", "1": "wrong", "-0.0612": "wrong", "0": "wrong", "abc": "unreadable", "3x2": "unreadable",
    "": "empty", "   ": "empty",
  };
  for (const [t, want] of Object.entries(cases)) assert.equal(said(s, t), want, t);
  assert.equal(a.verdict(s, "0.0610").text, "hint:sign");
  assert.equal(a.verdict(s, "-0.06").text, "C");
  assert.equal(a.verdict(s, "").text, "E");
});

test("a vector: a row or a column; each entry judged", () => {
  const v = arr([["0.0091"], ["0.0167"], ["-0.0173"]]);
  const s = spec(v, {sign: arr([["-0.0091"], ["-0.0167"], ["0.0173"]]), "missing-gprime": arr([["0.0364"], ["0.0668"], ["-0.0692"]])});
  const cases = {
    "[0.0091, 0.0167, -0.0173]": "right", "0.0091, 0.0167, -0.0173": "right", "[0.0091; 0.0167; -0.0173]": "right",
    "[0,0091; 0,0167; −0,0173]": "right", "0.0092 0.0166 -0.0174": "right",
    "[-0.0091, -0.0167, 0.0173]": "sign", "[0.0364, 0.0668, -0.0692]": "missing-gprime",
    "[0.009, 0.017, -0.017]": "close", "[0.0091, 0.017, -0.0173]": "close",
    "[0.0091, 0.0167]": "size", "[[0.0091, 0.0167], [-0.0173, 0]]": "size",
    "[0.0091, 0.0167, 0.0173]": "wrong", "[0.0091, 0.0167, -0.0173, 0]": "size",
  };
  for (const [t, want] of Object.entries(cases)) assert.equal(said(s, t), want, t);
});

test("a matrix: rows and columns must fit; the transpose is a mistake of its own", () => {
  const s = spec(arr([["1.00", "2.00", "3.00"], ["4.00", "5.00", "6.00"]]),
                 {transpose: arr([["1.00", "4.00"], ["2.00", "5.00"], ["3.00", "6.00"]]), "mean-vs-sum": arr([["0.50", "1.00", "1.50"], ["2.00", "2.50", "3.00"]])});
  const cases = {
    "[[1, 2, 3], [4, 5, 6]]": "right", "[1, 2, 3; 4, 5, 6]": "right", "[[1, 4], [2, 5], [3, 6]]ᵀ": "right",
    "[[1, 4], [2, 5], [3, 6]]": "transpose", "[1 4; 2 5; 3 6]": "transpose",
    "[0.5, 1, 1.5; 2, 2.5, 3]": "mean-vs-sum",
    "[1, 2, 3, 4, 5, 6]": "size", "[[1, 2], [4, 5]]": "size", "[[1, 2, 3], [4, 5, 7]]": "wrong",
  };
  for (const [t, want] of Object.entries(cases)) assert.equal(said(s, t), want, t);
});

test("a shape: exact; the transpose is its mistake; a 1-D shape is a column", () => {
  const s = spec({kind: "shape", shape: [3, 2]}, {transpose: {kind: "shape", shape: [2, 3]}});
  const cases = {"3x2": "right", "3×2": "right", "3 by 2": "right", "(3, 2)": "right", "2x3": "transpose", "3x3": "wrong",
                 "3x2x1": "wrong", "3": "unreadable", "0.5": "unreadable", "": "empty"};
  for (const [t, want] of Object.entries(cases)) assert.equal(said(s, t), want, t);
  assert.equal(said(spec({kind: "shape", shape: [3]}), "3×1"), "right");
});

test("the order of the verdicts: right, a mistake, close, close to a mistake", () => {
  // the mistake 0.0620 is twenty units above the answer 0.0600: each typed as printed gets its own verdict
  const s = spec(num("0.0600"), {sign: num("-0.0600"), "mean-vs-sum": num("0.0620")});
  assert.equal(said(s, "0.0601"), "right");
  // where a mistake is as near as the answer (the build refuses such a pair), the answer wins
  assert.equal(said(spec(num("0.0600"), {sign: num("0.0601")}), "0.0600"), "right", "right is tried before any mistake");
  assert.equal(said(spec(num("0.0600"), {sign: num("0.0601")}), "0.0602"), "sign");
  // fewer digits near both: close to the answer wins over close to a mistake
  assert.equal(said(spec(num("0.0600"), {sign: num("0.0640")}), "0.06"), "right");
  assert.equal(said(spec(num("0.0610"), {sign: num("0.0640")}), "0.06"), "close");
  assert.equal(said(spec(num("0.0660"), {sign: num("0.0640")}), "0.06"), "sign");
  assert.equal(said(s, "0.0621"), "mean-vs-sum");
  assert.equal(said(s, "0.06"), "right", "0.06 is 0.0600 without its trailing zeros");
  assert.equal(said(s, "-0.06"), "sign");
  // decimal commas: "0,0600" is only a number when read with the comma as a decimal point
  assert.equal(said(s, "0,0600"), "right");
});

test("with ANSWER_CASES, every case the Python rule judged is judged the same", {skip: !process.env.ANSWER_CASES && "ANSWER_CASES not set"}, () => {
  const cases = JSON.parse(fs.readFileSync(process.env.ANSWER_CASES, "utf8"));
  assert.ok(cases.length >= 1000, `only ${cases.length} cases`);
  const drift = [];
  cases.forEach((c, i) => {
    const got = a.judge(c.spec, c.typed);
    if (got.state !== c.verdict.state || got.kind !== c.verdict.kind) {
      drift.push(`case ${i}: Python says ${JSON.stringify(c.verdict)}, JavaScript ${JSON.stringify(got)} for ${JSON.stringify(c.typed)}`);
    }
  });
  assert.deepEqual(drift.slice(0, 5), []);
});
