import { randomUUID } from "node:crypto";
import { AssumeRoleCommand, STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import * as t from "io-ts";
import { isLeft } from "fp-ts/Either";
import { systemClock, type Clock } from "./Clock";
import {
  arrayOfAtMost,
  ClockCodec,
  objectWith,
  integerIn,
  NonEmptyString,
  objectCodec,
  refine,
  RoleArn,
  RoleSessionName,
  stringOf,
  strictOptions,
  ValidDate,
} from "./codecs";
import { CredentialRefreshError, describeError } from "./CredentialRefreshError";
import { redactSecrets, type CredentialProvider, type Credentials } from "./CredentialProvider";
import { decodeOptions, InvalidOptionsError, type OptionIssue } from "./InvalidOptionsError";
import { attemptsOf, isRetryableError } from "./isRetryableError";

/**
 * A session tag passed to STS.
 *
 * @example
 * ```ts
 * import type { SessionTag } from "aws-refresh-session";
 *
 * const tag: SessionTag = { key: "team", value: "data-platform" };
 * ```
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
 * @since 0.1.0
 */
export interface AssumeRoleOptions {
  /** The role to assume. */
  readonly roleArn: string;
  /** Shown in CloudTrail. Default: `aws-refresh-session-<time>-<random>`, fixed for the provider's life. */
  readonly roleSessionName?: string;
  /** Lifetime of each set of credentials, 900 to 43200 seconds (capped by the role's maximum). Default: STS's 3600. */
  readonly durationSeconds?: number;
  /** The external ID the role's trust policy asks for, 2 to 1224 characters. */
  readonly externalId?: string;
  /** An inline session policy (JSON) that narrows the role's permissions. */
  readonly policy?: string;
  /** Managed policies that narrow the role's permissions, at most 10. */
  readonly policyArns?: readonly string[];
  /** Session tags, at most 50. */
  readonly tags?: readonly SessionTag[];
  /** Keys of `tags` that pass on to roles chained from this session. */
  readonly transitiveTagKeys?: readonly string[];
  /** A source identity, 2 to 64 characters of letters, digits and `_+=,.@-`. */
  readonly sourceIdentity?: string;
  /** The region of the STS endpoint, for the client this provider builds. */
  readonly region?: string;
  /**
   * An STS client to use instead of building one. Its own retry strategy stays in force and its
   * attempts are counted in errors; see the README on retries.
   */
  readonly stsClient?: STSClient;
  /**
   * Configuration of the STS client this provider builds: `endpoint`, the caller's `credentials`, and
   * so on. Unless it sets `maxAttempts`, the client makes one attempt per call and leaves retrying to
   * {@link retryWith}, so that the two never multiply.
   */
  readonly clientConfig?: STSClientConfig;
  /** The clock that decides whether a response's expiration is already past. Default: {@link systemClock}. */
  readonly clock?: Clock;
}

const PolicyArn = refine(
  t.string,
  (s) => /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]{1,512}$/.test(s),
  "an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess",
);

const SessionPolicy = refine(
  t.string,
  (s) => {
    if (s.length === 0 || s.length > 2048) return false;
    try {
      const parsed: unknown = JSON.parse(s);
      return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
    } catch {
      return false;
    }
  },
  "a JSON policy document of at most 2048 characters",
);

const TagKey = stringOf(
  1,
  128,
  /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u,
  "1 to 128 letters, digits, spaces and _.:/=+-@",
);
const TagValue = stringOf(
  0,
  256,
  /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
  "0 to 256 letters, digits, spaces and _.:/=+-@",
);

/**
 * The io-ts props shared by every way of assuming a role, so that `refreshingRole` and friends can
 * extend them instead of restating them.
 *
 * @example
 * ```ts
 * import { assumeRoleProps, strictOptions } from "aws-refresh-session";
 *
 * const MyOptions = strictOptions("MyOptions", { roleArn: assumeRoleProps.roleArn }, {});
 * ```
 * @since 0.1.0
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
} as const;

const { roleArn, ...optionalAssumeRoleProps } = assumeRoleProps;

/**
 * The io-ts codec of {@link AssumeRoleOptions}. Unknown option names are errors.
 *
 * @example
 * ```ts
 * import { AssumeRoleOptionsCodec } from "aws-refresh-session";
 *
 * AssumeRoleOptionsCodec.is({ roleArn: "arn:aws:iam::123456789012:role/Reader" }); // true
 * ```
 * @since 0.1.0
 */
export const AssumeRoleOptionsCodec = strictOptions(
  "AssumeRoleOptions",
  { roleArn },
  optionalAssumeRoleProps,
);

/**
 * Rules that involve more than one field, shared by everything that assumes a role.
 *
 * @example
 * ```ts
 * import { assumeRoleCrossFieldIssues } from "aws-refresh-session";
 *
 * assumeRoleCrossFieldIssues({ stsClient: {}, region: "eu-west-1" }); // one issue: region with stsClient
 * ```
 * @since 0.1.0
 */
export const assumeRoleCrossFieldIssues = (options: {
  readonly stsClient?: unknown;
  readonly clientConfig?: unknown;
  readonly region?: unknown;
}): OptionIssue[] => {
  const issues: OptionIssue[] = [];
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

const AssumeRoleResponse = t.intersection([
  t.type({
    Credentials: t.type({
      AccessKeyId: NonEmptyString,
      SecretAccessKey: NonEmptyString,
      SessionToken: NonEmptyString,
      Expiration: ValidDate,
    }),
  }),
  t.partial({ AssumedRoleUser: t.partial({ Arn: t.string }) }),
]);

/** The account is the fifth field of `arn:aws:sts::123456789012:assumed-role/Name/session`. */
const accountOf = (arn: string | undefined): string | undefined => {
  const account = arn?.split(":")[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
};

/**
 * Checks an STS response that should carry credentials and maps it to {@link Credentials}. A response
 * without credentials, or with an unparseable or past expiration, is a {@link CredentialRefreshError}
 * (retryable: it is the server's fault, and the next answer may be right). Paths, never values, are
 * named, so secrets cannot reach the message.
 *
 * @example
 * ```ts
 * import { credentialsFromStsResponse, systemClock } from "aws-refresh-session";
 *
 * const credentials = credentialsFromStsResponse("AssumeRole", response, systemClock.now());
 * ```
 * @since 0.1.0
 */
export const credentialsFromStsResponse = (action: string, response: unknown, now: number): Credentials => {
  const decoded = AssumeRoleResponse.decode(response);
  if (isLeft(decoded)) {
    const paths = new Set(
      decoded.left.map((error) =>
        error.context
          .map((entry) => entry.key)
          .filter((key) => key !== "" && !/^\d+$/.test(key))
          .join("."),
      ),
    );
    throw new CredentialRefreshError(
      `STS ${action} returned no usable credentials: invalid or missing ${[...paths].join(", ")}`,
      { retryable: true },
    );
  }
  const { Credentials: issued, AssumedRoleUser } = decoded.right;
  if (issued.Expiration.getTime() <= now) {
    throw new CredentialRefreshError(
      `STS ${action} returned credentials that expired at ${issued.Expiration.toISOString()}, ` +
        `not after now (${new Date(now).toISOString()}); check this machine's clock`,
      { retryable: true },
    );
  }
  const accountId = accountOf(AssumedRoleUser?.Arn);
  return redactSecrets({
    accessKeyId: issued.AccessKeyId,
    secretAccessKey: issued.SecretAccessKey,
    sessionToken: issued.SessionToken,
    expiration: issued.Expiration,
    ...(accountId === undefined ? {} : { accountId }),
  });
};

/**
 * Wraps a failed STS call in a {@link CredentialRefreshError} that says whether it is worth retrying
 * and how many attempts the STS client made. An abort is passed through untouched: the caller asked
 * for it.
 *
 * @example
 * ```ts
 * import { stsFailure } from "aws-refresh-session";
 *
 * try {
 *   await stsClient.send(command);
 * } catch (error) {
 *   throw stsFailure("AssumeRole", "arn:aws:iam::123456789012:role/Reader", error);
 * }
 * ```
 * @since 0.1.0
 */
export const stsFailure = (action: string, subject: string, error: unknown): unknown => {
  if (error instanceof CredentialRefreshError) return error;
  if ((error as { name?: unknown } | null)?.name === "AbortError") return error;
  return new CredentialRefreshError(`STS ${action} for ${subject} failed: ${describeError(error)}`, {
    retryable: isRetryableError(error),
    attempts: attemptsOf(error),
    cause: error,
  });
};

/**
 * Builds the STS client a provider uses: the one given, or one made from `clientConfig` that makes a
 * single attempt per call unless told otherwise, so that {@link retryWith} is the one place retries
 * happen.
 *
 * @example
 * ```ts
 * import { stsClientFor } from "aws-refresh-session";
 *
 * const client = stsClientFor({ region: "eu-west-1" });
 * ```
 * @since 0.1.0
 */
export const stsClientFor = (options: {
  readonly stsClient?: STSClient;
  readonly clientConfig?: STSClientConfig;
  readonly region?: string;
}): STSClient =>
  options.stsClient ??
  new STSClient({
    ...options.clientConfig,
    ...(options.region === undefined ? {} : { region: options.region }),
    maxAttempts: options.clientConfig?.maxAttempts ?? 1,
  });

/**
 * A session name that is valid, stable for the provider's life, and tells sessions apart in CloudTrail.
 *
 * @example
 * ```ts
 * import { defaultSessionName, systemClock } from "aws-refresh-session";
 *
 * defaultSessionName(systemClock); // "aws-refresh-session-1767225600000-1a2b3c4d"
 * ```
 * @since 0.1.0
 */
export const defaultSessionName = (clock: Clock): string =>
  `aws-refresh-session-${Math.floor(clock.now())}-${randomUUID().slice(0, 8)}`;

/**
 * A provider that makes one STS `AssumeRole` call each time it is called: no caching, no retries.
 * Compose it with {@link retryWith}, {@link withExpiryBuffer} and {@link memoizeUntil}, or use
 * {@link refreshingRole}, which does exactly that.
 *
 * Options are checked when the provider is built: bad ones throw an {@link InvalidOptionsError}
 * before any network call. Each response is checked too; a response without credentials, or with an
 * expiration that is unparseable or already past, is a {@link CredentialRefreshError}.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, memoizeUntil, retryWith } from "aws-refresh-session";
 *
 * const credentials = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 *   retryWith(),
 *   memoizeUntil(),
 * );
 * ```
 * @since 0.1.0
 */
export const assumeRole = (options: AssumeRoleOptions): CredentialProvider => {
  const decoded = decodeOptions("assumeRole", AssumeRoleOptionsCodec, options) as AssumeRoleOptions;
  const crossField = assumeRoleCrossFieldIssues(decoded);
  if (crossField.length > 0) throw new InvalidOptionsError("assumeRole", crossField);

  const clock = decoded.clock ?? systemClock;
  const client = stsClientFor(decoded);
  const input = {
    RoleArn: decoded.roleArn,
    RoleSessionName: decoded.roleSessionName ?? defaultSessionName(clock),
    DurationSeconds: decoded.durationSeconds,
    ExternalId: decoded.externalId,
    Policy: decoded.policy,
    PolicyArns: decoded.policyArns?.map((arn) => ({ arn })),
    Tags: decoded.tags?.map(({ key, value }) => ({ Key: key, Value: value })),
    TransitiveTagKeys: decoded.transitiveTagKeys === undefined ? undefined : [...decoded.transitiveTagKeys],
    SourceIdentity: decoded.sourceIdentity,
  };

  return async (providerOptions) => {
    let response: unknown;
    try {
      response = await client.send(new AssumeRoleCommand(input), {
        ...(providerOptions?.signal === undefined ? {} : { abortSignal: providerOptions.signal }),
      });
    } catch (error) {
      throw stsFailure("AssumeRole", decoded.roleArn, error);
    }
    return credentialsFromStsResponse("AssumeRole", response, clock.now());
  };
};
