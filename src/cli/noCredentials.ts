/**
 * What the command says when it has no credentials for the role: the failure, and, for a role whose
 * caller credentials come from the SDK's default chain with a profile chosen in the environment, the
 * likeliest cause of a chain that finds nothing: that profile's credential_process runs this command
 * again (the nested run refuses the loop, and the chain reports only that it found nothing).
 */
import { hideKeysAndTokens } from "../core/secretText";
import { describeError } from "../errors/CredentialRefreshError";
import type { RoleFlags } from "./parseFlags";

/** @internal */
export const noCredentials = (
  error: unknown,
  role: RoleFlags,
  env: Readonly<Record<string, string | undefined>>,
): string => {
  const described = hideKeysAndTokens(describeError(error));
  const chosen = env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE;
  const hint =
    role.profile === undefined && chosen !== undefined && /Could not load credentials/.test(described)
      ? ` (the caller credentials come from the SDK's default chain, here profile ${JSON.stringify(chosen)}: if its credential_process runs this command for the same role, that is a loop; give the command caller credentials from elsewhere, or unset AWS_PROFILE for it)`
      : "";
  return `${described}${hint}`;
};
