import { fileCache } from "../cache/fileCache";
import { askOnTerminal } from "./askOnTerminal";
import type { RefreshingProvider } from "../pipeline/refreshAhead";
import type { RefreshPolicyOptions } from "../policies/refreshing";
import { refreshingProfile } from "../policies/refreshingProfile";
import { refreshingRole } from "../policies/refreshingRole";
import type { RoleFlags } from "./parseFlags";

/**
 * The one place where the command's flags become a provider: a refreshing role session, shared with
 * the AWS CLI and every other process of this user through the file cache (`~/.aws/cli/cache`). The
 * caller's own credentials come from the SDK's default chain. Bad values throw the library's
 * InvalidOptionsError, which the command reports as bad usage.
 *
 * @internal
 */
export const providerFromFlags = (
  flags: RoleFlags,
  policy: Pick<RefreshPolicyOptions, "onEvent"> = {},
): RefreshingProvider => {
  const { profile, roleArn, region, mandatoryWindowSeconds, ...role } = flags;
  const refresh = {
    cache: fileCache(),
    ...(mandatoryWindowSeconds === undefined ? {} : { mandatoryWindowMs: mandatoryWindowSeconds * 1000 }),
    ...policy,
  };
  // With a profile, STS's region and endpoint are the profile's; --region is the child's alone.
  // A profile's mfa_serial: the code is asked on the terminal, only when STS is really called.
  if (profile !== undefined) return refreshingProfile({ profile, mfaCode: askOnTerminal, ...refresh });
  return refreshingRole({ roleArn: roleArn ?? "", region, ...role, ...refresh });
};
