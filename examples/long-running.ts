/**
 * The demo: a long-running worker whose credentials refresh underneath it.
 *
 *   npm run demo
 *
 * For about 20 seconds (DEMO_SECONDS), concurrent workers keep calling STS GetCallerIdentity through
 * three clients built by one session(). With no configuration it starts the local STS from
 * aws-refresh-session/testing, which issues 6-second credentials and rejects any request signed with
 * expired ones, so you see several refreshes. With ROLE_ARN set (and caller credentials where the SDK
 * finds them: environment, ~/.aws, instance role) it runs against the real STS; real sessions last at
 * least 15 minutes, so set DEMO_SECONDS accordingly to see them refresh.
 *
 * Against the local STS it also revokes the signing key once, a little before the middle of the run:
 * the clients' credential rejection plugin (installed by session().client()) invalidates the key and
 * sends the rejected requests once more with fresh credentials.
 *
 * It exits with a non-zero code if any request failed or, against the local STS, if the figures are not
 * the expected ones: refreshes >= 3, STS calls = refreshes + 1, one key rejected and recovered from.
 */
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from "@aws-sdk/client-sts";
import type { FinalizeRequestMiddleware } from "@smithy/types";
import { session, type Credentials, type RefreshingProvider } from "aws-refresh-session";
import { localSts, type LocalSts } from "aws-refresh-session/testing";

// The SDK warns on Node 20 that its 2027 releases will need Node 22: true, and not the demo's subject.
// Read when the first client is built, so setting it here is in time.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const seconds = Number(process.env.DEMO_SECONDS ?? 20);
const workers = Number(process.env.DEMO_WORKERS ?? 25);
const region = process.env.AWS_REGION ?? "us-east-1";
const realRoleArn = process.env.ROLE_ARN;

type Middleware = FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes>;

const redact = (accessKeyId: string | undefined): string =>
  accessKeyId ? `****${accessKeyId.slice(-4)}` : "none";
const since = (start: number): string => `${((Date.now() - start) / 1000).toFixed(1).padStart(5)}s`;

interface Stats {
  requests: number;
  failures: number;
  stsCalls: number;
  longestCredentialWaitMs: number;
  /** The same, for requests sent once the first credentials were in hand. */
  longestWaitAfterFirstMs: number;
  /** Refreshes that callers had to wait for (the first, or any past the deadline). */
  blockingRefreshes: number;
  /** Refreshes that ran in the background while callers were served. */
  backgroundRefreshes: number;
  keysSeen: string[];
  /** Credentials obtained: the first and every refresh (refresh-success events). */
  credentialsObtained: number;
  /** Keys a service rejected (their last 4 characters), from the plugin's `rejected` events. */
  rejectedKeys: string[];
  /** Refreshes that followed a rejection (reason `invalidated`). */
  refreshesAfterRejection: number;
}

/** Counts AssumeRole calls as they go out, whichever STS answers them. */
const countAssumeRole = (client: STSClient, stats: Stats): void => {
  const count: Middleware = (next, context) => (args) => {
    if (context.commandName === AssumeRoleCommand.name) stats.stsCalls++;
    return next(args);
  };
  client.middlewareStack.add(count, { step: "finalizeRequest", name: "demoCountAssumeRole" });
};

let firstCredentialsAt: number | undefined;

/** Notes which access key signed each request: a refresh is a change of key. */
const observeKeys = (client: STSClient, stats: Stats): void => {
  const after: Middleware = (next) => (args) => {
    const authorization = String((args.request as { headers: Record<string, string> }).headers.authorization);
    const key = /Credential=([^/]+)\//.exec(authorization)?.[1];
    if (key !== undefined && !stats.keysSeen.includes(key)) stats.keysSeen.push(key);
    return next(args);
  };
  client.middlewareStack.addRelativeTo(after, {
    relation: "after",
    toMiddleware: "httpSigningMiddleware",
    name: "demoSignedKey",
  });
};

/**
 * The session's credentials, timed at each call: SDK clients call them once per request (they are
 * marked `memoized`, so no client adds a cache of its own), so this is how long each request waited
 * for credentials.
 */
const timedCredentials = (credentials: RefreshingProvider, stats: Stats) =>
  Object.assign(
    async (options?: Record<string, unknown>): Promise<Credentials> => {
      const start = performance.now();
      try {
        return await credentials(options);
      } finally {
        const waited = performance.now() - start;
        stats.longestCredentialWaitMs = Math.max(stats.longestCredentialWaitMs, waited);
        if (firstCredentialsAt !== undefined && start > firstCredentialsAt) {
          stats.longestWaitAfterFirstMs = Math.max(stats.longestWaitAfterFirstMs, waited);
        }
      }
    },
    { memoized: true as const },
  );

async function main(): Promise<void> {
  const stats: Stats = {
    requests: 0,
    failures: 0,
    stsCalls: 0,
    longestCredentialWaitMs: 0,
    longestWaitAfterFirstMs: 0,
    blockingRefreshes: 0,
    backgroundRefreshes: 0,
    keysSeen: [],
    credentialsObtained: 0,
    rejectedKeys: [],
    refreshesAfterRejection: 0,
  };
  let sts: LocalSts | undefined;
  let stsClient: STSClient;
  let endpoint: string | undefined;
  let roleArn: string;

  if (realRoleArn === undefined) {
    sts = await localSts({ credentialLifetimeMs: 6_000 });
    endpoint = sts.endpoint;
    roleArn = "arn:aws:iam::123456789012:role/demo-worker";
    stsClient = new STSClient({ region, endpoint, credentials: sts.rootCredentials, maxAttempts: 1 });
    console.log(
      `local STS on ${endpoint}: 6-second credentials, refreshed in the background 3 s before they expire`,
    );
  } else {
    roleArn = realRoleArn;
    stsClient = new STSClient({ region, maxAttempts: 1 });
    console.log(`real STS in ${region}, assuming ${roleArn}`);
  }
  countAssumeRole(stsClient, stats);

  const aws = session({
    region,
    roleArn,
    roleSessionName: "aws-refresh-session-demo",
    stsClient,
    onEvent: (event) => {
      if (event.type === "rejected") {
        stats.rejectedKeys.push(event.keyHint);
        console.log(
          `\n[${since(start)}] a service rejected key ****${event.keyHint} (${event.code}): refreshing`,
        );
      }
      if (event.type === "refresh-success") {
        stats.credentialsObtained++;
        if (event.reason === "invalidated") stats.refreshesAfterRejection++;
      }
      if (event.type !== "refresh-start") return;
      if (event.reason === "advisory") stats.backgroundRefreshes++;
      else if (event.reason !== "invalidated") stats.blockingRefreshes++;
    },
    // The local STS's credentials live 6 s: the advisory window 3 s and the mandatory one 1.5 s before expiry.
    ...(sts === undefined ? {} : { advisoryWindowMs: 3_000, mandatoryWindowMs: 1_500 }),
  });
  // Clients built by the session, with its credentials seen through a stopwatch.
  const clientConfig = {
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials: timedCredentials(aws.credentials, stats),
  };
  const clients: [STSClient, ...STSClient[]] = [
    aws.client(STSClient, clientConfig),
    aws.client(STSClient, { ...clientConfig, maxAttempts: 2 }),
    aws.client(STSClient, { ...clientConfig, maxAttempts: 3 }),
  ];
  clients.forEach((client) => {
    observeKeys(client, stats);
  });

  const start = Date.now();
  const deadline = start + seconds * 1000;
  void aws.credentials().then(
    () => (firstCredentialsAt = performance.now()),
    () => undefined,
  );
  let current: Credentials | undefined;
  const progress = (): string => {
    const nextRefreshMs = (current?.expiration?.getTime() ?? Date.now()) - Date.now();
    return (
      `[${since(start)}] requests ${stats.requests} | failures ${stats.failures} | ` +
      `refreshes ${Math.max(0, stats.credentialsObtained - 1)} | next refresh in ${(Math.max(0, nextRefreshMs) / 1000).toFixed(1)}s | ` +
      `key ${redact(current?.accessKeyId)}`
    );
  };
  // The credentials call is a cache hit: it shows what the workers are using right now.
  const show = (): void => {
    aws.credentials().then(
      (credentials) => {
        current = credentials;
        if (process.stdout.isTTY) process.stdout.write(`\r${progress()}   `);
        else console.log(progress());
      },
      () => undefined,
    );
  };
  const ticker = setInterval(show, process.stdout.isTTY ? 200 : 2_000);
  // Against the local STS, revoke the key that is signing, once, 40% into the run.
  let revokedKey: string | undefined;
  const revoker =
    sts === undefined
      ? undefined
      : setTimeout(() => {
          revokedKey = sts.issued.at(-1)?.accessKeyId;
          if (revokedKey === undefined) return;
          sts.revoke(revokedKey);
          console.log(`\n[${since(start)}] the local STS revokes key ${redact(revokedKey)}`);
        }, seconds * 400);

  const worker = async (client: STSClient): Promise<void> => {
    while (Date.now() < deadline) {
      try {
        await client.send(new GetCallerIdentityCommand({}));
        stats.requests++;
      } catch (error) {
        stats.failures++;
        if (stats.failures <= 5)
          console.error(`\nrequest failed: ${(error as Error).name}: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await Promise.all(
    Array.from({ length: workers }, (_, id) => worker(clients[id % clients.length] ?? clients[0])),
  );
  clearInterval(ticker);
  clearTimeout(revoker);
  if (process.stdout.isTTY) process.stdout.write(`\r${progress()}   \n`);

  const refreshes = Math.max(0, stats.credentialsObtained - 1);
  const rejectedRequests = sts?.rejections.InvalidClientTokenId ?? 0;
  const recovered =
    stats.rejectedKeys.length > 0 && stats.refreshesAfterRejection >= stats.rejectedKeys.length;
  const rejection =
    stats.rejectedKeys.length === 0
      ? "none"
      : `${stats.rejectedKeys.length} key${stats.rejectedKeys.length === 1 ? "" : "s"}, ` +
        `${recovered ? "recovered" : "NOT recovered"}, ${stats.failures} failed requests ` +
        `(${rejectedRequests} requests rejected, sent again)`;
  const rows: Array<[string, string]> = [
    ["duration", `${((Date.now() - start) / 1000).toFixed(1)} s, ${workers} concurrent workers, 3 clients`],
    ["requests", String(stats.requests)],
    ["failures", String(stats.failures)],
    ["refreshes", String(refreshes)],
    ["access keys seen signing", String(stats.keysSeen.length)],
    ["STS calls", String(stats.stsCalls)],
    ["refreshes callers waited for", `${stats.blockingRefreshes} (the first credentials)`],
    ["refreshes in the background", String(stats.backgroundRefreshes)],
    ["refreshes after a rejection", String(stats.refreshesAfterRejection)],
    // The first requests wait for the first credentials; after that, none should wait for STS.
    ["longest wait for credentials", `${stats.longestCredentialWaitMs.toFixed(3)} ms`],
    ["  once the first were in hand", `${stats.longestWaitAfterFirstMs.toFixed(3)} ms`],
    ["rejected", rejection],
  ];
  if (sts !== undefined) {
    const rejected = Object.entries(sts.rejections);
    rows.push([
      "rejected by STS",
      rejected.length === 0 ? "none" : rejected.map(([code, n]) => `${code} x${n}`).join(", "),
    ]);
  }
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  console.log("\nsummary");
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}${value}`);

  aws.destroy();
  stsClient.destroy();
  await sts?.close();

  const problems: string[] = [];
  if (stats.failures > 0) problems.push(`${stats.failures} requests failed`);
  if (sts !== undefined) {
    if (refreshes < 3) problems.push(`only ${refreshes} refreshes (expected at least 3)`);
    if (stats.blockingRefreshes !== 1)
      problems.push(`callers waited for ${stats.blockingRefreshes} refreshes (expected only the first)`);
    if (revokedKey === undefined) problems.push("the key was never revoked (is DEMO_SECONDS too short?)");
    else if (stats.rejectedKeys.length !== 1 || !recovered)
      problems.push(
        `${stats.rejectedKeys.length} keys rejected, recovered: ${recovered} (expected 1, recovered)`,
      );
    // Only requests already on their way are rejected: one per worker at most.
    if (rejectedRequests > workers)
      problems.push(`${rejectedRequests} requests rejected (expected at most one per worker, ${workers})`);
    // Every set but the last must have signed requests (the last may arrive as the workers stop).
    if (stats.keysSeen.length < refreshes)
      problems.push(`only ${stats.keysSeen.length} keys signed requests`);
    if (stats.stsCalls !== refreshes + 1)
      problems.push(`${stats.stsCalls} STS calls for ${refreshes} refreshes (expected refreshes + 1)`);
  }
  if (problems.length > 0) {
    console.error(`\ndemo: FAILED: ${problems.join("; ")}`);
    process.exitCode = 1;
  } else {
    console.log(
      `\ndemo: OK: 0 failures, ${refreshes} refreshes, ${stats.stsCalls} STS calls` +
        (sts === undefined ? "" : `, rejected: ${stats.rejectedKeys.length} key, recovered`),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
