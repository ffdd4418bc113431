import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { limitRetries } from "retry-ts";
import {
  CredentialRefreshError,
  refreshingRole,
  session,
  type CredentialRejectionEvent,
  type RefreshEvent,
} from "../../src";
import { localSts, manualClock } from "../../src/testing";

/**
 * Everything our objects can say — events, log lines, errors, inspect and JSON of credentials,
 * providers and sessions — searched for every secret the STS issued or holds, through refreshes and
 * failures.
 */
describe("secrets never leak", () => {
  it("not in events, log lines, errors, inspect or JSON, through refreshes and failures", async () => {
    const clock = manualClock();
    const sts = await localSts({ clock });
    const outputs: string[] = [];
    const capture = (value: unknown) => {
      outputs.push(typeof value === "string" ? value : inspect(value, { depth: 10, showHidden: true }));
      try {
        outputs.push(JSON.stringify({ value }));
      } catch {
        // not JSON-able: inspect above is what a logger would print
      }
    };
    const logger = { debug: capture, info: capture, warn: capture, error: capture };
    const aws = session({
      region: "us-east-1",
      roleArn: "arn:aws:iam::123456789012:role/secretive",
      clock,
      durationSeconds: 900,
      logger,
      onEvent: (event: RefreshEvent | CredentialRejectionEvent) => {
        capture(event);
      },
      onRetry: (event) => {
        capture(event);
      },
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    const client = aws.client(STSClient, { endpoint: sts.endpoint });

    for (let cycle = 0; cycle < 3; cycle++) {
      capture(await aws.credentials());
      await client.send(new GetCallerIdentityCommand({}));
      await clock.advance(12 * 60_000); // into the advisory window: a background refresh
    }
    // The last background refresh is real HTTP: let it land before STS starts failing, or it would
    // bring credentials valid past the deadline below.
    while (aws.credentials.status().refreshing) {
      await sts.idle();
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Failures: in the advisory window (served from cache), then past the deadline (errors).
    sts.inject({ kind: "server-error", status: 503 }, { times: Infinity, action: "AssumeRole" });
    await clock.advance(60_000);
    await clock.advance(13 * 60_000); // past any deadline: 900 s credentials are served 750 s at most
    const state = { settled: false };
    const failing = aws
      .credentials()
      .catch((e: unknown) => e)
      .finally(() => (state.settled = true));
    // Its retries back off on the manual clock: move it along until they give up.
    for (let i = 0; i < 60 && !state.settled; i++) await clock.advance(1_000);
    const error = await failing;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    capture(error);
    capture((error as Error).message);
    capture((error as Error).stack);
    capture(aws);
    capture(aws.credentials);
    capture(sts);
    aws.destroy();
    await sts.close();

    const secrets = [
      sts.rootCredentials.secretAccessKey,
      ...sts.issued.flatMap((issued) => [issued.secretAccessKey, issued.sessionToken]),
    ];
    expect(sts.issued.length).toBeGreaterThanOrEqual(3);
    expect(outputs.length).toBeGreaterThan(20);
    const leaks = outputs.flatMap((output) => secrets.filter((secret) => output.includes(secret)));
    expect(leaks).toEqual([]);
    // The search could only fail if the outputs mention the credentials at all: they do, by key id.
    expect(outputs.some((output) => output.includes(sts.issued[0]!.accessKeyId))).toBe(true);
  });
});

/** Every string reachable from `root`: own and hidden properties (symbols too), through any depth. */
const reachableStrings = (root: unknown): string[] => {
  const strings: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      strings.push(value);
      return;
    }
    if ((typeof value !== "object" && typeof value !== "function") || value === null || seen.has(value))
      return;
    seen.add(value);
    if (value instanceof Uint8Array) {
      strings.push(Buffer.from(value).toString("utf8"));
      return;
    }
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined) continue;
      if ("value" in descriptor) visit(descriptor.value);
      else if (descriptor.get !== undefined) {
        try {
          visit(descriptor.get.call(value));
        } catch {
          // a getter that refuses: nothing it could have held is reachable through it
        }
      }
    }
  };
  visit(root);
  return strings;
};

describe("an STS answer cut off in the middle of the credentials", () => {
  const secretAccessKey = "9drTJvcXLB89EXAMPLEsecretKEYfromSTS+bPxRfiCY";
  const sessionToken = "FwoGZXIvYXdzEXAMPLEsessionTOKENfromSTS1234567890abcdef";
  const truncated =
    '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>' +
    `<AccessKeyId>ASIAEXAMPLETRUNCATED</AccessKeyId><SecretAccessKey>${secretAccessKey}</SecretAccessKey>` +
    `<SessionToken>${sessionToken}</SessionToken><Expiration>2030-01-01T00:`;

  it("leaves no secret reachable from the error, its causes, events or status", async () => {
    const server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        response.writeHead(200, { "content-type": "text/xml" });
        response.end(truncated);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clock = manualClock();
    const heard: unknown[] = [];
    const credentials = refreshingRole({
      roleArn: "arn:aws:iam::123456789012:role/cut-off",
      region: "us-east-1",
      clock,
      retryPolicy: limitRetries(1),
      onEvent: (event) => heard.push(event),
      onRetry: (event) => heard.push(event),
      clientConfig: {
        endpoint,
        credentials: {
          accessKeyId: "AKIAIOSFODNN7EXAMPLE",
          secretAccessKey: "callerSecretKeyEXAMPLE1234567890abcdef",
        },
      },
    });
    try {
      const error = await credentials().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CredentialRefreshError);
      const status = credentials.status();
      expect(status.lastError).toBeDefined();
      expect(heard.length).toBeGreaterThan(0);
      const roots = [error, status, heard];
      const texts = [
        ...roots.flatMap(reachableStrings),
        ...roots.map((root) => inspect(root, { showHidden: true, depth: Infinity, getters: true })),
        ...roots.map((root) => JSON.stringify(root)),
        ...roots.map((root) => {
          const stack = (root as { stack?: unknown }).stack;
          return typeof stack === "string" ? stack : "";
        }),
      ];
      // The walk reaches the cause (before the fix, it found the secret there).
      expect((error as CredentialRefreshError).cause).toBeDefined();
      expect(texts.some((text) => text.includes("cut off or garbled"))).toBe(true);
      const leaks = texts.filter((text) => text.includes(secretAccessKey) || text.includes(sessionToken));
      expect(leaks).toEqual([]);
    } finally {
      credentials.dispose();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  });
});
