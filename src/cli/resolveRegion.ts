import { STSClient } from "@aws-sdk/client-sts";

/**
 * The region to give a child: `--region`, else the environment's, else the one the SDK finds in the
 * user's config file for the profile in force (the child will not read that file: it points at the
 * null device). `undefined` when none is set anywhere.
 *
 * @internal
 */
export const resolveRegion = async (
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined> => {
  const fromEnv = flag ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  // The SDK's own lookup (environment, then the profile's `region`), without a request.
  const client = new STSClient({});
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
};
