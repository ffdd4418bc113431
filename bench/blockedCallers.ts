/**
 * 4. Blocked callers: STS answers every AssumeRole after 200 ms. 1,000 requests spread across a
 * refresh cycle, through an SDK client: how many waited for STS, and the p99 of the time each request
 * spent waiting for credentials. Ours against fromTemporaryCredentials inside an SDK client.
 *
 * The wait is timed around the provider the client calls per request: for the SDK, its own
 * `memoizeIdentityProvider(fromTemporaryCredentials(...), isIdentityExpired, ...)`, built as the client
 * builds it; for ours, the session's provider, which the client calls as it is. Both are handed to the
 * client marked `memoized`, so it adds no cache of its own on top of the one being timed.
 * Credentials live 5 minutes and 3 seconds: the SDK's 5-minute window falls due 3 s after each
 * refresh, and ours is given the same deadline.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from "@smithy/core";
import type { AwsCredentialIdentity } from "@smithy/types";
import { session } from "../src";
import { localSts } from "../src/testing";
import { percentile, recordSigningKeys, sleep } from "./support";

const REQUESTS = 1_000;
const SPREAD_MS = 7_000;
/** A cache hit takes well under a millisecond; a wait for the 200 ms STS takes about 200. */
const WAITED_MS = 50;
const LIFETIME_MS = 300_000 + 3_000;
const region = "us-east-1";
const roleArn = "arn:aws:iam::123456789012:role/bench-blocked";

export interface BlockedCallersResult {
  readonly ours: { waited: number; p99WaitMs: number; refreshes: number };
  readonly sdk: { waited: number; p99WaitMs: number; refreshes: number };
}

/** The provider, timed at each call, and marked so the SDK client uses it as it is. */
const timed = (
  provider: (options?: Record<string, unknown>) => Promise<AwsCredentialIdentity>,
  waits: number[],
) =>
  Object.assign(
    async (options?: Record<string, unknown>) => {
      const start = performance.now();
      try {
        return await provider(options);
      } finally {
        waits.push(performance.now() - start);
      }
    },
    { memoized: true },
  );

const spread = async (
  client: STSClient,
  waits: number[],
): Promise<{ waited: number; p99WaitMs: number; keys: number }> => {
  const keys: string[] = [];
  await client.send(new GetCallerIdentityCommand({})); // the first credentials: not counted
  waits.length = 0;
  recordSigningKeys(client, keys);
  const sends: Array<Promise<unknown>> = [];
  for (let i = 0; i < REQUESTS; i++) {
    sends.push(client.send(new GetCallerIdentityCommand({})));
    await sleep(SPREAD_MS / REQUESTS);
  }
  await Promise.all(sends);
  return {
    waited: waits.filter((wait) => wait > WAITED_MS).length,
    p99WaitMs: percentile(waits, 99),
    keys: new Set(keys).size,
  };
};

export const blockedCallers = async (): Promise<BlockedCallersResult> => {
  const sdkSts = await localSts({ credentialLifetimeMs: LIFETIME_MS });
  sdkSts.inject({ kind: "latency", ms: 200 }, { times: Infinity, action: "AssumeRole" });
  const sdkWaits: number[] = [];
  const sdkProvider = memoizeIdentityProvider(
    fromTemporaryCredentials({
      params: { RoleArn: roleArn, RoleSessionName: "sdk", DurationSeconds: 900 },
      masterCredentials: sdkSts.rootCredentials,
      clientConfig: { region, endpoint: sdkSts.endpoint, maxAttempts: 1 },
    }),
    isIdentityExpired,
    doesIdentityRequireRefresh,
  );
  const sdkClient = new STSClient({
    region,
    endpoint: sdkSts.endpoint,
    credentials: timed(
      sdkProvider as (o?: Record<string, unknown>) => Promise<AwsCredentialIdentity>,
      sdkWaits,
    ),
  });
  const sdk = await spread(sdkClient, sdkWaits);
  sdkClient.destroy();
  await sdkSts.close();

  const oursSts = await localSts({ credentialLifetimeMs: LIFETIME_MS });
  oursSts.inject({ kind: "latency", ms: 200 }, { times: Infinity, action: "AssumeRole" });
  const aws = session({
    region,
    roleArn,
    roleSessionName: "ours",
    mandatoryWindowMs: 300_000,
    advisoryWindowMs: 301_500,
    clientConfig: { endpoint: oursSts.endpoint, credentials: oursSts.rootCredentials },
  });
  const ourWaits: number[] = [];
  const ourClient = new STSClient({
    region,
    endpoint: oursSts.endpoint,
    credentials: timed(aws.credentials, ourWaits),
  });
  const ours = await spread(ourClient, ourWaits);
  ourClient.destroy();
  aws.destroy();
  await oursSts.close();

  return {
    ours: { waited: ours.waited, p99WaitMs: ours.p99WaitMs, refreshes: ours.keys },
    sdk: { waited: sdk.waited, p99WaitMs: sdk.p99WaitMs, refreshes: sdk.keys },
  };
};
