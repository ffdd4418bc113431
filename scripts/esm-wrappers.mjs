// Writes the ES module entry points: each re-exports, by name, the CommonJS build of the same entry.
// One implementation serves both `import` and `require`, so a program that uses both never holds two
// copies (two caches, two sets of timers) of the library: the dual-package hazard does not arise.
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const entries = ["index", "testing/index", "fp/index"];

for (const entry of entries) {
  const cjsPath = join(root, "dist", "cjs", `${entry}.js`);
  const names = Object.keys(require(cjsPath)).filter((name) => name !== "__esModule" && name !== "default");
  const esmPath = join(root, "dist", "esm", `${entry}.mjs`);
  await mkdir(dirname(esmPath), { recursive: true });
  const target = relative(dirname(esmPath), cjsPath).split("\\").join("/");
  const cjsTypes = target.replace(/\.js$/, ".js");
  await writeFile(
    esmPath,
    `import cjs from "${target}";\n\nexport const {\n${names.map((name) => `  ${name},`).join("\n")}\n} = cjs;\n`,
  );
  await writeFile(esmPath.replace(/\.mjs$/, ".d.mts"), `export * from "${cjsTypes}";\n`);
  console.log(`dist/esm/${entry}.mjs: ${names.length} exports`);
}
