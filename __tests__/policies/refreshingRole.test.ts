import { CredentialRefreshError, InvalidOptionsError, refreshingRole } from "../../src";
import { RefreshingRoleOptionsCodec } from "../../src/policies/refreshingRole";
import { AssumeRoleOptionsCodec } from "../../src/sources/roleOptions";
import { limitRetries } from "../../src/pipeline/retryPolicy";
import { manualClock } from "../../src/testing";
import { fakeSts } from "../support/fakeSts";
import { sdkError, settle } from "../support/scripted";

const roleArn = "arn:aws:iam::123456789012:role/Worker";
const MINUTE = 60_000;

describe("refreshingRole", () => {
  it("makes one STS call for many concurrent callers, then refreshes in the background in the advisory window", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const credentials = refreshingRole({
      roleArn,
      stsClient: sts.client,
      clock,
      durationSeconds: 3600,
      random: () => 0,
    });

    const first = await Promise.all(Array.from({ length: 100 }, () => credentials()));
    expect(sts.sent).toHaveLength(1);
    expect(new Set(first.map((c) => c.accessKeyId)).size).toBe(1);
    // STS said 60 minutes, and callers see STS's expiration; one-hour credentials get the
    // 15-minute advisory window.
    expect(first[0]?.expiration).toEqual(new Date(clock.now() + 60 * MINUTE));

    await clock.advance(45 * MINUTE - 1);
    await credentials();
    expect(sts.sent).toHaveLength(1);
    await clock.advance(1); // the window opens; with random() = 0 the refresh starts at once
    expect(sts.sent).toHaveLength(2);
    const second = await credentials();
    expect(second.accessKeyId).toBe("ASIAFAKE00000002");
    credentials.dispose();
  });

  it("picks the advisory window of short sessions from their lifetime", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const credentials = refreshingRole({
      roleArn,
      stsClient: sts.client,
      clock,
      durationSeconds: 900,
      random: () => 0,
    });
    // 900 s: the 5-minute advisory window of the table, so the refresh (random() = 0) at 600 s.
    expect((await credentials()).expiration).toEqual(new Date(clock.now() + 900_000));
    await clock.advance(600_000 - 1);
    expect(sts.sent).toHaveLength(1);
    await clock.advance(1);
    expect(sts.sent).toHaveLength(2);
    credentials.dispose();
  });

  it("retries a throttled STS with back-off on the clock, then serves the credentials", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock, [sdkError("Throttling", 400), sdkError("Throttling", 400)]);
    const retries: number[] = [];
    const credentials = refreshingRole({
      roleArn,
      stsClient: sts.client,
      clock,
      retryPolicy: limitRetries(5),
      onRetry: ({ attempts }) => retries.push(attempts),
    });
    const result = credentials();
    await clock.advance(0);
    await expect(result).resolves.toMatchObject({ accessKeyId: "ASIAFAKE00000001" });
    expect(sts.sent).toHaveLength(3);
    expect(retries).toEqual([1, 2]);
  });

  it("fails at once with a typed error when the role cannot be assumed", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock, [sdkError("AccessDenied", 403)]);
    const credentials = refreshingRole({ roleArn, stsClient: sts.client, clock });
    const error = (await credentials().catch((e: unknown) => e)) as CredentialRefreshError;
    expect(error).toBeInstanceOf(CredentialRefreshError);
    expect(error).toMatchObject({ retryable: false, attempts: 1 });
    expect(error.message).toContain(roleArn);
    expect(sts.sent).toHaveLength(1);
  });

  it("gives callers STS's real expiration, and reports the windows chosen from the credentials' lifetime", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const credentials = refreshingRole({ roleArn, stsClient: sts.client, clock, durationSeconds: 900 });
    expect((await credentials()).expiration).toEqual(new Date(clock.now() + 15 * MINUTE));
    // 15-minute credentials: the 5-minute advisory window of the table, the 1-minute mandatory one.
    expect(credentials.status()).toMatchObject({
      phase: "fresh",
      advisoryWindowMs: 5 * MINUTE,
      mandatoryWindowMs: MINUTE,
    });
    credentials.dispose();
  });

  it("honours configured windows", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const credentials = refreshingRole({
      roleArn,
      stsClient: sts.client,
      clock,
      advisoryWindowMs: 30 * MINUTE,
      mandatoryWindowMs: 5 * MINUTE,
    });
    await credentials();
    expect(credentials.status()).toMatchObject({
      advisoryWindowMs: 30 * MINUTE,
      mandatoryWindowMs: 5 * MINUTE,
    });
    credentials.dispose();
  });

  it.each([
    ["a negative mandatory window", { mandatoryWindowMs: -1 }, "mandatoryWindowMs", /0 or more/],
    [
      "a mandatory window as long as the advisory one",
      { advisoryWindowMs: 600_000, mandatoryWindowMs: 600_000 },
      "mandatoryWindowMs",
      /shorter than advisoryWindowMs/,
    ],
    ["a backoff that is not a function", { backoff: 300 }, "backoff", /a function/],
    ["serveExpired that is not a boolean", { serveExpired: "yes" }, "serveExpired", /boolean/],
    ["the old buffer option", { expiryBufferMs: 60_000 }, "expiryBufferMs", /not a known option/],
    ["a retry policy that is not a function", { retryPolicy: 3 }, "retryPolicy", /retry policy/],
    ["an unknown option", { bufferMs: 1 }, "bufferMs", /not a known option/],
    [
      "a mandatory window longer than the advisory one",
      { advisoryWindowMs: 300_000, mandatoryWindowMs: 600_000 },
      "mandatoryWindowMs",
      /shorter than advisoryWindowMs/,
    ],
    ["an attempt timeout of 0", { attemptTimeoutMs: 0 }, "attemptTimeoutMs", /above 0/],
    ["a logger without warn()", { logger: { debug() {}, info() {}, error() {} } }, "logger", /a logger/],
  ])("rejects %s at construction", (_label, extra, path, rule) => {
    const sts = fakeSts(manualClock());
    let thrown: unknown;
    try {
      refreshingRole({ roleArn, stsClient: sts.client, ...extra } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionsError);
    expect((thrown as InvalidOptionsError).issues).toContainEqual({
      path,
      rule: expect.stringMatching(rule),
    });
    expect(sts.sent).toHaveLength(0);
  });

  it("names the problems of the role and of the refresh policy in one error", () => {
    try {
      refreshingRole({ roleArn: "bad", mandatoryWindowMs: -5 });
      throw new Error("did not throw");
    } catch (error) {
      expect((error as InvalidOptionsError).issues.map((i) => i.path)).toEqual([
        "roleArn",
        "mandatoryWindowMs",
      ]);
    }
  });

  it("checks its options once: the assumeRole source it is built on takes them as they are", () => {
    const sts = fakeSts(manualClock());
    const own = jest.spyOn(RefreshingRoleOptionsCodec, "decode");
    const sources = jest.spyOn(AssumeRoleOptionsCodec, "decode");
    try {
      refreshingRole({ roleArn, stsClient: sts.client, mandatoryWindowMs: MINUTE }).dispose();
      expect(own).toHaveBeenCalledTimes(1);
      expect(sources).not.toHaveBeenCalled();
    } finally {
      own.mockRestore();
      sources.mockRestore();
    }
  });

  it("stops a caller's wait on its signal while STS is slow", async () => {
    const clock = manualClock();
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const sts = fakeSts(clock, [], { gate: slow });
    const credentials = refreshingRole({ roleArn, stsClient: sts.client, clock });
    const controller = new AbortController();
    const waiting = credentials({ signal: controller.signal });
    await settle();
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    release();
    await expect(credentials()).resolves.toMatchObject({ accessKeyId: "ASIAFAKE00000001" });
    expect(sts.sent).toHaveLength(1);
  });
});

describe("refreshingRole's options, once checked", () => {
  const serialNumber = "arn:aws:iam::123456789012:mfa/alice";

  it("keeps what was checked: later changes to the options or their mfa do not reach the provider", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const options = {
      roleArn: "arn:aws:iam::123456789012:role/Checked",
      stsClient: sts.client,
      clock,
      mfa: { serialNumber, tokenCode: (): string => "111111", commandTimeoutMs: 10_000 },
    };
    const credentials = refreshingRole(options);
    options.roleArn = "arn:aws:iam::123456789012:role/Other";
    options.mfa.tokenCode = () => "999999";
    options.mfa.commandTimeoutMs = -1;
    await credentials();
    expect(sts.sent[0]?.input).toMatchObject({
      RoleArn: "arn:aws:iam::123456789012:role/Checked",
      TokenCode: "111111",
    });
    credentials.dispose();
  });

  it("reads options held as getters of a class, as it checked them", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    class WorkerOptions {
      get roleArn(): string {
        return "arn:aws:iam::123456789012:role/FromClass";
      }
      get stsClient() {
        return sts.client;
      }
      get clock() {
        return clock;
      }
    }
    const credentials = refreshingRole(new WorkerOptions());
    await expect(credentials()).resolves.toMatchObject({ accessKeyId: "ASIAFAKE00000001" });
    expect(sts.sent[0]?.input).toMatchObject({ RoleArn: "arn:aws:iam::123456789012:role/FromClass" });
    credentials.dispose();
  });
});
