import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { assumeRoleWithWebIdentity, refreshingRole, refreshingWebIdentity } from "../../src";
import { localSts, manualClock } from "../../src/testing";
import { backgroundRefreshes } from "../support/backgroundRefreshes";

const region = "us-east-1";

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

  it("gives its clock to the source too: a clock in the past is believed, as it is by the local STS", async () => {
    const clock = manualClock(Date.UTC(2020, 0, 1));
    const sts = await localSts({ clock, verifyWebIdentityToken: () => true });
    const role = { roleArn: "arn:aws:iam::123456789012:role/pod", region, clock };
    const options = { ...role, webIdentityToken: "a.jwt.token", clientConfig: { endpoint: sts.endpoint } };
    const credentials = refreshingWebIdentity(options);
    // Issued for an hour from 2020: expired by the machine's clock, valid by the one given.
    expect((await credentials()).expiration).toEqual(new Date(Date.UTC(2020, 0, 1, 1)));
    const roles = refreshingRole({ ...role, credentials, clientConfig: { endpoint: sts.endpoint } });
    expect((await roles()).expiration).toEqual(new Date(Date.UTC(2020, 0, 1, 1)));
    // Session names are made from the clock too.
    expect(sts.requests.map((request) => request.params.RoleSessionName)).toEqual([
      expect.stringMatching(/^aws-refresh-session-1577836800000-/),
      expect.stringMatching(/^aws-refresh-session-1577836800000-/),
    ]);
    roles.dispose();
    credentials.dispose();
    await sts.close();
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
