/**
 * 11. The credentials endpoint of `aws-refresh-session exec` (serveCredentials):
 *
 * - Answer time under load: a client process keeps 100 requests in flight on 100 kept-alive
 *   connections, 40 rounds (4,000 requests) after 5 rounds of warm-up, five times (a new client
 *   process each time; the figures are the median [min–max] of the five), against serveCredentials over a refreshing provider that
 *   holds its credentials (the steady state). The endpoint's own answer time is what its `served`
 *   events tell (from the request's arrival to the answer written, the provider's call included); the
 *   client's round trip, which adds the queue of 100 requests on one event loop, is told beside it.
 * - STS calls for 20 child processes: one endpoint over refreshingRole against the local STS, and 20
 *   Node processes that each call GetCallerIdentity through it (the SDK's container provider) every
 *   100 ms. Scaled: credentials live 6 s instead of an hour, and the children run 24 s, four lifetimes,
 *   instead of a minute. What is counted is AssumeRole calls at the STS against the provider's
 *   refreshes; the target is one call per refresh, however many children.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fromFunction, refreshing, refreshingRole, serveCredentials } from "../src";
import { localSts } from "../src/testing";
import { percentile, stats, type Stats } from "./support";

const CONCURRENT = 100;
const ROUNDS = 40;
/** The measure repeated, each time with a new client process: a shared machine's tail varies. */
const REPETITIONS = 5;
/** Rounds first run and left out: connections opened, the server's code compiled by the JIT. */
const WARM_UP_ROUNDS = 5;
const CHILDREN = 20;
const LIFETIME_MS = 6_000;
const CHILD_SECONDS = 24;

export interface CredentialServerResult {
  readonly answer: {
    /** Requests measured per repetition, and repetitions (each a fresh client process). */
    readonly requests: number;
    readonly repetitions: number;
    readonly concurrent: number;
    /** The endpoint's answer time (served events), ms: median [min–max] over the repetitions. */
    readonly serverP50Ms: Stats;
    readonly serverP99Ms: Stats;
    /** The client's round trip with 100 in flight, ms. */
    readonly roundTripP50Ms: Stats;
    readonly roundTripP99Ms: Stats;
  };
  readonly children: {
    readonly children: number;
    readonly secondsEach: number;
    readonly lifetimeMs: number;
    readonly requests: number;
    readonly failedRequests: number;
    readonly refreshes: number;
    readonly assumeRoleCalls: number;
    readonly accessKeysSeen: number;
  };
}

const CLIENT = `
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: ${CONCURRENT} });
const url = process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
const token = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
const once = () => new Promise((resolve, reject) => {
  const started = process.hrtime.bigint();
  http.get(url, { agent, headers: { authorization: token } }, (response) => {
    response.resume();
    response.on("end", () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
  }).on("error", reject);
});
(async () => {
  for (let round = 0; round < ${WARM_UP_ROUNDS}; round++) await Promise.all(Array.from({ length: ${CONCURRENT} }, once));
  const times = [];
  for (let round = 0; round < ${ROUNDS}; round++) times.push(...(await Promise.all(Array.from({ length: ${CONCURRENT} }, once))));
  agent.destroy();
  process.stdout.write(JSON.stringify(times));
})();
`;

const CHILD = `
const { GetCallerIdentityCommand, STSClient } = require("@aws-sdk/client-sts");
(async () => {
  const client = new STSClient({});
  const end = Date.now() + ${CHILD_SECONDS * 1000};
  let requests = 0, failed = 0;
  const keys = new Set();
  while (Date.now() < end) {
    try {
      await client.send(new GetCallerIdentityCommand({}));
      keys.add((await client.config.credentials()).accessKeyId);
    } catch {
      failed++;
    }
    requests++;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  client.destroy();
  process.stdout.write(JSON.stringify({ requests, failed, keys: [...keys] }));
})();
`;

const runNode = (script: string, env: Readonly<Record<string, string>>): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], {
      env: { ...env, NODE_PATH: join(__dirname, "..", "node_modules") },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`a benchmark child exited with ${code}`));
    });
  });

const answerTimes = async (): Promise<CredentialServerResult["answer"]> => {
  const provider = refreshing(
    fromFunction(() =>
      Promise.resolve({
        accessKeyId: "ASIABENCHENDPOINT001",
        secretAccessKey: "bench-secret",
        sessionToken: "bench-token",
        expiration: new Date(Date.now() + 3_600_000),
      }),
    ),
  );
  let server: number[] = [];
  const endpoint = await serveCredentials(provider, {
    onEvent: (event) => {
      if (event.type === "served") server.push(event.durationMs);
    },
  });
  const runs: { server: number[]; roundTrips: number[] }[] = [];
  try {
    for (let repetition = 0; repetition < REPETITIONS; repetition++) {
      server = [];
      const roundTrips = JSON.parse(await runNode(CLIENT, endpoint.env)) as number[];
      // The warm-up rounds are left out of the endpoint's figures as of the client's.
      runs.push({ server: server.slice(CONCURRENT * WARM_UP_ROUNDS), roundTrips });
    }
  } finally {
    await endpoint.close();
    provider.dispose();
  }
  return {
    requests: CONCURRENT * ROUNDS,
    repetitions: REPETITIONS,
    concurrent: CONCURRENT,
    serverP50Ms: stats(runs.map((run) => percentile(run.server, 50))),
    serverP99Ms: stats(runs.map((run) => percentile(run.server, 99))),
    roundTripP50Ms: stats(runs.map((run) => percentile(run.roundTrips, 50))),
    roundTripP99Ms: stats(runs.map((run) => percentile(run.roundTrips, 99))),
  };
};

const childProcesses = async (): Promise<CredentialServerResult["children"]> => {
  const sts = await localSts({ credentialLifetimeMs: LIFETIME_MS });
  let refreshes = 0;
  const provider = refreshingRole({
    roleArn: "arn:aws:iam::123456789012:role/bench-endpoint",
    region: "us-east-1",
    clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    // 6 s credentials: a mandatory window shorter than their life, or each would arrive as a failed
    // refresh (credentials with no more than the mandatory window left are refused).
    mandatoryWindowMs: 1_000,
    onEvent: (event) => {
      if (event.type === "refresh-success") refreshes++;
    },
  });
  await provider();
  const endpoint = await serveCredentials(provider, {
    region: "us-east-1",
    environment: {
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL: sts.endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  });
  try {
    const results = (
      await Promise.all(Array.from({ length: CHILDREN }, () => runNode(CHILD, endpoint.env)))
    ).map((out) => JSON.parse(out) as { requests: number; failed: number; keys: string[] });
    return {
      children: CHILDREN,
      secondsEach: CHILD_SECONDS,
      lifetimeMs: LIFETIME_MS,
      requests: results.reduce((sum, r) => sum + r.requests, 0),
      failedRequests: results.reduce((sum, r) => sum + r.failed, 0),
      refreshes,
      assumeRoleCalls: sts.counts.AssumeRole,
      accessKeysSeen: new Set(results.flatMap((r) => r.keys)).size,
    };
  } finally {
    await endpoint.close();
    provider.dispose();
    await sts.close();
  }
};

export const credentialServer = async (): Promise<CredentialServerResult> => ({
  answer: await answerTimes(),
  children: await childProcesses(),
});
