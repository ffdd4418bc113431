import { parseArgs } from "node:util";
import { hideKeysAndTokens } from "../core/secretText";
import { UsageError } from "./UsageError";

/**
 * The flags that say which role to assume, shared by every subcommand.
 *
 * @internal
 */
export interface RoleFlags {
  readonly roleArn?: string | undefined;
  readonly roleSessionName?: string | undefined;
  readonly externalId?: string | undefined;
  readonly durationSeconds?: number | undefined;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  /** How long before their expiration credentials are replaced (the mandatory window), in seconds. */
  readonly mandatoryWindowSeconds?: number | undefined;
}

/**
 * A parsed command line: the role flags, `--help`, `--quiet` (serve), and the command after `--`
 * (exec).
 *
 * @internal
 */
export interface ParsedFlags {
  readonly role: RoleFlags;
  readonly help: boolean;
  readonly quiet: boolean;
  /** The command and its arguments, for exec. */
  readonly command: readonly string[];
}

const ROLE_OPTIONS = {
  "role-arn": { type: "string" },
  "role-session-name": { type: "string" },
  "external-id": { type: "string" },
  "duration-seconds": { type: "string" },
  region: { type: "string" },
  profile: { type: "string" },
  "mandatory-window-seconds": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const SERVE_OPTIONS = { ...ROLE_OPTIONS, quiet: { type: "boolean", short: "q" } } as const;

/** What parseArgs's own messages say, in the words of this command (and never a value). */
const reasonOf = (error: unknown): string => {
  const { code, message } = error as { code?: string; message?: string };
  const quoted = /'([^']*)'/.exec(message ?? "")?.[1] ?? "";
  // "--role-arn <value>", "-h, --help", "--foo": the long name if there is one.
  const name =
    quoted
      .split(/[ ,]+/)
      .filter((part) => part.startsWith("-"))
      .pop() ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${name}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return (message ?? "").includes("does not take an argument")
        ? `${name} takes no value`
        : `${name} needs a value (to give one that starts with a dash: ${name}=VALUE)`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${JSON.stringify(quoted)}`;
    default:
      return "the command line cannot be read";
  }
};

/**
 * Parses the arguments of `subcommand` (those after its name): role flags everywhere, `--quiet` for
 * serve, `-- COMMAND [ARGS...]` for exec. Throws a {@link UsageError} naming the first problem.
 *
 * @internal
 */
export const parseFlags = (
  subcommand: "exec" | "credential-process" | "serve",
  args: readonly string[],
): ParsedFlags => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: subcommand === "serve" ? SERVE_OPTIONS : ROLE_OPTIONS,
      strict: true,
      allowPositionals: subcommand === "exec",
      tokens: true,
    });
  } catch (error) {
    throw new UsageError(hideKeysAndTokens(reasonOf(error)));
  }
  const { values, tokens, positionals } = parsed;
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once`);
    seen.add(token.name);
    if (token.value === "") throw new UsageError(`--${token.name} needs a value`);
  }
  const help = values.help === true;
  const quiet = (values as { quiet?: boolean }).quiet === true;
  let command: string[] = [];
  if (subcommand === "exec") {
    const terminator = tokens.find((token) => token.kind === "option-terminator")?.index;
    const before = tokens.find(
      (token) => token.kind === "positional" && (terminator === undefined || token.index < terminator),
    );
    if (!help) {
      if (before !== undefined && before.kind === "positional") {
        throw new UsageError(
          `unexpected argument ${JSON.stringify(hideKeysAndTokens(before.value))}: put the command after --, as in: exec --role-arn ARN -- COMMAND [ARGS...]`,
        );
      }
      if (terminator === undefined) {
        throw new UsageError(
          "the command is missing: give it after --, as in: exec --role-arn ARN -- COMMAND [ARGS...]",
        );
      }
      if (positionals.length === 0 || positionals[0] === "") {
        throw new UsageError("the command after -- is missing or empty");
      }
    }
    command = positionals;
  }
  let durationSeconds: number | undefined;
  const duration = values["duration-seconds"];
  if (duration !== undefined) {
    if (!/^\d{1,9}$/.test(duration)) {
      throw new UsageError("--duration-seconds must be a whole number of seconds (900 to 43200)");
    }
    durationSeconds = Number(duration);
  }
  let mandatoryWindowSeconds: number | undefined;
  const window = values["mandatory-window-seconds"];
  if (window !== undefined) {
    // Above 0, and at most 5 minutes: half the advisory window of the shortest STS session (15 min).
    if (!/^\d{1,3}(\.\d{1,3})?$/.test(window) || Number(window) <= 0 || Number(window) > 300) {
      throw new UsageError(
        "--mandatory-window-seconds must be a number of seconds above 0 and at most 300 (default 60)",
      );
    }
    mandatoryWindowSeconds = Number(window);
  }
  const role: RoleFlags = {
    roleArn: values["role-arn"],
    roleSessionName: values["role-session-name"],
    externalId: values["external-id"],
    durationSeconds,
    region: values.region,
    profile: values.profile,
    mandatoryWindowSeconds,
  };
  if (!help) {
    if (role.profile !== undefined && role.roleArn !== undefined) {
      throw new UsageError("--profile and --role-arn exclude each other: the profile names its role");
    }
    if (role.profile === undefined && role.roleArn === undefined) {
      throw new UsageError("--role-arn (or --profile) is required");
    }
    const roleOnly = [
      ["--role-session-name", role.roleSessionName],
      ["--external-id", role.externalId],
      ["--duration-seconds", role.durationSeconds],
    ].filter(([, value]) => value !== undefined);
    if (role.profile !== undefined && roleOnly.length > 0) {
      throw new UsageError(
        `${roleOnly.map(([flag]) => flag).join(", ")} go${roleOnly.length === 1 ? "es" : ""} with --role-arn: with --profile, the profile sets them (role_session_name, external_id, duration_seconds)`,
      );
    }
  }
  return { role, help, quiet, command };
};
