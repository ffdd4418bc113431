/**
 * 11. A profile chain: STS calls per refresh cycle for a profile of two roles (base's static keys ->
 * hop-one -> hop-two, as in ~/.aws/config) shared by 10 SDK clients, against the local STS over real
 * HTTP. Ours (refreshingProfile, each role refreshing on its own) against the SDK's fromIni given to
 * 10 clients (each client caches it apart, and fromIni assumes every role of the chain at each
 * resolution). For the SDK, credentials live 5 minutes and a few seconds, so that its 5-minute window
 * makes every cycle a few seconds long; ours, whose windows are clamped to the lifetime (a quarter of
 * it is always used), get 2-second credentials and the default windows, for cycles as short. A cycle
 * is a new key seen by the first client. Run alone: `node --import tsx bench/profileChain.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-providers";
import { refreshingProfile } from "../src";
import { localSts, type LocalSts } from "../src/testing";
import { recordSigningKeys, sleep } from "./support";

const CLIENTS = 10;
const HOPS = 2;
const SDK_LIFETIME_MS = 300_000 + 1_500;
const OUR_LIFETIME_MS = 2_000;
const RUN_MS = 6_000;
const region = "us-east-1";

export interface ProfileChainResult {
  readonly hops: number;
  readonly clients: number;
  readonly stsCallsPerCycle: { readonly ours: number; readonly sdk: number };
  readonly detail: Record<"ours" | "sdk", { stsCalls: number; cycles: number; requests: number }>;
}

const drive = async (clients: STSClient[]): Promise<{ requests: number; cycles: number }> => {
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
  return { requests, cycles: new Set(keysOfFirst).size };
};

/** A HOME whose ~/.aws holds the chain, pointed at `sts`; the variables the SDK and we read set to it. */
const chainHome = (sts: LocalSts): (() => void) => {
  const home = mkdtempSync(join(tmpdir(), "bench-profile-"));
  mkdirSync(join(home, ".aws"));
  const endpoint = [`region = ${region}`, `endpoint_url = ${sts.endpoint}`];
  writeFileSync(
    join(home, ".aws", "config"),
    [
      "[profile hop-one]",
      "role_arn = arn:aws:iam::123456789012:role/bench-hop-one",
      "source_profile = base",
      ...endpoint,
      "[profile hop-two]",
      "role_arn = arn:aws:iam::123456789012:role/bench-hop-two",
      "source_profile = hop-one",
      ...endpoint,
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(home, ".aws", "credentials"),
    `[base]\naws_access_key_id = ${sts.rootCredentials.accessKeyId}\naws_secret_access_key = ${sts.rootCredentials.secretAccessKey}\n`,
  );
  const saved = { ...process.env };
  Object.assign(process.env, {
    HOME: home,
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
  });
  return () => {
    for (const name of ["HOME", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]) {
      if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = saved[name];
    }
    rmSync(home, { recursive: true, force: true });
  };
};

export const profileChain = async (): Promise<ProfileChainResult> => {
  // The SDK: fromIni for the profile, given to 10 clients.
  const sdkSts = await localSts({ credentialLifetimeMs: SDK_LIFETIME_MS });
  const sdkDone = chainHome(sdkSts);
  const provider = fromIni({
    profile: "hop-two",
    clientConfig: { region, endpoint: sdkSts.endpoint, maxAttempts: 1 },
    ignoreCache: true,
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
  sdkDone();

  // Ours: one refreshingProfile, 10 clients.
  const oursSts = await localSts({ credentialLifetimeMs: OUR_LIFETIME_MS });
  const oursDone = chainHome(oursSts);
  // 2 s credentials: the mandatory window must be shorter than their life, or each would arrive as a
  // failed refresh (credentials with no more than the mandatory window left are refused).
  const credentials = refreshingProfile({ profile: "hop-two", mandatoryWindowMs: 500 });
  const ourClients = Array.from(
    { length: CLIENTS },
    () => new STSClient({ region, endpoint: oursSts.endpoint, credentials }),
  );
  const oursRun = await drive(ourClients);
  const oursCalls = oursSts.counts.AssumeRole;
  credentials.dispose();
  ourClients.forEach((client) => {
    client.destroy();
  });
  await oursSts.close();
  oursDone();

  return {
    hops: HOPS,
    clients: CLIENTS,
    stsCallsPerCycle: { ours: oursCalls / oursRun.cycles, sdk: sdkCalls / sdkRun.cycles },
    detail: {
      ours: { stsCalls: oursCalls, cycles: oursRun.cycles, requests: oursRun.requests },
      sdk: { stsCalls: sdkCalls, cycles: sdkRun.cycles, requests: sdkRun.requests },
    },
  };
};

if (require.main === module) {
  profileChain().then(
    (result) => {
      console.log(JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2));
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
