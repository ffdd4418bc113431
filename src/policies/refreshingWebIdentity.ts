import { assumeRoleCrossFieldIssues, assumeRoleProps, CALLER_CREDENTIALS_ONLY } from "../sources/roleOptions";
import {
  assumeRoleWithWebIdentity,
  webIdentityIssues,
  webIdentityOptionalProps,
  type AssumeRoleWithWebIdentityOptions,
} from "../sources/assumeRoleWithWebIdentity";
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
 * Options of {@link refreshingWebIdentity}: those of {@link assumeRoleWithWebIdentity}, plus the
 * refresh policy.
 *
 * @example
 * ```ts
 * import type { RefreshingWebIdentityOptions } from "aws-refresh-session";
 *
 * const options: RefreshingWebIdentityOptions = {
 *   roleArn: "arn:aws:iam::123456789012:role/Deployer",
 *   webIdentityTokenFile: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
 *   region: "eu-west-1",
 * };
 * ```
 * @category Ready-made
 * @since 0.2.0
 */
export type RefreshingWebIdentityOptions = AssumeRoleWithWebIdentityOptions & RefreshPolicyOptions;

const RefreshingWebIdentityOptionsCodec = /* @__PURE__ */ strictOptions(
  "RefreshingWebIdentityOptions",
  { roleArn: assumeRoleProps.roleArn },
  {
    ...webIdentityOptionalProps,
    ...refreshPolicyProps,
    ...Object.fromEntries(
      CALLER_CREDENTIALS_ONLY.map((key) => [
        key,
        notAnOption("is for assuming a role with credentials (refreshingRole), not with a web identity"),
      ]),
    ),
  },
);

/**
 * {@link refreshingRole} for a role assumed with a web identity token (`AssumeRoleWithWebIdentity`:
 * Kubernetes service accounts, GitHub Actions OIDC): the same refresh policy, applied to
 * {@link assumeRoleWithWebIdentity}. The token file is read again at each refresh, since platforms
 * rotate it; no caller credentials are needed.
 *
 * Options are checked now, before any network call: bad ones throw an {@link InvalidOptionsError}.
 *
 * @example
 * ```ts
 * import { refreshingWebIdentity, webIdentityFromEnv } from "aws-refresh-session";
 *
 * // EKS IRSA sets AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE (and maybe AWS_ROLE_SESSION_NAME).
 * const credentials = refreshingWebIdentity({ ...webIdentityFromEnv(), region: "eu-west-1" });
 * ```
 * @category Ready-made
 * @since 0.2.0
 */
export const refreshingWebIdentity = (options: RefreshingWebIdentityOptions): RoleSessionProvider => {
  // Every option checked once, naming every problem; the pieces below are given the checked options.
  const checked = decodeOptionsAs<RefreshingWebIdentityOptions>()(
    "refreshingWebIdentity",
    RefreshingWebIdentityOptionsCodec,
    options,
    (decoded) => [
      ...webIdentityIssues(decoded),
      ...assumeRoleCrossFieldIssues(decoded),
      ...refreshPolicyIssues(decoded, { keyFromRole: true }),
    ],
  );
  const provider = applyRefreshPolicy(
    assumeRoleWithWebIdentity(checked),
    // Still checked: the cache bound to the role, and its key the role's, from checked options.
    checkedElsewhere(withRoleCacheKey(boundToRole(checked), "refreshingWebIdentity")),
    "refreshingWebIdentity",
    "web-identity",
  );
  return withWhoami(provider, roleWhoamiOptions(checked));
};
