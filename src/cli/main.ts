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

/** How many of this command run inside one another (a credential_process running it, say). */
const DEPTH_VARIABLE = "AWS_REFRESH_SESSION_DEPTH";
/** Nesting that is real (exec inside exec, a credential_process of another profile) stays below this. */
const MAX_DEPTH = 4;
/** The profiles served by the commands this one runs inside, one a line. */
const PROFILES_VARIABLE = "AWS_REFRESH_SESSION_PROFILES";

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
  // A profile whose credential_process leads back to this command would start it again and again, each
  // waiting on the next: count the nesting in the environment every child inherits, and stop early.
  const depth = Number(io.env[DEPTH_VARIABLE] ?? "0");
  if (Number.isFinite(depth) && depth >= MAX_DEPTH) {
    io.stderr(
      `aws-refresh-session ${command}: started by itself ${depth} times over (${DEPTH_VARIABLE}=${depth}): a credential_process leads back to this command; give it a profile whose credentials come from elsewhere\n`,
    );
    return 1;
  }
  process.env[DEPTH_VARIABLE] = String((Number.isFinite(depth) ? depth : 0) + 1);
  // The profiles and roles the commands above this one serve: one asked for again is a loop, stopped
  // at once (a role's caller credentials from a profile, AWS_PROFILE say, whose credential_process
  // runs this command for the same role).
  const { profile, roleArn } = flags.role;
  const serves = profile ?? (roleArn === undefined ? undefined : `role ${roleArn}`);
  if (serves !== undefined) {
    const serving = (io.env[PROFILES_VARIABLE] ?? "").split("\n").filter((name) => name.length > 0);
    if (serving.includes(serves)) {
      io.stderr(
        profile !== undefined
          ? `aws-refresh-session ${command}: profile ${JSON.stringify(profile)} leads back to this command (its credentials, or those of a profile it uses, come from a credential_process that runs it for the same profile); give it a profile whose credentials come from elsewhere\n`
          : `aws-refresh-session ${command}: role ${roleArn ?? ""} leads back to this command: its caller credentials come from a profile whose credential_process runs it for the same role (AWS_PROFILE=${io.env.AWS_PROFILE ?? ""}, AWS_DEFAULT_PROFILE=${io.env.AWS_DEFAULT_PROFILE ?? ""}); give the command caller credentials from elsewhere (unset AWS_PROFILE for it, or --profile with a profile of its own)\n`,
      );
      return 1;
    }
    process.env[PROFILES_VARIABLE] = [...serving, serves].join("\n");
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
