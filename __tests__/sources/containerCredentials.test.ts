import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STSClient } from "@aws-sdk/client-sts";
import { S3Client } from "@aws-sdk/client-s3";
import { containerCredentials, InvalidOptionsError, refreshing, session, withTimeout } from "../../src";
import { manualClock } from "../../src/testing";
import { backgroundRefreshes } from "../support/backgroundRefreshes";

const region = "us-east-1";
const HOUR = 3_600_000;

describe("container credentials", () => {
  let server: Server;
  let endpoint: string;
  const seen: Array<string | undefined> = [];
  const expiresInMs = HOUR;
  let clockForServer = manualClock();
  let served = 0;

  beforeEach(async () => {
    seen.length = 0;
    served = 0;
    server = createServer((request, response) => {
      seen.push(request.headers.authorization);
      served++;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          AccessKeyId: `ASIACONTAINER${served}`,
          SecretAccessKey: `container-secret-${served}`,
          Token: `container-token-${served}`,
          Expiration: new Date(clockForServer.now() + expiresInMs).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/credentials`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("fetches and refreshes from a loopback endpoint, with the authorization token file re-read", async () => {
    const clock = manualClock();
    clockForServer = clock;
    const dir = await mkdtemp(join(tmpdir(), "ars-ct-"));
    const tokenFile = join(dir, "token");
    await writeFile(tokenFile, "token-one");
    const refreshes = backgroundRefreshes();
    const credentials = refreshing(
      containerCredentials({
        awsContainerCredentialsFullUri: endpoint,
        awsContainerAuthorizationTokenFile: tokenFile,
      }),
      { clock, random: () => 0, onEvent: refreshes.onEvent },
    );
    expect((await credentials()).accessKeyId).toBe("ASIACONTAINER1");
    await credentials();
    expect(served).toBe(1);
    await writeFile(tokenFile, "token-two");
    const refreshed = refreshes.next();
    await clock.advance(45 * 60_000); // the background refresh, which reads the file and calls the endpoint
    await refreshed;
    expect((await credentials()).accessKeyId).toBe("ASIACONTAINER2");
    expect(seen).toEqual(["token-one", "token-two"]);
    credentials.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("plugs into session() as a source", async () => {
    const aws = session({
      region,
      source: containerCredentials({
        awsContainerCredentialsFullUri: endpoint,
        awsContainerAuthorizationToken: "t",
      }),
    });
    const [a, b] = await Promise.all([
      aws.client(S3Client).config.credentials(),
      aws.client(STSClient).config.credentials(),
    ]);
    expect(a.accessKeyId).toBe(b.accessKeyId);
    expect(served).toBe(1);
    aws.destroy();
  });

  it("refuses an endpoint the SDK does not allow, at construction", () => {
    expect(() =>
      containerCredentials({ awsContainerCredentialsFullUri: "http://example.com/creds" }),
    ).toThrow(/awsContainerCredentialsFullUri: .*URL not accepted/);
  });

  describe("without an endpoint", () => {
    const names = [
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    ];
    const saved: Record<string, string | undefined> = {};
    beforeEach(() => {
      for (const name of names) {
        saved[name] = process.env[name];
        Reflect.deleteProperty(process.env, name);
      }
    });
    afterEach(() => {
      for (const name of names) {
        if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = saved[name];
      }
    });

    it("names the environment variables that are not set, not the SDK's fields", () => {
      let error: unknown;
      try {
        containerCredentials();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as InvalidOptionsError).issues).toEqual([
        {
          path: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI",
          rule: expect.stringMatching(/^neither environment variable is set/) as string,
        },
      ]);
    });

    it("names the environment variable that holds an endpoint the SDK does not allow", () => {
      process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = "http://example.com/creds";
      expect(() => containerCredentials()).toThrow(/- AWS_CONTAINER_CREDENTIALS_FULL_URI: /);
    });

    it("checks its options like every other constructor", () => {
      expect(() =>
        containerCredentials({ awsContainerCredentialsFullUri: 5, fullUri: "x" } as never),
      ).toThrow(
        /awsContainerCredentialsFullUri: a non-empty string \(got 5\)[\s\S]*fullUri: is not a known option/,
      );
    });
  });

  it("names its endpoint's host when it does not answer in time", async () => {
    const clock = manualClock();
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    const uri = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/v2/credentials/private-id`;
    try {
      const provider = withTimeout(1_000, { clock })(
        containerCredentials({ awsContainerCredentialsFullUri: uri, awsContainerAuthorizationToken: "t" }),
      );
      const outcome = provider().then(
        () => "answered",
        (e: unknown) => (e as Error).message,
      );
      await clock.advance(1_000);
      const message = await outcome;
      expect(message).toMatch(
        /^the container credential endpoint at 127\.0\.0\.1:\d+ did not answer within 1000 ms$/,
      );
      expect(message).not.toContain("private-id");
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });
});
