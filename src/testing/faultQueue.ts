/**
 * The faults a test has scripted for the local STS, and which request each one hits.
 *
 * @packageDocumentation
 */
import type { FaultSchedule, StsAction, StsFault } from "./localSts";

/**
 * The queue behind `LocalSts.inject`: faults in the order they were queued, each for a number of
 * matching requests.
 *
 * @internal
 */
export interface FaultQueue {
  inject(fault: StsFault, schedule?: FaultSchedule): void;
  clear(): void;
  /**
   * The first queued fault that applies to a request for `action`, used up by one; `undefined` when none
   * does. A fault without an action applies to every action that issues credentials.
   */
  take(action: string): StsFault | undefined;
}

/**
 * An empty {@link FaultQueue}.
 *
 * @internal
 */
export const faultQueue = (): FaultQueue => {
  const faults: Array<{ fault: StsFault; remaining: number; action: StsAction | undefined }> = [];
  return {
    inject(fault, schedule = {}) {
      faults.push({ fault, remaining: schedule.times ?? 1, action: schedule.action });
    },
    clear() {
      faults.length = 0;
    },
    take(action) {
      const index = faults.findIndex((entry) =>
        entry.action === undefined ? action !== "GetCallerIdentity" : entry.action === action,
      );
      const entry = faults[index];
      if (entry === undefined) return undefined;
      entry.remaining -= 1;
      if (entry.remaining <= 0) faults.splice(index, 1);
      return entry.fault;
    },
  };
};
