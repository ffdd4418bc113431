import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-provider-ini";
import { S3Client } from "@aws-sdk/client-s3";
import {
  assumeRoleWithWebIdentity,
  containerCredentials,
  CredentialRefreshError,
  fromFunction,
  InvalidOptionsError,
  refreshing,
  type RefreshEvent,
  refreshingRole,
  refreshingWebIdentity,
  session,
  webIdentityFromEnv,
  withTimeout,
} from "../src";
import { localSts, manualClock, type LocalSts } from "../src/testing";
import { fakeSts } from "./support/fakeSts";

const region = "us-east-1";
const HOUR = 3_600_000;

/**
 * An onEvent listener and a way to wait for the next background refresh to succeed: a refresh that
 * reads a file or calls an endpoint does real I/O, which a manual clock cannot see.
 */
const backgroundRefreshes = () => {
  let waiting: Array<() => void> = [];
  return {
    onEvent: (event: RefreshEvent) => {
      if (event.type === "refresh-success" && event.reason === "advisory") {
        const resolve = waiting;
        waiting = [];
        for (const done of resolve) done();
      }
    },
    next: () => new Promise<void>((resolve) => waiting.push(resolve)),
  };
};

describe("MFA", () => {
  const mfaRole = "arn:aws:iam::123456789012:role/needs-mfa";
  const serialNumber = "arn:aws:iam::123456789012:mfa/alice";

  it("asks for a code at each refresh only, never on a cache hit, and sends it with the device", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const codes = ["123456", "654321"];
    const tokenCode = jest.fn(() => codes.shift() ?? "000000");
    const credentials = refreshingRole({
      roleArn: mfaRole,
      stsClient: sts.client,
      clock,
      random: () => 0,
      mfa: { serialNumber, tokenCode },
    });
    await Promise.all(Array.from({ length: 100 }, () => credentials()));
    expect(tokenCode).toHaveBeenCalledTimes(1);
    await clock.advance(45 * 60_000); // the background refresh
    await credentials();
    expect(tokenCode).toHaveBeenCalledTimes(2);
    expect(sts.sent.map((command) => [command.input.SerialNumber, command.input.TokenCode])).toEqual([
      [serialNumber, "123456"],
      [serialNumber, "654321"],
    ]);
    credentials.dispose();
  });

  it.each([["12345"], ["1234567"], ["12a456"], [123456 as unknown as string]])(
    "rejects the code %p before STS is called",
    async (code) => {
      const clock = manualClock();
      const sts = fakeSts(clock);
      const credentials = refreshingRole({
        roleArn: mfaRole,
        stsClient: sts.client,
        clock,
        mfa: { serialNumber, tokenCode: () => code },
      });
      const error = (await credentials().catch((e: unknown) => e)) as CredentialRefreshError;
      expect(error).toBeInstanceOf(CredentialRefreshError);
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/must be 6 digits.*STS was not called/);
      expect(sts.sent).toHaveLength(0);
    },
  );

  it("rejects a bad device or a code that is not a function at construction", () => {
    expect(() =>
      refreshingRole({ roleArn: mfaRole, mfa: { serialNumber: "alice", tokenCode: () => "123456" } }),
    ).toThrow(/mfa\.serialNumber: an MFA device ARN/);
    expect(() =>
      refreshingRole({ roleArn: mfaRole, mfa: { serialNumber, tokenCode: "123456" as never } }),
    ).toThrow(/mfa\.tokenCode: a function/);
  });

  it("sends SerialNumber and TokenCode to a real STS endpoint over HTTP", async () => {
    const sts = await localSts();
    const credentials = refreshingRole({
      roleArn: mfaRole,
      region,
      mfa: { serialNumber, tokenCode: () => Promise.resolve("246810") },
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    await credentials();
    expect(sts.requests[0]?.params).toMatchObject({
      Action: "AssumeRole",
      SerialNumber: serialNumber,
      TokenCode: "246810",
    });
    credentials.dispose();
    await sts.close();
  });
});

describe("role chaining", () => {
  let sts: LocalSts;
  beforeEach(async () => {
    sts = await localSts();
  });
  afterEach(async () => {
    await sts.close();
  });

  it("chains three hops, each signing as the hop before and refreshing on its own schedule", async () => {
    const hop = (name: string, caller: Parameters<typeof refreshingRole>[0]["credentials"]) =>
      refreshingRole({
        roleArn: `arn:aws:iam::123456789012:role/${name}`,
        roleSessionName: name,
        region,
        credentials: caller,
        clientConfig: { endpoint: sts.endpoint },
      });
    const one = hop("one", sts.rootCredentials);
    const two = hop("two", one);
    const three = hop("three", two);
    const client = new STSClient({ region, endpoint: sts.endpoint, credentials: three });
    expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/three/three",
    );
    const assumed = sts.requests.filter((r) => r.action === "AssumeRole");
    expect(assumed.map((r) => r.params.RoleSessionName)).toEqual(["one", "two", "three"]);
    expect(assumed.map((r) => r.accessKeyId)).toEqual([
      sts.rootCredentials.accessKeyId,
      sts.issued[0]?.accessKeyId,
      sts.issued[1]?.accessKeyId,
    ]);
    // Forcing the last hop refreshes it alone: the hops before serve it from their caches.
    await three({ forceRefresh: true });
    expect(sts.counts.AssumeRole).toBe(4);
    client.destroy();
    for (const provider of [one, two, three]) provider.dispose();
  });

  it("holds a chained role to AWS's one-hour cap when it is built", () => {
    const caller = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/one", region });
    expect(() =>
      refreshingRole({
        roleArn: "arn:aws:iam::123456789012:role/two",
        credentials: caller,
        durationSeconds: 7200,
      }),
    ).toThrow(/durationSeconds: at most 3600 when the caller is itself an assumed role/);
    expect(() =>
      refreshingRole({
        roleArn: "arn:aws:iam::123456789012:role/two",
        credentials: caller,
        durationSeconds: 3600,
      }),
    ).not.toThrow();
    caller.dispose();
  });

  it("takes the SDK's own providers as the caller, such as fromIni()", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ars-ini-"));
    try {
      const filepath = join(dir, "credentials");
      await writeFile(
        filepath,
        `[ci]\naws_access_key_id = ${sts.rootCredentials.accessKeyId}\naws_secret_access_key = ${sts.rootCredentials.secretAccessKey}\n`,
      );
      const credentials = refreshingRole({
        roleArn: "arn:aws:iam::123456789012:role/from-ini",
        roleSessionName: "from-ini",
        region,
        credentials: fromIni({ profile: "ci", filepath, configFilepath: join(dir, "config") }),
        clientConfig: { endpoint: sts.endpoint },
      });
      await credentials();
      expect(sts.requests[0]?.accessKeyId).toBe(sts.rootCredentials.accessKeyId);
      credentials.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses two callers at once", () => {
    expect(() =>
      refreshingRole({
        roleArn: "arn:aws:iam::123456789012:role/x",
        credentials: { accessKeyId: "a", secretAccessKey: "b" },
        clientConfig: { credentials: { accessKeyId: "c", secretAccessKey: "d" } },
      }),
    ).toThrow(/credentials: cannot be combined with clientConfig.credentials/);
  });
});

describe("web identity", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ars-wi-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("re-reads a rotated token file at the next refresh, over HTTP", async () => {
    const clock = manualClock();
    const tokens: string[] = [];
    const sts = await localSts({
      clock,
      verifyWebIdentityToken: (token) => (tokens.push(token), token.startsWith("good")),
    });
    const tokenFile = join(dir, "token");
    await writeFile(tokenFile, "good-token-one\n");
    const refreshes = backgroundRefreshes();
    const credentials = refreshingWebIdentity({
      roleArn: "arn:aws:iam::123456789012:role/pod",
      roleSessionName: "pod",
      region,
      clock,
      random: () => 0,
      onEvent: refreshes.onEvent,
      webIdentityTokenFile: tokenFile,
      clientConfig: { endpoint: sts.endpoint },
    });
    const client = new STSClient({ region, endpoint: sts.endpoint, credentials });
    expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/pod/pod",
    );
    await writeFile(tokenFile, "good-token-two\n"); // the platform rotates it
    const refreshed = refreshes.next();
    await clock.advance(45 * 60_000); // the background refresh
    await refreshed;
    await credentials();
    expect(tokens).toEqual(["good-token-one", "good-token-two"]);
    expect(sts.counts.AssumeRoleWithWebIdentity).toBe(2);
    client.destroy();
    credentials.dispose();
    await sts.close();
  });

  it("reads AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_SESSION_NAME", async () => {
    const sts = await localSts();
    const tokenFile = join(dir, "token");
    await writeFile(tokenFile, "from-env");
    const options = webIdentityFromEnv({
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/irsa",
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_SESSION_NAME: "irsa-session",
    });
    const credentials = refreshingWebIdentity({
      ...options,
      region,
      clientConfig: { endpoint: sts.endpoint },
    });
    await credentials();
    expect(sts.issued[0]?.arn).toBe("arn:aws:sts::123456789012:assumed-role/irsa/irsa-session");
    credentials.dispose();
    await sts.close();
    expect(() => webIdentityFromEnv({})).toThrow(/AWS_ROLE_ARN[\s\S]*AWS_WEB_IDENTITY_TOKEN_FILE/);
  });

  it("takes a token function, and fails a refresh whose token cannot be read, retryably", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const direct = assumeRoleWithWebIdentity({
      roleArn: "arn:aws:iam::123456789012:role/gh",
      webIdentityToken: () => "oidc",
      stsClient: sts.client,
      clock,
    });
    await direct();
    expect(sts.sent[0]).toMatchObject({
      name: "AssumeRoleWithWebIdentityCommand",
      input: { WebIdentityToken: "oidc" },
    });
    const missing = assumeRoleWithWebIdentity({
      roleArn: "arn:aws:iam::123456789012:role/gh",
      webIdentityTokenFile: join(dir, "nope"),
      stsClient: sts.client,
    });
    await expect(missing()).rejects.toMatchObject({ name: "CredentialRefreshError", retryable: true });
    expect(sts.sent).toHaveLength(1);
  });

  it("rejects options that do not go with a web identity", () => {
    expect(() =>
      refreshingWebIdentity({
        roleArn: "arn:aws:iam::123456789012:role/gh",
        webIdentityTokenFile: "/t",
        externalId: "abc",
        mfa: { serialNumber: "arn:aws:iam::123456789012:mfa/a", tokenCode: () => "123456" },
      } as never),
    ).toThrow(/externalId: is for assuming a role with credentials \(refreshingRole\)[\s\S]*mfa: is for/);
    // refreshingRole itself points to the function that takes a web identity.
    expect(() =>
      refreshingRole({
        roleArn: "arn:aws:iam::123456789012:role/gh",
        webIdentityTokenFile: "/t",
      } as never),
    ).toThrow(/webIdentityTokenFile: is an option of refreshingWebIdentity\(\)/);
    expect(() =>
      assumeRoleWithWebIdentity({
        roleArn: "arn:aws:iam::123456789012:role/gh",
        webIdentityToken: "a",
        webIdentityTokenFile: "/t",
      } as never),
    ).toThrow(/either webIdentityToken or webIdentityTokenFile, not both/);
  });
});

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

describe("fromFunction", () => {
  it("validates what the function returns, accepting a Date, an ISO string or epoch ms as expiration", async () => {
    const expiration = new Date(Date.UTC(2030, 0, 1));
    for (const given of [expiration, expiration.toISOString(), expiration.getTime()]) {
      const credentials = await fromFunction(() => ({
        accessKeyId: "ASIAF",
        secretAccessKey: "s",
        sessionToken: "t",
        expiration: given,
      }))();
      expect(credentials).toEqual({
        accessKeyId: "ASIAF",
        secretAccessKey: "s",
        sessionToken: "t",
        expiration,
      });
      expect(JSON.stringify(credentials)).not.toContain('"s"');
    }
  });

  it("turns a bad result into an error naming the fields, never their values", async () => {
    const provider = fromFunction(
      () => Promise.resolve({ accessKeyId: "", secretAccessKey: "top-secret", expiration: "soon" }),
      { name: "the vault" },
    );
    const error = (await provider().catch((e: unknown) => e)) as CredentialRefreshError;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error.message).toBe(
      "the vault returned no usable credentials: invalid or missing accessKeyId, expiration",
    );
    expect(error.message).not.toContain("top-secret");
    expect(error.retryable).toBe(false);
  });

  it("refreshes through refreshing() and session({ source })", async () => {
    const clock = manualClock();
    let calls = 0;
    const source = fromFunction(() => ({
      accessKeyId: `ASIAF${++calls}`,
      secretAccessKey: "s",
      expiration: new Date(clock.now() + HOUR),
    }));
    const aws = session({ region, source, clock, random: () => 0 });
    await aws.credentials();
    await clock.advance(45 * 60_000);
    expect((await aws.credentials()).accessKeyId).toBe("ASIAF2");
    aws.destroy();
  });
});
