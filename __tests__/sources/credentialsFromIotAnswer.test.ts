import { inspect } from "node:util";
import { CredentialRefreshError } from "../../src";
import { credentialsFromIotAnswer, type IotAnswerContext } from "../../src/sources/credentialsFromIotAnswer";
import { iotFailure } from "../../src/sources/iotFailure";
import { manualClock } from "../../src/testing";

const now = Date.UTC(2031, 0, 1, 12);
const context = (thingName?: string): IotAnswerContext => ({
  address: "iot.test:8443",
  roleAlias: "sensor-uploader",
  thingName,
  clock: manualClock(now),
  fail: iotFailure("the IoT credentials provider at iot.test:8443 (role alias sensor-uploader)"),
});

const json = (status: number, body: unknown) => ({
  status,
  contentType: "application/json",
  body: JSON.stringify(body),
});

const credentials = (expiration: string) => ({
  credentials: {
    accessKeyId: "ASIAIOT00000001",
    secretAccessKey: "iot-secret-never-shown",
    sessionToken: "iot-token-never-shown",
    expiration,
  },
});

const failureOf = (read: () => unknown): CredentialRefreshError => {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialRefreshError);
    const failure = error as CredentialRefreshError;
    expect(failure.message).toContain("role alias sensor-uploader");
    expect(failure.message).not.toMatch(/never-shown/);
    return failure;
  }
  throw new Error("accepted");
};

describe("credentialsFromIotAnswer", () => {
  it("reads a 200 answer's credentials, secrets hidden from inspect", () => {
    const read = credentialsFromIotAnswer(json(200, credentials("2031-01-01T13:00:00Z")), context());
    expect(read).toMatchObject({
      accessKeyId: "ASIAIOT00000001",
      expiration: new Date("2031-01-01T13:00:00Z"),
    });
    expect(inspect(read)).not.toMatch(/never-shown/);
  });

  it("refuses credentials already expired by the clock, retryable, pointing at the machine's clock", () => {
    const failure = failureOf(() =>
      credentialsFromIotAnswer(json(200, credentials("2031-01-01T12:00:00Z")), context()),
    );
    expect(failure.retryable).toBe(true);
    expect(failure.message).toContain("check this machine's clock");
  });

  it("refuses an expiration that is no time, retryable", () => {
    const failure = failureOf(() => credentialsFromIotAnswer(json(200, credentials("soon")), context()));
    expect([failure.retryable, failure.message]).toEqual([
      true,
      expect.stringContaining("invalid credentials.expiration") as unknown,
    ]);
  });

  it("explains a 403 by the certificate's policy, and by the thing when one is named, not retryable", () => {
    const answer = json(403, { message: "Access Denied" });
    const alone = failureOf(() => credentialsFromIotAnswer(answer, context()));
    expect(alone.retryable).toBe(false);
    expect(alone.message).toContain("must allow iot:AssumeRoleWithCertificate on the role alias");
    expect(alone.message).not.toContain("attached to thing");
    const thing = failureOf(() => credentialsFromIotAnswer(answer, context("sensor-0042")));
    expect(thing.message).toContain("it must be attached to thing sensor-0042");
  });

  it("quotes another 4xx's message, short and without key-shaped text, not retryable", () => {
    const message = `bad request with wJalrXUtnFEMIK7MDENGbPxRfiCY3XAMPLEKEY ${"x".repeat(300)}`;
    const failure = failureOf(() => credentialsFromIotAnswer(json(400, { message }), context()));
    expect(failure.retryable).toBe(false);
    expect(failure.message).toContain("refused the request (HTTP 400:");
    expect(failure.message).not.toContain("wJalrXUtnFEMIK7MDENGbPxRfiCY3XAMPLEKEY");
    expect(failure.message).toContain("...");
  });
});
