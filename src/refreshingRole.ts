import {
  assumeRole,
  assumeRoleCrossFieldIssues,
  assumeRoleProps,
  ROLE_SESSION,
  type AssumeRoleOptions,
} from "./assumeRole";
import {
  assumeRoleWithWebIdentity,
  webIdentityIssues,
  webIdentityProps,
  type AssumeRoleWithWebIdentityOptions,
} from "./assumeRoleWithWebIdentity";
import { assumeRoleCacheKey } from "./assumeRoleCacheKey";
import { strictOptions } from "./codecs";
import { decodeOptions, InvalidOptionsError, type OptionIssue } from "./InvalidOptionsError";
import type { RefreshingProvider } from "./refreshAhead";
import {
  refreshPipeline,
  refreshPolicyIssues,
  refreshPolicyProps,
  type RefreshPolicyOptions,
} from "./refreshing";

/**
 * Options of {@link refreshingRole}: those of {@link assumeRole}, plus the refresh policy. With
 * `webIdentityToken` or `webIdentityTokenFile`, the role is assumed with a web identity instead (see
 * {@link assumeRoleWithWebIdentity}).
 *
 * @example
 * ```ts
 * import type { RefreshingRoleOptions } from "aws-refresh-session";
 *
 * const options: RefreshingRoleOptions = {
 *   roleArn: "arn:aws:iam::123456789012:role/Reader",
 *   roleSessionName: "nightly-etl",
 *   region: "eu-west-1",
 *   mandatoryWindowMs: 2 * 60_000,
 *   logger: console,
 * };
 * ```
 * @since 0.1.0
 */
export interface RefreshingRoleOptions extends AssumeRoleOptions, RefreshPolicyOptions {
  /** Assume the role with this web identity token (or function giving one) instead of credentials. */
  readonly webIdentityToken?: string | (() => string | Promise<string>) | undefined;
  /** Assume the role with the web identity token in this file, read again at each refresh. */
  readonly webIdentityTokenFile?: string | undefined;
  /** With a web identity: the OAuth 2.0 provider id, for non-OIDC providers. */
  readonly providerId?: string | undefined;
}

/**
 * The io-ts codec of {@link RefreshingRoleOptions}. Unknown option names are errors.
 *
 * @example
 * ```ts
 * import { RefreshingRoleOptionsCodec } from "aws-refresh-session";
 *
 * RefreshingRoleOptionsCodec.is({ roleArn: "arn:aws:iam::123456789012:role/Reader", mandatoryWindowMs: 60_000 }); // true
 * ```
 * @since 0.1.0
 */
export const RefreshingRoleOptionsCodec = (() => {
  const { roleArn, ...optional } = assumeRoleProps;
  return strictOptions(
    "RefreshingRoleOptions",
    { roleArn },
    { ...optional, ...refreshPolicyProps, ...webIdentityProps },
  );
})();

/** Options that only make sense when assuming a role with credentials, not with a web identity. */
const NOT_WITH_WEB_IDENTITY = [
  "externalId",
  "tags",
  "transitiveTagKeys",
  "sourceIdentity",
  "mfa",
  "credentials",
] as const;

const usesWebIdentity = (options: RefreshingRoleOptions): boolean =>
  options.webIdentityToken !== undefined || options.webIdentityTokenFile !== undefined;

/**
 * Checks `options` as {@link refreshingRole} would, throwing an {@link InvalidOptionsError} naming
 * every problem, and returns them typed.
 *
 * @example
 * ```ts
 * import { validateRefreshingRoleOptions } from "aws-refresh-session";
 *
 * validateRefreshingRoleOptions({ roleArn: "arn:aws:iam::123456789012:role/Reader", mandatoryWindowMs: -1 }); // throws
 * ```
 * @since 0.1.0
 */
export const validateRefreshingRoleOptions = (
  options: RefreshingRoleOptions,
  subject = "refreshingRole",
): RefreshingRoleOptions => {
  const decoded = decodeOptions(subject, RefreshingRoleOptionsCodec, options) as RefreshingRoleOptions;
  const issues: OptionIssue[] = [
    ...assumeRoleCrossFieldIssues(decoded),
    ...refreshPolicyIssues(decoded, { keyFromRole: true }),
  ];
  if (usesWebIdentity(decoded)) {
    issues.push(...webIdentityIssues(decoded));
    for (const key of NOT_WITH_WEB_IDENTITY) {
      if (decoded[key] !== undefined) {
        issues.push({ path: key, rule: "is for assuming a role with credentials, not with a web identity" });
      }
    }
  } else if (decoded.providerId !== undefined) {
    issues.push({ path: "providerId", rule: "goes with webIdentityToken or webIdentityTokenFile" });
  }
  if (issues.length > 0) throw new InvalidOptionsError(subject, issues);
  return decoded;
};

/**
 * The ready-made pipeline: credentials for an IAM role that refresh themselves ahead of expiry.
 *
 * It is {@link refreshing} applied to {@link assumeRole} (or, given a web identity token, to
 * {@link assumeRoleWithWebIdentity}):
 *
 * ```ts
 * pipe(
 *   assumeRole(options),
 *   withTimeout(attemptTimeoutMs),
 *   retryWith(retryPolicy),
 *   refreshAhead(policy),
 * );
 * ```
 *
 * One STS call per refresh however many callers and clients share it; callers are served the current
 * credentials while a background refresh runs in the advisory window; after a failure the source is
 * left alone for a backoff and the current credentials are served until their real expiration; and
 * expired credentials are never returned (unless `serveExpired`). Give it to any AWS
 * SDK v3 client as `credentials`, and to as many clients as you like; `dispose()` stops its background
 * work. It can itself be the `credentials` of another `refreshingRole` (role chaining).
 *
 * ```text
 * fetched ....... E - advisory window ........ E - mandatory window ........ E (STS expiry)
 *   cache hits     | background refresh (jittered),  | callers wait for one    | an error
 *                  | callers still served at once    | refresh; on failure the | (or, with
 *                  |                                 | cached ones until E     | serveExpired, the old ones)
 * ```
 *
 * Options are checked now, before any network call: bad ones throw an {@link InvalidOptionsError}.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { refreshingRole } from "aws-refresh-session";
 *
 * const s3 = new S3Client({
 *   region: "eu-west-1",
 *   credentials: refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 * });
 * ```
 * @since 0.1.0
 */
export const refreshingRole = (options: RefreshingRoleOptions): RefreshingProvider => {
  const validated = validateRefreshingRoleOptions(options);
  const {
    advisoryWindowMs: _advisoryWindowMs,
    mandatoryWindowMs: _mandatoryWindowMs,
    backoff: _backoff,
    serveExpired: _serveExpired,
    cache: _cache,
    cacheKey: _cacheKey,
    onCacheEvent: _onCacheEvent,
    attemptTimeoutMs: _attemptTimeoutMs,
    retryPolicy: _retryPolicy,
    onRetry: _onRetry,
    random: _random,
    onEvent: _onEvent,
    logger: _logger,
    webIdentityToken,
    webIdentityTokenFile,
    providerId,
    ...roleOptions
  } = validated;
  const source = usesWebIdentity(validated)
    ? assumeRoleWithWebIdentity({
        ...(roleOptions as Omit<
          AssumeRoleWithWebIdentityOptions,
          "webIdentityToken" | "webIdentityTokenFile"
        >),
        ...(webIdentityTokenFile === undefined
          ? { webIdentityToken: webIdentityToken ?? "" }
          : { webIdentityTokenFile }),
        ...(providerId === undefined ? {} : { providerId }),
      })
    : assumeRole(roleOptions);
  // The AWS CLI's key for this role, so that the CLI and this library share one session.
  const cacheKey =
    validated.cache === undefined ? undefined : (validated.cacheKey ?? assumeRoleCacheKey(validated));
  const provider = refreshPipeline(source, cacheKey === undefined ? validated : { ...validated, cacheKey });
  // Marks it as an assumed role, so a role assumed with it as the caller is held to the one-hour cap.
  return Object.assign(provider, { [ROLE_SESSION]: true });
};
