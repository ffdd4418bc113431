import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assumeRoleWithWebIdentity, refreshingWebIdentity, webIdentityFromEnv } from "../../src";
import { localSts, manualClock } from "../../src/testing";
import { fakeSts } from "../support/fakeSts";
import { sdkError } from "../support/scripted";

const region = "us-east-1";

describe("web identity", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ars-wi-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
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

  it("classifies a token source's failure by the one rule: a denial is final, a missing file is not", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const roleArn = "arn:aws:iam::123456789012:role/irsa";
    const denied = assumeRoleWithWebIdentity({
      roleArn,
      stsClient: sts.client,
      clock,
      webIdentityToken: () => Promise.reject(sdkError("AccessDenied", 403)),
    });
    const missing = assumeRoleWithWebIdentity({
      roleArn,
      stsClient: sts.client,
      clock,
      webIdentityTokenFile: join(dir, "not-yet-mounted"),
    });
    await expect(denied()).rejects.toMatchObject({ retryable: false, cause: { name: "AccessDenied" } });
    await expect(missing()).rejects.toMatchObject({ retryable: true, cause: { code: "ENOENT" } });
    expect(sts.sent).toHaveLength(0);
  });
});
