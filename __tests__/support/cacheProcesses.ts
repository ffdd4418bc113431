import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const probe = join(__dirname, "probes", "cacheUser.ts");

/** What one probe process printed and how it ended. */
export interface ProbeRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The JSON line a `use` probe prints. */
export interface ProbeResult {
  readonly accessKeyId: string;
  readonly expiration: string;
  readonly events: ReadonlyArray<{
    readonly type: string;
    readonly problem?: string;
    readonly location?: string;
  }>;
}

/** Starts a cacheUser probe (see probes/cacheUser.ts) with `config`; `uid` runs it as another user. */
export const startProbe = (
  config: Record<string, unknown>,
  options: { readonly uid?: number; readonly env?: Record<string, string>; readonly timeoutMs?: number } = {},
) => {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ["--import", "tsx", probe, JSON.stringify(config)],
    {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...options.env },
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
      // A probe that hangs is killed: every test that starts one stays bounded in time.
      timeout: options.timeoutMs ?? 60_000,
    },
  );
  let stdout = "";
  let stderr = "";
  const lineWaiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of [...lineWaiters]) {
      if (stdout.includes(`${waiter.text}\n`)) {
        lineWaiters.splice(lineWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<ProbeRun>((resolve) => {
    child.on("close", (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
    // A process that could not start (node not executable for the probe's user) fails at once.
    child.on("error", (error) => {
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}could not start: ${error.message}` });
    });
  });
  /** Resolves when the probe has printed `text` on a line of its own (or rejects if it exits first). */
  const printed = (text: string): Promise<void> =>
    Promise.race([
      new Promise<void>((resolve) => {
        if (stdout.includes(`${text}\n`)) resolve();
        else lineWaiters.push({ text, resolve });
      }),
      exited.then((run) => {
        if (!run.stdout.includes(`${text}\n`)) {
          throw new Error(
            `the probe exited (${run.code ?? run.signal}) before printing "${text}":\n${run.stderr}`,
          );
        }
      }),
    ]);
  return { child, exited, printed };
};

/** The result line of a `use` probe that exited cleanly; fails the test with its stderr otherwise. */
export const resultOf = (run: ProbeRun): ProbeResult => {
  if (run.code !== 0) throw new Error(`the probe failed (${run.code ?? run.signal}):\n${run.stderr}`);
  const line = run.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(line) as ProbeResult;
};

/** Runs one `use` probe to its end. */
export const runProbe = async (
  config: Record<string, unknown>,
  options: Parameters<typeof startProbe>[1] = {},
): Promise<ProbeRun> => startProbe(config, options).exited;
