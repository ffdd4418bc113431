// Finishes the two builds that tsc emits (see "build" in package.json):
//
// - dist/cjs: CommonJS, what Node runs for both `require` and `import`. tsc's declarations stay; its
//   JavaScript is replaced by a main entry that holds no code of the library and loads each function's
//   code at its first call (see 1: `require("aws-refresh-session")` costs about 1% of requiring
//   @aws-sdk/client-sts, `npm run bench`, row 10), and by the files behind it, made by esbuild with
//   fp-ts, io-ts and retry-ts inlined from their ES module builds and tree-shaken, in a few groups and
//   shared chunks (each file Node loads costs more than its size). The main entry, the testing and fp
//   subpaths share them: one copy of each module. Node's `import` gets a small ES module wrapper
//   (index.mjs) that re-exports the CommonJS entry by name, so a program that uses both never holds
//   two copies (two caches, two sets of timers) of the library.
// - dist/esm: real ES modules for bundlers (the package's "module" condition): each file imports the
//   ES module builds of fp-ts and retry-ts, and of io-ts a copy in dist/esm/vendor/io-ts.js (below),
//   so a bundler keeps only what a program uses. Node cannot run those builds (their imports have no
//   file extensions), which is why Node gets the CommonJS build. Where both builds do meet in one
//   process (a bundle beside an unbundled dependency), the error classes' brand checks keep
//   `instanceof` working.
//
// Every import in dist/esm is rewritten to a path a bundler resolves without guessing, and checked:
// the build fails on an import it does not know how to rewrite.
//
// io-ts: its ES module build has no pure annotations (its classes are IIFEs that TypeScript
// downlevelled, and codecs such as `string` are made with `new` at the top level), so bundlers keep
// nearly all of it, some 10 KB minified, however little a program uses. The build adds them
// (annotateIoTs, which fails the build on any code it does not know to be pure) to the copy in
// dist/esm/vendor and, through an esbuild plugin, to the io-ts inlined in dist/cjs. A handler that
// uses refreshingRole, bundled with esbuild --bundle --minify --format=esm, is then 3.8 KB smaller
// (io-ts's part of it 10.0 KB -> 6.2 KB; bench/bundle.ts). The trade-offs: a program that bundles
// io-ts itself too carries two copies of the parts both use; io-ts stays a dependency, because our
// .d.ts files name its types; and io-ts codecs are structural (objects with is, validate and encode,
// told apart by `_tag`, not `instanceof`), so ours compose with a program's own io-ts codecs either
// way.
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { init, parse } from "es-module-lexer";
import { build, transform } from "esbuild";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const entries = ["index", "testing/index", "fp/index"];
const { dependencies } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));

/**
 * io-ts's ES module build with the pure annotations that its compiler does not write, so that a
 * bundler drops the codecs a program does not use: on each class (an IIFE that TypeScript
 * downlevelled), each codec made with `new` at the top level (`string`, `number`, ...) and the two
 * made with `brand` and `refinement` (`Int`, `Integer`). A pure annotation on code with an effect would
 * make bundlers drop the effect, so every top-level statement is checked against the shapes of io-ts
 * 2.2.22, read one by one, and any other fails the build.
 *
 * Two rewrites besides, each with the same effect at the same moment as the original, for what the
 * annotations alone leave in every esbuild bundle: RecursiveType's getter, defined by a statement
 * after its class, goes into the class's IIFE; and Integer's `refinement(number, Number.isInteger,
 * ...)` goes into an annotated `(function () { return ...; })()`, since esbuild keeps a pure call
 * whose arguments read a property of a global it does not know (`Number.isInteger`).
 */
const annotateIoTs = (source) => {
  const file = ts.createSourceFile("index.js", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const text = (node) => node.getText(file);
  const fail = (node, why) => {
    const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
    throw new Error(
      `io-ts/es6/index.js:${line}: ${why}; io-ts changed: review annotateIoTs in scripts/build.mjs`,
    );
  };
  const isOr = (node) => ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.BarBarToken;
  // Expressions whose evaluation has no effect: literals, names, `this`, functions, property reads of
  // those (io-ts's objects have no getters, nor do Array.isArray and the like) and `a || b` of them.
  const simple = (node) =>
    ts.isStringLiteral(node) ||
    ts.isNumericLiteral(node) ||
    ts.isIdentifier(node) ||
    [ts.SyntaxKind.ThisKeyword, ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword].includes(node.kind) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    (ts.isPropertyAccessExpression(node) && simple(node.expression)) ||
    (isOr(node) && simple(node.left) && simple(node.right));
  // A constructor with no effect but on the new object: `var _this = _super.call(this, ...) || this;`,
  // `this.name = name;`, `this.decode = this.decode.bind(this);`, `_this._tag = 'StringType';`, `return _this;`.
  const pureConstructorStatement = (statement) => {
    if (ts.isReturnStatement(statement)) return text(statement) === "return _this;";
    if (ts.isVariableStatement(statement)) {
      const [{ name, initializer: init }, ...more] = statement.declarationList.declarations;
      return (
        more.length === 0 &&
        text(name) === "_this" &&
        isOr(init) &&
        text(init.right) === "this" &&
        ts.isCallExpression(init.left) &&
        text(init.left.expression) === "_super.call" &&
        text(init.left.arguments[0]) === "this" &&
        init.left.arguments.every(simple)
      );
    }
    const e = ts.isExpressionStatement(statement) ? statement.expression : undefined;
    return (
      e !== undefined &&
      ts.isBinaryExpression(e) &&
      e.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(e.left) &&
      ["this", "_this"].includes(text(e.left.expression)) &&
      (simple(e.right) || /^this\.\w+\.bind\(this\)$/.test(text(e.right)))
    );
  };
  /** The classes by name: parent class, whether the constructor has no effect. */
  const classes = new Map();
  const constructorIsPure = (name) =>
    classes.get(name)?.pureConstructor === true &&
    (classes.get(name).parent === undefined || constructorIsPure(classes.get(name).parent));
  // `var X = /** @class */ (function (_super) { __extends(X, _super); function X(...) {...}
  // X.prototype.m = function (...) {...}; return X; }(Parent));`: defines X and runs nothing else.
  const isClass = (name, init) => {
    if (!(ts.isParenthesizedExpression(init) && ts.isCallExpression(init.expression))) return false;
    const { expression: fn, arguments: args } = init.expression;
    if (!ts.isFunctionExpression(fn) || args.length > 1) return false;
    const parent = args.length === 1 ? text(args[0]) : undefined;
    if (parent !== undefined && !classes.has(parent))
      fail(init, `class ${name} extends ${parent}, not an io-ts class`);
    if (fn.parameters.map(text).join() !== (parent === undefined ? "" : "_super")) return false;
    let pureConstructor;
    let returns;
    for (const statement of fn.body.statements) {
      if (text(statement) === `return ${name};`) returns = statement;
      if (ts.isFunctionDeclaration(statement) && text(statement.name) === name) {
        pureConstructor = statement.body.statements.every(pureConstructorStatement);
      } else if (
        text(statement) !== `__extends(${name}, _super);` &&
        text(statement) !== `return ${name};` &&
        !new RegExp(`^${name}\\.prototype\\.\\w+ = function \\(`).test(text(statement))
      ) {
        fail(statement, `class ${name} runs a statement that is not one of its definitions`);
      }
    }
    if (pureConstructor === undefined) fail(init, `class ${name} has no constructor`);
    classes.set(name, { parent, pureConstructor, returns });
    return true;
  };
  // Pure, read: brand calls refinement, which makes a RefinementType and reads nothing but its arguments.
  const pureCalls = { Int: "brand", Integer: "refinement" };
  // TypeScript's helpers, `var __extends = (this && this.__extends) || ...`: every class uses them.
  const helpers = ["__extends", "__assign", "__spreadArray"];

  const annotations = [];
  const edits = [];
  /** The class defined by the statement before this one, `export { X }` aside. */
  let lastClass;
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) || ts.isFunctionDeclaration(statement)) continue;
    if (ts.isExportDeclaration(statement) && statement.moduleSpecifier === undefined) continue;
    const classBefore = lastClass;
    lastClass = undefined;
    if (ts.isExpressionStatement(statement)) {
      // RecursiveType's `type` getter, given right after the class (nothing runs between the two).
      const { expression: e } = statement;
      const isGetter =
        ts.isCallExpression(e) &&
        text(e.expression) === "Object.defineProperty" &&
        classBefore !== undefined &&
        text(e.arguments[0]) === `${classBefore}.prototype` &&
        e.arguments.length === 3 &&
        ts.isStringLiteral(e.arguments[1]) &&
        ts.isObjectLiteralExpression(e.arguments[2]) &&
        e.arguments[2].properties.every((p) => ts.isPropertyAssignment(p) && simple(p.initializer));
      if (!isGetter) fail(statement, "a top-level statement that is not a definition");
      // Into the class's IIFE, before its `return`, then out of the top level with its line break.
      const { returns } = classes.get(classBefore);
      const indent = " ".repeat(file.getLineAndCharacterOfPosition(returns.getStart(file)).character);
      const moved = text(statement).replace(/\n/g, `\n${indent}`);
      edits.push({ at: returns.getStart(file), insert: `${moved}\n${indent}` });
      if (source[statement.getEnd()] !== "\n") fail(statement, "a statement that does not end its line");
      edits.push({ at: statement.getStart(file), end: statement.getEnd() + 1 });
      continue;
    }
    if (!ts.isVariableStatement(statement)) fail(statement, "a top-level statement that is not a definition");
    for (const { name, initializer: init } of statement.declarationList.declarations) {
      const id = text(name);
      if (
        init === undefined ||
        ts.isIdentifier(init) ||
        ts.isFunctionExpression(init) ||
        ts.isArrowFunction(init)
      )
        continue;
      if (["{}", "[]"].includes(text(init))) continue;
      if (helpers.includes(id) && text(init).startsWith(`(this && this.${id}) || `)) continue;
      if (id === "hasOwnProperty" && text(init) === "Object.prototype.hasOwnProperty") continue;
      if (isClass(id, init)) {
        lastClass = id;
      } else if (ts.isNewExpression(init)) {
        if (!constructorIsPure(text(init.expression)) || (init.arguments ?? []).length > 0)
          fail(init, `${id} = ${text(init)}: not an io-ts class whose constructor has no effect`);
      } else if (
        ts.isCallExpression(init) &&
        pureCalls[id] === text(init.expression) &&
        init.arguments.every(simple)
      ) {
        if (init.arguments.some(ts.isPropertyAccessExpression)) {
          edits.push({ at: init.getStart(file), insert: "/*#__PURE__*/ (function () { return " });
          edits.push({ at: init.getEnd(), insert: "; })()" });
          annotations.push(undefined);
          continue;
        }
      } else {
        fail(init, `${id} = ${text(init).slice(0, 40)}...: not known to be pure`);
      }
      annotations.push(init.getStart(file));
    }
  }
  for (const at of annotations) if (at !== undefined) edits.push({ at, insert: "/*#__PURE__*/ " });
  let annotated = source;
  // From the end, so that earlier positions stay valid.
  for (const { at, end = at, insert = "" } of edits.sort((a, b) => b.at - a.at))
    annotated = `${annotated.slice(0, at)}${insert}${annotated.slice(end)}`;

  // Counted again on the text: every class annotated, no codec made with `new` left without.
  const count = (pattern) => (annotated.match(pattern) ?? []).length;
  const counts = {
    classes: classes.size,
    "/** @class */": count(/\/\*\* @class \*\//g),
    "/** @class */ /*#__PURE__*/ (function (": count(/\/\*\* @class \*\/ \/\*#__PURE__\*\/ \(function \(/g),
    "var x = new": count(/^(export )?var \w+ = new /gm),
    "Object.defineProperty": count(/^Object\.defineProperty/gm),
    "/*#__PURE__*/": count(/\/\*#__PURE__\*\//g),
    annotations: annotations.length,
  };
  if (
    counts["/** @class */"] !== counts.classes ||
    counts["/** @class */ /*#__PURE__*/ (function ("] !== counts.classes ||
    counts["var x = new"] !== 0 ||
    counts["Object.defineProperty"] !== 0 ||
    counts["/*#__PURE__*/"] !== counts.annotations
  ) {
    throw new Error(`io-ts/es6/index.js: the annotations do not add up: ${JSON.stringify(counts)}`);
  }
  return { annotated, classes: classes.size, annotations: annotations.length };
};

const ioTsPath = require.resolve("io-ts/es6/index.js");
const ioTs = annotateIoTs(await readFile(ioTsPath, "utf8"));
console.log(`io-ts/es6/index.js: ${ioTs.annotations} pure annotations (${ioTs.classes} classes)`);

// 1. The CommonJS build, split so that loading the main entry costs almost nothing (row 10 of
// `npm run bench`), in the shape of the SDK's @aws-sdk/credential-providers: dist/cjs/index.js is
// written here, not bundled, and holds no code of the library. Each function it exports is a thin
// wrapper that `require`s the function's group (dist/cjs/lib/<group>.js, `groups` below) at its first
// call, synchronously, so options are still checked at construction, with no network call; each other
// value (the error classes, the constants, systemClock) is a getter that loads a file holding just that
// value at its first read. What a program never calls is never read: the cache, the profile reader,
// the IoT source, the credentials server, the test helpers and the fp face included.
//
// The files behind it are one esbuild build with code splitting, whose entries are those groups, those
// values and the testing and fp subpaths; the code two entries share goes into shared chunks
// (dist/cjs/lib/chunks), so every module of the library exists once in a process, whichever entries
// load it: one cache, one set of timers, one class per error. esbuild splits ES modules only: the build
// writes them, then turns each file into CommonJS with esbuild's transform (each `import` of a chunk
// becomes a `require` of it), since Node runs the CommonJS build for both `require` and `import` (see
// 2). Source maps are not written for it: they would map the transform's output, not the sources.
const cjs = join(root, "dist", "cjs");
const lib = join(cjs, "lib");
let ioTsLoaded = 0;
/** io-ts's ES module build, annotated, in place of the one in node_modules. */
const pureIoTs = {
  name: "pure-io-ts",
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]io-ts[\\/]es6[\\/]index\.js$/ }, ({ path }) => {
      if (path !== ioTsPath) throw new Error(`${path}: a second io-ts (this build annotates ${ioTsPath})`);
      ioTsLoaded++;
      return { contents: ioTs.annotated, loader: "js" };
    });
  },
};
/**
 * The values a program reads before any call (the error classes, for `instanceof`, and the constants):
 * each is a getter that loads the entry of its own source file, which carries only that value, so that
 * reading one loads little. Every other value of the main entry must be a plain function (checked
 * below).
 */
const firstRead = new Set([
  "CredentialCacheError",
  "CredentialRefreshError",
  "InvalidOptionsError",
  "CREDENTIAL_REJECTION_ERROR_CODES",
  "NON_RECOVERABLE_ERROR_CODES",
  "systemClock",
]);
/**
 * The functions, in groups loaded together at the first call of any of them: few files for a first
 * call (each file Node loads costs more than its size), and apart what most programs never use. The
 * rest (the pipeline, the STS and web identity sources, refreshingRole, whoami...) is `main`. session
 * is on its own because it can read a profile: it carries the profile reader.
 */
const groups = [
  ["session", /^policies\/session\.ts$/],
  ["profile", /^policies\/refreshingProfile\.ts$/],
  ["cache", /^cache\//],
  ["iot", /^sources\/iotCredentials\.ts$/],
  ["container", /^sources\/containerCredentials\.ts$/],
  ["server", /^server\//],
];
/** The main entry's values, from src/index.ts: each with its source file and the entry it is in. */
const mainValues = (() => {
  const file = ts.createSourceFile(
    "index.ts",
    readFileSync(join(root, "src", "index.ts"), "utf8"),
    ts.ScriptTarget.Latest,
  );
  const values = [];
  for (const statement of file.statements) {
    if (!ts.isExportDeclaration(statement) || statement.isTypeOnly) continue;
    if (statement.moduleSpecifier === undefined || statement.exportClause === undefined)
      throw new Error("src/index.ts: only `export { ... } from` is understood here");
    for (const element of statement.exportClause.elements) {
      if (element.isTypeOnly) continue;
      if (element.propertyName !== undefined)
        throw new Error(`src/index.ts: ${element.name.text}: a renamed export`);
      const name = element.name.text;
      const source = `${statement.moduleSpecifier.text.replace(/^\.\//, "")}.ts`;
      const entry = firstRead.has(name)
        ? source.replace(/\.ts$/, "")
        : (groups.find(([, files]) => files.test(source))?.[0] ?? "main");
      values.push({ name, source, entry, module: `./lib/${entry}.js` });
    }
  }
  return values;
})();
/**
 * Each entry of the main entry's values exports only those values, so that it carries none of their
 * files' internal helpers' code (InvalidOptionsError's file also decodes options, with io-ts).
 */
const mainEntries = {
  name: "main-entries",
  setup(esbuild) {
    esbuild.onResolve({ filter: /^main-entry:/ }, ({ path }) => ({ path, namespace: "main-entry" }));
    esbuild.onLoad({ filter: /.*/, namespace: "main-entry" }, ({ path }) => {
      const entry = path.slice("main-entry:".length);
      return {
        contents: mainValues
          .filter((value) => value.entry === entry)
          .map(({ name, source }) => `export { ${name} } from "./${source.replace(/\.ts$/, "")}";`)
          .join("\n"),
        resolveDir: join(root, "src"),
        loader: "ts",
      };
    });
  },
};
const split = await build({
  entryPoints: [
    ...["testing/index.ts", "fp/index.ts"].map((source) => ({
      in: join(root, "src", source),
      out: source.replace(/\.ts$/, ""),
    })),
    ...[...new Set(mainValues.map(({ entry }) => entry))].map((entry) => ({
      in: `main-entry:${entry}`,
      out: entry,
    })),
  ],
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  keepNames: true,
  // fp-ts, io-ts and retry-ts from their ES module builds, which esbuild tree-shakes.
  mainFields: ["module", "main"],
  // The SDK stays the user's one copy; proper-lockfile is loaded at the first lock.
  external: ["@aws-sdk/*", "@smithy/*", "proper-lockfile"],
  outdir: lib,
  chunkNames: "chunks/[name]-[hash]",
  write: false,
  logLevel: "warning",
  plugins: [pureIoTs, mainEntries],
});
if (ioTsLoaded !== 1)
  throw new Error(`dist/cjs/lib: io-ts loaded ${ioTsLoaded} times through the pure-io-ts plugin, not once`);
for (const file of await readdir(cjs, { recursive: true })) {
  if (/\.js(\.map)?$/.test(file)) await rm(join(cjs, file));
}
for (const { path, text } of split.outputFiles) {
  const { code } = await transform(text, {
    format: "cjs",
    target: "node20",
    loader: "js",
    // The sources are ES modules, strict by definition; esbuild's CommonJS output does not say so.
    banner: '"use strict";',
  });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, code);
}
const chunks = split.outputFiles.filter(({ path }) => relative(lib, path).startsWith("chunks"));
console.log(
  `dist/cjs/lib: ${split.outputFiles.length - chunks.length} entries, ${chunks.length} shared chunks, ` +
    `${(split.outputFiles.reduce((sum, { text }) => sum + text.length, 0) / 1024).toFixed(1)} KiB`,
);

// The main entry. A wrapper forwards a call, and nothing else: it is only written for a plain function
// (not a class, no properties of its own), checked here on the built module.
{
  const lines = [
    '"use strict";',
    "// Written by scripts/build.mjs: each value loads its module (dist/cjs/lib) at its first use.",
  ];
  const loaders = new Map();
  let getters = 0;
  for (const { name, source, module } of mainValues) {
    if (!loaders.has(module)) {
      const loader = `load${loaders.size}`;
      loaders.set(module, loader);
      lines.push(
        `let module${loaders.size - 1};`,
        `const ${loader} = () => (module${loaders.size - 1} ??= require("${module}"));`,
      );
    }
    const value = require(join(cjs, module))[name];
    if (value === undefined) throw new Error(`dist/cjs/${module}: no ${name} (src/${source})`);
    const plainFunction =
      typeof value === "function" &&
      !/^class\b/.test(Function.prototype.toString.call(value)) &&
      Object.keys(value).length === 0;
    if (!plainFunction && !firstRead.has(name))
      throw new Error(
        `${name} (src/${source}) is not a plain function: list it in firstRead in scripts/build.mjs`,
      );
    if (!firstRead.has(name)) {
      lines.push(
        `exports.${name} = function ${name}(...args) {`,
        `  return ${loaders.get(module)}().${name}(...args);`,
        "};",
      );
    } else {
      getters++;
      lines.push(
        `Object.defineProperty(exports, "${name}", { enumerable: true, get: () => ${loaders.get(module)}().${name} });`,
      );
    }
  }
  await writeFile(join(cjs, "index.js"), `${lines.join("\n")}\n`);
  for (const entry of ["testing", "fp"]) {
    await writeFile(
      join(cjs, entry, "index.js"),
      `"use strict";\nmodule.exports = require("../lib/${entry}/index.js");\n`,
    );
  }
  console.log(
    `dist/cjs/index.js: ${mainValues.length - getters} functions loaded at their first call, ${getters} values at their first read`,
  );
}

// The command (package.json `bin`): a bundle of its own, so that no entry of the library loads its
// code; it carries its own copy of the parts of the library it uses. tsc's output for it is dropped.
await rm(join(cjs, "cli"), { recursive: true, force: true });
await rm(join(root, "dist", "esm", "cli"), { recursive: true, force: true });
await build({
  entryPoints: [join(root, "src", "cli", "bin.ts")],
  bundle: true,
  platform: "node",
  format: "cjs",
  banner: { js: "#!/usr/bin/env node" },
  target: "node20",
  keepNames: true,
  mainFields: ["module", "main"],
  external: ["@aws-sdk/*", "@smithy/*", "proper-lockfile"],
  outfile: join(root, "dist", "bin", "aws-refresh-session.js"),
  logLevel: "warning",
  plugins: [pureIoTs],
});
console.log("dist/bin/aws-refresh-session.js: the command");

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

// io-ts, annotated, in dist/esm/vendor: our files import it from there.
const vendoredIoTs = join(esm, "vendor", "io-ts.js");
if (existsSync(dirname(vendoredIoTs)))
  throw new Error("dist/esm/vendor: tsc wrote it; the build writes io-ts there");

/** The ES module build of a dependency that publishes one beside its CommonJS build. */
const esModuleOf = (specifier) => {
  const match = /^(fp-ts|retry-ts)(?:\/(.+))?$/.exec(specifier);
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
  if (specifier === "io-ts") {
    const path = relative(dirname(file), vendoredIoTs).split("\\").join("/");
    return path.startsWith(".") ? path : `./${path}`;
  }
  // Any other module of io-ts imports its own index, a second io-ts beside the annotated one.
  if (specifier.startsWith("io-ts/"))
    throw new Error(`${relative(root, file)}: ${specifier}: only io-ts's index is vendored`);
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
const deferredSdkProviders = [
  ["@aws-sdk/credential-provider-process", "sdkProcessProvider"],
  ["@aws-sdk/credential-provider-sso", "sdkSsoProvider"],
  ["@smithy/credential-provider-imds", "sdkImdsProvider"],
];

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
  // The SDK's providers that a profile may need, loaded on first use in the CommonJS build: static
  // imports here, for the same reason as proper-lockfile (only a program using refreshingProfile has them).
  for (const [name, binding] of deferredSdkProviders) {
    if (source.includes(`require("${name}")`)) {
      source = `import * as ${binding} from "${name}";\n${source.split(`require("${name}")`).join(binding)}`;
    }
  }
  // The URL of the SDK's config loader, which the profile reader's worker imports.
  source = source
    .split(`pathToFileURL(require.resolve("@smithy/core/config")).href`)
    .join(`import.meta.resolve("@smithy/core/config")`);
  if (/\brequire\(/.test(source.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, ""))) {
    throw new Error(`${relative(root, file)}: a require() that the ES module build cannot keep`);
  }
  const [imports] = parse(source);
  // From the end, so that earlier positions stay valid.
  for (const { specifier, start, end, type, importStart, importEnd } of [...imports].reverse()) {
    // A dynamic import of an expression (the profile reader's worker source) names no module to rewrite.
    if (specifier === undefined || specifier === null) continue;
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

// The annotated io-ts, its fp-ts imports rewritten like ours. A plain comment, not a legal one
// (`/*!`), which esbuild would copy into every bundle.
{
  const { version, license, author } = JSON.parse(
    await readFile(require.resolve("io-ts/package.json"), "utf8"),
  );
  const licence = await readFile(join(dirname(require.resolve("io-ts/package.json")), "LICENSE"), "utf8");
  let source = ioTs.annotated;
  const [imports] = parse(source);
  for (const { specifier, start, end, type, importStart: ss, importEnd: se } of [...imports].reverse()) {
    // io-ts's one import of fp-ts/Either, three one-line functions (its values are plain objects told
    // apart by `_tag`), written in: fp-ts/es6/Either.js would bring its top-level `dual(...)` calls,
    // which no bundler can drop, and with them fp-ts's function, Functor, Chain and FromEither modules.
    if (
      specifier === "fp-ts/es6/Either" &&
      /^import \{ isLeft, left, right \} from 'fp-ts\/es6\/Either';?$/.test(source.slice(ss, se))
    ) {
      source = `${source.slice(0, ss)}var isLeft = function (ma) { return ma._tag === 'Left'; };\nvar left = function (e) { return ({ _tag: 'Left', left: e }); };\nvar right = function (a) { return ({ _tag: 'Right', right: a }); };${source.slice(se)}`;
      continue;
    }
    const module = /^fp-ts\/es6\/(\w+)$/.exec(specifier ?? "")?.[1];
    if (type !== "static" || module === undefined)
      throw new Error(`io-ts/es6/index.js: cannot rewrite import "${specifier}"`);
    const target = `fp-ts/es6/${module}.js`;
    if (!existsSync(require.resolve(target))) throw new Error(`${target} does not exist`);
    source = `${source.slice(0, start)}${target}${source.slice(end)}`;
  }
  const header = [
    `io-ts ${version} (https://github.com/gcanti/io-ts), its es6/index.js, by ${author.replace(/ <.*>$/, "")}, ${license} licence.`,
    "aws-refresh-session's build added the /*#__PURE__*/ annotations, so that bundlers can drop the",
    "codecs a program does not use, moved RecursiveType's getter into its class and wrapped Integer in",
    "a function for the same reason, and wrote in the three functions of fp-ts/Either it imports.",
    "",
    ...licence.trim().split("\n"),
  ];
  await mkdir(dirname(vendoredIoTs));
  await writeFile(
    vendoredIoTs,
    `${header.map((line) => `//${line && " "}${line}`.trimEnd()).join("\n")}\n${source}`,
  );
  console.log(`dist/esm/vendor/io-ts.js: io-ts ${version}, ${ioTs.annotations} pure annotations`);
}
