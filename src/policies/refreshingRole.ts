import { assumeRole } from "../sources/assumeRole";
import { mfaCodeOnce } from "../sources/mfaCode";
import {
  assumeRoleCrossFieldIssues,
  assumeRoleProps,
  optionalAssumeRoleProps,
  ROLE_SESSION,
  type AssumeRoleOptions,
} from "../sources/roleOptions";
import { notAnOption, strictOptions } from "../errors/codecs";
import { checkedElsewhere, decodeOptionsAs } from "../errors/InvalidOptionsError";
import { boundToRole } from "./boundToRole";
import { roleWhoamiOptions, withWhoami, type RoleSessionProvider } from "./whoami";
import {
  applyRefreshPolicy,
  withRoleCacheKey,
  refreshPolicyIssues,
  refreshPolicyProps,
  type RefreshPolicyOptions,
} from "./refreshing";

/**
 * Options of {@link refreshingRole}: those of {@link assumeRole}, plus the refresh policy. To assume
 * a role with a web identity token, see {@link refreshingWebIdentity}.
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
 * @category Ready-made
 * @since 0.1.0
 */
export interface RefreshingRoleOptions extends AssumeRoleOptions, RefreshPolicyOptions {}

/**
 * The io-ts codec of {@link RefreshingRoleOptions}. Unknown option names are errors.
 *
 * @example
 * ```ts
 * import { RefreshingRoleOptionsCodec } from "aws-refresh-session/fp";
 *
 * RefreshingRoleOptionsCodec.is({ roleArn: "arn:aws:iam::123456789012:role/Reader", mandatoryWindowMs: 60_000 }); // true
 * ```
 * @category Codecs
 * @since 0.1.0
 */
export const RefreshingRoleOptionsCodec = /* @__PURE__ */ strictOptions(
  "RefreshingRoleOptions",
  { roleArn: assumeRoleProps.roleArn },
  {
    ...optionalAssumeRoleProps,
    ...refreshPolicyProps,
    // Named, so that the error points to the function that takes them (a web identity is its own
    // function, which keeps its code out of programs that do not use it).
    ...Object.fromEntries(
      ["webIdentityToken", "webIdentityTokenFile", "providerId"].map((key) => [
        key,
        notAnOption("is an option of refreshingWebIdentity(), which assumes a role with a web identity"),
      ]),
    ),
  },
);

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
 * @category Ready-made
 * @since 0.1.0
 */
export const refreshingRole = (options: RefreshingRoleOptions): RoleSessionProvider => {
  // Every option checked once, naming every problem; the pieces below are given the checked options.
  const checked = decodeOptionsAs<RefreshingRoleOptions>()(
    "refreshingRole",
    RefreshingRoleOptionsCodec,
    options,
    (decoded) => [
      ...assumeRoleCrossFieldIssues(decoded),
      ...refreshPolicyIssues(decoded, { keyFromRole: true }),
    ],
  );
  // An MFA code is asked once per refresh, above the attempts, which only read it.
  const once = checked.mfa === undefined ? undefined : mfaCodeOnce(checked.mfa, checked.clock);
  const provider = applyRefreshPolicy(
    assumeRole(once === undefined ? checked : checkedElsewhere({ ...checked, mfa: once.mfa })),
    // Still checked: the cache bound to the role, and its key the role's, from checked options.
    checkedElsewhere(withRoleCacheKey(boundToRole(checked), "refreshingRole")),
    "refreshingRole",
    "assume-role",
    once?.ask,
  );
  // Marks it as an assumed role, so a role assumed with it as the caller is held to the one-hour cap.
  return withWhoami(Object.assign(provider, { [ROLE_SESSION]: true }), roleWhoamiOptions(checked));
};
