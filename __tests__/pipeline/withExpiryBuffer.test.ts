import { inspect } from "node:util";
import { InvalidOptionsError, redactSecrets, withExpiryBuffer } from "../../src";
import { manualClock } from "../../src/testing";
import { credentialsAt, scriptedProvider } from "../support/scripted";

describe("withExpiryBuffer", () => {
  it("reports the expiration that many ms earlier, leaving the rest alone", async () => {
    const clock = manualClock();
    const original = credentialsAt(clock, 3_600_000);
    const buffered = await withExpiryBuffer(300_000)(scriptedProvider([original]).provider)();
    expect(buffered.expiration).toEqual(new Date(clock.now() + 3_300_000));
    expect(buffered).toMatchObject({
      accessKeyId: original.accessKeyId,
      secretAccessKey: original.secretAccessKey,
      sessionToken: original.sessionToken,
    });
    expect(original.expiration).toEqual(new Date(clock.now() + 3_600_000));
  });

  it("passes credentials without an expiration through unchanged", async () => {
    const permanent = { accessKeyId: "AKIA", secretAccessKey: "s" };
    await expect(withExpiryBuffer(1_000)(scriptedProvider([permanent]).provider)()).resolves.toBe(permanent);
  });

  it("keeps the secrets redacted in what it passes on", async () => {
    const clock = manualClock();
    const source = redactSecrets(credentialsAt(clock, 60_000));
    const buffered = await withExpiryBuffer(1_000)(scriptedProvider([source]).provider)();
    expect(JSON.stringify(buffered)).not.toContain(source.secretAccessKey);
    expect(inspect(buffered)).not.toContain(source.sessionToken);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, "300" as never])(
    "rejects a buffer of %p at construction",
    (ms) => {
      expect(() => withExpiryBuffer(ms)).toThrow(InvalidOptionsError);
      expect(() => withExpiryBuffer(ms)).toThrow(/ms: a finite number of milliseconds, 0 or more/);
    },
  );
});
