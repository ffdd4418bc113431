import { CredentialRefreshError, InvalidOptionsError, limitRetries, refreshingRole } from "../src";
import { manualClock } from "../src/testing";
import { fakeSts } from "./support/fakeSts";
import { sdkError, settle } from "./support/scripted";

const roleArn = "arn:aws:iam::123456789012:role/Worker";
const MINUTE = 60_000;

describe("refreshingRole", () => {
  it("makes one STS call for many concurrent callers, then refreshes in the background ahead of the deadline", async () => {
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
    // STS said 60 minutes; the deadline is 10 minutes before, the advisory window opens 15 before.
    expect(first[0]?.expiration).toEqual(new Date(clock.now() + 50 * MINUTE));

    await clock.advance(45 * MINUTE - 1);
    await credentials();
    expect(sts.sent).toHaveLength(1);
    await clock.advance(1); // the window opens; with random() = 0 the refresh starts at once
    expect(sts.sent).toHaveLength(2);
    const second = await credentials();
    expect(second.accessKeyId).toBe("ASIAFAKE00000002");
    credentials.dispose();
  });

  it("scales its default windows down for short sessions", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const credentials = refreshingRole({
      roleArn,
      stsClient: sts.client,
      clock,
      durationSeconds: 900,
      random: () => 0,
    });
    // 900 s: the deadline a sixth (150 s) and the window a quarter (225 s) before expiry.
    expect((await credentials()).expiration).toEqual(new Date(clock.now() + 750_000));
    await clock.advance(675_000 - 1);
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

  it("honours a custom buffer", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const credentials = refreshingRole({
      roleArn,
      stsClient: sts.client,
      clock,
      durationSeconds: 900,
      expiryBufferMs: MINUTE,
    });
    expect((await credentials()).expiration).toEqual(new Date(clock.now() + 14 * MINUTE));
  });

  it.each([
    ["a negative buffer", { expiryBufferMs: -1 }, "expiryBufferMs", /0 or more/],
    [
      "a buffer as long as the session",
      { durationSeconds: 900, expiryBufferMs: 900_000 },
      "expiryBufferMs",
      /shorter than the session/,
    ],
    [
      "a buffer longer than the default session",
      { expiryBufferMs: 3_600_000 },
      "expiryBufferMs",
      /shorter than the session \(3600000 ms/,
    ],
    ["a retry policy that is not a function", { retryPolicy: 3 }, "retryPolicy", /retry policy/],
    ["an unknown option", { bufferMs: 1 }, "bufferMs", /not a known option/],
    [
      "an advisory window shorter than the buffer",
      { expiryBufferMs: 600_000, advisoryRefreshMs: 300_000 },
      "advisoryRefreshMs",
      /not be shorter than expiryBufferMs/,
    ],
    [
      "an advisory window as long as the session",
      { durationSeconds: 900, advisoryRefreshMs: 900_000 },
      "advisoryRefreshMs",
      /shorter than the session/,
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
      refreshingRole({ roleArn: "bad", expiryBufferMs: -5 });
      throw new Error("did not throw");
    } catch (error) {
      expect((error as InvalidOptionsError).issues.map((i) => i.path)).toEqual(["roleArn", "expiryBufferMs"]);
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
