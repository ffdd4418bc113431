import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/**
 * The public surface, entry by entry: every name is a promise kept across versions, so a change to it
 * is made on purpose, by editing api/exports.json in the same commit (check:package holds the built
 * package to the same file).
 */
const root = join(__dirname, "..");
const snapshot = JSON.parse(readFileSync(join(root, "api", "exports.json"), "utf8")) as Record<
  string,
  { values: string[]; types: string[] }
>;
const entries: Record<string, string> = {
  "aws-refresh-session": "src/index.ts",
  "aws-refresh-session/testing": "src/testing/index.ts",
  "aws-refresh-session/fp": "src/fp/index.ts",
};

const surfaceOf = (file: string): { values: string[]; types: string[] } => {
  const program = ts.createProgram([join(root, file)], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(join(root, file));
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`no module symbol for ${file}`);
  const values: string[] = [];
  const types: string[] = [];
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.getName());
  }
  return { values: values.sort(), types: types.sort() };
};

describe("the public surface", () => {
  it.each(Object.entries(entries))("%s exports what api/exports.json lists", (entry, file) => {
    expect(surfaceOf(file)).toEqual(snapshot[entry]);
  });

  it("matches what the modules export at run time", () => {
    /* eslint-disable @typescript-eslint/no-require-imports -- the modules as loaded, not as typed */
    const loaded: Record<string, object> = {
      "aws-refresh-session": require("../src") as object,
      "aws-refresh-session/testing": require("../src/testing") as object,
      "aws-refresh-session/fp": require("../src/fp") as object,
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
    for (const [entry, module] of Object.entries(loaded)) {
      expect(Object.keys(module).sort()).toEqual(snapshot[entry]?.values);
    }
  });

  it("the entries do not load the command's code (src/cli), which is bundled on its own", () => {
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports -- what loading the entries loads */
      require("../src");
      require("../src/testing");
      require("../src/fp");
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    const loaded = Object.keys(require.cache).map((file) => file.split("\\").join("/"));
    expect(loaded.filter((file) => file.includes("/src/server/"))).not.toHaveLength(0);
    expect(loaded.filter((file) => file.includes("/src/cli/"))).toEqual([]);
  });
});
