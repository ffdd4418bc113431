/**
 * 10. Import time: what `require("aws-refresh-session")` costs a process that has already loaded
 * `@aws-sdk/client-sts` (every user of the library has), measured in fresh processes, the package
 * resolved as users get it (its built dist/). Also Node's `import`, through the ES module wrapper.
 *
 * The figure is a ratio, ours over client-sts's own import measured in the same process, so that a
 * busy shared machine (which slows both) moves it little: the median of the per-process ratios. The
 * SDK's @aws-sdk/credential-providers, which loads each provider's code on first call, is measured the
 * same way for comparison.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { stats, type Stats } from "./support";

const run = promisify(execFile);
const root = join(__dirname, "..");
const RUNS = 15;

const PROBE = {
  sdkProviders: `
    const t0 = process.hrtime.bigint();
    require("@aws-sdk/client-sts");
    const t1 = process.hrtime.bigint();
    require("@aws-sdk/credential-providers");
    const t2 = process.hrtime.bigint();
    console.log(JSON.stringify({ sts: Number(t1 - t0) / 1e6, ours: Number(t2 - t1) / 1e6 }));
  `,
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
  /** Milliseconds to require @aws-sdk/credential-providers after @aws-sdk/client-sts. */
  readonly sdkProvidersMs: Stats;
  /** Per process, the load's time over client-sts's in the same process (median of the processes). */
  readonly ratio: { readonly require: Stats; readonly import: Stats; readonly sdkProviders: Stats };
}

export const importTime = async (): Promise<ImportTimeResult> => {
  const kinds = ["require", "import", "sdkProviders"] as const;
  const samples = {
    sts: [] as number[],
    require: [] as number[],
    import: [] as number[],
    sdkProviders: [] as number[],
  };
  const ratios = { require: [] as number[], import: [] as number[], sdkProviders: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    for (const kind of kinds) {
      const { stdout } = await run(
        process.execPath,
        kind === "import" ? ["--input-type=module", "-e", PROBE.import] : ["-e", PROBE[kind]],
        { cwd: root, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
      );
      const { sts, ours } = JSON.parse(stdout) as { sts: number; ours: number };
      if (kind === "require") samples.sts.push(sts);
      samples[kind].push(ours);
      ratios[kind].push(ours / sts);
    }
  }
  return {
    runs: RUNS,
    stsMs: stats(samples.sts),
    oursOverStsMs: { require: stats(samples.require), import: stats(samples.import) },
    sdkProvidersMs: stats(samples.sdkProviders),
    ratio: {
      require: stats(ratios.require),
      import: stats(ratios.import),
      sdkProviders: stats(ratios.sdkProviders),
    },
  };
};
