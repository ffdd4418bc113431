import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { HttpResponse } from "@smithy/core/protocols";
import type { HttpRequest } from "@smithy/types";
import { limitRetries } from "retry-ts";
import { assumeRole, CredentialRefreshError, refreshingRole } from "../../src";
import { callerIdentityResponse, credentialsResponse } from "../../src/testing/stsResponses";
import { localSts, manualClock, type IssuedCredentials } from "../../src/testing";

const region = "us-east-1";
const hubArn = "arn:aws:iam::123456789012:role/Hub";
const spokeArn = "arn:aws:iam::123456789012:role/Spoke";

describe("role chaining: STS rejects the caller's key", () => {
  it("invalidates the hub's rejected key and asks once more with its new one", async () => {
    const clock = manualClock();
    const sts = await localSts({ clock });
    const hub = refreshingRole({
      roleArn: hubArn,
      region,
      clock,
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    const spoke = assumeRole({
      roleArn: spokeArn,
      region,
      clock,
      credentials: hub,
      clientConfig: { endpoint: sts.endpoint },
    });
    try {
      await spoke();
      const hubKey = sts.issued[0]!.accessKeyId;
      expect(sts.issued[0]!.roleArn).toBe(hubArn);
      // The hub's session is revoked: STS answers InvalidClientTokenId to anything signed with it.
      sts.revoke(hubKey);
      const fresh = await spoke();
      expect(sts.requests.map((r) => [r.params.RoleArn, r.outcome])).toEqual([
        [hubArn, "ok"],
        [spokeArn, "ok"],
        [spokeArn, "InvalidClientTokenId"],
        [hubArn, "ok"],
        [spokeArn, "ok"],
      ]);
      expect(sts.requests[2]!.accessKeyId).toBe(hubKey);
      expect(sts.requests[4]!.accessKeyId).toBe(sts.issued[2]!.accessKeyId);
      expect(fresh.accessKeyId).toBe(sts.issued[3]!.accessKeyId);
      expect(hub.status().invalidated).toBe(false);
    } finally {
      hub.dispose();
      await sts.close();
    }
  });

  it("asks once more at most, and not at all for credentials it cannot invalidate", async () => {
    const clock = manualClock();
    const sts = await localSts({ clock });
    const hub = refreshingRole({
      roleArn: hubArn,
      region,
      clock,
      retryPolicy: limitRetries(0),
      clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
    });
    const spoke = assumeRole({
      roleArn: spokeArn,
      region,
      clock,
      credentials: hub,
      clientConfig: { endpoint: sts.endpoint },
    });
    const plain = assumeRole({
      roleArn: spokeArn,
      region,
      clock,
      credentials: () => Promise.resolve(sts.rootCredentials),
      clientConfig: { endpoint: sts.endpoint },
    });
    try {
      await hub();
      // The hub's key is refused, and so is the root key it would get a new one with.
      sts.revoke(sts.issued[0]!.accessKeyId);
      sts.revoke(sts.rootCredentials.accessKeyId);
      const before = sts.requests.length;
      const error = (await spoke().catch((e: unknown) => e)) as CredentialRefreshError;
      expect(error).toBeInstanceOf(CredentialRefreshError);
      expect(error.message).toMatch(/InvalidClientTokenId/);
      expect(error.attempts).toBe(2);
      expect(sts.requests.slice(before).map((r) => [r.params.RoleArn, r.outcome])).toEqual([
        [spokeArn, "InvalidClientTokenId"],
        [hubArn, "InvalidClientTokenId"],
        [spokeArn, "InvalidClientTokenId"],
      ]);
      // A caller without invalidate(): nothing to replace its key with, so no second call.
      const plainBefore = sts.requests.length;
      const plainError = (await plain().catch((e: unknown) => e)) as CredentialRefreshError;
      expect(plainError.message).toMatch(/InvalidClientTokenId/);
      expect(plainError.retryable).toBe(true);
      expect(sts.requests.length - plainBefore).toBe(1);
    } finally {
      hub.dispose();
      await sts.close();
    }
  });
});

/** A request handler of the test's own: it answers STS requests itself and records them. */
const recordingHandler = (sessionToken = "recorded-token") => {
  const requests: HttpRequest[] = [];
  const issued: IssuedCredentials = {
    accessKeyId: "ASIARECORDED00000001",
    secretAccessKey: "recorded-secret",
    sessionToken,
    expiration: new Date(Date.now() + 3_600_000),
    action: "AssumeRole",
    arn: "arn:aws:sts::123456789012:assumed-role/Reader/s",
    roleArn: "arn:aws:iam::123456789012:role/Reader",
    roleSessionName: "s",
    issuedAt: new Date(),
  };
  return {
    requests,
    handle: (request: HttpRequest) => {
      requests.push(request);
      const body = String(request.body);
      const xml = body.includes("Action=AssumeRole")
        ? credentialsResponse("AssumeRole", issued)
        : callerIdentityResponse({ arn: issued.arn, userId: "AROA:s", account: "123456789012" });
      return Promise.resolve({
        response: new HttpResponse({
          statusCode: 200,
          headers: { "content-type": "text/xml" },
          body: new TextEncoder().encode(xml),
        }),
      });
    },
  };
};

/** An SDK-style logger that keeps what it hears at info level, where the SDK logs each call. */
const infoLogger = () => {
  const lines: unknown[] = [];
  const logger = {
    debug: () => undefined,
    info: (...args: unknown[]) => lines.push(args),
    warn: () => undefined,
    error: () => undefined,
  };
  return { lines, logger };
};

describe("the STS client of a provider given no client settings", () => {
  it("takes the calling client's region, request handler and logger, as the SDK's fromTemporaryCredentials does", async () => {
    const handler = recordingHandler();
    const { lines, logger } = infoLogger();
    const credentials = assumeRole({
      roleArn: "arn:aws:iam::123456789012:role/Reader",
      credentials: { accessKeyId: "AKIACALLER0000000001", secretAccessKey: "caller-secret" },
    });
    const client = new STSClient({ region: "eu-west-3", credentials, requestHandler: handler, logger });
    try {
      await client.send(new GetCallerIdentityCommand({}));
    } finally {
      client.destroy();
    }
    const assume = handler.requests.find((request) => String(request.body).includes("Action=AssumeRole"));
    expect(assume?.hostname).toBe("sts.eu-west-3.amazonaws.com");
    // The caller's logger heard our STS client's call, but not the session token of its answer (the
    // SDK masks only the secret key).
    expect(JSON.stringify(lines)).toContain("AssumeRoleCommand");
    expect(JSON.stringify(lines)).toContain("ASIARECORDED00000001");
    expect(JSON.stringify(lines)).not.toContain("recorded-token");
    expect(JSON.stringify(lines)).not.toContain("recorded-secret");
    expect(handler.requests).toHaveLength(2);
  });

  it("hides secrets from a logger given in clientConfig too, a session token shaped like a real one included", async () => {
    const handler = recordingHandler("IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example");
    const { lines, logger } = infoLogger();
    const credentials = assumeRole({
      roleArn: "arn:aws:iam::123456789012:role/Reader",
      region: "us-east-1",
      clientConfig: {
        requestHandler: handler,
        logger,
        credentials: { accessKeyId: "AKIACALLER0000000001", secretAccessKey: "caller-secret" },
      },
    });
    const answer = await credentials();
    expect(answer.sessionToken).toBe("IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example");
    expect(JSON.stringify(lines)).toContain("AssumeRoleCommand");
    expect(JSON.stringify(lines)).not.toContain("IQoJb3JpZ2luX2VjEJr");
  });

  it("keeps the settings it was given over the calling client's", async () => {
    const handler = recordingHandler();
    const own = recordingHandler();
    const credentials = assumeRole({
      roleArn: "arn:aws:iam::123456789012:role/Reader",
      region: "ap-south-1",
      clientConfig: {
        requestHandler: own,
        credentials: { accessKeyId: "AKIACALLER0000000001", secretAccessKey: "caller-secret" },
      },
    });
    const client = new STSClient({ region: "eu-west-3", credentials, requestHandler: handler });
    try {
      await client.send(new GetCallerIdentityCommand({}));
    } finally {
      client.destroy();
    }
    expect(own.requests.map((request) => request.hostname)).toEqual(["sts.ap-south-1.amazonaws.com"]);
    expect(handler.requests).toHaveLength(1);
  });
});
