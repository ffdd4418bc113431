// Type-checks every ```ts block of an `@example` in the TSDoc comments of src/, so that the API's own
// examples cannot drift from the API, as check-readme.mjs does for the README. Each block (its comment
// prefix ` * ` stripped) becomes its own ES module (top-level await allowed) under .examples/, compiled
// against the package's entry points (tsconfig `paths`: aws-refresh-session, /testing, /fp map to src/)
// with the placeholders a reader is meant to supply declared in readme-placeholders.d.ts. An example
// may import only from the public entries or from real packages, never from a module path of src/.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { typecheckBlocks } from "./typecheckBlocks.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, ".examples");

/** Every .ts file under `dir`, sorted, so that the numbering of the blocks is stable. */
const sources = (dir) =>
  readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sources(path);
      return entry.name.endsWith(".ts") ? [path] : [];
    });

/** The ```ts blocks of the `@example` sections of one TSDoc comment (its text, prefixes stripped). */
const examplesOf = (comment) => {
  const lines = comment.split("\n").map((line) => line.replace(/^\s*\*( |$)/, ""));
  const blocks = [];
  let inExample = false;
  let block;
  for (const line of lines) {
    if (block !== undefined) {
      if (/^```\s*$/.test(line)) {
        blocks.push(block.join("\n"));
        block = undefined;
      } else block.push(line);
    } else if (/^@\w+/.test(line)) inExample = line.startsWith("@example");
    else if (inExample && /^```(ts|typescript)\s*$/.test(line)) block = [];
  }
  if (block !== undefined) throw new Error(`an @example block is not closed:\n${comment}`);
  return blocks;
};

const allowedImport =
  /^(aws-refresh-session(\/testing|\/fp)?|fp-ts(\/.*)?|io-ts(\/.*)?|@aws-sdk\/.+|@smithy\/.+|node:.+)$/;
const problems = [];
const written = [];
for (const file of sources(join(root, "src"))) {
  const text = readFileSync(file, "utf8");
  const name = relative(join(root, "src"), file).replace(/\.ts$/, "").replace(/[/\\]/g, "__");
  let n = 0;
  for (const [comment] of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    for (const code of examplesOf(comment)) {
      n += 1;
      const module = `${name}--${String(n).padStart(2, "0")}.mts`;
      for (const [, specifier] of code.matchAll(/\bfrom\s+["']([^"']+)["']/g)) {
        if (!allowedImport.test(specifier))
          problems.push(`${module} (${relative(root, file)}): imports "${specifier}", not a public entry`);
      }
      written.push([module, code]);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  console.error("@example blocks must import from aws-refresh-session, /testing, /fp or a real package");
  process.exit(1);
}
console.log(`type-checking ${written.length} @example blocks of src/`);
if (!typecheckBlocks(root, out, written)) {
  console.error("src/ has @example blocks that do not compile (see above; files in .examples/)");
  process.exit(1);
}
// Kept only when something fails, for reading: `npm run lint` (eslint and prettier on the whole tree)
// would otherwise take the generated modules for sources.
rmSync(out, { recursive: true, force: true });
console.log(`src/: all ${written.length} @example blocks compile`);
