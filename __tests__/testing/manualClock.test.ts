import { InvalidOptionsError } from "../../src";
import { manualClock } from "../../src/testing";

describe("manualClock", () => {
  it("starts at a fixed instant, or the one given", () => {
    expect(manualClock().now()).toBe(Date.UTC(2030, 0, 1));
    expect(manualClock(42).now()).toBe(42);
  });

  it("wakes sleeps in deadline order, with time standing at each deadline", async () => {
    const clock = manualClock(0);
    const woke: Array<[string, number]> = [];
    void clock.sleep(300).then(() => woke.push(["c", clock.now()]));
    void clock.sleep(100).then(() => woke.push(["a", clock.now()]));
    void clock.sleep(200).then(() => woke.push(["b", clock.now()]));
    await clock.advance(250);
    expect(woke).toEqual([
      ["a", 100],
      ["b", 200],
    ]);
    expect(clock.now()).toBe(250);
    expect(clock.pendingSleeps).toBe(1);
    await clock.advance(50);
    expect(woke.at(-1)).toEqual(["c", 300]);
  });

  it("wakes a sleep started by a wake-up when it falls due within the same advance", async () => {
    const clock = manualClock(0);
    const times: number[] = [];
    void clock.sleep(10).then(async () => {
      times.push(clock.now());
      await clock.sleep(10);
      times.push(clock.now());
    });
    await clock.advance(25);
    expect(times).toEqual([10, 20]);
  });

  it("rejects a start that is not a finite number", () => {
    expect(() => manualClock(Number.NaN)).toThrow(/start: a finite number of epoch milliseconds/);
  });

  it("resolves a sleep of 0 ms without an advance", async () => {
    await expect(manualClock().sleep(0)).resolves.toBeUndefined();
  });

  it("never moves backwards: advanceTo an instant past stays put, advance(-ms) is an error", async () => {
    const clock = manualClock(1_000);
    await clock.advanceTo(500);
    expect(clock.now()).toBe(1_000);
    expect(() => clock.advance(-1_000)).toThrow(
      "Invalid manualClock.advance options (1 problem):\n  - ms: a finite number of milliseconds, 0 or more: time only moves forward (got -1000)",
    );
    for (const ms of [NaN, Infinity, "5" as unknown as number]) {
      expect(() => clock.advance(ms)).toThrow(InvalidOptionsError);
    }
    expect(() => clock.advanceTo(NaN)).toThrow(InvalidOptionsError);
    expect(clock.now()).toBe(1_000);
  });

  it("drops an aborted sleep and rejects it with the signal's reason", async () => {
    const clock = manualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    expect(clock.pendingSleeps).toBe(1);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ name: "AbortError" });
    expect(clock.pendingSleeps).toBe(0);
  });
});
