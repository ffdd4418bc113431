import { spawn } from "node:child_process";
import { constants } from "node:os";
import { hideKeysAndTokens } from "../core/secretText";
import type { RefreshEvent } from "../pipeline/refreshAhead";
import { serveCredentials } from "../server/serveCredentials";
import type { CliIo } from "./CliIo";
import { noCredentials } from "./noCredentials";
import { findCommand } from "./findCommand";
import type { ParsedFlags } from "./parseFlags";
import { providerFromFlags } from "./providerFromFlags";
import { resolveRegion } from "./resolveRegion";

/** The signals a terminal or a supervisor sends to stop a job: passed on to the command. */
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Whether a signal exec received is passed on. Ctrl-C in a terminal sends SIGINT to the whole
 * foreground process group, the command included: passing it on too would deliver it twice, and
 * Terraform takes a second interrupt as "exit immediately, data loss may occur" (the bug terragrunt
 * fixed in gruntwork-io/terragrunt#2559). So in a terminal SIGINT is left to the terminal; elsewhere
 * (CI, a supervisor, `kill`) every signal is passed on.
 *
 * @internal
 */
export const forwards = (signal: NodeJS.Signals, inTerminal: boolean): boolean =>
  !(signal === "SIGINT" && inTerminal);

/**
 * A refresh failure, for standard error: the error's message has no secret (CredentialRefreshError
 * hides them), and is passed through hideKeysAndTokens again all the same.
 *
 * @internal
 */
export const describeRefreshFailure = (event: RefreshEvent): string | undefined => {
  if (event.type !== "refresh-failure") return undefined;
  const serving =
    event.serving === "current" && event.servingUntil !== undefined
      ? `; the current credentials are served until ${event.servingUntil.toISOString()}`
      : "";
  return `aws-refresh-session: refresh failed: ${hideKeysAndTokens(event.error.message)}${serving}\n`;
};

/**
 * `exec`: serves the role's credentials on 127.0.0.1, runs the command with the endpoint in its
 * environment (and what would win over it removed), passes signals on, and returns the command's exit
 * status. The credentials are fetched before the command starts, so that a role that cannot be
 * assumed is reported at once (status 1) rather than by the command's first call.
 *
 * @internal
 */
export const runExec = async (flags: ParsedFlags, io: CliIo): Promise<number> => {
  const [command = "", ...args] = flags.command;
  // How the command is named on standard error: a name is no secret, but a path could hold one.
  const shown = hideKeysAndTokens(command);
  // Refresh failures are told once the command runs; a failure of the first fetch is told below.
  let running = false;
  const provider = providerFromFlags(flags.role, {
    onEvent: (event) => {
      const line = describeRefreshFailure(event);
      if (line !== undefined && running) io.stderr(line);
    },
  });
  try {
    const found = findCommand(command, io.env);
    if (found !== "found") {
      io.stderr(
        `aws-refresh-session: ${shown}: ${found === "missing" ? "command not found" : "permission denied (not an executable file)"}\n`,
      );
      return found === "missing" ? 127 : 126;
    }
    try {
      await provider();
    } catch (error) {
      io.stderr(
        `aws-refresh-session: no credentials for the role, so ${shown} was not run: ${noCredentials(error, flags.role, io.env)}\n`,
      );
      return 1;
    }
    running = true;
    const region = await resolveRegion(flags.role.region, io.env);
    const server = await serveCredentials(provider, {
      environment: io.env,
      ...(region === undefined ? {} : { region }),
    });
    try {
      return await runChild(command, shown, args, server.env, io);
    } finally {
      await server.close();
    }
  } finally {
    provider.dispose();
  }
};

/** Runs the command with `env`, passing signals on; resolves with its exit status. */
const runChild = (
  command: string,
  shown: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  io: CliIo,
): Promise<number> =>
  new Promise<number>((resolve) => {
    const child = spawn(command, args, { env, stdio: "inherit" });
    const inTerminal = [process.stdin, process.stdout, process.stderr].some((stream) => stream.isTTY);
    const forward = (signal: NodeJS.Signals): void => {
      if (forwards(signal, inTerminal)) child.kill(signal);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    let settled = false;
    const settle = (status: number): void => {
      if (settled) return;
      settled = true;
      for (const signal of FORWARDED) process.off(signal, forward);
      resolve(status);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      // Found on the PATH a moment ago, gone or unrunnable now (or on Windows, where there is no lookup).
      const missing = error.code === "ENOENT";
      io.stderr(
        `aws-refresh-session: ${shown}: ${missing ? "command not found" : `cannot be run (${error.code ?? error.name})`}\n`,
      );
      settle(missing ? 127 : 126);
    });
    child.once("exit", (code, signal) => {
      settle(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
