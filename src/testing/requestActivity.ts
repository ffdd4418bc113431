/**
 * Whether the local STS is working on a request: what `LocalSts.idle()` waits for, and what a manual
 * clock waits for before it moves time on.
 *
 * @packageDocumentation
 */

/**
 * One request being handled. It counts as work until paused: a request waiting on the clock (latency)
 * or hung on purpose is not work, or a manual clock would wait for it forever.
 *
 * @internal
 */
export interface RequestWork {
  /** Stops counting it as work; idempotent. */
  pause(): void;
  /** Counts it as work again; idempotent. */
  resume(): void;
}

/**
 * The requests a server is working on.
 *
 * @internal
 */
export interface RequestActivity {
  /** A request arrived: it counts as work from now on. */
  begin(): RequestWork;
  /** Resolves when no request is being worked on. */
  readonly idle: () => Promise<void>;
  /**
   * Resolves when a whole turn of the event loop brought no request and left none being worked on
   * (giving up after 50 turns).
   */
  readonly quiet: () => Promise<void>;
}

/**
 * A {@link RequestActivity} with no request yet.
 *
 * @internal
 */
export const requestActivity = (): RequestActivity => {
  let busy = 0;
  let onIdle: Array<() => void> = [];
  const setBusy = (delta: number): void => {
    busy += delta;
    if (busy === 0) {
      const waiting = onIdle;
      onIdle = [];
      for (const resolve of waiting) resolve();
    }
  };
  const idle = (): Promise<void> =>
    busy === 0 ? Promise.resolve() : new Promise((resolve) => onIdle.push(resolve));
  /** Requests received so far: a change means a request came in while we looked away. */
  let arrivals = 0;
  return {
    begin() {
      arrivals++;
      let working = true;
      setBusy(1);
      return {
        pause() {
          if (working) {
            working = false;
            setBusy(-1);
          }
        },
        resume() {
          if (!working) {
            working = true;
            setBusy(1);
          }
        },
      };
    },
    idle,
    // A manual clock waits for our answers before it moves time on (see ManualClock.settleWith). A
    // request can still be on its way (the client signing it, the socket connecting) when we are idle,
    // so wait until a whole turn of the event loop brings no new request and leaves nothing in hand.
    quiet: async () => {
      for (let turns = 0; turns < 50; turns++) {
        const seen = arrivals;
        await idle();
        await new Promise((resolve) => setTimeout(resolve, 0));
        await new Promise((resolve) => setImmediate(resolve));
        if (seen === arrivals && busy === 0) return;
      }
    },
  };
};
