import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The built CommonJS main entry (dist/cjs/index.js, what `require("aws-refresh-session")` loads)
 * loads each function's code on the function's first call, in the shape of the SDK's
 * @aws-sdk/credential-providers: requiring it reads one small file. Checked in fresh processes, from
 * the files each step adds to `require.cache`. The build is what makes this true, so the test runs
 * against dist/ (built here when it is missing; `npm run build` rebuilds it).
 */
const root = join(__dirname, "..");
const entry = join(root, "dist", "cjs", "index.js");

beforeAll(() => {
  if (!existsSync(entry)) execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "ignore" });
}, 180_000);

/** Runs `steps` in a fresh Node process; each returns the files it added to require.cache. */
const loadedBy = (steps: string): Record<string, string[] | undefined> => {
  const script = `
    const root = ${JSON.stringify(root)};
    const seen = new Set(Object.keys(require.cache));
    const added = () => {
      const files = Object.keys(require.cache).filter((f) => !seen.has(f));
      files.forEach((f) => seen.add(f));
      return files.map((f) => f.split("\\\\").join("/").replace(root.split("\\\\").join("/") + "/", "")).sort();
    };
    const out = {};
    ${steps}
    process.stdout.write(JSON.stringify(out));
  `;
  const stdout = execFileSync(process.execPath, ["-e", script], {
    cwd: root,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  return JSON.parse(stdout.toString()) as Record<string, string[] | undefined>;
};

describe("the main entry's cold start (dist/cjs)", () => {
  it("loads one file: no function's code, no test helpers, no fp face, no SDK client", () => {
    const { entry: files } = loadedBy(`
      const main = require(${JSON.stringify(entry)});
      out.entry = added();
      if (typeof main.refreshingRole !== "function") throw new Error("no refreshingRole");
    `);
    expect(files).toEqual(["dist/cjs/index.js"]);
  });

  it("loads the error classes and constants when first read, and nothing that needs STS or a file", () => {
    const { read } = loadedBy(`
      const main = require(${JSON.stringify(entry)});
      added();
      void main.CredentialRefreshError;
      out.read = added();
    `);
    expect(read).toContain("dist/cjs/lib/errors/CredentialRefreshError.js");
    expect(
      (read ?? []).filter((f) =>
        /lib\/(policies|sources|cache|profiles|server|testing|fp)\/|proper-lockfile|@aws-sdk\//.test(f),
      ),
    ).toEqual([]);
  });

  it("loads a function's code at its first call, and not the code of what it does not use", () => {
    const { construct, again } = loadedBy(`
      const main = require(${JSON.stringify(entry)});
      added();
      // Options are still checked at construction, synchronously, with the entry's own error class.
      try {
        main.refreshingRole({ roleArn: "not-an-arn" });
        throw new Error("refreshingRole accepted a bad roleArn");
      } catch (error) {
        if (!(error instanceof main.InvalidOptionsError)) throw error;
      }
      out.construct = added();
      main.refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/app", region: "us-east-1" }).dispose();
      out.again = added();
    `);
    expect(construct).toContain("dist/cjs/lib/main.js");
    expect(again).toEqual([]);
    // The files of dist/cjs/lib that define (at their top level) the code refreshingRole must not load:
    // the credentials server, the IoT and container sources, the caches, the profile reader, the fp face
    // and the test helpers. Each is looked for, so that a renamed function fails here, not silently.
    const lib = join(root, "dist", "cjs", "lib");
    const files = readdirSync(lib, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js"));
    const definedIn = (name: string): string[] =>
      files
        .filter((f) =>
          new RegExp(`^(var ${name} = |function ${name}\\()`, "m").test(readFileSync(join(lib, f), "utf8")),
        )
        .map((f) => `dist/cjs/lib/${f.split("\\").join("/")}`);
    const unused = [
      "serveCredentials",
      "iotCredentials",
      "containerCredentials",
      "fileCache",
      "sharedCache",
      "resolveProfile",
      "loadConfigFilesSync",
      "toProvider",
      "localSts",
    ];
    for (const name of unused) {
      const defining = definedIn(name);
      expect([name, defining.length]).toEqual([name, 1]);
      expect([name, (construct ?? []).filter((f) => defining.includes(f))]).toEqual([name, []]);
    }
    expect((construct ?? []).filter((f) => f.includes("proper-lockfile"))).toEqual([]);
    expect(definedIn("refreshingRole").filter((f) => (construct ?? []).includes(f))).toHaveLength(1);
  });

  it("has one copy of each class, whichever function's module threw it", () => {
    const { same } = loadedBy(`
      const main = require(${JSON.stringify(entry)});
      const thrown = (build) => { try { build(); } catch (error) { return error; } throw new Error("accepted"); };
      out.same = [
        thrown(() => main.refreshingRole({ roleArn: "not-an-arn" })),
        thrown(() => main.memoizeUntil({ notAnOption: 1 })),
        thrown(() => main.fileCache({ notAnOption: 1 })),
      ].map((error) => String(error.constructor === main.InvalidOptionsError));
    `);
    expect(same).toEqual(["true", "true", "true"]);
  });
});
