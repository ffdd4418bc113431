import { fileCache } from "../cache/fileCache";
import type { RefreshingProvider } from "../pipeline/refreshAhead";
import type { RefreshPolicyOptions } from "../policies/refreshing";
import { refreshingRole } from "../policies/refreshingRole";
import type { RoleFlags } from "./parseFlags";
import { UsageError } from "./UsageError";

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
  const { profile, roleArn, ...role } = flags;
  if (profile !== undefined) {
    // MERGE: return refreshingProfile({ profile, ...role, cache: fileCache(), ...policy });
    throw new UsageError("--profile needs refreshingProfile");
  }
  return refreshingRole({ roleArn: roleArn ?? "", ...role, cache: fileCache(), ...policy });
};
