import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, stop } from "esbuild";

const root = join(__dirname, "..", "..");

/**
 * Bundles the command from src/ as scripts/build.mjs does (one CommonJS file, the SDK external), so
 * that the tests run the command as it is installed, without a build of the whole package. Returns
 * its path and a function that removes it.
 */
export const buildCli = async (): Promise<{ path: string; remove: () => void }> => {
  const directory = mkdtempSync(join(tmpdir(), "ars-cli-"));
  const path = join(directory, "aws-refresh-session.js");
  await build({
    entryPoints: [join(root, "src", "cli", "bin.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    mainFields: ["module", "main"],
    external: ["@aws-sdk/*", "@smithy/*", "proper-lockfile"],
    // Resolved from the repository's node_modules, wherever the bundle is.
    nodePaths: [join(root, "node_modules")],
    outfile: path,
    logLevel: "error",
  });
  // esbuild's service process would otherwise outlive the test file and keep jest from exiting.
  await stop();
  return {
    path,
    remove: () => {
      rmSync(directory, { recursive: true, force: true });
    },
  };
};

export interface CliRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the bundled command with `args` and `env` (NODE_PATH set so the SDK resolves). */
export const runCli = (
  cli: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { timeoutMs?: number; onSpawn?: (child: ChildProcess) => void; cwd?: string } = {},
): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...env, NODE_PATH: join(root, "node_modules") },
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the command did not end within ${options.timeoutMs ?? 60_000} ms:\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
  });

/** The environment of the test process without any AWS_ setting, with `HOME` at `home`. */
export const cleanEnv = (home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_"))),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  HOME: home,
  ...extra,
});
