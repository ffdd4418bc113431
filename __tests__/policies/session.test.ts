import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { InvalidOptionsError, session } from "../../src";
import * as invalidOptions from "../../src/errors/InvalidOptionsError";
import { manualClock } from "../../src/testing";
import { fakeSts } from "../support/fakeSts";

const roleArn = "arn:aws:iam::123456789012:role/Worker";

describe("session", () => {
  it("builds clients in its region that share one refreshing credential: one STS call for all", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const aws = session({ region: "eu-west-1", roleArn, stsClient: sts.client, clock });
    const s3 = aws.client(S3Client);
    const stsForApp = aws.client(STSClient);

    expect(await s3.config.region()).toBe("eu-west-1");
    const [a, b] = await Promise.all([s3.config.credentials(), stsForApp.config.credentials()]);
    expect(a.accessKeyId).toBe(b.accessKeyId);
    expect(sts.sent).toHaveLength(1);
    expect(aws.region).toBe("eu-west-1");
    aws.destroy();
  });

  it("gives back the same client for the same class and an equal config, a new one otherwise", () => {
    const clock = manualClock();
    const aws = session({ region: "eu-west-1", roleArn, stsClient: fakeSts(clock).client, clock });
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    expect(aws.client(S3Client)).toBe(aws.client(S3Client));
    expect(aws.client(S3Client, { maxAttempts: 5, logger })).toBe(
      aws.client(S3Client, { logger, maxAttempts: 5 }),
    );
    expect(aws.client(S3Client, { maxAttempts: 5 }) === aws.client(S3Client, { maxAttempts: 6 })).toBe(false);
    // Class instances (agents, handlers, loggers) count by identity; plain data by value.
    class Handler {}
    expect(
      aws.client(S3Client, { requestHandler: new Handler() as never }) ===
        aws.client(S3Client, { requestHandler: new Handler() as never }),
    ).toBe(false);
    expect(aws.client(S3Client, { logger }) === aws.client(S3Client, { logger: { ...logger } })).toBe(true);
    expect((aws.client(S3Client) as unknown) === aws.client(STSClient)).toBe(false);
    aws.destroy();
  });

  it("takes a config key set to undefined as not set: the session's credentials and region, one client", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const aws = session({ region: "eu-west-1", roleArn, stsClient: sts.client, clock });
    // What `credentials: process.env.UNSET_THING` gives: asked for first, it must not sign as the SDK's chain.
    const fromUnset = aws.client(S3Client, { credentials: undefined, region: undefined });
    expect(await fromUnset.config.region()).toBe("eu-west-1");
    expect((await fromUnset.config.credentials()).accessKeyId).toMatch(/^ASIAFAKE/);
    expect(sts.sent).toHaveLength(1);
    // The cache's key agrees with what was built: the same client as with no config at all.
    expect(aws.client(S3Client)).toBe(fromUnset);
    expect(aws.client(S3Client, { maxAttempts: undefined })).toBe(fromUnset);
    aws.destroy();
  });

  describe("its client cache", () => {
    /** A client class that counts what it builds and destroys, and keeps the config it was given. */
    const countingClass = () => {
      const built: Array<{ config: Record<string, unknown>; destroyed: number }> = [];
      class Counted {
        readonly record: { config: Record<string, unknown>; destroyed: number };
        constructor(config: Record<string, unknown>) {
          this.record = { config, destroyed: 0 };
          built.push(this.record);
        }
        destroy(): void {
          this.record.destroyed++;
        }
      }
      return { Counted, built };
    };
    const newSession = (options: { clientCacheSize?: number } = {}) =>
      session({ region: "eu-west-1", roleArn, stsClient: fakeSts(manualClock()).client, ...options });

    it("keeps the 10 clients used last by default: a config with a new function each call builds no more", () => {
      const aws = newSession();
      const { Counted, built } = countingClass();
      const inlineLogger = () => ({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
      const configs = Array.from({ length: 1_000 }, inlineLogger);
      const clients = configs.map((config) => aws.client(Counted, config as never));
      expect(built).toHaveLength(1_000);
      // Nothing a caller may still hold is destroyed when it leaves the cache.
      expect(built.filter((record) => record.destroyed > 0)).toHaveLength(0);
      // The cache holds the last 10: asked again with their configs, they come back.
      for (let i = 990; i < 1_000; i++) expect(aws.client(Counted, configs[i] as never)).toBe(clients[i]);
      expect(built).toHaveLength(1_000);
      // The 11th from the end was evicted: its config builds a new client.
      expect(aws.client(Counted, configs[989] as never)).not.toBe(clients[989]);
      expect(built).toHaveLength(1_001);
      aws.destroy();
    });

    it("evicts the least recently used, with clientCacheSize", () => {
      const aws = newSession({ clientCacheSize: 2 });
      const { Counted } = countingClass();
      const a = aws.client(Counted, { maxAttempts: 1 });
      const b = aws.client(Counted, { maxAttempts: 2 });
      expect(aws.client(Counted, { maxAttempts: 1 })).toBe(a); // a is now the most recent
      aws.client(Counted, { maxAttempts: 3 }); // evicts b
      expect(aws.client(Counted, { maxAttempts: 1 })).toBe(a);
      expect(aws.client(Counted, { maxAttempts: 2 })).not.toBe(b);
      aws.destroy();
    });

    it("destroy() still destroys an evicted client that someone holds, and each client once", () => {
      const aws = newSession({ clientCacheSize: 1 });
      const { Counted, built } = countingClass();
      const held = aws.client(Counted, { maxAttempts: 1 });
      aws.client(Counted, { maxAttempts: 2 });
      expect(held.record.destroyed).toBe(0);
      aws.destroy();
      aws.destroy();
      expect(built.map((record) => record.destroyed)).toEqual([1, 1]);
    });

    it("refuses a circular config with an error naming where it loops", () => {
      const aws = newSession();
      const config: Record<string, unknown> = { maxAttempts: 3, retry: { inner: {} } };
      (config.retry as { inner: Record<string, unknown> }).inner.back = config;
      let thrown: unknown;
      try {
        aws.client(S3Client, config);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidOptionsError);
      expect((thrown as InvalidOptionsError).issues).toEqual([
        { path: "config.retry.inner.back", rule: expect.stringMatching(/circular/) as string },
      ]);
      // A value shared by two keys is no loop.
      const shared = { region: "x" };
      expect(() => aws.client(S3Client, { a: shared, b: shared } as never)).not.toThrow();
      aws.destroy();
    });

    it("checks clientCacheSize with the other options, naming every problem", () => {
      let thrown: unknown;
      try {
        session({ roleArn: "arn:aws:iam::123:role/x", clientCacheSize: 0 });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidOptionsError);
      expect((thrown as InvalidOptionsError).issues.map((issue) => issue.path).sort()).toEqual([
        "clientCacheSize",
        "roleArn",
      ]);
      const source = () => Promise.resolve({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s" });
      expect(() => session({ source, clientCacheSize: 1.5 })).toThrow(/clientCacheSize: an integer from 1/);
      session({ source, clientCacheSize: 1 }).destroy();
    });
  });

  it("lets a client's config override the region", async () => {
    const clock = manualClock();
    const aws = session({ region: "eu-west-1", roleArn, stsClient: fakeSts(clock).client, clock });
    expect(await aws.client(S3Client, { region: "us-west-2" }).config.region()).toBe("us-west-2");
    aws.destroy();
  });

  it("signs its STS calls for its own region, and sends nothing until credentials are needed", async () => {
    const authorizations: string[] = [];
    const server = createServer((request, response) => {
      authorizations.push(request.headers.authorization ?? "");
      response.writeHead(403, { "content-type": "text/xml" });
      response.end(
        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>",
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const aws = session({
        region: "ap-southeast-2",
        roleArn,
        clientConfig: {
          endpoint: `http://127.0.0.1:${port}`,
          credentials: { accessKeyId: "AKIACALLER", secretAccessKey: "x" },
        },
      });
      expect(authorizations).toEqual([]);
      await expect(aws.credentials()).rejects.toMatchObject({
        name: "CredentialRefreshError",
        retryable: false,
      });
      expect(authorizations).toHaveLength(1);
      expect(authorizations[0]).toMatch(/Credential=AKIACALLER\/\d{8}\/ap-southeast-2\/sts\/aws4_request/);
      aws.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("destroys every client it built", () => {
    const clock = manualClock();
    const aws = session({ region: "eu-west-1", roleArn, stsClient: fakeSts(clock).client, clock });
    const s3 = aws.client(S3Client);
    const destroy = jest.spyOn(s3, "destroy");
    aws.destroy();
    expect(destroy).toHaveBeenCalledTimes(1);
    aws.destroy();
    expect(destroy).toHaveBeenCalledTimes(1);
  });

  it("refuses to build a client once destroyed: it would not be tracked, nor its credentials refreshed", () => {
    const clock = manualClock();
    const aws = session({ region: "eu-west-1", roleArn, stsClient: fakeSts(clock).client, clock });
    aws.destroy();
    expect(() => aws.client(S3Client)).toThrow(
      "session.client(S3Client): this session was destroyed, and its credentials no longer refresh; build a new session() for new clients",
    );
    expect(() => aws.client(5 as never)).toThrow(InvalidOptionsError);
  });

  it("rejects bad options at construction, naming them", () => {
    expect(() => session({ region: "eu-west-1", roleArn: "arn:aws:iam::123:role/x" })).toThrow(
      InvalidOptionsError,
    );
    expect(() => session({ region: "eu-west-1", roleArn: "arn:aws:iam::123:role/x" })).toThrow(
      /Invalid session options/,
    );
  });

  it("names session(), not the pieces it is built from, in errors about a source's options", () => {
    const source = () => Promise.resolve({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s" });
    const errorOf = (options: unknown): InvalidOptionsError => {
      try {
        session(options as never);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidOptionsError);
        return error as InvalidOptionsError;
      }
      throw new Error("did not throw");
    };
    const withRole = errorOf({ source, roleArn });
    expect(withRole.message).toMatch(/^Invalid session options \(1 problem\):/);
    expect(withRole.issues).toEqual([
      {
        path: "roleArn",
        rule: expect.stringMatching(
          /^is for assuming a role; with source, the credentials come from the source/,
        ) as string,
      },
    ]);
    expect(errorOf({ source, advisoryWindowMs: 60_000, mandatoryWindowMs: 60_000 }).message).toMatch(
      /^Invalid session options \(1 problem\):\n {2}- mandatoryWindowMs: must be shorter than advisoryWindowMs/,
    );
    expect(errorOf({ source, attemptTimeoutMs: 0 }).subject).toBe("session");
    expect(errorOf({ source: "container" }).issues[0]?.path).toBe("source");
    expect(errorOf(undefined).issues).toEqual([{ path: "", rule: "an options object (it is missing)" }]);
    expect(errorOf({ source, region: "EU" }).subject).toBe("session");
    const decode = jest.spyOn(invalidOptions, "decodeOptions");
    const aws = session({ source, roleArn: undefined, region: undefined });
    // Each option is checked once: one decoding of the whole options object, nothing more.
    expect(decode.mock.calls.filter(([subject]) => subject === "session")).toHaveLength(1);
    decode.mockRestore();
    aws.destroy();
    // Web identity options go to refreshingWebIdentity's rules: a providerId without a token says so.
    const noToken = errorOf({ roleArn, providerId: "www.amazon.com" });
    expect(noToken.subject).toBe("session");
    expect(noToken.issues).toEqual([
      { path: "webIdentityToken", rule: "give webIdentityToken or webIdentityTokenFile (it is missing)" },
    ]);
  });
});
