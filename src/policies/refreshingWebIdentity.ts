import { assumeRoleCrossFieldIssues, assumeRoleProps, CALLER_CREDENTIALS_ONLY } from "../sources/roleOptions";
import {
  assumeRoleWithWebIdentity,
  webIdentityIssues,
  webIdentityOptionalProps,
  type AssumeRoleWithWebIdentityOptions,
} from "../sources/assumeRoleWithWebIdentity";
import { notAnOption, strictOptions } from "../errors/codecs";
import { decodeOptionsAs, InvalidOptionsError } from "../errors/InvalidOptionsError";
import { boundToRole } from "./boundToRole";
import { roleWhoamiOptions, withWhoami, type RoleSessionProvider } from "./whoami";
import {
  applyRefreshPolicy,
  sourceOptionsOf,
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
export const refreshingWebIdentity = (options: RefreshingWebIdentityOptions): RoleSessionProvider =>
  refreshingWebIdentityAs(options, "refreshingWebIdentity");

/**
 * {@link refreshingWebIdentity}, its errors naming `subject` (`session` builds its provider with it):
 * checks every option once, naming every problem, then builds the pipeline.
 *
 * @internal
 */
export const refreshingWebIdentityAs = (
  options: RefreshingWebIdentityOptions,
  subject: string,
): RoleSessionProvider => {
  const validated = decodeOptionsAs<RefreshingWebIdentityOptions>()(
    subject,
    RefreshingWebIdentityOptionsCodec,
    options,
  );
  const issues = [
    ...webIdentityIssues(validated),
    ...assumeRoleCrossFieldIssues(validated),
    ...refreshPolicyIssues(validated, { keyFromRole: true }),
  ];
  if (issues.length > 0) throw new InvalidOptionsError(subject, issues);
  const source = assumeRoleWithWebIdentity(sourceOptionsOf(validated) as AssumeRoleWithWebIdentityOptions);
  const provider = applyRefreshPolicy(
    source,
    withRoleCacheKey(boundToRole(validated), subject),
    subject,
    "web-identity",
  );
  return withWhoami(provider, roleWhoamiOptions(validated));
};
