import type { CliIo } from "./CliIo";
import { noCredentials } from "./noCredentials";
import type { ParsedFlags } from "./parseFlags";
import { providerFromFlags } from "./providerFromFlags";

/**
 * `credential-process`: prints the role's credentials in the shape the AWS CLI and SDKs read from a
 * `credential_process` (Version 1). The provider reads the AWS CLI's file cache before calling STS and
 * writes what STS returns to it, so repeated runs make no STS call until the session needs refreshing.
 *
 * @internal
 */
export const runCredentialProcess = async (flags: ParsedFlags, io: CliIo): Promise<number> => {
  const provider = providerFromFlags(flags.role);
  try {
    const credentials = await provider();
    io.stdout(
      `${JSON.stringify({
        Version: 1,
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken === undefined ? {} : { SessionToken: credentials.sessionToken }),
        ...(credentials.expiration === undefined ? {} : { Expiration: credentials.expiration.toISOString() }),
      })}\n`,
    );
    return 0;
  } catch (error) {
    io.stderr(
      `aws-refresh-session: no credentials for the role: ${noCredentials(error, flags.role, io.env)}\n`,
    );
    return 1;
  } finally {
    provider.dispose();
  }
};
