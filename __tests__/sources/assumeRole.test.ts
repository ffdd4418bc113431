import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-provider-ini";
import { limitRetries } from "retry-ts";
import {
  assumeRole,
  CredentialRefreshError,
  InvalidOptionsError,
  refreshing,
  refreshingRole,
  type AssumeRoleOptions,
} from "../../src";
import { RoleSessionName } from "../../src/errors/codecs";
import { stsClientFor } from "../../src/sources/sts";
import { localSts, manualClock, type LocalSts } from "../../src/testing";
import { fakeSts } from "../support/fakeSts";
import { sdkError, settle } from "../support/scripted";

const region = "us-east-1";
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
      // The SDK's feature id: the User-Agent of requests signed with them reports it.
      $source: { CREDENTIALS_STS_ASSUME_ROLE: "i" },
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
    ["SomeNewCode", 400, true],
    ["IDPCommunicationError", 400, true],
    ["InvalidClientTokenId", 403, true],
  ])(
    "wraps an STS %s in a CredentialRefreshError that says whether to retry, with a record of the cause",
    async (name, status, retryable) => {
      const clock = manualClock();
      const cause = sdkError(name, status, 2);
      const sts = fakeSts(clock, [cause]);
      const error = (await assumeRole({ roleArn, stsClient: sts.client, clock })().catch(
        (e: unknown) => e,
      )) as CredentialRefreshError;
      expect(error).toBeInstanceOf(CredentialRefreshError);
      expect(error).toMatchObject({ retryable, attempts: 2 });
      // A plain record, not the SDK's object (whose hidden fields can hold the raw answer).
      expect(error.cause).not.toBe(cause);
      expect(error.cause).toEqual({
        name,
        message: `${name} happened`,
        $metadata: { httpStatusCode: status, attempts: 2 },
        $fault: status >= 500 ? "server" : "client",
      });
      expect(error.message).toBe(`STS AssumeRole for ${roleArn} failed: ${name}: ${name} happened`);
    },
  );

  it("hides keys and tokens in STS's message, and leaves the SDK's error as it was", async () => {
    const clock = manualClock();
    const token = "FwoGZXIvYXdzEXAMPLEsessionTOKEN1234567890abcdef";
    const cause = Object.assign(sdkError("AccessDenied", 403), {
      message: `User with token ${token} is not authorized`,
    });
    Object.defineProperty(cause, "$response", {
      value: { body: token },
      enumerable: false,
      configurable: false,
    });
    const before = Reflect.ownKeys(cause);
    const sts = fakeSts(clock, [cause]);
    const error = (await assumeRole({ roleArn, stsClient: sts.client, clock })().catch(
      (e: unknown) => e,
    )) as CredentialRefreshError;
    expect(error.message).toBe(
      `STS AssumeRole for ${roleArn} failed: AccessDenied: User with token [hidden] is not authorized`,
    );
    expect((error.cause as { message: string }).message).toBe("User with token [hidden] is not authorized");
    expect(Reflect.ownKeys(cause)).toEqual(before);
    expect(cause.message).toContain(token);
  });

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

  it("waits for a person longer than the attempt timeout: the code is asked before STS, once per refresh", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    let typed: (code: string) => void = () => undefined;
    const tokenCode = jest.fn(() => new Promise<string>((resolve) => (typed = resolve)));
    const credentials = refreshingRole({
      roleArn: mfaRole,
      stsClient: sts.client,
      clock,
      mfa: { serialNumber, tokenCode },
    });
    const first = credentials();
    await settle();
    await clock.advance(20_000); // four times the 5 s attempt timeout: a person finding their phone
    typed("123456");
    await expect(first).resolves.toMatchObject({ accessKeyId: "ASIAFAKE00000001" });
    expect(tokenCode).toHaveBeenCalledTimes(1);
    expect(sts.sent.map((command) => command.input.TokenCode)).toEqual(["123456"]);
    credentials.dispose();
  });

  it("reuses the refresh's code when an attempt is retried, instead of asking again", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock, [sdkError("ThrottlingException", 400), sdkError("InternalFailure", 500)]);
    const tokenCode = jest.fn(() => "135790");
    const credentials = refreshingRole({
      roleArn: mfaRole,
      stsClient: sts.client,
      clock,
      retryPolicy: limitRetries(3),
      mfa: { serialNumber, tokenCode },
    });
    await credentials();
    expect(sts.sent.map((command) => command.input.TokenCode)).toEqual(["135790", "135790", "135790"]);
    expect(tokenCode).toHaveBeenCalledTimes(1);
    credentials.dispose();
  });

  it("gives up on a code not given within mfa.commandTimeoutMs, without calling STS or asking again", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const tokenCode = jest.fn(() => new Promise<string>(() => undefined));
    const credentials = refreshingRole({
      roleArn: mfaRole,
      stsClient: sts.client,
      clock,
      mfa: { serialNumber, tokenCode, commandTimeoutMs: 30_000 },
    });
    const failed = credentials().catch((e: unknown) => e);
    await settle();
    await clock.advance(30_000);
    const error = (await failed) as CredentialRefreshError;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/not given within 30000 ms \(mfa\.commandTimeoutMs\); STS was not called/);
    expect(tokenCode).toHaveBeenCalledTimes(1);
    expect(sts.sent).toHaveLength(0);
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

describe("an STS error code this library does not know", () => {
  it("is recoverable: callers in the mandatory window keep the valid credentials they hold", async () => {
    const clock = manualClock();
    const script: Error[] = [];
    const sts = fakeSts(clock, script);
    const credentials = refreshing(
      assumeRole({ roleArn, stsClient: sts.client, clock, durationSeconds: 900 }),
      {
        clock,
        retryPolicy: limitRetries(1),
        // No background refresh: the first refresh is a caller's, 60 s before expiry.
        advisoryWindowMs: 0,
        mandatoryWindowMs: 60_000,
      },
    );
    try {
      const first = await credentials();
      for (let i = 0; i < 100; i++) script.push(sdkError("SomeNewCode", 400));
      for (let i = 0; i < 200 && credentials.status().phase !== "mandatory"; i++) await clock.advance(5_000);
      expect(credentials.status().phase).toBe("mandatory");
      const served = await credentials();
      expect(served.accessKeyId).toBe(first.accessKeyId);
      expect(sts.sent).toHaveLength(3); // the first call, then a refresh and its one retry, both failed
      expect(credentials.status().lastError?.retryable).toBe(true);
      expect(credentials.status().errorCachedUntil).toBeUndefined();
    } finally {
      credentials.dispose();
    }
  });
});
