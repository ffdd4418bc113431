/**
 * 10. Import time: what `require("aws-refresh-session")` costs a process that has already loaded
 * `@aws-sdk/client-sts` (every user of the library has), measured in fresh processes, the package
 * resolved as users get it (its built dist/). Also Node's `import`, through the ES module wrapper.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { stats, type Stats } from "./support";

const run = promisify(execFile);
const root = join(__dirname, "..");
const RUNS = 15;

const PROBE = {
  require: `
    const t0 = process.hrtime.bigint();
    require("@aws-sdk/client-sts");
    const t1 = process.hrtime.bigint();
    require(${JSON.stringify(root)});
    const t2 = process.hrtime.bigint();
    console.log(JSON.stringify({ sts: Number(t1 - t0) / 1e6, ours: Number(t2 - t1) / 1e6 }));
  `,
  import: `
    const t0 = process.hrtime.bigint();
    await import("@aws-sdk/client-sts");
    const t1 = process.hrtime.bigint();
    await import(${JSON.stringify(join(root, "dist", "cjs", "index.mjs"))});
    const t2 = process.hrtime.bigint();
    console.log(JSON.stringify({ sts: Number(t1 - t0) / 1e6, ours: Number(t2 - t1) / 1e6 }));
  `,
} as const;

export interface ImportTimeResult {
  readonly runs: number;
  /** Milliseconds to load @aws-sdk/client-sts in a fresh process. */
  readonly stsMs: Stats;
  /** Milliseconds to load this package after @aws-sdk/client-sts, with require and with import. */
  readonly oursOverStsMs: { readonly require: Stats; readonly import: Stats };
}

export const importTime = async (): Promise<ImportTimeResult> => {
  const samples = { sts: [] as number[], require: [] as number[], import: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    for (const kind of ["require", "import"] as const) {
      const { stdout } = await run(
        process.execPath,
        kind === "require" ? ["-e", PROBE.require] : ["--input-type=module", "-e", PROBE.import],
        { cwd: root, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
      );
      const { sts, ours } = JSON.parse(stdout) as { sts: number; ours: number };
      if (kind === "require") samples.sts.push(sts);
      samples[kind].push(ours);
    }
  }
  return {
    runs: RUNS,
    stsMs: stats(samples.sts),
    oursOverStsMs: { require: stats(samples.require), import: stats(samples.import) },
  };
};
