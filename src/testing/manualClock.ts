import { abortReason, type Clock } from "../core/Clock";
import { InvalidOptionsError } from "../errors/InvalidOptionsError";

/** A number as it is; anything else by its kind only, since it could be anything, a secret included. */
const numberOrKind = (value: unknown): string =>
  typeof value === "number" ? String(value) : value === null ? "null" : `a ${typeof value}`;

/**
 * A {@link Clock} that moves only when told, for tests: `sleep` waits until `advance` has moved time
 * past its deadline.
 *
 * @example
 * ```ts
 * import { manualClock } from "aws-refresh-session/testing";
 *
 * const clock = manualClock(Date.UTC(2030, 0, 1));
 * let woke = false;
 * void clock.sleep(1_000).then(() => (woke = true));
 * await clock.advance(999); // woke === false
 * await clock.advance(1); // woke === true
 * ```
 * @category Clock
 * @since 0.1.0
 */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, waking due sleeps one at a time in deadline order. Time stands at each
   * sleep's deadline while it wakes, and everything its wake-up sets going (promise callbacks, further
   * sleeps that fall due within the step) runs before the next one wakes and before this resolves.
   * Throws an {@link InvalidOptionsError} for a negative or non-finite `ms`: time only moves forward.
   */
  advance(ms: number): Promise<void>;
  /** Moves time forward to `epochMs` (an instant already past leaves it where it is), as `advance` would. */
  advanceTo(epochMs: number): Promise<void>;
  /** Sleeps that have not woken yet. */
  readonly pendingSleeps: number;
  /**
   * Registers work that must finish before time moves on: `advance` awaits `hook()` after each
   * wake-up. Real I/O takes no time on a manual clock, so a server driven by it (the local STS
   * registers itself) finishes answering before a timeout can fall due. Returns an unregister function.
   */
  settleWith(hook: () => Promise<unknown>): () => void;
}

interface Sleeper {
  readonly wakeAt: number;
  readonly order: number;
  readonly wake: () => void;
  cancelled: boolean;
}

const before = (a: Sleeper, b: Sleeper): boolean =>
  a.wakeAt < b.wakeAt || (a.wakeAt === b.wakeAt && a.order < b.order);

/**
 * The sleepers, earliest first, in a binary heap: a simulation of thousands of providers (each with a
 * background timer) must not scan them all at every wake-up. Aborted sleepers are dropped lazily.
 */
class SleeperHeap {
  private readonly items: Sleeper[] = [];
  active = 0;

  push(sleeper: Sleeper): void {
    const items = this.items;
    items.push(sleeper);
    this.active++;
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const [child, up] = [items[i] as Sleeper, items[parent] as Sleeper];
      if (!before(child, up)) break;
      items[i] = up;
      items[parent] = child;
      i = parent;
    }
  }

  /** The earliest live sleeper due at or before `until`, removed; undefined if none. */
  popDue(until: number): Sleeper | undefined {
    for (;;) {
      const top = this.items[0];
      if (top === undefined) return undefined;
      if (!top.cancelled && top.wakeAt > until) return undefined;
      this.removeTop();
      if (!top.cancelled) {
        this.active--;
        return top;
      }
    }
  }

  cancel(sleeper: Sleeper): void {
    if (!sleeper.cancelled) {
      sleeper.cancelled = true;
      this.active--;
    }
  }

  private removeTop(): void {
    const items = this.items;
    const last = items.pop();
    if (last === undefined || items.length === 0) return;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && before(items[left] as Sleeper, items[smallest] as Sleeper)) smallest = left;
      if (right < items.length && before(items[right] as Sleeper, items[smallest] as Sleeper))
        smallest = right;
      if (smallest === i) return;
      const swap = items[i] as Sleeper;
      items[i] = items[smallest] as Sleeper;
      items[smallest] = swap;
      i = smallest;
    }
  }
}

/**
 * Lets every callback already queued (and the ones they queue) run. `setImmediate` fires after the
 * microtask queue drains, so one turn settles any chain of resolved promises.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** One pass of the event loop's timers phase as well, for I/O callbacks that land there. */
const nextLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A manual {@link Clock} starting at `start` (epoch ms; default 2030-01-01T00:00:00Z, a fixed instant so
 * tests read the same every run).
 *
 * @example
 * ```ts
 * import { memoizeUntil } from "aws-refresh-session";
 * import { manualClock } from "aws-refresh-session/testing";
 *
 * const clock = manualClock();
 * let calls = 0;
 * const provider = memoizeUntil({ clock })(async () => ({
 *   accessKeyId: `key-${++calls}`,
 *   secretAccessKey: "secret",
 *   expiration: new Date(clock.now() + 60_000),
 * }));
 * await provider(); // calls === 1
 * await clock.advance(60_000);
 * await provider(); // calls === 2: the first credentials expired
 * ```
 * @category Clock
 * @since 0.1.0
 */
export const manualClock = (start: number = Date.UTC(2030, 0, 1)): ManualClock => {
  if (typeof start !== "number" || !Number.isFinite(start)) {
    throw new InvalidOptionsError("manualClock", [
      {
        path: "start",
        rule: `a finite number of epoch milliseconds (got ${typeof start === "number" ? String(start) : `a ${typeof start}`})`,
      },
    ]);
  }
  let now = start;
  let order = 0;
  const sleepers = new SleeperHeap();
  const settlers = new Set<() => Promise<unknown>>();

  const settle = async (): Promise<void> => {
    await nextTurn();
    if (settlers.size === 0) return;
    await Promise.all([...settlers].map((hook) => hook()));
    // The answers are on their way back: let the clients read them before time moves.
    await nextLoop();
    await nextTurn();
  };

  const advanceTo = async (target: number): Promise<void> => {
    await settle();
    for (let due = sleepers.popDue(target); due !== undefined; due = sleepers.popDue(target)) {
      now = Math.max(now, due.wakeAt);
      due.wake();
      await settle();
    }
    now = Math.max(now, target);
    await settle();
  };

  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(abortReason(signal));
          return;
        }
        // The Clock contract: a wait of nothing resolves on the next turn, not at the next advance.
        if (ms <= 0) {
          resolve();
          return;
        }
        const onAbort = (): void => {
          sleepers.cancel(sleeper);
          reject(abortReason(signal as AbortSignal));
        };
        const sleeper: Sleeper = {
          wakeAt: now + ms,
          order: order++,
          wake: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
          cancelled: false,
        };
        sleepers.push(sleeper);
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
    advance: (ms) => {
      // Time that went back, or a step that is not a number, is a bug in the test: say so, rather
      // than stand still and let the test pass for the wrong reason.
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        throw new InvalidOptionsError("manualClock.advance", [
          {
            path: "ms",
            rule: `a finite number of milliseconds, 0 or more: time only moves forward (got ${numberOrKind(ms)})`,
          },
        ]);
      }
      return advanceTo(now + ms);
    },
    advanceTo: (epochMs) => {
      if (typeof epochMs !== "number" || !Number.isFinite(epochMs)) {
        throw new InvalidOptionsError("manualClock.advanceTo", [
          {
            path: "epochMs",
            rule: `a finite number of epoch milliseconds (got ${numberOrKind(epochMs)})`,
          },
        ]);
      }
      return advanceTo(epochMs);
    },
    get pendingSleeps() {
      return sleepers.active;
    },
    settleWith(hook) {
      settlers.add(hook);
      return () => settlers.delete(hook);
    },
  };
};
