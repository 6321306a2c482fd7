// Renders TeX with KaTeX for the MkDocs build (scripts/book/katex.py talks to it).
// Protocol: one JSON request per line on stdin, {"tex": "...", "display": bool};
// one JSON answer per line on stdout, {"html": "..."} or {"error": "..."}.
// Only this protocol goes to stdout, so answers can never mix with log output.
"use strict";
const fs = require("fs");
const readline = require("readline");
const katex = require("katex");

const macros = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

// Unicode letters in math are fine for the book; everything else KaTeX flags is an error.
function strict(code) {
  return code === "unicodeTextInMathMode" ? "ignore" : "error";
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => {
  let answer;
  try {
    const req = JSON.parse(line);
    const html = katex.renderToString(req.tex, {
      displayMode: Boolean(req.display),
      output: "htmlAndMathml",
      throwOnError: true,
      strict,
      trust: false,
      macros: { ...macros }, // a fresh copy: \gdef in one formula must not leak into the next
    });
    answer = { html };
  } catch (e) {
    answer = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
