import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { limitRetries } from "retry-ts";
import {
  CREDENTIAL_REJECTION_ERROR_CODES,
  fromFunction,
  getCredentialRejectionPlugin,
  InvalidOptionsError,
  refreshingRole,
  session,
  type CredentialRejectionEvent,
  type RefreshEvent,
  type RefreshingProvider,
} from "../../src";
import { localSts, manualClock, type LocalSts, type ManualClock } from "../../src/testing";
import { recordSignedKeys } from "../support/signedKeys";

/** What a test hears: the provider's refresh events and the plugin's rejections, in one log. */
type Heard = RefreshEvent | CredentialRejectionEvent;

const region = "us-east-1";
const roleArn = "arn:aws:iam::123456789012:role/Worker";

interface RunResult {
  operations: number;
  failures: number;
  failureCodes: Set<string>;
  /** `$metadata.attempts` of every operation, failed ones included. */
  attempts: number[];
  revokedKey: string;
  /** Operations that had completed when the key was revoked. */
  completedAtRevoke: number;
}

/**
 * `workers` concurrent loops of `perWorker` GetCallerIdentity calls, spread over `clients`; when
 * `revokeAfter` operations have completed, the key STS issued last (the one signing) is revoked.
 */
const run = async (
  sts: LocalSts,
  clients: readonly STSClient[],
  { workers = 20, perWorker = 10, revokeAfter = 60 } = {},
): Promise<RunResult> => {
  const result: RunResult = {
    operations: 0,
    failures: 0,
    failureCodes: new Set(),
    attempts: [],
    revokedKey: "",
    completedAtRevoke: 0,
  };
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      const client = clients[worker % clients.length]!;
      for (let i = 0; i < perWorker; i++) {
        try {
          const output = await client.send(new GetCallerIdentityCommand({}));
          result.attempts.push(output.$metadata.attempts ?? Number.NaN);
        } catch (error) {
          result.failures++;
          result.failureCodes.add((error as Error).name);
          result.attempts.push(
            (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? Number.NaN,
          );
        }
        if (++result.operations === revokeAfter) {
          result.revokedKey = sts.issued.at(-1)!.accessKeyId;
          result.completedAtRevoke = result.operations;
          sts.revoke(result.revokedKey);
        }
      }
    }),
  );
  return result;
};

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/**
 * What recovery looks like: no failure, one extra AssumeRole, the revoked key rejected only for
 * requests already on their way, never signed again once its rejection was known, one `rejected`
 * event followed by one shared refresh, and every HTTP request counted in some `$metadata.attempts`.
 */
const expectRecovered = (
  sts: LocalSts,
  result: RunResult,
  log: readonly string[],
  events: readonly Heard[],
) => {
  expect(result.operations).toBe(200);
  expect(result.failures).toBe(0);
  expect(sts.counts.AssumeRole).toBe(2);
  const { revokedKey } = result;
  const rejected = sts.requests.filter((r) => r.outcome === "InvalidClientTokenId");
  expect(rejected.length).toBeGreaterThan(0);
  expect(rejected.length).toBeLessThanOrEqual(20);
  expect(new Set(rejected.map((r) => r.accessKeyId))).toEqual(new Set([revokedKey]));
  const firstRejection = log.indexOf("event:rejected");
  expect(firstRejection).toBeGreaterThan(0);
  expect(log.slice(firstRejection).filter((entry) => entry === revokedKey)).toEqual([]);
  expect(events.filter((e) => e.type === "rejected")).toEqual([
    { type: "rejected", keyHint: revokedKey.slice(-4), code: "InvalidClientTokenId" },
  ]);
  const afterRejection = events.slice(events.findIndex((e) => e.type === "rejected"));
  expect(afterRejection.map((e) => e.type)).toEqual([
    "rejected",
    "invalidated",
    "refresh-start",
    "refresh-success",
  ]);
  expect(afterRejection[2]).toEqual({ type: "refresh-start", reason: "invalidated" });
  expect(sum(result.attempts)).toBe(sts.counts.GetCallerIdentity);
  expect(result.attempts.filter((n) => n === 2)).toHaveLength(rejected.length);
  expect(result.attempts.every((n) => n === 1 || n === 2)).toBe(true);
  return { rejected: rejected.length };
};

describe("getCredentialRejectionPlugin", () => {
  let clock: ManualClock;
  let sts: LocalSts;
  const cleanup: Array<() => void> = [];

  beforeEach(async () => {
    clock = manualClock();
    sts = await localSts({ clock });
  });
  afterEach(async () => {
    for (const done of cleanup.splice(0)) done();
    await sts.close();
  });

  const roleCredentials = (onEvent?: (event: RefreshEvent) => void): RefreshingProvider => {
    const credentials = refreshingRole({
      roleArn,
      region,
      clock,
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
      ...(onEvent === undefined ? {} : { onEvent }),
    });
    cleanup.push(() => {
      credentials.dispose();
    });
    return credentials;
  };
  const stsClient = (credentials: RefreshingProvider, config: { maxAttempts?: number } = {}) => {
    const client = new STSClient({ region, endpoint: sts.endpoint, credentials, ...config });
    cleanup.push(() => {
      client.destroy();
    });
    return client;
  };

  describe("20 workers, two clients, the signing key revoked mid-run", () => {
    it("through session() clients: 0 failed requests, exactly 1 extra AssumeRole, the revoked key never sent once known", async () => {
      // One log of signed keys and events, in the order they happened.
      const log: string[] = [];
      const events: Heard[] = [];
      const aws = session({
        region,
        roleArn,
        clock,
        clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
        onEvent: (event) => {
          events.push(event);
          log.push(`event:${event.type}`);
        },
      });
      cleanup.push(() => {
        aws.destroy();
      });
      // Two clients (the default retry strategy, and one with 5 attempts): the SDK's retries are on.
      const clients = [
        aws.client(STSClient, { endpoint: sts.endpoint }),
        aws.client(STSClient, { endpoint: sts.endpoint, maxAttempts: 5 }),
      ];
      expect(clients[0]).not.toBe(clients[1]);
      for (const client of clients) recordSignedKeys(client, log);

      const result = await run(sts, clients);

      expectRecovered(sts, result, log, events);
    });

    it("through clients built by hand without the plugin: every request fails until the next scheduled refresh", async () => {
      const credentials = roleCredentials();
      const clients = [stsClient(credentials), stsClient(credentials, { maxAttempts: 5 })];

      const result = await run(sts, clients);

      // From the revocation on, every request was rejected, and every rejection was a failed request.
      const calls = sts.requests.filter((r) => r.action === "GetCallerIdentity");
      const firstRejected = calls.findIndex((r) => r.outcome === "InvalidClientTokenId");
      expect(calls.slice(firstRejected).every((r) => r.outcome === "InvalidClientTokenId")).toBe(true);
      expect(result.failures).toBe(calls.length - firstRejected);
      // All that were sent after the revocation, but for a few already answered (one per worker at most).
      expect(result.failures).toBeGreaterThanOrEqual(result.operations - result.completedAtRevoke - 20);
      expect(result.failureCodes).toEqual(new Set(["InvalidClientTokenId"]));
      expect(sts.counts.AssumeRole).toBe(1);
      // The SDK does not retry a rejection: one attempt each, and nothing learnt.
      expect(result.attempts.every((n) => n === 1)).toBe(true);
      await expect(clients[0]!.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: "InvalidClientTokenId",
      });

      // They recover when the cache refreshes on its own schedule: 45 minutes into the hour, at best.
      const refreshAt = credentials.status().refreshAt!;
      await clock.advance(refreshAt.getTime() + 1 - clock.now());
      await credentials(); // a cache hit that starts the background refresh now due
      await clock.advance(0);
      expect(credentials.status()).toMatchObject({ refreshing: false, failures: 0 });
      await expect(clients[0]!.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
      expect(sts.counts.AssumeRole).toBe(2);
    });

    it("through clients built by hand with the plugin added (one plugin for both): as through the session", async () => {
      const log: string[] = [];
      const events: Heard[] = [];
      const onEvent = (event: Heard) => {
        events.push(event);
        log.push(`event:${event.type}`);
      };
      const credentials = roleCredentials(onEvent);
      const clients = [stsClient(credentials), stsClient(credentials, { maxAttempts: 5 })];
      const plugin = getCredentialRejectionPlugin(credentials, { onEvent });
      for (const client of clients) {
        client.middlewareStack.use(plugin);
        recordSignedKeys(client, log);
      }

      const result = await run(sts, clients);

      expectRecovered(sts, result, log, events);
    });
  });

  describe("one request", () => {
    const setUp = (
      options: { retryStrategy?: ConfiguredRetryStrategy } = {},
      onRefreshed: () => void = () => undefined,
    ) => {
      const events: Heard[] = [];
      const credentials = roleCredentials((event) => {
        events.push(event);
        if (event.type === "refresh-success" && event.reason === "invalidated") onRefreshed();
      });
      const client = new STSClient({ region, endpoint: sts.endpoint, credentials, ...options });
      cleanup.push(() => {
        client.destroy();
      });
      const warnings: string[] = [];
      client.middlewareStack.use(
        getCredentialRejectionPlugin(credentials, {
          onEvent: (event) => events.push(event),
          logger: { debug() {}, info() {}, warn: (line: string) => warnings.push(line), error() {} },
        }),
      );
      return { events, credentials, client, warnings };
    };

    it("is sent once more at most: a fresh key rejected too fails the request, with 2 attempts counted", async () => {
      // The key issued by the refresh is revoked as soon as it arrives.
      const { client, events, credentials } = setUp({}, () => {
        sts.revoke(sts.issued.at(-1)!.accessKeyId);
      });
      await client.send(new GetCallerIdentityCommand({}));
      const first = sts.issued[0]!.accessKeyId;
      sts.revoke(first);

      await expect(client.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: "InvalidClientTokenId",
        $metadata: { attempts: 2 },
      });
      expect(sts.counts.GetCallerIdentity).toBe(3);
      expect(sts.counts.AssumeRole).toBe(2);
      const second = sts.issued[1]!.accessKeyId;
      const calls = sts.requests.filter((r) => r.action === "GetCallerIdentity");
      expect(calls.slice(-2).map((r) => r.accessKeyId)).toEqual([first, second]);
      // Both keys were reported and invalidated: the next call refreshes again.
      expect(events.filter((e) => e.type === "rejected")).toEqual([
        { type: "rejected", keyHint: first.slice(-4), code: "InvalidClientTokenId" },
        { type: "rejected", keyHint: second.slice(-4), code: "InvalidClientTokenId" },
      ]);
      expect(credentials.status().invalidated).toBe(true);
    });

    it("costs a bounded trickle of AssumeRole when every key STS issues is rejected: 50 requests, 2 calls, and the events say so", async () => {
      // A service that rejects every key this role gets (a policy that denies the session, say).
      const { client, events, credentials } = setUp({}, () => {
        sts.revoke(sts.issued.at(-1)!.accessKeyId);
      });
      await client.send(new GetCallerIdentityCommand({}));
      sts.revoke(sts.issued[0]!.accessKeyId);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 50 }, () => client.send(new GetCallerIdentityCommand({}))),
      );
      expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
      // The first key's replacement was rejected too: a failed refresh, with a backoff (the code before made 14).
      expect(sts.counts.AssumeRole).toBe(2);
      const failures = events.filter((e) => e.type === "refresh-failure");
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ reason: "invalidated", recoverable: true, serving: "current" });
      const { nextAttemptAt } = failures[0] as { nextAttemptAt: Date };
      expect(nextAttemptAt.getTime()).toBeGreaterThan(clock.now());
      // Within the backoff, more requests fail without touching STS; after it, one more AssumeRole.
      await Promise.allSettled(
        Array.from({ length: 20 }, () => client.send(new GetCallerIdentityCommand({}))),
      );
      expect(sts.counts.AssumeRole).toBe(2);
      // (A Date has whole milliseconds; the backoff may end within the next one.)
      await clock.advanceTo(nextAttemptAt.getTime() + 1);
      await Promise.allSettled(
        Array.from({ length: 20 }, () => client.send(new GetCallerIdentityCommand({}))),
      );
      expect(sts.counts.AssumeRole).toBe(3);
      expect(credentials.status().failures).toBe(2);
    });

    it("composes with the SDK's retry strategy: a throttled resend is retried by it, and every attempt counted", async () => {
      // The resend (after the refresh) is throttled once; the SDK's retry strategy (no delay) retries it.
      const { client } = setUp({ retryStrategy: new ConfiguredRetryStrategy(3, 0) }, () => {
        sts.inject({ kind: "throttle" }, { action: "GetCallerIdentity" });
      });
      await client.send(new GetCallerIdentityCommand({}));
      sts.revoke(sts.issued[0]!.accessKeyId);

      const output = await client.send(new GetCallerIdentityCommand({}));
      // Rejected, sent once more (throttled), retried by the SDK: 3 HTTP requests, and 3 attempts read.
      expect(output.$metadata.attempts).toBe(3);
      expect(sts.counts.GetCallerIdentity).toBe(4);
      const calls = sts.requests.filter((r) => r.action === "GetCallerIdentity");
      expect(calls.slice(-3).map((r) => r.outcome)).toEqual(["InvalidClientTokenId", "fault:throttle", "ok"]);
      expect(calls.at(-1)!.accessKeyId).toBe(sts.issued[1]!.accessKeyId);
    });

    it("leaves AccessDenied alone: not invalidated, not sent again", async () => {
      // A service that denies the request: a loopback server answering like STS.
      const { client, credentials, events } = setUp();
      await client.send(new GetCallerIdentityCommand({}));
      const server = await loopback((_request, response) => {
        response.writeHead(403, { "content-type": "text/xml" });
        response.end(
          "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>denied</Message></Error></ErrorResponse>",
        );
      });
      cleanup.push(() => {
        server.close();
      });
      const denied = new STSClient({ region, endpoint: server.endpoint, credentials, maxAttempts: 3 });
      cleanup.push(() => {
        denied.destroy();
      });
      denied.middlewareStack.use(getCredentialRejectionPlugin(credentials));
      await expect(denied.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: "AccessDenied",
        $metadata: { attempts: 1 },
      });
      expect(server.requests).toHaveLength(1);
      expect(credentials.status().invalidated).toBe(false);
      expect(events.filter((e) => e.type === "rejected" || e.type === "invalidated")).toEqual([]);
    });

    it("leaves keys that are not from its provider alone", async () => {
      const { credentials } = setUp();
      const other = new STSClient({ region, endpoint: sts.endpoint, credentials: sts.rootCredentials });
      cleanup.push(() => {
        other.destroy();
      });
      const events: Heard[] = [];
      other.middlewareStack.use(
        getCredentialRejectionPlugin(credentials, { onEvent: (e) => events.push(e) }),
      );
      // Its provider holds a key first: with the root key revoked it could not get one (and would retry).
      await credentials();
      const fetched = sts.counts.AssumeRole;
      sts.revoke(sts.rootCredentials.accessKeyId);
      await expect(other.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: "InvalidClientTokenId",
        $metadata: { attempts: 1 },
      });
      expect(events).toEqual([]);
      // Whether the key is ours was decided without calling the provider.
      expect(fetched).toBe(1);
      expect(sts.counts.AssumeRole).toBe(fetched);
    });
  });

  describe("a client with credentials of its own", () => {
    it("decides without calling the provider: with the session's STS down, no AssumeRole and no wait", async () => {
      // No retries, so that a call to it would fail fast instead of waiting on the manual clock.
      const credentials = refreshingRole({
        roleArn,
        region,
        clock,
        retryPolicy: limitRetries(0),
        clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials, maxAttempts: 1 },
      });
      cleanup.push(() => {
        credentials.dispose();
      });
      sts.inject({ kind: "server-error", status: 503 }, { action: "AssumeRole", times: Infinity });
      const other = new STSClient({ region, endpoint: sts.endpoint, credentials: sts.rootCredentials });
      cleanup.push(() => {
        other.destroy();
      });
      other.middlewareStack.use(getCredentialRejectionPlugin(credentials));
      const output = await other.send(new GetCallerIdentityCommand({}));
      expect(output.Arn).toContain(":user/local-root");
      expect(sts.counts.AssumeRole).toBe(0);
    });

    it("works beside a second plugin for another provider: neither replaces the other", async () => {
      const first = roleCredentials();
      const second = roleCredentials();
      const client = stsClient(second);
      client.middlewareStack.use(getCredentialRejectionPlugin(second));
      client.middlewareStack.use(getCredentialRejectionPlugin(first));
      await client.send(new GetCallerIdentityCommand({}));
      const signing = sts.issued.at(-1)!.accessKeyId;
      sts.revoke(signing);
      // The second provider's plugin recovers the request signed with its key.
      const output = await client.send(new GetCallerIdentityCommand({}));
      expect(output.$metadata.attempts).toBe(2);
      expect(second.status().failures).toBe(0);
      expect(second.holds(signing)).toBe(true);
      expect(first.holds(signing)).toBe(false);
    });
  });

  it("sits inside the SDK's retry loop, right before signing, and counts attempts outside it; once per client", () => {
    const aws = session({ region, roleArn, clock, clientConfig: { endpoint: sts.endpoint } });
    cleanup.push(() => {
      aws.destroy();
    });
    const client = aws.client(STSClient);
    // Added again by hand: replaced, not doubled.
    client.middlewareStack.use(getCredentialRejectionPlugin(aws.credentials));
    const names = client.middlewareStack.identify().map((entry) => entry.split(" ")[0]);
    const at = (name: string) => names.findIndex((entry) => entry === name || entry?.startsWith(`${name}#`));
    expect(names.filter((name) => name?.startsWith("credentialRejection"))).toHaveLength(2);
    expect(at("credentialRejectionAttemptsMiddleware")).toBe(at("retryMiddleware") - 1);
    expect(at("credentialRejectionMiddleware")).toBe(at("retryMiddleware") + 1);
    expect(at("httpSigningMiddleware")).toBe(at("credentialRejectionMiddleware") + 1);
  });

  it("covers the codes that reject credentials, never AccessDenied", () => {
    expect([...CREDENTIAL_REJECTION_ERROR_CODES].sort()).toEqual([
      "ExpiredToken",
      "ExpiredTokenException",
      "InvalidClientTokenId",
      "InvalidToken",
    ]);
  });

  it("rejects what is not a refreshing provider, and bad options, at construction", () => {
    expect(() => getCredentialRejectionPlugin((() => Promise.resolve({})) as never)).toThrow(
      InvalidOptionsError,
    );
    expect(() =>
      getCredentialRejectionPlugin(roleCredentials(), { onEvnt: () => undefined } as never),
    ).toThrow(/onEvnt/);
  });
});

interface Loopback {
  endpoint: string;
  requests: Array<{ method: string; url: string; body: Buffer; authorization: string }>;
  close(): void;
}

/** A server of the test's own on a loopback port, that reads each request's body before answering. */
const loopback = async (
  answer: (request: IncomingMessage, response: ServerResponse, index: number) => void,
): Promise<Loopback> => {
  const requests: Loopback["requests"] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({
        method: request.method ?? "",
        url: request.url ?? "",
        body: Buffer.concat(chunks),
        authorization: request.headers.authorization ?? "",
      });
      answer(request, response, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
};

describe("getCredentialRejectionPlugin with S3 uploads (a loopback server that answers like S3)", () => {
  const expiredToken = (response: ServerResponse) => {
    response.writeHead(400, { "content-type": "application/xml" });
    response.end(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message>' +
        "<RequestId>4442587FB7D0A2F9</RequestId><HostId>local</HostId></Error>",
    );
  };
  const ok = (response: ServerResponse) => {
    response.writeHead(200, { etag: '"6805f2cfc46c0f04559748bb039d69ae"' });
    response.end();
  };

  const setUp = async () => {
    const clock = manualClock();
    let minted = 0;
    const events: Heard[] = [];
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (line: string) => warnings.push(line), error() {} };
    const aws = session({
      region,
      clock,
      source: fromFunction(() =>
        Promise.resolve({
          accessKeyId: `ASIALOCALS3KEY${String(++minted).padStart(6, "0")}`,
          secretAccessKey: `secret-${minted}`,
          sessionToken: `token-${minted}`,
          expiration: new Date(clock.now() + 3_600_000),
        }),
      ),
      onEvent: (event) => events.push(event),
      logger,
    });
    // ExpiredToken for the first request, then success.
    const server = await loopback((_request, response, index) => {
      if (index === 0) expiredToken(response);
      else ok(response);
    });
    const sdkWarnings: string[] = [];
    const s3 = aws.client(S3Client, {
      endpoint: server.endpoint,
      forcePathStyle: true,
      logger: { debug() {}, info() {}, warn: (line: string) => sdkWarnings.push(line), error() {} },
    });
    return { aws, server, s3, events, warnings, sdkWarnings, minted: () => minted };
  };

  it("does not replay a stream body: the upload fails with ExpiredToken, and the key is invalidated", async () => {
    const { aws, server, s3, events, warnings, sdkWarnings, minted } = await setUp();
    try {
      const body = Readable.from([Buffer.from("hello, "), Buffer.from("stream")]);
      const error = await s3
        .send(new PutObjectCommand({ Bucket: "bucket", Key: "streamed.txt", Body: body, ContentLength: 13 }))
        .catch((e: unknown) => e);
      // The SDK's retry middleware gives a failed streaming request back as it came, without attempts.
      expect(error).toMatchObject({ name: "ExpiredToken", $metadata: { httpStatusCode: 400 } });
      expect(server.requests).toHaveLength(1);
      // Read to the end (aws-chunked, with the SDK's checksum trailer): it cannot be sent again.
      expect(server.requests[0]!.body.toString()).toMatch(/hello,[\s\S]*stream[\s\S]*x-amz-checksum-crc32/);
      expect(aws.credentials.status().invalidated).toBe(true);
      expect(events.filter((e) => e.type === "rejected" || e.type === "invalidated")).toEqual([
        { type: "rejected", keyHint: "0001", code: "ExpiredToken" },
        { type: "invalidated", keyHint: "0001" },
      ]);
      expect(warnings.some((line) => line.includes("is not sent again: its body is a stream"))).toBe(true);
      // The SDK's own retry strategy declines to retry it too.
      expect(sdkWarnings).toContain("An error was encountered in a non-retryable streaming request.");
      // The next request gets the fresh key.
      expect((await aws.credentials()).accessKeyId).toBe("ASIALOCALS3KEY000002");
      expect(minted()).toBe(2);
    } finally {
      aws.destroy();
      server.close();
    }
  });

  it("replays a body in memory: signed with a fresh key and sent once more, 2 attempts counted", async () => {
    const { aws, server, s3, minted } = await setUp();
    try {
      const output = await s3.send(
        new PutObjectCommand({ Bucket: "bucket", Key: "buffered.txt", Body: Buffer.from("hello, buffer") }),
      );
      expect(output.$metadata.attempts).toBe(2);
      expect(server.requests.map((r) => /Credential=([^/]+)\//.exec(r.authorization)?.[1])).toEqual([
        "ASIALOCALS3KEY000001",
        "ASIALOCALS3KEY000002",
      ]);
      expect(server.requests[1]!.body.toString()).toContain("hello, buffer");
      expect(minted()).toBe(2);
    } finally {
      aws.destroy();
      server.close();
    }
  });
});
