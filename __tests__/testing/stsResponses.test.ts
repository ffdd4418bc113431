import type { IssuedCredentials } from "../../src/testing";
import { StsError } from "../../src/testing/StsError";
import { callerIdentityResponse, credentialsResponse, errorResponse } from "../../src/testing/stsResponses";

const credentials: IssuedCredentials = {
  accessKeyId: "ASIARESPONSETEST0001",
  secretAccessKey: "s3cret+/=",
  sessionToken: "token<with>&'\"",
  expiration: new Date(Date.UTC(2031, 0, 2, 3, 4, 5)),
  action: "AssumeRole",
  arn: "arn:aws:sts::123456789012:assumed-role/Tester/unit",
  roleArn: "arn:aws:iam::123456789012:role/Tester",
  roleSessionName: "unit",
  issuedAt: new Date(Date.UTC(2031, 0, 2, 2, 4, 5)),
};

/** The text of every `<name>` element, in document order. */
const elements = (xml: string, name: string): string[] =>
  [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, "g"))].map((m) => m[1] ?? "");

describe("credentialsResponse", () => {
  it("carries the credentials, XML-escaped, in the action's result", () => {
    const xml = credentialsResponse("AssumeRole", credentials);
    expect(xml).toMatch(
      /^<AssumeRoleResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><AssumeRoleResult>/,
    );
    expect(xml).toMatch(/<\/AssumeRoleResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId>/);
    expect(elements(xml, "AccessKeyId")).toEqual(["ASIARESPONSETEST0001"]);
    expect(elements(xml, "SecretAccessKey")).toEqual(["s3cret+/="]);
    expect(elements(xml, "SessionToken")).toEqual(["token&lt;with&gt;&amp;&apos;&quot;"]);
    expect(elements(xml, "Expiration")).toEqual(["2031-01-02T03:04:05.000Z"]);
    expect(elements(xml, "Arn")).toEqual([credentials.arn]);
    expect(elements(xml, "AssumedRoleId")).toEqual(["AROALOCAL:unit"]);
    expect(elements(xml, "PackedPolicySize")).toEqual(["0"]);
  });

  it("answers AssumeRoleWithWebIdentity with the identity provider's fields", () => {
    const xml = credentialsResponse("AssumeRoleWithWebIdentity", credentials);
    expect(xml).toContain("<AssumeRoleWithWebIdentityResult><Credentials>");
    expect(elements(xml, "Provider")).toEqual(["local-idp"]);
    expect(elements(xml, "Audience")).toEqual(["sts.amazonaws.com"]);
    expect(xml).not.toContain("PackedPolicySize");
  });

  it("leaves the Credentials element out for the no-credentials fault, and nothing else", () => {
    const xml = credentialsResponse("AssumeRole", credentials, false);
    expect(xml).not.toContain("<Credentials>");
    expect(xml).not.toContain(credentials.secretAccessKey);
    expect(elements(xml, "Arn")).toEqual([credentials.arn]);
  });
});

describe("callerIdentityResponse", () => {
  it("names the caller and its account, escaped", () => {
    const xml = callerIdentityResponse({ arn: "arn:<odd>", userId: "AIDA&CO", account: "123456789012" });
    expect(xml).toContain("<GetCallerIdentityResult>");
    expect(elements(xml, "Arn")).toEqual(["arn:&lt;odd&gt;"]);
    expect(elements(xml, "UserId")).toEqual(["AIDA&amp;CO"]);
    expect(elements(xml, "Account")).toEqual(["123456789012"]);
  });
});

describe("errorResponse", () => {
  it("is STS's error document: type, code and the escaped message", () => {
    const xml = errorResponse(new StsError(400, "ValidationError", `"a<b" is invalid`));
    expect(xml).toMatch(/^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error>/);
    expect(elements(xml, "Type")).toEqual(["Sender"]);
    expect(elements(xml, "Code")).toEqual(["ValidationError"]);
    expect(elements(xml, "Message")).toEqual(["&quot;a&lt;b&quot; is invalid"]);
    expect(elements(xml, "RequestId")).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
  });

  it("blames STS itself for a Receiver error", () => {
    const xml = errorResponse(new StsError(503, "ServiceUnavailable", "Service is unavailable", "Receiver"));
    expect(elements(xml, "Type")).toEqual(["Receiver"]);
  });
});
