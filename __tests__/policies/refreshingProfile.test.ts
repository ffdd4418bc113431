import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import fc from "fast-check";
import {
  assumeRoleCacheKey,
  backoffPolicy,
  CredentialRefreshError,
  fileCache,
  InvalidOptionsError,
  refreshingProfile,
  session,
  type RefreshingProfileProvider,
  type RefreshEvent,
} from "../../src";
import { localSts, manualClock, type LocalSts, type ManualClock } from "../../src/testing";
import { awsHome, type AwsHome } from "../support/awsHome";
import { hideKeysAndTokens } from "../../src/core/secretText";

/** Resolves at the next refresh event of `type`: a background refresh over real HTTP ends when it ends. */
const events = () => {
  const waiters: Array<[string, () => void]> = [];
  const seen: RefreshEvent[] = [];
  return {
    seen,
    onEvent: (event: RefreshEvent) => {
      seen.push(event);
      for (const [index, [type, resolve]] of [...waiters.entries()].reverse()) {
        if (type === event.type) {
          waiters.splice(index, 1);
          resolve();
        }
      }
    },
    next: (type: RefreshEvent["type"]) => new Promise<void>((resolve) => waiters.push([type, resolve])),
  };
};

/** Yields to the event loop (no timer) until `done()`, at most `turns` times: requests on loopback HTTP end in a few. */
const until = async (done: () => boolean, turns = 20_000): Promise<void> => {
  for (let turn = 0; turn < turns && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
};

const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
const MFA = "arn:aws:iam::123456789012:mfa/alice";
const MINUTE = 60_000;

describe("refreshingProfile", () => {
  let aws: AwsHome;
  let sts: LocalSts;
  let clock: ManualClock;
  const providers: RefreshingProfileProvider[] = [];
  const track = (provider: RefreshingProfileProvider) => {
    providers.push(provider);
    return provider;
  };

  beforeEach(async () => {
    aws = awsHome();
    clock = manualClock();
    sts = await localSts({ clock });
    aws.credentials(
      "[base]",
      `aws_access_key_id = ${sts.rootCredentials.accessKeyId}`,
      `aws_secret_access_key = ${sts.rootCredentials.secretAccessKey}`,
    );
  });
  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.dispose();
    await sts.close();
    aws.restore();
  });

  /** A chain base -> one -> two -> three; the endpoint comes from the file alone. */
  const threeHops = (extra: string[] = []) => {
    aws.config(
      "[profile one]",
      `role_arn = ${role("One")}`,
      "source_profile = base",
      "external_id = ext-one",
      "[profile two]",
      `role_arn = ${role("Two")}`,
      "source_profile = one",
      "role_session_name = two-session",
      "[profile three]",
      `role_arn = ${role("Three")}`,
      "source_profile = two",
      "region = eu-west-1",
      `endpoint_url = ${sts.endpoint}`,
      "duration_seconds = 900",
      ...extra,
    );
  };

  it("assumes a chain of three roles, each hop signed with the one before, at the endpoint the profile names", async () => {
    threeHops([`mfa_serial = ${MFA}`]);
    const asked: string[] = [];
    const credentials = track(
      refreshingProfile({
        profile: "three",
        clock,
        mfaCode: (serial) => {
          asked.push(serial);
          return "123456";
        },
      }),
    );
    expect(sts.counts.AssumeRole).toBe(0); // nothing before the first call
    expect(credentials.region).toBe("eu-west-1");
    const served = await credentials();
    expect(sts.counts.AssumeRole).toBe(3);
    const [one, two, three] = sts.issued;
    expect(sts.requests.map((request) => [request.params.RoleArn, request.accessKeyId])).toEqual([
      [role("One"), sts.rootCredentials.accessKeyId],
      [role("Two"), one?.accessKeyId],
      [role("Three"), two?.accessKeyId],
    ]);
    expect(sts.requests[0]?.params).toMatchObject({ ExternalId: "ext-one" });
    expect(sts.requests[1]?.params).toMatchObject({ RoleSessionName: "two-session" });
    expect(sts.requests[2]?.params).toMatchObject({
      DurationSeconds: "900",
      SerialNumber: MFA,
      TokenCode: "123456",
    });
    expect(served.accessKeyId).toBe(three?.accessKeyId);
    expect(three?.arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/Three\//);
    expect(asked).toEqual([MFA]);
    // Many callers later, still three calls.
    await Promise.all(Array.from({ length: 20 }, () => credentials()));
    expect(sts.counts.AssumeRole).toBe(3);
    expect(credentials.status()).toMatchObject({ phase: "fresh", profile: "three", note: undefined });
  });

  it("refreshes ahead of expiry in the background, one STS call per hop due, and asks the MFA code once per refresh", async () => {
    threeHops([`mfa_serial = ${MFA}`]);
    let codes = 0;
    const heard = events();
    const credentials = track(
      refreshingProfile({
        profile: "three",
        clock,
        random: () => 0,
        mfaCode: () => String(100_000 + ++codes),
        onEvent: heard.onEvent,
      }),
    );
    const first = await credentials();
    const refreshed = heard.next("refresh-success");
    await clock.advance(10 * MINUTE); // 900 s sessions: the advisory window opens at 600 s
    await refreshed;
    const second = await credentials();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(codes).toBe(2); // one per refresh of the role with mfa_serial
    // Only the last hop (900 s) was due; one and two hold one-hour sessions: one call, signed with two's.
    await sts.idle();
    expect(sts.counts.AssumeRole).toBe(4);
    expect(sts.requests.at(-1)?.accessKeyId).toBe(sts.issued[1]?.accessKeyId);
    // At 45 minutes one and two are due as well (their advisory window opens): each refreshes once.
    const again = heard.next("refresh-success");
    await clock.advance(35 * MINUTE);
    await again;
    const later = () => sts.requests.slice(4).map((request) => request.params.RoleArn);
    await until(() => later().includes(role("One")) && later().includes(role("Two")));
    await sts.idle();
    expect(later().filter((arn) => arn === role("One"))).toHaveLength(1);
    expect(later().filter((arn) => arn === role("Two"))).toHaveLength(1);
    // Three (15-minute sessions) refreshed on its own schedule meanwhile, a code asked once per refresh
    // (an attempt retried, or made again after its caller's key was replaced, reuses the refresh's code).
    const threes = later().filter((arn) => arn === role("Three")).length;
    expect(threes).toBeGreaterThanOrEqual(1);
    const refreshes = heard.seen.filter((event) => event.type === "refresh-start").length;
    expect(codes).toBe(refreshes);
    expect(codes).toBeLessThanOrEqual(2 + threes);
    expect(sts.rejections).toEqual({});
  });

  it("reads the files again at each refresh: an edited role_arn takes effect without a restart", async () => {
    threeHops();
    const heard = events();
    const credentials = track(
      refreshingProfile({ profile: "three", clock, random: () => 0, onEvent: heard.onEvent }),
    );
    await credentials();
    expect(sts.issued.at(-1)?.roleArn).toBe(role("Three"));
    const refreshed = heard.next("refresh-success");
    aws.config(
      "[profile three]",
      `role_arn = ${role("Edited")}`,
      "source_profile = base",
      `endpoint_url = ${sts.endpoint}`,
      "region = eu-west-1",
    );
    await clock.advance(10 * MINUTE);
    await refreshed;
    const after = await credentials();
    const last = sts.issued.at(-1);
    expect(last?.roleArn).toBe(role("Edited"));
    expect(after.accessKeyId).toBe(last?.accessKeyId);
    // Signed by the static keys: the old chain is gone.
    expect(sts.requests.at(-1)?.accessKeyId).toBe(sts.rootCredentials.accessKeyId);
  });

  it("a profile broken by an edit fails the refresh with every problem named, and the held credentials serve until they expire", async () => {
    threeHops();
    const heard = events();
    const credentials = track(
      refreshingProfile({ profile: "three", clock, random: () => 0, onEvent: heard.onEvent }),
    );
    const held = await credentials();
    aws.config("[profile three]", `role_arn = ${role("Three")}`, `endpoint_url = ${sts.endpoint}`);
    const failed = heard.next("refresh-failure");
    await clock.advance(10 * MINUTE);
    await failed;
    expect((await credentials()).accessKeyId).toBe(held.accessKeyId);
    const error = credentials.status().lastError;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error?.message).toContain(
      "profile three cannot be used as the files now stand: profile three: has role_arn but neither source_profile nor credential_source",
    );
  });

  it("a file that can no longer be read fails the refresh naming the file and why", async () => {
    threeHops();
    const heard = events();
    const credentials = track(
      refreshingProfile({ profile: "three", clock, random: () => 0, onEvent: heard.onEvent }),
    );
    await credentials();
    rmSync(aws.configFile);
    mkdirSync(aws.configFile); // a directory where the file was: EISDIR
    const failed = heard.next("refresh-failure");
    await clock.advance(10 * MINUTE);
    await failed;
    // Paths are shown as every message is, with key- and token-shaped runs (a temporary directory's
    // random name may be one) hidden.
    expect(credentials.status().lastError?.message).toContain(
      hideKeysAndTokens(`profile three: cannot read ${aws.configFile}: EISDIR`),
    );
  });

  it("with no region anywhere, calls STS in us-east-1 as botocore does, where the SDK would fail", async () => {
    aws.config(
      "[profile plain]",
      "role_arn = arn:aws:iam::123456789012:role/Plain",
      "source_profile = base",
      `endpoint_url = ${sts.endpoint}`,
    );
    const credentials = track(refreshingProfile({ profile: "plain", clock }));
    expect(credentials.region).toBeUndefined();
    await credentials();
    expect(sts.requests).toMatchObject([{ action: "AssumeRole", outcome: "ok" }]);
  });

  it("serves a profile of static keys as it is, says so in status(), and calls nothing", async () => {
    aws.config("[profile base]", "region = us-east-2");
    const credentials = track(refreshingProfile({ profile: "base", clock }));
    const served = await credentials();
    expect(served.accessKeyId).toBe(sts.rootCredentials.accessKeyId);
    expect(served.expiration).toBeUndefined();
    expect(credentials.status().note).toBe(
      "profile base has static keys and no role: they are served as they are, and never refreshed",
    );
    expect(credentials.region).toBe("us-east-2");
    expect(sts.requests).toHaveLength(0);
    expect(inspect(served)).not.toContain(sts.rootCredentials.secretAccessKey);
  });

  it("chooses the profile from AWS_DEFAULT_PROFILE, then AWS_PROFILE, then default, as botocore does", () => {
    aws.config("[default]", "aws_access_key_id = AKIADEFAULTKEY000001", "aws_secret_access_key = d");
    expect(track(refreshingProfile({ clock })).profile).toBe("default");
    aws.env("AWS_PROFILE", "base");
    expect(track(refreshingProfile({ clock })).profile).toBe("base");
    aws.env("AWS_DEFAULT_PROFILE", "nope");
    expect(() => refreshingProfile({ clock })).toThrow('no profile named "nope"');
  });

  it("fails at construction, naming every problem, with no network call", () => {
    aws.config(
      "[profile a]",
      `role_arn = ${role("A")}`,
      "source_profile = b",
      `mfa_serial = ${MFA}`,
      "[profile b]",
      `role_arn = ${role("B")}`,
      "source_profile = a",
      "duration_seconds = 12",
    );
    const error = (() => {
      try {
        refreshingProfile({ profile: "a" });
      } catch (thrown) {
        return thrown as InvalidOptionsError;
      }
      throw new Error("no error");
    })();
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.issues.map((issue) => issue.path)).toEqual([
      "profile a.mfa_serial",
      "profile b.duration_seconds",
      "profile b.source_profile",
    ]);
    expect(error.message).toContain("makes a cycle: a -> b -> a");
    expect(() => refreshingProfile({ profile: "nope", cacheKey: "x" } as never)).toThrow(
      "cacheKey: each role of a profile has its own key",
    );
    expect(sts.requests).toHaveLength(0);
  });

  it("names a file that cannot be read", () => {
    aws.env("AWS_CONFIG_FILE", aws.home);
    expect(() => refreshingProfile({ profile: "base" })).toThrow(`cannot read ${aws.home}: EISDIR`);
  });

  it("with fileCache(), each hop is the AWS CLI's entry for its profile, and a second process uses them all", async () => {
    threeHops();
    const directory = join(aws.home, ".aws", "cli", "cache");
    const first = track(refreshingProfile({ profile: "three", clock, cache: fileCache({ directory }) }));
    await first();
    const keys = [
      assumeRoleCacheKey({ roleArn: role("One"), externalId: "ext-one" }),
      assumeRoleCacheKey({ roleArn: role("Two"), roleSessionName: "two-session" }),
      assumeRoleCacheKey({ roleArn: role("Three"), durationSeconds: 900 }),
    ];
    expect(keys.map((key) => existsSync(join(directory, `${key}.json`)))).toEqual([true, true, true]);
    expect(sts.counts.AssumeRole).toBe(3);
    const second = track(refreshingProfile({ profile: "three", clock, cache: fileCache({ directory }) }));
    expect((await second()).accessKeyId).toBe(sts.issued[2]?.accessKeyId);
    expect(sts.counts.AssumeRole).toBe(3);
  });

  it("a cache of the user's whose roleKey() throws fails at construction, naming the cache", () => {
    threeHops();
    const cache = { ...fileCache({ directory: join(aws.home, "cache") }) };
    cache.roleKey = () => {
      throw new Error("no keys here");
    };
    expect(() => refreshingProfile({ profile: "three", cache })).toThrow(
      /^Invalid refreshingProfile options \(1 problem\):\n {2}- cache: its roleKey\(\) threw: .*no keys here/,
    );
    expect(sts.requests).toHaveLength(0);
  });

  it("stops every hop's background refresh on dispose()", async () => {
    threeHops();
    const credentials = refreshingProfile({ profile: "three", clock, random: () => 0 });
    await credentials();
    credentials.dispose();
    await clock.advance(20 * MINUTE);
    // A background refresh would have started as the clock passed its moment (random() = 0).
    expect(credentials.status().refreshing).toBe(false);
    await sts.idle();
    expect(sts.counts.AssumeRole).toBe(3);

    // Asked after dispose(), with the profile edited into a new chain: it answers on demand, and the
    // new chain's roles do not refresh in the background either.
    aws.config(
      "[profile two]",
      `role_arn = ${role("Two")}`,
      "source_profile = base",
      "[profile three]",
      `role_arn = ${role("Three")}`,
      "source_profile = two",
      `endpoint_url = ${sts.endpoint}`,
      "region = eu-west-1",
    );
    await clock.advance(10 * MINUTE); // the 900 s session is past its expiry: the call must refresh
    await credentials();
    expect(sts.counts.AssumeRole).toBe(5);
    await clock.advance(60 * MINUTE);
    await sts.idle();
    expect(sts.counts.AssumeRole).toBe(5);
  });

  it("never shows a secret of the files in an error, an event or inspect()", async () => {
    threeHops();
    const events: unknown[] = [];
    const credentials = track(
      // No retries: a revoked key is recoverable now, and retries would wait on the manual clock.
      refreshingProfile({
        profile: "three",
        clock,
        retryPolicy: backoffPolicy({ retries: 0 }),
        onEvent: (event) => events.push(event),
      }),
    );
    sts.revoke(sts.rootCredentials.accessKeyId);
    const error = await credentials().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(CredentialRefreshError);
    const seen = [
      inspect(error, { depth: 6 }),
      inspect(events, { depth: 6 }),
      inspect(credentials, { depth: 6 }),
    ].join("\n");
    expect(events.length).toBeGreaterThan(0);
    expect(seen).not.toContain(sts.rootCredentials.secretAccessKey);
  });

  it("over arbitrary options and profile names: builds, or throws an InvalidOptionsError with no secret of the files, and calls nothing", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFILESECRET";
    threeHops([`aws_secret_access_key = ${secret}`, "aws_access_key_id = AKIAFILEKEY000000001"]);
    aws.credentials(
      "[base]",
      "aws_access_key_id = AKIABASEKEY000000001",
      `aws_secret_access_key = ${secret}`,
    );
    const names = fc.oneof(
      fc.constantFrom("one", "two", "three", "base", "nope", ""),
      fc.string({ maxLength: 8 }),
    );
    const options = fc.record(
      {
        profile: fc.oneof(names, fc.anything({ maxDepth: 1 })),
        mfaCode: fc.oneof(
          fc.constant(() => "123456"),
          fc.anything({ maxDepth: 1 }),
        ),
        durationSeconds: fc.anything({ maxDepth: 1 }),
        cacheKey: fc.string(),
        attemptTimeoutMs: fc.oneof(fc.integer(), fc.double()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(options, (given) => {
        try {
          track(refreshingProfile({ ...given, clock } as never));
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidOptionsError);
          expect(`${(error as Error).message}${inspect(error, { depth: 5 })}`).not.toContain(secret);
        }
      }),
      { numRuns: 40 },
    );
    expect(sts.requests).toHaveLength(0);
  });

  describe("session({ profile })", () => {
    it("builds its clients with the profile's chain and the profile's region", async () => {
      threeHops();
      const aws3 = session({ profile: "three", clock });
      try {
        expect(aws3.region).toBe("eu-west-1");
        const client = aws3.client(STSClient, { endpoint: sts.endpoint });
        expect(await client.config.region()).toBe("eu-west-1");
        const identity = await client.send(new GetCallerIdentityCommand({}));
        expect(identity.Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/Three\//);
        expect(sts.counts.AssumeRole).toBe(3);
        const given = session({ profile: "three", region: "ap-south-1", clock });
        expect(given.region).toBe("ap-south-1");
        given.destroy();
      } finally {
        aws3.destroy();
      }
    });

    it("sends its clients and whoami() to the endpoint the profile names, as the AWS CLI's --profile does", async () => {
      threeHops();
      const aws3 = session({ profile: "three", clock });
      try {
        // No endpoint given: the profile's endpoint_url, which the SDK reads only for AWS_PROFILE.
        const identity = await aws3.client(STSClient).send(new GetCallerIdentityCommand({}));
        expect(identity.Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/Three\//);
        expect(sts.counts.GetCallerIdentity).toBe(1);
        await aws3.whoami();
        expect(sts.counts.GetCallerIdentity).toBeLessThanOrEqual(2);
      } finally {
        aws3.destroy();
      }
    });

    it("names session() in its construction errors", () => {
      expect(() => session({ profile: "nope" })).toThrow(
        /^Invalid session options \(1 problem\):\n {2}- profile: no profile named "nope"/,
      );
    });
  });
});
