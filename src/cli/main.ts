import { InvalidOptionsError } from "../errors/InvalidOptionsError";
import { hideKeysAndTokens } from "../core/secretText";
import type { CliIo } from "./CliIo";
import { runCredentialProcess } from "./credentialProcess";
import { runExec } from "./exec";
import { HELP } from "./help";
import { parseFlags, type ParsedFlags } from "./parseFlags";
import { runServe } from "./serve";
import { UsageError } from "./UsageError";

const COMMANDS = {
  exec: runExec,
  "credential-process": runCredentialProcess,
  serve: runServe,
} as const;

type Command = keyof typeof COMMANDS;

/** The flag of each option of refreshingRole that the command line sets. */
const FLAG_OF: Readonly<Record<string, string>> = {
  roleArn: "--role-arn",
  roleSessionName: "--role-session-name",
  externalId: "--external-id",
  durationSeconds: "--duration-seconds",
  region: "--region",
  profile: "--profile",
  mandatoryWindowMs: "--mandatory-window-seconds",
};

/** A rule of the library's option checks after a flag: "an integer from 900..." reads "must be ...". */
const ruleText = (rule: string): string => (/^(an?|\d)\b/.test(rule) ? ` must be ${rule}` : `: ${rule}`);

const usage = (io: CliIo, command: Command | undefined, reason: string): number => {
  const name = command === undefined ? "aws-refresh-session" : `aws-refresh-session ${command}`;
  io.stderr(`${name}: ${reason}\nSee '${name} --help'.\n`);
  return 2;
};

/**
 * The `aws-refresh-session` command: `exec`, `credential-process` and `serve`. Returns the exit
 * status: the command's for exec, 2 for bad usage (with the reason on standard error), 1 when no
 * credentials could be had. Never prints a secret to standard error.
 *
 * @internal
 */
export const main = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(`${HELP.main}\n`);
    return 2;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    io.stdout(`${HELP.main}\n`);
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, first)) {
    return usage(
      io,
      undefined,
      first.startsWith("-")
        ? `unknown option ${hideKeysAndTokens(first.split("=")[0] ?? "")} (a command comes first: exec, credential-process, serve)`
        : `unknown command ${JSON.stringify(hideKeysAndTokens(first))} (commands: exec, credential-process, serve)`,
    );
  }
  const command = first as Command;
  let flags: ParsedFlags;
  try {
    flags = parseFlags(command, rest);
  } catch (error) {
    if (error instanceof UsageError) return usage(io, command, error.message);
    throw error;
  }
  if (flags.help) {
    io.stdout(`${HELP[command]}\n`);
    return 0;
  }
  try {
    return await COMMANDS[command](flags, io);
  } catch (error) {
    if (error instanceof UsageError) return usage(io, command, error.message);
    if (error instanceof InvalidOptionsError) {
      return usage(
        io,
        command,
        error.issues.map(({ path, rule }) => `${FLAG_OF[path] ?? path}${ruleText(rule)}`).join("; "),
      );
    }
    throw error;
  }
};
