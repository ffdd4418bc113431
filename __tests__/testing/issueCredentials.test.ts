import { inspect } from "node:util";
import { issueCredentials } from "../../src/testing/issueCredentials";

const now = Date.UTC(2031, 5, 1);
const params = { RoleArn: "arn:aws:iam::123456789012:role/Tester", RoleSessionName: "unit" };

describe("issueCredentials", () => {
  it("mints a session of the role for the requested duration, from the given instant", () => {
    const issued = issueCredentials("AssumeRole", { ...params, DurationSeconds: "900" }, { now });
    expect(issued).toMatchObject({
      accessKeyId: expect.stringMatching(/^ASIA[A-Z2-7]{16}$/),
      sessionToken: expect.stringMatching(/^IQoJ/),
      accountId: "123456789012",
      action: "AssumeRole",
      arn: "arn:aws:sts::123456789012:assumed-role/Tester/unit",
      roleArn: params.RoleArn,
      roleSessionName: "unit",
      issuedAt: new Date(now),
      expiration: new Date(now + 900_000),
    });
    expect(issued.secretAccessKey.length).toBeGreaterThanOrEqual(40);
  });

  it("lasts an hour by default, and names the role without its path", () => {
    const issued = issueCredentials(
      "AssumeRoleWithWebIdentity",
      { RoleArn: "arn:aws-cn:iam::210987654321:role/team/ci/Deployer", RoleSessionName: "pod" },
      { now },
    );
    expect(issued.expiration).toEqual(new Date(now + 3_600_000));
    expect(issued.arn).toBe("arn:aws:sts::210987654321:assumed-role/Deployer/pod");
  });

  it("gives every session its own keys", () => {
    const [a, b] = [
      issueCredentials("AssumeRole", params, { now }),
      issueCredentials("AssumeRole", params, { now }),
    ];
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.secretAccessKey).not.toBe(b.secretAccessKey);
    expect(a.sessionToken).not.toBe(b.sessionToken);
  });

  it("lets lifetimeMs override the duration, which is still validated", () => {
    expect(
      issueCredentials("AssumeRole", { ...params, DurationSeconds: "900" }, { now, lifetimeMs: 5_000 })
        .expiration,
    ).toEqual(new Date(now + 5_000));
    expect(() =>
      issueCredentials("AssumeRole", { ...params, DurationSeconds: "60" }, { now, lifetimeMs: 5_000 }),
    ).toThrow("DurationSeconds");
  });

  it("mints credentials that expired a second ago for the expired fault", () => {
    expect(issueCredentials("AssumeRole", params, { now, expired: true }).expiration).toEqual(
      new Date(now - 1000),
    );
  });

  it.each([
    ["a role ARN that is not one", { ...params, RoleArn: "arn:aws:iam::123456789012:user/Tester" }],
    ["a session name too short", { ...params, RoleSessionName: "u" }],
    ["a session name with a space", { ...params, RoleSessionName: "a b" }],
    ["a duration under 900 s", { ...params, DurationSeconds: "899" }],
    ["a duration over 12 h", { ...params, DurationSeconds: "43201" }],
    ["a duration that is not an integer", { ...params, DurationSeconds: "900.5" }],
  ])("answers ValidationError for %s", (_label, bad) => {
    let thrown: unknown;
    try {
      issueCredentials("AssumeRole", bad, { now });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ status: 400, code: "ValidationError", type: "Sender" });
  });

  it("hides the secret and the token from inspect and JSON", () => {
    const issued = issueCredentials("AssumeRole", params, { now });
    const shown = [inspect(issued), JSON.stringify(issued)].join("\n");
    expect(shown).toContain(issued.accessKeyId);
    expect(shown).not.toContain(issued.secretAccessKey);
    expect(shown).not.toContain(issued.sessionToken);
  });
});
