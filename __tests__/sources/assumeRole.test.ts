import { STSClient } from "@aws-sdk/client-sts";
import { assumeRole, CredentialRefreshError, InvalidOptionsError, type AssumeRoleOptions } from "../../src";
import { RoleSessionName } from "../../src/errors/codecs";
import { stsClientFor } from "../../src/sources/sts";
import { manualClock } from "../../src/testing";
import { fakeSts } from "../support/fakeSts";
import { sdkError } from "../support/scripted";

const roleArn = "arn:aws:iam::123456789012:role/Reader";

describe("assumeRole", () => {
  it("sends one AssumeRole per call with every option mapped to STS's names", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const provider = assumeRole({
      roleArn,
      roleSessionName: "nightly-etl",
      durationSeconds: 900,
      externalId: "partner-42",
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
      policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
      tags: [{ key: "team", value: "data" }],
      transitiveTagKeys: ["team"],
      sourceIdentity: "alice",
      stsClient: sts.client,
      clock,
    });
    await provider();
    await provider();
    expect(sts.sent).toHaveLength(2);
    expect(sts.sent[0]).toEqual({
      name: "AssumeRoleCommand",
      input: {
        RoleArn: roleArn,
        RoleSessionName: "nightly-etl",
        DurationSeconds: 900,
        ExternalId: "partner-42",
        Policy: '{"Version":"2012-10-17","Statement":[]}',
        PolicyArns: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }],
        Tags: [{ Key: "team", Value: "data" }],
        TransitiveTagKeys: ["team"],
        SourceIdentity: "alice",
      },
    });
  });

  it("maps the response to credentials with the account of the assumed role", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const credentials = await assumeRole({ roleArn, stsClient: sts.client, clock })();
    expect(credentials).toEqual({
      accessKeyId: "ASIAFAKE00000001",
      secretAccessKey: "fake-secret-1",
      sessionToken: "fake-token-1",
      expiration: new Date(clock.now() + 3_600_000),
      accountId: "123456789012",
    });
  });

  it("generates a valid session name once, and keeps it for every refresh", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const provider = assumeRole({ roleArn, stsClient: sts.client, clock });
    await provider();
    await provider();
    const names = sts.sent.map((command) => command.input.RoleSessionName);
    expect(RoleSessionName.is(names[0])).toBe(true);
    expect(names[0]).toMatch(/^aws-refresh-session-\d+-[0-9a-f]{8}$/);
    expect(names[1]).toBe(names[0]);
  });

  it.each([
    ["no Credentials", () => ({ $metadata: {} }), /missing Credentials/],
    [
      "no SessionToken",
      (clock: { now(): number }) => ({
        Credentials: {
          AccessKeyId: "A",
          SecretAccessKey: "leak-me-not",
          Expiration: new Date(clock.now() + 1e6),
        },
      }),
      /Credentials\.SessionToken/,
    ],
    [
      "an unparseable Expiration",
      () => ({
        Credentials: {
          AccessKeyId: "A",
          SecretAccessKey: "leak-me-not",
          SessionToken: "t",
          Expiration: new Date("soon"),
        },
      }),
      /Credentials\.Expiration/,
    ],
    [
      "an Expiration in the past",
      (clock: { now(): number }) => ({
        Credentials: {
          AccessKeyId: "A",
          SecretAccessKey: "leak-me-not",
          SessionToken: "t",
          Expiration: new Date(clock.now() - 1),
        },
      }),
      /expired at .*check this machine's clock/,
    ],
  ])("treats a response with %s as a retryable error, not a credential", async (_label, answer, message) => {
    const clock = manualClock();
    const sts = fakeSts(clock, [() => answer(clock)]);
    const error = (await assumeRole({ roleArn, stsClient: sts.client, clock })().catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("leak-me-not");
  });

  it.each([
    ["AccessDenied", 403, false],
    ["Throttling", 400, true],
    ["ServiceUnavailable", 503, true],
  ])(
    "wraps an STS %s in a CredentialRefreshError that says whether to retry",
    async (name, status, retryable) => {
      const clock = manualClock();
      const cause = sdkError(name, status, 2);
      const sts = fakeSts(clock, [cause]);
      const error = (await assumeRole({ roleArn, stsClient: sts.client, clock })().catch(
        (e: unknown) => e,
      )) as CredentialRefreshError;
      expect(error).toBeInstanceOf(CredentialRefreshError);
      expect(error).toMatchObject({ retryable, attempts: 2, cause });
      expect(error.message).toBe(`STS AssumeRole for ${roleArn} failed: ${name}: ${name} happened`);
    },
  );

  it("builds an STS client at first use, that makes one attempt per call, leaving retries to retryWith", async () => {
    const lazy = stsClientFor({ region: "eu-west-1", clientConfig: { endpoint: "http://127.0.0.1:1" } });
    const built = lazy();
    expect(lazy()).toBe(built); // one client per provider
    expect(await built.config.maxAttempts()).toBe(1);
    expect(await built.config.region()).toBe("eu-west-1");
    const tuned = stsClientFor({ clientConfig: { region: "eu-west-1", maxAttempts: 3 } })();
    expect(await tuned.config.maxAttempts()).toBe(3);
    const given = new STSClient({ region: "us-east-1" });
    expect(stsClientFor({ stsClient: given })()).toBe(given);
    for (const client of [built, tuned, given]) client.destroy();
  });

  it("builds no STS client until credentials are first asked for", async () => {
    // The client is made from clientConfig: the getter is read when, and only when, it is built.
    let reads = 0;
    const clientConfig = {
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDCALLER", secretAccessKey: "caller-secret" },
      get endpoint() {
        reads++;
        return "http://127.0.0.1:1";
      },
    };
    const provider = assumeRole({ roleArn: "arn:aws:iam::123456789012:role/lazy", clientConfig });
    expect(reads).toBe(0);
    await expect(provider()).rejects.toThrow(CredentialRefreshError);
    expect(reads).toBe(1);
    await expect(provider()).rejects.toThrow(CredentialRefreshError);
    expect(reads).toBe(1); // one client per provider
  });

  it("reports a clientConfig that cannot make a client as such, at the first call, without its secrets", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const provider = assumeRole({
      roleArn: "arn:aws:iam::123456789012:role/lazy",
      clientConfig: {
        region: "us-east-1",
        get endpoint(): string {
          throw new Error(`no endpoint, and here is a key: ${secret}`);
        },
      },
    });
    const error = await provider().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error).toMatchObject({ retryable: false, attempts: 0 });
    expect((error as Error).message).toMatch(
      /^could not build the STS client from clientConfig: Error: no endpoint/,
    );
    expect((error as Error).message).not.toContain(secret);
  });

  describe("bad options", () => {
    const base = { roleArn };
    const table: Array<[string, string, Record<string, unknown>, RegExp]> = [
      ["no roleArn", "roleArn", {}, /IAM role ARN/],
      ["a roleArn that is not an ARN", "roleArn", { roleArn: "Reader" }, /IAM role ARN/],
      ["a user ARN", "roleArn", { roleArn: "arn:aws:iam::123456789012:user/alice" }, /IAM role ARN/],
      [
        "an ARN with a short account",
        "roleArn",
        { roleArn: "arn:aws:iam::1234:role/Reader" },
        /IAM role ARN/,
      ],
      ["a roleArn that is a number", "roleArn", { roleArn: 42 }, /IAM role ARN/],
      ["a one-character session name", "roleSessionName", { ...base, roleSessionName: "a" }, /2 to 64/],
      [
        "a 65-character session name",
        "roleSessionName",
        { ...base, roleSessionName: "a".repeat(65) },
        /2 to 64/,
      ],
      [
        "a session name with a space",
        "roleSessionName",
        { ...base, roleSessionName: "my session" },
        /2 to 64/,
      ],
      ["a session name with a slash", "roleSessionName", { ...base, roleSessionName: "a/b" }, /2 to 64/],
      ["durationSeconds under 900", "durationSeconds", { ...base, durationSeconds: 899 }, /900 to 43200/],
      ["durationSeconds over 43200", "durationSeconds", { ...base, durationSeconds: 43_201 }, /900 to 43200/],
      ["fractional durationSeconds", "durationSeconds", { ...base, durationSeconds: 1800.5 }, /an integer/],
      ["durationSeconds as a string", "durationSeconds", { ...base, durationSeconds: "3600" }, /an integer/],
      ["a one-character external ID", "externalId", { ...base, externalId: "x" }, /2 to 1224/],
      ["a 1225-character external ID", "externalId", { ...base, externalId: "x".repeat(1225) }, /2 to 1224/],
      [
        "11 policy ARNs",
        "policyArns",
        { ...base, policyArns: Array(11).fill("arn:aws:iam::aws:policy/ReadOnlyAccess") },
        /at most 10/,
      ],
      ["a policy ARN that is a role", "policyArns.0", { ...base, policyArns: [roleArn] }, /IAM policy ARN/],
      [
        "a policy that is not JSON",
        "policy",
        { ...base, policy: "allow everything" },
        /it is not valid JSON$/,
      ],
      [
        "a policy over 2048 characters",
        "policy",
        { ...base, policy: JSON.stringify({ x: "y".repeat(2050) }) },
        /it has 2058 characters, over STS's limit of 2048$/,
      ],
      [
        "a policy that is a JSON array",
        "policy",
        { ...base, policy: "[]" },
        /it is JSON, but not an object$/,
      ],
      [
        "a role name of 65 characters",
        "roleArn",
        { roleArn: `arn:aws:iam::123456789012:role/${"r".repeat(65)}` },
        /its role name has 65 characters, and IAM allows at most 64/,
      ],
      [
        "static caller credentials with a number as session token",
        "credentials.sessionToken",
        {
          ...base,
          region: "us-east-1",
          credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s", sessionToken: 5 },
        },
        /^a non-empty string \(got 5\)$/,
      ],
      [
        "static caller credentials without a secret key",
        "credentials.secretAccessKey",
        { ...base, region: "us-east-1", credentials: { accessKeyId: "AKIAEXAMPLE" } },
        /a non-empty string/,
      ],
      [
        "caller credentials that are a string",
        "credentials",
        { ...base, region: "us-east-1", credentials: "AKIAEXAMPLE:secret" },
        /^a credential provider, or \{ accessKeyId, secretAccessKey, sessionToken\? \}$/,
      ],
      ["51 tags", "tags", { ...base, tags: Array(51).fill({ key: "k", value: "v" }) }, /at most 50/],
      ["a tag without a value", "tags.0.value", { ...base, tags: [{ key: "team" }] }, /0 to 256/],
      [
        "a tag key of 129 characters",
        "tags.0.key",
        { ...base, tags: [{ key: "k".repeat(129), value: "v" }] },
        /1 to 128/,
      ],
      [
        "a tag with an unknown field",
        "tags.0.Value",
        { ...base, tags: [{ key: "k", value: "v", Value: "w" }] },
        /not a known option/,
      ],
      [
        "a transitive tag key that is empty",
        "transitiveTagKeys.0",
        { ...base, transitiveTagKeys: [""] },
        /1 to 128/,
      ],
      ["a source identity of one character", "sourceIdentity", { ...base, sourceIdentity: "x" }, /2 to 64/],
      ["a region with capitals", "region", { ...base, region: "EU-WEST-1" }, /region name/],
      ["an stsClient without send()", "stsClient", { ...base, stsClient: {} }, /STSClient/],
      [
        "both stsClient and clientConfig",
        "clientConfig",
        { ...base, stsClient: new STSClient({ region: "us-east-1" }), clientConfig: {} },
        /cannot be combined/,
      ],
      [
        "both stsClient and region",
        "region",
        { ...base, stsClient: new STSClient({ region: "us-east-1" }), region: "eu-west-1" },
        /cannot be combined/,
      ],
      [
        "clientConfig that is not an object",
        "clientConfig",
        { ...base, clientConfig: "endpoint" },
        /an object of STSClient configuration/,
      ],
      ["a clock without sleep()", "clock", { ...base, clock: { now: () => 0 } }, /a Clock/],
      ["a misspelt option", "durationSecs", { ...base, durationSecs: 900 }, /not a known option/],
      ["a PascalCase option", "RoleSessionName", { ...base, RoleSessionName: "x" }, /not a known option/],
      [
        "options that are not an object",
        "",
        "arn:aws:iam::123456789012:role/Reader" as never,
        /an options object/,
      ],
    ];

    it.each(table)("rejects %s, naming %j, before any network call", (_label, path, options, rule) => {
      const sts = fakeSts(manualClock());
      const input =
        typeof options === "object" &&
        !("stsClient" in options) &&
        !("clientConfig" in options) &&
        !("region" in options)
          ? { ...options, stsClient: sts.client }
          : options;
      let thrown: unknown;
      try {
        assumeRole(input as unknown as AssumeRoleOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidOptionsError);
      const issue = (thrown as InvalidOptionsError).issues.find((candidate) => candidate.path === path);
      expect(issue?.rule).toMatch(rule);
      expect((thrown as Error).message).toContain(path === "" ? "(options)" : `${path}:`);
      expect(sts.sent).toHaveLength(0);
    });

    it("accepts a role name of 64 characters under a path, and static credentials with an undefined token", () => {
      const sts = fakeSts(manualClock());
      expect(() =>
        assumeRole({
          roleArn: `arn:aws:iam::123456789012:role/team/ops/${"r".repeat(64)}`,
          stsClient: sts.client,
        }),
      ).not.toThrow();
      expect(() =>
        assumeRole({
          roleArn,
          region: "us-east-1",
          credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s", sessionToken: undefined },
        }),
      ).not.toThrow();
    });

    it("names every bad field at once", () => {
      const error = (() => {
        try {
          assumeRole({ roleArn: "nope", durationSeconds: 5, roleSessionName: "x", extra: 1 } as never);
        } catch (e) {
          return e as InvalidOptionsError;
        }
        throw new Error("did not throw");
      })();
      expect(error.issues.map((issue) => issue.path).sort()).toEqual([
        "durationSeconds",
        "extra",
        "roleArn",
        "roleSessionName",
      ]);
      expect(error.message).toMatch(/^Invalid assumeRole options \(4 problems\):/);
    });

    it("does not echo the values of fields that may hold secrets", () => {
      const error = (() => {
        try {
          assumeRole({ roleArn, externalId: "s", clientConfig: "AKIA-with-secret" });
        } catch (e) {
          return e as Error;
        }
        throw new Error("did not throw");
      })();
      expect(error.message).toContain("externalId");
      expect(error.message).not.toContain('"s"');
      expect(error.message).not.toContain("AKIA-with-secret");
    });
  });
});
