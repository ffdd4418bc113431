/**
 * The two ways a refreshing provider touches the process's timers, kept out of its logic:
 *
 * - the background timer, which wakes the provider when its background refresh is due. It must not
 *   keep the process alive, nor the provider: a provider nobody references stops and is collected
 *   even without `dispose()`. So the timer reaches its provider only through a WeakRef, and a
 *   FinalizationRegistry cancels the pending timer of a provider that was collected.
 * - the keep-alive, held while callers wait for a refresh: every timer of a refresh may be a
 *   background one, yet a process with a caller awaiting an answer must not exit under it.
 */
import type { Clock } from "../core/Clock";

/**
 * The timers of one provider.
 *
 * @internal
 */
export interface RefreshScheduler {
  /** Makes `owner` (the provider) the one the timer wakes; to be called once, before any `wakeAt`. */
  readonly attach: (owner: object) => void;
  /** Wakes the provider at `due` (clock milliseconds), or never for Infinity; the same `due` again changes nothing. */
  readonly wakeAt: (due: number) => void;
  /** A caller starts waiting: the process stays alive until as many `release()`s. */
  readonly hold: () => void;
  /** A caller stopped waiting. */
  readonly release: () => void;
}

/** 2^30 ms: a keep-alive interval that never fires in practice and never overflows a timer. */
const KEEP_ALIVE_MS = 2 ** 30;

/** The pending timer of a provider, where the finalizer can cancel it. */
interface TimerBox {
  controller: AbortController | undefined;
}

/** What each provider's timer calls, found through the provider itself (held weakly by the timer). */
const wakers = /* @__PURE__ */ new WeakMap<object, (controller: AbortController) => void>();
const pendingTimers = /* @__PURE__ */ new FinalizationRegistry<TimerBox>((box) => {
  box.controller?.abort();
});

/** Made at module level, so that the callback's closure holds the WeakRef and nothing of the provider. */
const wakeWeakly = (owner: WeakRef<object>, controller: AbortController) => (): void => {
  const provider = owner.deref();
  if (provider !== undefined) wakers.get(provider)?.(controller);
};

const ignore = (): void => undefined;

/**
 * The timers of a provider that reads the time from `clock` and must run `onDue` when its background
 * refresh is due.
 *
 * @internal
 */
export const refreshScheduler = (clock: Clock, onDue: () => void): RefreshScheduler => {
  const box: TimerBox = { controller: undefined };
  let dueAt = Number.POSITIVE_INFINITY;
  let owner: WeakRef<object> | undefined;
  let waiters = 0;
  let keepAlive: ReturnType<typeof setInterval> | undefined;

  const wake = (controller: AbortController): void => {
    if (box.controller !== controller) return;
    box.controller = undefined;
    dueAt = Number.POSITIVE_INFINITY;
    onDue();
  };

  return {
    attach: (provider) => {
      owner = new WeakRef(provider);
      wakers.set(provider, wake);
      pendingTimers.register(provider, box);
    },
    wakeAt: (due) => {
      if (due === dueAt) return;
      box.controller?.abort();
      box.controller = undefined;
      dueAt = due;
      if (!Number.isFinite(due) || owner === undefined) return;
      const controller = new AbortController();
      box.controller = controller;
      clock
        .sleep(Math.max(0, due - clock.now()), controller.signal, { background: true })
        .then(wakeWeakly(owner, controller))
        .catch(ignore);
    },
    hold: () => {
      if (waiters++ === 0) keepAlive = setInterval(ignore, KEEP_ALIVE_MS);
    },
    release: () => {
      if (--waiters === 0 && keepAlive !== undefined) {
        clearInterval(keepAlive);
        keepAlive = undefined;
      }
    },
  };
};
