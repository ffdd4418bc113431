/**
 * An MFA code from a command: `ykman oath accounts code`, a password manager's CLI, any program that
 * prints the current 6-digit code. Run without a shell, its output read for the last code it prints;
 * what goes wrong is said with the command's name, never with what it printed.
 *
 * @packageDocumentation
 */
import { spawn } from "node:child_process";
import * as t from "io-ts";
import { abortReason } from "../core/Clock";
import { hideKeysAndTokens } from "../core/secretText";
import { CredentialRefreshError, describeError } from "../errors/CredentialRefreshError";

/**
 * A command as an array of arguments, program first: run as it is, never through a shell.
 *
 * @example
 * ```ts
 * import type { MfaCommand } from "aws-refresh-session";
 *
 * const ykman: MfaCommand = ["ykman", "oath", "accounts", "code", "--single", "AWS"];
 * ```
 * @category Sources
 * @since 0.2.0
 */
export type MfaCommand = readonly [string, ...string[]];

/**
 * How long an MFA command may run before it is killed: long enough to touch a hardware key or unlock
 * a password manager, short of a refresh that never ends.
 *
 * @internal
 */
export const DEFAULT_MFA_COMMAND_TIMEOUT_MS = 60_000;

/** Enough for any tool's chatter around a code; more is not an MFA tool's output. */
const MAX_OUTPUT_BYTES = 64 * 1024;

const COMMAND_RULE =
  'a command as an array of arguments, program first, such as ["ykman", "oath", "accounts", "code", "--single", "AWS"]';

/**
 * The io-ts codec of an {@link MfaCommand}: a non-empty array of strings, the program not empty, and
 * no argument holding a NUL byte (which no operating system can pass).
 *
 * @internal
 */
export const MfaCommandCodec = /* @__PURE__ */ new t.Type<MfaCommand, MfaCommand, unknown>(
  COMMAND_RULE,
  (u): u is MfaCommand =>
    Array.isArray(u) &&
    u.length > 0 &&
    u.every((arg) => typeof arg === "string" && !arg.includes("\0")) &&
    (u[0] as string).length > 0,
  (u, c) => {
    if (!Array.isArray(u) || u.length === 0) return t.failure(u, c, COMMAND_RULE);
    const bad = u.findIndex((arg) => typeof arg !== "string" || arg.includes("\0"));
    if (bad >= 0)
      return t.failure(u, c, `${COMMAND_RULE}; argument ${bad} is not a string without NUL bytes`);
    if ((u[0] as string).length === 0) return t.failure(u, c, `${COMMAND_RULE}; the program is empty`);
    return t.success(u as unknown as MfaCommand);
  },
  (a) => a,
);

/**
 * The io-ts codec of `mfa.tokenCode`: a function, or an {@link MfaCommand}. One codec rather than
 * `t.union`, whose code (it looks into its members for tags) every bundle that assumes a role would
 * carry.
 *
 * @internal
 */
export const MfaTokenCodeCodec = /* @__PURE__ */ new t.Type<
  (() => string | Promise<string>) | MfaCommand,
  (() => string | Promise<string>) | MfaCommand,
  unknown
>(
  "MfaTokenCode",
  (u): u is (() => string | Promise<string>) | MfaCommand => typeof u === "function" || MfaCommandCodec.is(u),
  (u, c) =>
    typeof u === "function"
      ? t.success(u as () => string | Promise<string>)
      : Array.isArray(u)
        ? MfaCommandCodec.validate(u, c)
        : t.failure(u, c, `a function () => string | Promise<string>, or ${COMMAND_RULE}`),
  (a) => a,
);

/**
 * The command as messages show it: the program alone, with the number of its arguments. Arguments are
 * never shown: a TOTP seed (`oathtool --totp -b SEED`) or a password manager's session is often one,
 * and no pattern recognises every secret.
 *
 * @internal
 */
export const showCommand = (command: MfaCommand): string => {
  const [program, ...args] = command;
  // The program's name, not its path: a directory's name says nothing the user needs and can look
  // like a token (a temporary directory's random suffix).
  const name = program.split(/[\\/]/).pop() ?? program;
  const shown = hideKeysAndTokens(/^[\w@%+=:,.-]+$/.test(name) ? name : JSON.stringify(name));
  const short = shown.length > 100 ? `${shown.slice(0, 97)}...` : shown;
  return args.length === 0
    ? short
    : `${short} (and ${args.length} argument${args.length === 1 ? "" : "s"}, not shown)`;
};

/**
 * The last code in `output`: six digits with no digit on either side (so that a date, a counter or a
 * longer number is not taken for one). Tools print prompts and account names around the code; the code
 * comes last.
 *
 * @internal
 */
export const lastCodeIn = (output: string): string | undefined => {
  const codes = output.match(/(?<!\d)\d{6}(?!\d)/g);
  return codes === null ? undefined : codes[codes.length - 1];
};

/** The last line the command wrote to standard error, short and without codes, keys or tokens. */
const lastErrorLine = (stderr: string): string | undefined => {
  const line = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .pop();
  if (line === undefined) return undefined;
  const shown = hideKeysAndTokens(line)
    // A TOTP seed is base32: upper case and 2-7, which hideKeysAndTokens does not take for a key.
    .replace(/[A-Z2-7]{16,}=*/g, "[hidden]")
    .replace(/\d{6,}/g, "[digits]");
  return shown.length > 120 ? `${shown.slice(0, 117)}...` : shown;
};

const failure = (command: MfaCommand, problem: string, cause?: unknown): CredentialRefreshError =>
  // Not retryable: running it again at once would ask the user again, or fail the same way.
  new CredentialRefreshError(`the MFA command \`${showCommand(command)}\` ${problem}; STS was not called`, {
    retryable: false,
    attempts: 0,
    ...(cause === undefined ? {} : { cause }),
  });

/**
 * Runs `command` (no shell, no standard input) and answers the last 6-digit code it printed on
 * standard output. A command that cannot start, exits with an error, is killed, prints no code or runs
 * longer than `timeoutMs` fails with a {@link CredentialRefreshError} (not retryable) that names the
 * command and, for a failure, the last line of its standard error with digits hidden; its standard
 * output is never quoted.
 *
 * @internal
 */
export const runMfaCommand = (
  command: MfaCommand,
  options: { readonly timeoutMs?: number | undefined; readonly signal?: AbortSignal | undefined } = {},
): Promise<string> => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_MFA_COMMAND_TIMEOUT_MS;
  const { signal } = options;
  return new Promise<string>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const [program, ...args] = command;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(program, args, { shell: false, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    } catch (error) {
      reject(failure(command, `could not be started: ${describeError(error)}`, error));
      return;
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let bytes = 0;
    let problem: string | undefined;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const stop = (why: string): void => {
      problem ??= why;
      child.kill("SIGKILL");
      // Answered now, not when the pipes close: a process the command started (a shell's `sleep`)
      // may keep them open long after the command itself is gone.
      child.stdout?.destroy();
      child.stderr?.destroy();
      done();
      settle(() => {
        reject(failure(command, problem ?? why));
      });
    };
    const collect =
      (into: Buffer[]) =>
      (chunk: Buffer): void => {
        bytes += chunk.length;
        if (bytes > MAX_OUTPUT_BYTES) stop(`printed more than ${MAX_OUTPUT_BYTES} bytes`);
        else into.push(chunk);
      };
    child.stdout?.on("data", collect(stdout));
    child.stderr?.on("data", collect(stderr));
    const timer = setTimeout(() => {
      stop(`did not finish within ${timeoutMs} ms and was stopped`);
    }, timeoutMs);
    // A refresh in the background must not keep the process alive for a command that hangs.
    timer.unref();
    // The attempt was given up (timed out, or the caller left): the command goes with it, so that a
    // retry does not run a second one beside it.
    const onAbort = (): void => {
      problem ??= "was stopped: the attempt it ran for was abandoned";
      child.kill("SIGKILL");
      child.stdout?.destroy();
      child.stderr?.destroy();
      done();
      if (signal !== undefined)
        settle(() => {
          reject(abortReason(signal));
        });
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    child.on("error", (error: NodeJS.ErrnoException) => {
      done();
      const reason =
        error.code === "ENOENT"
          ? "could not be started: no such program on the PATH"
          : error.code === "EACCES"
            ? "could not be started: permission denied"
            : `could not be started: ${describeError(error)}`;
      settle(() => {
        reject(failure(command, reason, error));
      });
    });
    child.on("close", (code, killedBy) => {
      done();
      const errorLine = lastErrorLine(Buffer.concat(stderr).toString("utf8"));
      const said = errorLine === undefined ? "" : ` (its last error line: ${JSON.stringify(errorLine)})`;
      const found = lastCodeIn(Buffer.concat(stdout).toString("utf8"));
      const why =
        problem ??
        (killedBy !== null
          ? `was killed by ${killedBy}${said}`
          : code !== 0
            ? `exited with status ${String(code)}${said}`
            : found === undefined
              ? `printed no 6-digit code on its standard output${said}`
              : undefined);
      settle(() => {
        if (why === undefined && found !== undefined) resolve(found);
        else reject(failure(command, why ?? "failed"));
      });
    });
  });
};
