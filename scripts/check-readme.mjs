// Type-checks every ```ts block of README.md, so that the README cannot drift from the API. Each block
// becomes its own ES module (top-level await allowed) under .readme/, compiled against src/ with the
// placeholders the prose leaves to the reader (roleArn, region, ...) declared in readme-placeholders.d.ts.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, ".readme");
rmSync(out, { recursive: true, force: true });
mkdirSync(out);

const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
blocks.forEach((code, i) => {
  // Every block is a module of its own, even one without imports.
  writeFileSync(join(out, `block-${String(i + 1).padStart(2, "0")}.mts`), `${code}\nexport {};\n`);
});
writeFileSync(
  join(out, "tsconfig.json"),
  JSON.stringify(
    {
      extends: "../tsconfig.json",
      compilerOptions: { noEmit: true, rootDir: "..", noUnusedLocals: false },
      include: ["*.mts", "../scripts/readme-placeholders.d.ts"],
    },
    null,
    2,
  ),
);
console.log(`type-checking ${blocks.length} TypeScript blocks of README.md`);
try {
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(out, "tsconfig.json")], {
    stdio: "inherit",
  });
} catch {
  console.error("README.md has TypeScript blocks that do not compile (see above; files in .readme/)");
  process.exit(1);
}
console.log("README.md: every TypeScript block compiles");
