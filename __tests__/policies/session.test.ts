import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { InvalidOptionsError, session } from "../../src";
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
    const aws = session({ source, roleArn: undefined, region: undefined });
    aws.destroy();
    // Web identity options go to refreshingWebIdentity's rules: a providerId without a token says so.
    const noToken = errorOf({ roleArn, providerId: "www.amazon.com" });
    expect(noToken.subject).toBe("session");
    expect(noToken.issues).toEqual([
      { path: "webIdentityToken", rule: "give webIdentityToken or webIdentityTokenFile (it is missing)" },
    ]);
  });
});
