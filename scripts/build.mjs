// Finishes the two builds that tsc emits (see "build" in package.json):
//
// - dist/cjs: CommonJS, what Node runs for both `require` and `import`. Node's `import` gets a small
//   ES module wrapper (index.mjs) that re-exports the CommonJS entry by name, so a program that uses
//   both never holds two copies (two caches, two sets of timers) of the library.
// - dist/esm: real ES modules for bundlers (the package's "module" condition): each file imports the
//   ES module builds of fp-ts, io-ts and retry-ts, so a bundler keeps only what a program uses. Node
//   cannot run those builds (their imports have no file extensions), which is why Node gets the
//   CommonJS build. Where both builds do meet in one process (a bundle beside an unbundled
//   dependency), the error classes' brand checks keep `instanceof` working.
//
// Every import in dist/esm is rewritten to a path a bundler resolves without guessing, and checked:
// the build fails on an import it does not know how to rewrite.
import { existsSync, statSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { init, parse } from "es-module-lexer";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const entries = ["index", "testing/index", "fp/index"];
const { dependencies } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));

// 1. Node's `import`: wrappers beside the CommonJS entries.
for (const entry of entries) {
  const cjsPath = join(root, "dist", "cjs", `${entry}.js`);
  const names = Object.keys(require(cjsPath)).filter((name) => name !== "__esModule" && name !== "default");
  const wrapper = cjsPath.replace(/\.js$/, ".mjs");
  const base = `./${entry.split("/").pop()}.js`;
  await writeFile(
    wrapper,
    `import cjs from "${base}";\n\nexport const {\n${names.map((name) => `  ${name},`).join("\n")}\n} = cjs;\n`,
  );
  await writeFile(wrapper.replace(/\.mjs$/, ".d.mts"), `export * from "${base}";\n`);
  console.log(`dist/cjs/${entry}.mjs: ${names.length} exports`);
}

// 2. Bundlers: the ES module build.
const esm = join(root, "dist", "esm");
// The folder's own package.json: its .js files are ES modules, and importing one has no side effects.
await writeFile(
  join(esm, "package.json"),
  `${JSON.stringify({ type: "module", sideEffects: false }, null, 2)}\n`,
);

/** The ES module build of a dependency that publishes one beside its CommonJS build. */
const esModuleOf = (specifier) => {
  const match = /^(fp-ts|io-ts|retry-ts)(?:\/(.+))?$/.exec(specifier);
  if (match === null) return undefined;
  const [, name, subpath = "index"] = match;
  const target = `${name}/es6/${subpath}.js`;
  if (!existsSync(require.resolve(target))) throw new Error(`${target} does not exist`);
  return target;
};

const rewrite = (file, specifier) => {
  if (specifier.startsWith(".")) {
    const base = join(dirname(file), specifier);
    if (existsSync(`${base}.js`)) return `${specifier}.js`;
    if (existsSync(base) && statSync(base).isDirectory() && existsSync(join(base, "index.js")))
      return `${specifier}/index.js`;
    throw new Error(`${relative(root, file)}: cannot resolve ${specifier}`);
  }
  if (specifier.startsWith("node:")) return specifier;
  const esModule = esModuleOf(specifier);
  if (esModule !== undefined) return esModule;
  const name = specifier.startsWith("@")
    ? specifier.split("/").slice(0, 2).join("/")
    : specifier.split("/")[0];
  if (!(name in dependencies)) throw new Error(`${relative(root, file)}: ${specifier} is not a dependency`);
  return specifier;
};

// proper-lockfile is loaded on first use with `require` in the CommonJS build. Here it is a static
// import: bundlers put it in the one output file (an `import()` makes rollup and webpack write a second
// chunk that is easy to leave behind), and only a program that uses fileCache has it, since an unused
// fileCache.js is dropped whole.
const deferredRequire = /require\("(proper-lockfile)"\)/g;

const files = (await readdir(esm, { recursive: true }))
  .filter((file) => file.endsWith(".js"))
  .map((file) => join(esm, file));
await init;
let rewritten = 0;
for (const file of files) {
  let source = await readFile(file, "utf8");
  if (source.includes(`require("proper-lockfile")`)) {
    source = `import * as properLockfile from "proper-lockfile";\n${source.replace(deferredRequire, "properLockfile")}`;
  }
  if (/\brequire\(/.test(source.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ""))) {
    throw new Error(`${relative(root, file)}: a require() that the ES module build cannot keep`);
  }
  const [imports] = parse(source);
  // From the end, so that earlier positions stay valid.
  for (const { specifier, start, end, type } of [...imports].reverse()) {
    if (specifier === undefined) continue;
    const target = rewrite(file, specifier);
    if (target !== specifier) {
      // A dynamic import's range includes its quotes; there is none to rewrite.
      if (type !== "static")
        throw new Error(`${relative(root, file)}: cannot rewrite import("${specifier}")`);
      source = `${source.slice(0, start)}${target}${source.slice(end)}`;
      rewritten++;
    }
  }
  await writeFile(file, source);
}
console.log(`dist/esm: ${files.length} ES modules, ${rewritten} imports rewritten`);
