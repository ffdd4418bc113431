/**
 * 2. Shared clients: STS calls per refresh cycle when 10 SDK clients share one provider, against the
 * local STS over real HTTP. Ours (one session, 10 clients) against the SDK's fromTemporaryCredentials
 * given to 10 clients (each wraps it in its own cache). Credentials live 5 minutes and a few seconds,
 * so the SDK's 5-minute window makes every cycle a few seconds long; ours is given the same deadline.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { session } from "../src";
import { localSts } from "../src/testing";
import { recordSigningKeys, sleep } from "./support";

const CLIENTS = 10;
const LIFETIME_MS = 300_000 + 1_500;
const RUN_MS = 6_000;
const region = "us-east-1";
const roleArn = "arn:aws:iam::123456789012:role/bench-shared";

export interface SharedClientsResult {
  readonly stsCallsPerCycle: { readonly ours: number; readonly sdk: number };
  readonly detail: Record<"ours" | "sdk", { stsCalls: number; cycles: number; requests: number }>;
}

const drive = async (clients: STSClient[]): Promise<{ requests: number; keysOfFirst: Set<string> }> => {
  const keysOfFirst: string[] = [];
  const [first] = clients;
  if (first !== undefined) recordSigningKeys(first, keysOfFirst);
  const deadline = Date.now() + RUN_MS;
  let requests = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (Date.now() < deadline) {
        await client.send(new GetCallerIdentityCommand({}));
        requests++;
        await sleep(50);
      }
    }),
  );
  return { requests, keysOfFirst: new Set(keysOfFirst) };
};

export const sharedClients = async (): Promise<SharedClientsResult> => {
  // The SDK: one provider, given to 10 clients.
  const sdkSts = await localSts({ credentialLifetimeMs: LIFETIME_MS });
  const provider = fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: "sdk", DurationSeconds: 900 },
    masterCredentials: sdkSts.rootCredentials,
    clientConfig: { region, endpoint: sdkSts.endpoint, maxAttempts: 1 },
  });
  const sdkClients = Array.from(
    { length: CLIENTS },
    () => new STSClient({ region, endpoint: sdkSts.endpoint, credentials: provider }),
  );
  const sdkRun = await drive(sdkClients);
  const sdkCalls = sdkSts.counts.AssumeRole;
  sdkClients.forEach((client) => {
    client.destroy();
  });
  await sdkSts.close();

  // Ours: one session, 10 clients; the mandatory window where the SDK's window would put it.
  const oursSts = await localSts({ credentialLifetimeMs: LIFETIME_MS });
  const aws = session({
    region,
    roleArn,
    roleSessionName: "ours",
    mandatoryWindowMs: 300_000,
    advisoryWindowMs: 300_750,
    clientConfig: { endpoint: oursSts.endpoint, credentials: oursSts.rootCredentials },
  });
  const ourClients = Array.from({ length: CLIENTS }, (_, i) =>
    aws.client(STSClient, { endpoint: oursSts.endpoint, customUserAgent: `bench-${i}` }),
  );
  const oursRun = await drive(ourClients);
  const oursCalls = oursSts.counts.AssumeRole;
  aws.destroy();
  await oursSts.close();

  return {
    stsCallsPerCycle: { ours: oursCalls / oursRun.keysOfFirst.size, sdk: sdkCalls / sdkRun.keysOfFirst.size },
    detail: {
      ours: { stsCalls: oursCalls, cycles: oursRun.keysOfFirst.size, requests: oursRun.requests },
      sdk: { stsCalls: sdkCalls, cycles: sdkRun.keysOfFirst.size, requests: sdkRun.requests },
    },
  };
};
