import { spawnSync } from "node:child_process";

const inCi = process.env.CI === "true" || process.env.CI === "1";

/** Whether `python3` runs here. */
export const hasPython = spawnSync("python3", ["--version"], { stdio: "ignore" }).status === 0;

/**
 * `describe` when python3 is here; outside CI, `describe.skip` with the reason. In CI its absence is a
 * failure: python3 comes with moto, which CI requires.
 */
export const describeWithPython: jest.Describe = (() => {
  if (hasPython) return describe;
  if (inCi) throw new Error("CI requires python3 (it comes with moto) for the botocore compatibility tests");
  console.warn("[aws-refresh-session] skipped: python3 is not on the PATH (botocore compatibility tests)");
  return describe.skip;
})();

/**
 * Runs a Python program with `input` as JSON on its standard input and returns what it prints, parsed
 * as JSON. One process for a whole batch of cases: starting Python costs tens of milliseconds.
 */
export const runPython = (program: string, input: unknown): unknown => {
  const result = spawnSync("python3", ["-c", program], {
    input: JSON.stringify(input),
    encoding: "utf8",
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`python3 failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout);
};
