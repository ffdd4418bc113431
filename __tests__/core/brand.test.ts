import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect, promisify } from "node:util";
import { build, stop } from "esbuild";
import { CredentialCacheError, CredentialRefreshError, InvalidOptionsError } from "../../src";

const run = promisify(execFile);
const root = join(__dirname, "..", "..");

describe("instanceof by brand", () => {
  it("holds for the class, and for a user's subclass by the language's own rule", () => {
    class Mine extends CredentialRefreshError {}
    const base = new CredentialRefreshError("no", { retryable: false });
    const mine = new Mine("no", { retryable: false });
    expect(base).toBeInstanceOf(CredentialRefreshError);
    expect(base).toBeInstanceOf(Error);
    expect(mine).toBeInstanceOf(CredentialRefreshError);
    expect(mine).toBeInstanceOf(Mine);
    expect(base).not.toBeInstanceOf(Mine);
    expect(new InvalidOptionsError("x", [])).toBeInstanceOf(InvalidOptionsError);
    expect(new InvalidOptionsError("x", [])).not.toBeInstanceOf(CredentialRefreshError);
    expect(new CredentialCacheError("corrupt", "/x", "y")).toBeInstanceOf(CredentialCacheError);
    for (const value of [undefined, null, 1, "CredentialRefreshError", {}, new Error("no")]) {
      expect(value instanceof CredentialRefreshError).toBe(false);
    }
    // A lookalike is not one: only an instance carries the brand.
    expect(Object.create(CredentialRefreshError.prototype) instanceof CredentialRefreshError).toBe(false);
    const lookalike = { [Symbol.for("aws-refresh-session.CredentialRefreshError")]: true };
    expect(lookalike instanceof CredentialRefreshError).toBe(false);
  });

  it("leaves no trace in JSON or inspect", () => {
    const error = new CredentialRefreshError("no", { retryable: false });
    expect(JSON.stringify(error)).not.toContain("aws-refresh-session.");
    expect(inspect(error)).not.toContain("aws-refresh-session.");
    expect(Object.keys(error)).not.toContain(expect.stringContaining("aws-refresh-session"));
  });

  it("holds across a CommonJS copy and an ES module copy of the library in one process", async () => {
    // Two real copies, as a bundle beside an unbundled dependency would have: the library built once
    // as CommonJS and once as ES modules, each with its own classes.
    // Inside the project, so that the copies find the SDK in its node_modules.
    const work = await mkdtemp(join(root, "node_modules", ".ars-brand-"));
    try {
      for (const [format, file] of [
        ["cjs", "copy.cjs"],
        ["esm", "copy.mjs"],
      ] as const) {
        await build({
          entryPoints: [join(root, "src", "index.ts")],
          bundle: true,
          platform: "node",
          format,
          // The SDK stays one shared copy; fp-ts and io-ts go in (Node cannot import their subpaths).
          external: ["@aws-sdk/*", "@smithy/*", "proper-lockfile"],
          outfile: join(work, file),
          logLevel: "silent",
          absWorkingDir: root,
        });
      }
      // esbuild's service process would otherwise outlive the test file and keep jest from exiting.
      await stop();
      const probe = join(work, "probe.mjs");
      await writeFile(
        probe,
        `
        import { createRequire } from "node:module";
        import * as esm from "./copy.mjs";
        const cjs = createRequire(import.meta.url)("./copy.cjs");
        const make = {
          CredentialRefreshError: (m) => new m.CredentialRefreshError("no", { retryable: false }),
          InvalidOptionsError: (m) => new m.InvalidOptionsError("x", []),
          CredentialCacheError: (m) => new m.CredentialCacheError("corrupt", "/x", "y"),
        };
        const result = { distinctClasses: esm.CredentialRefreshError !== cjs.CredentialRefreshError };
        for (const [name, of] of Object.entries(make)) {
          result[name] = {
            cjsErrorIsEsmInstance: of(cjs) instanceof esm[name],
            esmErrorIsCjsInstance: of(esm) instanceof cjs[name],
            otherClassIsNot: of(cjs) instanceof esm[name === "InvalidOptionsError" ? "CredentialRefreshError" : "InvalidOptionsError"],
          };
        }
        // What the library itself decides by instanceof: an error of the other copy is classified alike.
        const foreign = new cjs.CredentialRefreshError("denied", { retryable: false });
        result.classifiedAcross = esm.isNonRecoverableError(foreign) === cjs.isNonRecoverableError(foreign);
        console.log(JSON.stringify(result));
        `,
      );
      const { stdout } = await run(process.execPath, [probe], { cwd: root, timeout: 30_000 });
      const result = JSON.parse(stdout) as Record<string, unknown>;
      expect(result).toEqual({
        distinctClasses: true,
        classifiedAcross: true,
        ...Object.fromEntries(
          ["CredentialRefreshError", "InvalidOptionsError", "CredentialCacheError"].map((name) => [
            name,
            { cjsErrorIsEsmInstance: true, esmErrorIsCjsInstance: true, otherClassIsNot: false },
          ]),
        ),
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 60_000);
});
