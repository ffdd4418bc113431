// Type-checks every ```ts block of README.md, so that the README cannot drift from the API. Each block
// becomes its own ES module (top-level await allowed) under .readme/, compiled against src/ with the
// placeholders the prose leaves to the reader (roleArn, region, ...) declared in readme-placeholders.d.ts.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { typecheckBlocks } from "./typecheckBlocks.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match, i) => [
  `block-${String(i + 1).padStart(2, "0")}.mts`,
  match[1],
]);
console.log(`type-checking ${blocks.length} TypeScript blocks of README.md`);
if (!typecheckBlocks(root, join(root, ".readme"), blocks)) {
  console.error("README.md has TypeScript blocks that do not compile (see above; files in .readme/)");
  process.exit(1);
}
console.log("README.md: every TypeScript block compiles");
