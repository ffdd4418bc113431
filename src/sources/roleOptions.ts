/**
 * The rules of assuming a role, shared by every source and policy that assumes one: the options and
 * their codecs, the rules between options, the default session name, and the marks of a role session.
 */
import { randomUUID } from "node:crypto";
import type { STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import { isLeft } from "../core/isLeft";
import * as t from "io-ts";
import type { Clock } from "../core/Clock";
import {
  arrayOfAtMost,
  ClockCodec,
  objectWith,
  integerIn,
  NonEmptyString,
  objectCodec,
  PositiveMillis,
  refine,
  RoleArn,
  RoleSessionName,
  stringOf,
  strictOptions,
  ValidDate,
} from "../errors/codecs";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import type { OptionIssue } from "../errors/InvalidOptionsError";
import { MfaTokenCodeCodec, type MfaCommand } from "./mfaCommand";

/**
 * A session tag passed to STS.
 *
 * @example
 * ```ts
 * import type { SessionTag } from "aws-refresh-session";
 *
 * const tag: SessionTag = { key: "team", value: "data-platform" };
 * ```
 * @category Sources
 * @since 0.1.0
 */
export interface SessionTag {
  readonly key: string;
  readonly value: string;
}

/**
 * Options of {@link assumeRole}.
 *
 * @example
 * ```ts
 * import type { AssumeRoleOptions } from "aws-refresh-session";
 *
 * const options: AssumeRoleOptions = {
 *   roleArn: "arn:aws:iam::123456789012:role/Reader",
 *   roleSessionName: "nightly-etl",
 *   durationSeconds: 3600,
 *   region: "eu-west-1",
 * };
 * ```
 * @category Sources
 * @since 0.1.0
 */
export interface AssumeRoleOptions {
  /** The role to assume. */
  readonly roleArn: string;
  /** Shown in CloudTrail. Default: `aws-refresh-session-<time>-<random>`, fixed for the provider's life. */
  readonly roleSessionName?: string | undefined;
  /** Lifetime of each set of credentials, 900 to 43200 seconds (capped by the role's maximum). Default: STS's 3600. */
  readonly durationSeconds?: number | undefined;
  /** The external ID the role's trust policy asks for, 2 to 1224 characters. */
  readonly externalId?: string | undefined;
  /** An inline session policy (JSON) that narrows the role's permissions. */
  readonly policy?: string | undefined;
  /** Managed policies that narrow the role's permissions, at most 10. */
  readonly policyArns?: readonly string[] | undefined;
  /** Session tags, at most 50. */
  readonly tags?: readonly SessionTag[] | undefined;
  /** Keys of `tags` that pass on to roles chained from this session. */
  readonly transitiveTagKeys?: readonly string[] | undefined;
  /** A source identity, 2 to 64 characters of letters, digits and `_+=,.@-`. */
  readonly sourceIdentity?: string | undefined;
  /** The region of the STS endpoint, for the client this provider builds. */
  readonly region?: string | undefined;
  /**
   * An STS client to use instead of building one. Its own retry strategy stays in force and its
   * attempts are counted in errors; see the README on retries.
   */
  readonly stsClient?: STSClient | undefined;
  /**
   * Configuration of the STS client this provider builds: `endpoint`, the caller's `credentials`, and
   * so on. Unless it sets `maxAttempts`, the client makes one attempt per call and leaves retrying to
   * {@link retryWith}, so that the two never multiply.
   */
  readonly clientConfig?: STSClientConfig | undefined;
  /** The clock that decides whether a response's expiration is already past. Default: {@link systemClock}. */
  readonly clock?: Clock | undefined;
  /**
   * The caller's credentials: static keys or any provider, such as another `refreshingRole` (role
   * chaining, which AWS caps at one-hour sessions) or the SDK's `fromNodeProviderChain()` or
   * `fromIni()`. Default: the SDK's default chain. Not with `stsClient` or `clientConfig.credentials`.
   */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /**
   * Multi-factor authentication for roles that require it: `tokenCode` is asked for a fresh 6-digit
   * code at each refresh (never on a cache hit); a code that is not 6 digits fails the refresh before
   * STS is called.
   */
  readonly mfa?: MfaOptions | undefined;
}

/**
 * The MFA device and where its codes come from.
 *
 * @example
 * ```ts
 * import type { MfaOptions } from "aws-refresh-session";
 *
 * const mfa: MfaOptions = {
 *   serialNumber: "arn:aws:iam::123456789012:mfa/alice",
 *   tokenCode: () => promptForCode(),
 * };
 * ```
 * @category Sources
 * @since 0.1.0
 */
export interface MfaOptions {
  /** The MFA device: an ARN such as `arn:aws:iam::123456789012:mfa/alice`, or a hardware serial. */
  readonly serialNumber: string;
  /**
   * Gives the current code of the device; asked once per refresh. A function, or a command to run
   * without a shell (`["ykman", "oath", "accounts", "code", "--single", "AWS"]`) whose last printed
   * 6-digit code is taken.
   */
  readonly tokenCode: (() => string | Promise<string>) | MfaCommand;
  /**
   * How long getting the code may take: a command is stopped then, a function no longer waited for.
   * Default: 60 seconds. The code is asked before STS is called, so `attemptTimeoutMs` does not count
   * this time, and an attempt that is retried reuses it.
   */
  readonly commandTimeoutMs?: number | undefined;
}

/**
 * Marks providers that act as an assumed role, so that a role assumed with them as the caller (role
 * chaining) is held to AWS's one-hour cap when it is built, not when STS refuses it.
 *
 * @internal
 */
export const ROLE_SESSION = Symbol.for("aws-refresh-session.roleSession");

/**
 * The longest session, in seconds, AWS allows for a role assumed by another role's session.
 *
 * @since 0.1.0
 * @internal
 */
export const CHAINED_SESSION_MAX_SECONDS = 3_600;

/**
 * Whether `credentials` is one of our providers that acts as an assumed role.
 *
 * @internal
 */
export const isRoleSession = (credentials: unknown): boolean =>
  typeof credentials === "function" &&
  (credentials as unknown as Record<symbol, unknown>)[ROLE_SESSION] === true;

const PolicyArn = /* @__PURE__ */ refine(
  t.string,
  (s) => /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]{1,512}$/.test(s),
  "an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess",
);

const POLICY_RULE = "a JSON policy document (an object), at most 2048 characters";

const policyProblem = (policy: string): string | undefined => {
  if (policy.length === 0) return `${POLICY_RULE}; it is empty`;
  if (policy.length > 2048) {
    return `${POLICY_RULE}; it has ${policy.length} characters, over STS's limit of 2048`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    return `${POLICY_RULE}; it is not valid JSON`;
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
    ? undefined
    : `${POLICY_RULE}; it is JSON, but not an object`;
};

// The policy's text is never shown (it is a secret field): each message says what is wrong with it.
const SessionPolicy = /* @__PURE__ */ new t.Type<string, string, unknown>(
  POLICY_RULE,
  (u): u is string => typeof u === "string" && policyProblem(u) === undefined,
  (u, c) => {
    if (typeof u !== "string") return t.failure(u, c, `${POLICY_RULE}, as a string`);
    const problem = policyProblem(u);
    return problem === undefined ? t.success(u) : t.failure(u, c, problem);
  },
  (s) => s,
);

const TagKey = /* @__PURE__ */ stringOf(
  1,
  128,
  /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u,
  "1 to 128 letters, digits, spaces and _.:/=+-@",
);
const TagValue = /* @__PURE__ */ stringOf(
  0,
  256,
  /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
  "0 to 256 letters, digits, spaces and _.:/=+-@",
);

const CALLER_RULE = "a credential provider, or { accessKeyId, secretAccessKey, sessionToken? }";

/** `codec`, or a field given as `undefined`: the same as leaving it out. */
const optional = <A>(codec: t.Type<A, A>): t.Type<A | undefined, A | undefined> =>
  refine(t.unknown, (u) => u === undefined || codec.is(u), codec.name) as t.Type<
    A | undefined,
    A | undefined
  >;

/** Static keys as the SDK's signer uses them: checked now, not inside the signer at the first request. */
const StaticCredentials = /* @__PURE__ */ t.intersection([
  t.type({ accessKeyId: NonEmptyString, secretAccessKey: NonEmptyString }),
  t.partial({
    sessionToken: optional(NonEmptyString),
    expiration: optional(ValidDate),
    accountId: optional(t.string),
    credentialScope: optional(t.string),
  }),
]);

/** The caller: a provider (checked when it answers, by the SDK), or static keys (checked now). */
const CallerCredentials = /* @__PURE__ */ new t.Type<
  AwsCredentialIdentity | AwsCredentialIdentityProvider,
  AwsCredentialIdentity | AwsCredentialIdentityProvider,
  unknown
>(
  CALLER_RULE,
  (u): u is AwsCredentialIdentity | AwsCredentialIdentityProvider =>
    typeof u === "function" || StaticCredentials.is(u),
  (u, c) => {
    if (typeof u === "function") return t.success(u as AwsCredentialIdentityProvider);
    if (typeof u !== "object" || u === null || Array.isArray(u)) return t.failure(u, c, CALLER_RULE);
    // Through an entry of its own, so that paths read `credentials.sessionToken`.
    const checked = StaticCredentials.validate(u, t.appendContext(c, "", StaticCredentials, u));
    return isLeft(checked) ? checked : t.success(u as AwsCredentialIdentity);
  },
  (a) => a,
);

/**
 * The io-ts props shared by every way of assuming a role, so that `refreshingRole` and friends can
 * extend them instead of restating them.
 *
 * @since 0.1.0
 * @internal
 */
export const assumeRoleProps = {
  roleArn: RoleArn,
  roleSessionName: RoleSessionName,
  durationSeconds: integerIn(900, 43_200),
  externalId: stringOf(2, 1224, /^[\w+=,.@:/-]+$/, "2 to 1224 characters of letters, digits and _+=,.@:/-"),
  policy: SessionPolicy,
  policyArns: arrayOfAtMost(10, PolicyArn),
  tags: arrayOfAtMost(
    50,
    strictOptions("a session tag { key, value }", { key: TagKey, value: TagValue }, {}),
  ),
  transitiveTagKeys: arrayOfAtMost(50, TagKey),
  sourceIdentity: RoleSessionName,
  region: stringOf(1, 64, /^[a-z0-9-]+$/, "an AWS region name such as eu-west-1"),
  stsClient: objectWith("an STSClient (an object with send())", ["send"]),
  clientConfig: objectCodec("an object of STSClient configuration"),
  clock: ClockCodec,
  credentials: CallerCredentials,
  mfa: strictOptions(
    "MfaOptions",
    {
      serialNumber: stringOf(
        9,
        256,
        /^(arn:aws[a-z-]*:iam::\d{12}:mfa\/[\w+=,.@/-]+|[\w+=/:,.@-]+)$/,
        "an MFA device ARN (arn:aws:iam::123456789012:mfa/name) or serial number, 9 to 256 characters",
      ),
      tokenCode: MfaTokenCodeCodec,
    },
    { commandTimeoutMs: PositiveMillis },
  ),
} as const;

const { roleArn: _required, ...optionalProps } = assumeRoleProps;

/**
 * {@link assumeRoleProps} but `roleArn`, the one required: the optional props of every codec of
 * options that include a role's.
 *
 * @internal
 */
export const optionalAssumeRoleProps = optionalProps;

/**
 * The io-ts codec of {@link AssumeRoleOptions}. Unknown option names are errors.
 *
 * @example
 * ```ts
 * import { AssumeRoleOptionsCodec } from "aws-refresh-session/fp";
 *
 * AssumeRoleOptionsCodec.is({ roleArn: "arn:aws:iam::123456789012:role/Reader" }); // true
 * ```
 * @category Codecs
 * @since 0.1.0
 */
export const AssumeRoleOptionsCodec = /* @__PURE__ */ strictOptions(
  "AssumeRoleOptions",
  { roleArn: assumeRoleProps.roleArn },
  optionalAssumeRoleProps,
);

/**
 * Rules that involve more than one field, shared by everything that assumes a role.
 *
 * @internal
 */
export const assumeRoleCrossFieldIssues = (
  options: Pick<
    AssumeRoleOptions,
    "stsClient" | "clientConfig" | "region" | "credentials" | "durationSeconds"
  >,
): OptionIssue[] => {
  const issues: OptionIssue[] = [];
  if (options.credentials !== undefined && options.stsClient !== undefined) {
    issues.push({
      path: "credentials",
      rule: "cannot be combined with stsClient: the client you pass has its own credentials",
    });
  }
  const callerInConfig = (options.clientConfig as { credentials?: unknown } | undefined)?.credentials;
  if (options.credentials !== undefined && callerInConfig !== undefined) {
    issues.push({
      path: "credentials",
      rule: "cannot be combined with clientConfig.credentials: give the caller's credentials once",
    });
  }
  const caller = options.credentials ?? callerInConfig;
  if (
    isRoleSession(caller) &&
    options.durationSeconds !== undefined &&
    options.durationSeconds > CHAINED_SESSION_MAX_SECONDS
  ) {
    issues.push({
      path: "durationSeconds",
      rule: `at most ${CHAINED_SESSION_MAX_SECONDS} when the caller is itself an assumed role: AWS caps chained role sessions at one hour (got ${options.durationSeconds})`,
    });
  }
  if (options.stsClient !== undefined && options.clientConfig !== undefined) {
    issues.push({
      path: "clientConfig",
      rule: "cannot be combined with stsClient: configure the client you pass instead",
    });
  }
  if (options.stsClient !== undefined && options.region !== undefined) {
    issues.push({
      path: "region",
      rule: "cannot be combined with stsClient: the client you pass has its own region",
    });
  }
  return issues;
};

/**
 * A session name that is valid, stable for the provider's life, and tells sessions apart in CloudTrail.
 *
 * @internal
 */
export const defaultSessionName = (clock: Clock): string =>
  `aws-refresh-session-${Math.floor(clock.now())}-${randomUUID().slice(0, 8)}`;

/**
 * Options of {@link assumeRole} that only go with caller credentials: assuming a role with a web
 * identity takes none of them.
 *
 * @internal
 */
export const CALLER_CREDENTIALS_ONLY = [
  "externalId",
  "tags",
  "transitiveTagKeys",
  "sourceIdentity",
  "mfa",
  "credentials",
] as const;
