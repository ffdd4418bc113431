import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  containerCredentials,
  fileCache,
  fromFunction,
  iotCredentials,
  refreshing,
  refreshingProfile,
  refreshingRole,
  refreshingWebIdentity,
  type CredentialProvider,
  type RefreshingProvider,
} from "../../src";
import { localSts, manualClock, type LocalSts, type ManualClock } from "../../src/testing";
import { awsHome, type AwsHome } from "../support/awsHome";
import { localIot, makePki } from "../support/localIot";

const region = "us-east-1";
const roleArn = "arn:aws:iam::123456789012:role/Reader";
const HOUR = 3_600_000;

/** The feature codes of a User-Agent header: the `m/` part, comma-separated. */
const featuresOf = (headers: IncomingHttpHeaders): string[] => {
  const agent = [headers["x-amz-user-agent"], headers["user-agent"]].flat().join(" ");
  const part = agent.split(" ").find((token) => token.startsWith("m/"));
  return part === undefined ? [] : part.slice(2).split(",");
};

describe("the SDK's credential feature ids, in the User-Agent of requests signed with our credentials", () => {
  let server: Server;
  let endpoint: string;
  const seen: IncomingHttpHeaders[] = [];
  let clock: ManualClock;
  let sts: LocalSts;
  const providers: RefreshingProvider[] = [];

  beforeAll(async () => {
    // The service: it records the headers, and answers every request with an error (enough to sign one).
    server = createServer((request, response) => {
      seen.push(request.headers);
      request.resume();
      response.writeHead(400, { "content-type": "text/xml" });
      response.end(
        "<ErrorResponse><Error><Code>Nope</Code><Message>recorded</Message></Error></ErrorResponse>",
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(async () => {
    seen.length = 0;
    clock = manualClock(Date.now());
    sts = await localSts({ clock, verifyWebIdentityToken: () => true });
  });
  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.dispose();
    await sts.close();
  });

  /** Signs one request with `credentials` to the recording service; returns its feature codes. */
  const signedFeatures = async (credentials: CredentialProvider): Promise<string[]> => {
    const client = new STSClient({ region, endpoint, credentials, maxAttempts: 1 });
    await expect(client.send(new GetCallerIdentityCommand({}))).rejects.toThrow();
    client.destroy();
    const headers = seen.at(-1);
    if (headers === undefined) throw new Error("the service saw no request");
    return featuresOf(headers);
  };
  const track = <P extends RefreshingProvider>(provider: P): P => {
    providers.push(provider);
    return provider;
  };
  const stsConfig = () => ({ endpoint: sts.endpoint, credentials: sts.rootCredentials });

  it("refreshingRole: CREDENTIALS_STS_ASSUME_ROLE (i)", async () => {
    const credentials = track(refreshingRole({ roleArn, region, clock, clientConfig: stsConfig() }));
    expect(await signedFeatures(credentials)).toContain("i");
  });

  it("refreshingWebIdentity: CREDENTIALS_STS_ASSUME_ROLE_WEB_ID (k)", async () => {
    const credentials = track(
      refreshingWebIdentity({
        roleArn,
        region,
        clock,
        webIdentityToken: "a.jwt.token",
        clientConfig: { endpoint: sts.endpoint },
      }),
    );
    expect(await signedFeatures(credentials)).toContain("k");
  });

  it("fromFunction: CREDENTIALS_CODE (e)", async () => {
    const credentials = track(
      refreshing(
        fromFunction(() => ({
          accessKeyId: "ASIACODE",
          secretAccessKey: "code-secret",
          expiration: new Date(clock.now() + HOUR),
        })),
        { clock },
      ),
    );
    expect(await signedFeatures(credentials)).toContain("e");
  });

  it("containerCredentials: CREDENTIALS_HTTP (z)", async () => {
    const container = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          AccessKeyId: "ASIACONTAINER",
          SecretAccessKey: "container-secret",
          Token: "container-token",
          Expiration: new Date(clock.now() + HOUR).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => container.listen(0, "127.0.0.1", resolve));
    try {
      const port = (container.address() as AddressInfo).port;
      const credentials = track(
        refreshing(
          containerCredentials({ awsContainerCredentialsFullUri: `http://127.0.0.1:${port}/creds` }),
          {
            clock,
          },
        ),
      );
      expect(await signedFeatures(credentials)).toContain("z");
    } finally {
      container.closeAllConnections();
      await new Promise((resolve) => container.close(resolve));
    }
  });

  it("iotCredentials: CREDENTIALS_HTTP (z)", async () => {
    const directory = await mkdtemp(join(tmpdir(), "ars-features-iot-"));
    const pki = makePki(directory);
    const device = pki.device("device-1");
    const iot = await localIot({ pki, clock, lifetimeMs: HOUR, aliases: { uploader: "*" } });
    try {
      const credentials = track(
        refreshing(
          iotCredentials({
            endpoint: iot.endpoint,
            roleAlias: "uploader",
            thingName: "thing-1",
            certificate: device.certFile,
            privateKey: device.keyFile,
            ca: pki.caFile,
            clock,
          }),
          { clock },
        ),
      );
      expect(await signedFeatures(credentials)).toContain("z");
    } finally {
      await iot.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  describe("refreshingProfile", () => {
    let aws: AwsHome;
    beforeEach(() => {
      aws = awsHome();
    });
    afterEach(() => {
      aws.restore();
    });

    it("a role from a source_profile: CREDENTIALS_PROFILE_SOURCE_PROFILE (o) and the role's (i)", async () => {
      aws.credentials(
        "[base]",
        `aws_access_key_id = ${sts.rootCredentials.accessKeyId}`,
        `aws_secret_access_key = ${sts.rootCredentials.secretAccessKey}`,
      );
      aws.config(
        "[profile app]",
        `role_arn = ${roleArn}`,
        "source_profile = base",
        `endpoint_url = ${sts.endpoint}`,
      );
      const credentials = track(refreshingProfile({ profile: "app", clock }));
      const features = await signedFeatures(credentials);
      expect(features).toContain("o");
      expect(features).toContain("i");
    });

    it("a profile's static keys: CREDENTIALS_PROFILE (n)", async () => {
      aws.credentials(
        "[keys]",
        "aws_access_key_id = AKIASTATICKEYS",
        "aws_secret_access_key = static-secret",
      );
      const credentials = track(refreshingProfile({ profile: "keys", clock }));
      expect(await signedFeatures(credentials)).toContain("n");
    });
  });

  it("an entry read from the shared file cache keeps its source's id (i)", async () => {
    const directory = await mkdtemp(join(tmpdir(), "ars-features-"));
    try {
      const options = { roleArn, region, clock, clientConfig: stsConfig(), cache: fileCache({ directory }) };
      expect(await signedFeatures(track(refreshingRole(options)))).toContain("i");
      // A second provider (another process, in effect) reads the entry the first one wrote.
      const reader = track(refreshingRole(options));
      expect(await signedFeatures(reader)).toContain("i");
      expect(sts.counts.AssumeRole).toBe(1);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
