// Finishes the two builds that tsc emits (see "build" in package.json):
//
// - dist/cjs: CommonJS, what Node runs for both `require` and `import`. tsc's declarations stay; its
//   JavaScript is replaced by one file, dist/cjs/library.js, made by esbuild with fp-ts, io-ts and
//   retry-ts inlined from their ES module builds and tree-shaken: loading one file instead of some 60
//   modules is what keeps `require("aws-refresh-session")` near 8 ms on top of @aws-sdk/client-sts
//   (`npm run bench`, row 10). The three entries re-export their part of it, so the main entry, the
//   testing and fp subpaths share one copy. Node's `import` gets a small ES module wrapper (index.mjs)
//   that re-exports the CommonJS entry by name, so a program that uses both never holds two copies
//   (two caches, two sets of timers) of the library.
// - dist/esm: real ES modules for bundlers (the package's "module" condition): each file imports the
//   ES module builds of fp-ts, io-ts and retry-ts, so a bundler keeps only what a program uses. Node
//   cannot run those builds (their imports have no file extensions), which is why Node gets the
//   CommonJS build. Where both builds do meet in one process (a bundle beside an unbundled
//   dependency), the error classes' brand checks keep `instanceof` working.
//
// Every import in dist/esm is rewritten to a path a bundler resolves without guessing, and checked:
// the build fails on an import it does not know how to rewrite.
import { existsSync, statSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { init, parse } from "es-module-lexer";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const entries = ["index", "testing/index", "fp/index"];
const { dependencies } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));

// 1. The CommonJS build: one file for the whole library, and three entries that re-export from it.
const cjs = join(root, "dist", "cjs");
const parts = { index: "main", "testing/index": "testing", "fp/index": "fp" };
await build({
  stdin: {
    contents: Object.entries(parts)
      .map(([entry, part]) => `export * as ${part} from "./src/${entry}";`)
      .join("\n"),
    resolveDir: root,
    loader: "ts",
    sourcefile: "library.ts",
  },
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  keepNames: true,
  // fp-ts, io-ts and retry-ts from their ES module builds, which esbuild tree-shakes.
  mainFields: ["module", "main"],
  // The SDK stays the user's one copy; proper-lockfile is loaded at the first lock.
  external: ["@aws-sdk/*", "@smithy/*", "proper-lockfile"],
  sourcemap: true,
  sourcesContent: false,
  outfile: join(cjs, "library.js"),
  logLevel: "warning",
});
for (const file of await readdir(cjs, { recursive: true })) {
  if (/\.js(\.map)?$/.test(file) && !file.startsWith("library.js")) await rm(join(cjs, file));
}
for (const [entry, part] of Object.entries(parts)) {
  const up = entry.includes("/") ? "../" : "./";
  await writeFile(
    join(cjs, `${entry}.js`),
    `"use strict";\nmodule.exports = require("${up}library.js").${part};\n`,
  );
}

// 2. Node's `import`: wrappers beside the CommonJS entries.
for (const entry of entries) {
  const cjsPath = join(root, "dist", "cjs", `${entry}.js`);
  const names = Object.keys(require(cjsPath)).filter((name) => name !== "__esModule" && name !== "default");
  const wrapper = cjsPath.replace(/\.js$/, ".mjs");
  const base = `./${entry.split("/").pop()}.js`;
  await writeFile(
    wrapper,
    // Loaded with require, not `import`: Node's ES module loader takes about 11 ms longer to load a
    // CommonJS graph than require does (measured on Node 20), and require's cache is the one that
    // `require("aws-refresh-session")` uses, so both reach the same instance.
    `import { createRequire } from "node:module";\n\nconst cjs = createRequire(import.meta.url)("${base}");\n\nexport const {\n${names.map((name) => `  ${name},`).join("\n")}\n} = cjs;\n`,
  );
  await writeFile(wrapper.replace(/\.mjs$/, ".d.mts"), `export * from "${base}";\n`);
  console.log(`dist/cjs/${entry}.mjs: ${names.length} exports`);
}

// 3. Bundlers: the ES module build.
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
  // @smithy/property-provider re-exports @smithy/core/config from its CommonJS build, which bundlers
  // cannot tree-shake; the ES module build of @smithy/core/config they can (checked: same classes).
  if (specifier === "@smithy/property-provider") return "@smithy/core/config";
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

/** The names @smithy/property-provider and @smithy/core/config both export as the same value. */
const sameInCoreConfig = new Set(
  Object.keys(require("@smithy/property-provider")).filter(
    (name) => require("@smithy/property-provider")[name] === require("@smithy/core/config")[name],
  ),
);
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
  for (const { specifier, start, end, type, importStart, importEnd } of [...imports].reverse()) {
    if (specifier === undefined) continue;
    if (specifier === "@smithy/property-provider") {
      const names = /\{([^}]*)\}/.exec(source.slice(importStart, importEnd))?.[1]?.split(",") ?? ["*"];
      for (const name of names.map((n) => n.trim().split(/\s+as\s+/)[0]).filter(Boolean)) {
        if (!sameInCoreConfig.has(name)) {
          throw new Error(
            `${relative(root, file)}: ${name} of @smithy/property-provider is not @smithy/core/config's`,
          );
        }
      }
    }
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
