import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { refreshingProfile, type RefreshingProfileProvider } from "../../src";
import { localSts, type LocalSts } from "../../src/testing";
import { awsHome, type AwsHome } from "../support/awsHome";

const HOUR = 3_600_000;

/**
 * A stand-in for the IAM Identity Center portal: GetRoleCredentials answers for the tokens it knows,
 * each with its own credentials; what it was asked is kept.
 */
const ssoPortal = async (
  answers: Record<string, { accessKeyId: string; secretAccessKey: string; sessionToken?: string }>,
) => {
  const asked: Array<{ token: string | undefined; account: string | null; role: string | null }> = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const token = request.headers["x-amz-sso_bearer_token"] as string | undefined;
    asked.push({
      token,
      account: url.searchParams.get("account_id"),
      role: url.searchParams.get("role_name"),
    });
    const answer = token === undefined ? undefined : answers[token];
    if (url.pathname !== "/federation/credentials" || answer === undefined) {
      response.writeHead(401, {
        "content-type": "application/json",
        "x-amzn-errortype": "UnauthorizedException",
      });
      response.end(JSON.stringify({ message: "Session token not found or invalid" }));
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        roleCredentials: {
          sessionToken: `token-of-${answer.accessKeyId}`,
          ...answer,
          expiration: Date.now() + HOUR,
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    asked,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
};

/** A loopback server answering `routes` (method and path) with JSON or text; what it was asked is kept. */
const loopback = async (routes: Record<string, () => unknown>) => {
  const asked: string[] = [];
  const server: Server = createServer((request, response) => {
    const route = `${request.method ?? "GET"} ${new URL(request.url ?? "/", "http://localhost").pathname}`;
    asked.push(route);
    const answer = routes[route];
    if (answer === undefined) {
      response.writeHead(404);
      response.end();
      return;
    }
    const body = answer();
    response.writeHead(200, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
    response.end(typeof body === "string" ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    asked,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
};

/** A session the local STS issued, as a container or instance endpoint hands it out (its JSON shape). */
const sessionOf = async (sts: LocalSts) => {
  const client = new STSClient({
    region: "us-east-1",
    endpoint: sts.endpoint,
    credentials: sts.rootCredentials,
  });
  const issued = await client.send(
    new AssumeRoleCommand({ RoleArn: "arn:aws:iam::123456789012:role/Machine", RoleSessionName: "machine" }),
  );
  client.destroy();
  return {
    AccessKeyId: issued.Credentials?.AccessKeyId ?? "",
    SecretAccessKey: issued.Credentials?.SecretAccessKey ?? "",
    Token: issued.Credentials?.SessionToken ?? "",
    Expiration: issued.Credentials?.Expiration?.toISOString() ?? "",
  };
};

describe("the sources of a profile's first credentials", () => {
  let aws: AwsHome;
  const providers: RefreshingProfileProvider[] = [];
  const track = (provider: RefreshingProfileProvider) => {
    providers.push(provider);
    return provider;
  };
  beforeEach(() => {
    aws = awsHome();
  });
  afterEach(() => {
    for (const provider of providers.splice(0)) provider.dispose();
    aws.restore();
  });

  describe("IAM Identity Center, through the SDK's SSO provider and the token cache `aws sso login` writes", () => {
    let portal: Awaited<ReturnType<typeof ssoPortal>>;
    let sts: LocalSts;
    /** Writes the token cache entry of sso-session `corp`, as `aws sso login` does. */
    const login = (accessToken: string) => {
      const directory = join(aws.home, ".aws", "sso", "cache");
      mkdirSync(directory, { recursive: true });
      const name = createHash("sha1").update("corp").digest("hex");
      writeFileSync(
        join(directory, `${name}.json`),
        JSON.stringify({
          accessToken,
          expiresAt: new Date(Date.now() + 8 * HOUR).toISOString(),
          region: "eu-west-1",
          startUrl: "https://corp.awsapps.com/start",
        }),
      );
    };

    let portalSession: { accessKeyId: string; secretAccessKey: string; sessionToken: string };

    beforeEach(async () => {
      sts = await localSts();
      // What the portal hands out for the second login: a session the local STS knows, so that a role
      // can be assumed with it (the portal's credentials are always a session, with a token).
      const issuing = new STSClient({
        region: "eu-west-1",
        endpoint: sts.endpoint,
        credentials: sts.rootCredentials,
      });
      const issued = await issuing.send(
        new AssumeRoleCommand({
          RoleArn: "arn:aws:iam::123456789012:role/SsoReader",
          RoleSessionName: "portal",
        }),
      );
      issuing.destroy();
      portalSession = {
        accessKeyId: issued.Credentials?.AccessKeyId ?? "",
        secretAccessKey: issued.Credentials?.SecretAccessKey ?? "",
        sessionToken: issued.Credentials?.SessionToken ?? "",
      };
      portal = await ssoPortal({
        "token-one": { accessKeyId: "ASIASSOFIRST00000001", secretAccessKey: "sso-secret-one" },
        "token-two": portalSession,
      });
      aws.env("AWS_ENDPOINT_URL_SSO", portal.endpoint);
      aws.config(
        "[profile sso]",
        "sso_session = corp",
        "sso_account_id = 123456789012",
        "sso_role_name = Reader",
        "region = eu-west-1",
        `endpoint_url = ${sts.endpoint}`,
        "[sso-session corp]",
        "sso_region = eu-west-1",
        "sso_start_url = https://corp.awsapps.com/start",
        "[profile on-sso]",
        "role_arn = arn:aws:iam::123456789012:role/FromSso",
        "source_profile = sso",
        "region = eu-west-1",
        `endpoint_url = ${sts.endpoint}`,
      );
    });
    afterEach(async () => {
      await portal.close();
      await sts.close();
    });

    it("serves the portal's role credentials, and a new login takes effect at the next refresh", async () => {
      login("token-one");
      const credentials = track(refreshingProfile({ profile: "sso" }));
      const first = await credentials();
      expect(first.accessKeyId).toBe("ASIASSOFIRST00000001");
      expect(portal.asked).toEqual([{ token: "token-one", account: "123456789012", role: "Reader" }]);
      expect(credentials.status()).toMatchObject({ phase: "fresh", note: undefined });

      login("token-two");
      credentials.invalidate(first.accessKeyId); // as a service rejecting the key would
      const second = await credentials();
      expect(second.accessKeyId).toBe(portalSession.accessKeyId);
      expect(portal.asked.map(({ token }) => token)).toEqual(["token-one", "token-two"]);
    });

    it("is the source of a role: the role is assumed with the portal's credentials", async () => {
      login("token-two");
      const credentials = track(refreshingProfile({ profile: "on-sso" }));
      const served = await credentials();
      expect(sts.requests).toHaveLength(2); // the portal's session, then the role
      expect(sts.requests[1]).toMatchObject({
        action: "AssumeRole",
        outcome: "ok",
        accessKeyId: portalSession.accessKeyId,
        params: { RoleArn: "arn:aws:iam::123456789012:role/FromSso" },
      });
      expect(served.accessKeyId).toBe(sts.issued[1]?.accessKeyId);
    });

    it("without a login, fails with the SDK's word for it and no secret", async () => {
      const credentials = track(refreshingProfile({ profile: "sso" }));
      const error = (await credentials().catch((thrown: unknown) => thrown)) as Error;
      expect(error.message).toMatch(/SSO|sso|token/);
      expect(portal.asked).toEqual([]);
    });
  });

  describe("credential_source of the machine, as a role's caller", () => {
    let sts: LocalSts;
    beforeEach(async () => {
      sts = await localSts();
    });
    afterEach(async () => {
      await sts.close();
    });
    const namedSource = (name: string) => {
      aws.config(
        "[profile machine]",
        "role_arn = arn:aws:iam::123456789012:role/OnTop",
        `credential_source = ${name}`,
        `endpoint_url = ${sts.endpoint}`,
        "region = us-east-1",
      );
    };

    it("EcsContainer: the container credential endpoint", async () => {
      const machine = await sessionOf(sts);
      const endpoint = await loopback({ "GET /creds": () => machine });
      try {
        aws.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", `${endpoint.endpoint}/creds`);
        namedSource("EcsContainer");
        await track(refreshingProfile({ profile: "machine" }))();
        expect(endpoint.asked).toEqual(["GET /creds"]);
        expect(sts.requests.at(-1)).toMatchObject({ outcome: "ok", accessKeyId: machine.AccessKeyId });
      } finally {
        aws.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", undefined);
        await endpoint.close();
      }
    });

    it("Ec2InstanceMetadata: the SDK's instance metadata provider (IMDSv2)", async () => {
      const machine = await sessionOf(sts);
      const imds = await loopback({
        "PUT /latest/api/token": () => "imds-session-token",
        "GET /latest/meta-data/iam/security-credentials/": () => "MachineRole",
        "GET /latest/meta-data/iam/security-credentials/MachineRole": () => ({ Code: "Success", ...machine }),
      });
      try {
        aws.env("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.endpoint);
        namedSource("Ec2InstanceMetadata");
        await track(refreshingProfile({ profile: "machine" }))();
        expect(imds.asked).toContain("GET /latest/meta-data/iam/security-credentials/MachineRole");
        expect(sts.requests.at(-1)).toMatchObject({ outcome: "ok", accessKeyId: machine.AccessKeyId });
      } finally {
        aws.env("AWS_EC2_METADATA_SERVICE_ENDPOINT", undefined);
        await imds.close();
      }
    });
  });

  it("credential_process: the SDK's process provider, with the profile's command", async () => {
    const script = join(aws.home, "creds.sh");
    const expiration = new Date(Date.now() + HOUR).toISOString();
    writeFileSync(
      script,
      `#!/bin/sh\necho '{"Version": 1, "AccessKeyId": "ASIAPROCESS000000001", "SecretAccessKey": "process-secret", "SessionToken": "process-token", "Expiration": "${expiration}"}'\n`,
    );
    chmodSync(script, 0o700);
    aws.config("[profile proc]", `credential_process = ${script}`);
    const credentials = track(refreshingProfile({ profile: "proc" }));
    const served = await credentials();
    expect(served).toMatchObject({ accessKeyId: "ASIAPROCESS000000001", expiration: new Date(expiration) });
    expect(JSON.stringify(served)).not.toContain("process-secret");
  });

  it("credential_source = Environment: the environment's keys, read at each refresh, as a role's caller", async () => {
    const sts = await localSts();
    try {
      aws.config(
        "[profile from-env]",
        "role_arn = arn:aws:iam::123456789012:role/FromEnv",
        "credential_source = Environment",
        `endpoint_url = ${sts.endpoint}`,
        "region = us-east-1",
      );
      aws.env("AWS_ACCESS_KEY_ID", sts.rootCredentials.accessKeyId);
      aws.env("AWS_SECRET_ACCESS_KEY", sts.rootCredentials.secretAccessKey);
      const credentials = track(refreshingProfile({ profile: "from-env" }));
      await credentials();
      expect(sts.requests[0]?.accessKeyId).toBe(sts.rootCredentials.accessKeyId);

      aws.env("AWS_ACCESS_KEY_ID", undefined);
      const again = track(refreshingProfile({ profile: "from-env" }));
      await expect(again()).rejects.toThrow(
        "profile from-env has credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set",
      );
    } finally {
      await sts.close();
    }
  });

  it("web_identity_token_file: the token file read at each call", async () => {
    const sts = await localSts();
    try {
      const tokenFile = join(aws.home, "token");
      writeFileSync(tokenFile, "eyJhbGciOi.a-web-identity.token");
      aws.config(
        "[profile web]",
        "role_arn = arn:aws:iam::123456789012:role/Web",
        `web_identity_token_file = ${tokenFile}`,
        "role_session_name = pod",
        `endpoint_url = ${sts.endpoint}`,
        "region = us-east-1",
      );
      const credentials = track(refreshingProfile({ profile: "web" }));
      const served = await credentials();
      expect(sts.requests[0]).toMatchObject({
        action: "AssumeRoleWithWebIdentity",
        params: { RoleArn: "arn:aws:iam::123456789012:role/Web", RoleSessionName: "pod" },
      });
      expect(served.accessKeyId).toBe(sts.issued[0]?.accessKeyId);
    } finally {
      await sts.close();
    }
  });
});
