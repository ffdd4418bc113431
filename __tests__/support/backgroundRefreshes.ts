import type { RefreshEvent } from "../../src";

/**
 * An onEvent listener and a way to wait for the next background refresh to succeed: a refresh that
 * reads a file or calls an endpoint does real I/O, which a manual clock cannot see.
 */
export const backgroundRefreshes = () => {
  let waiting: Array<() => void> = [];
  return {
    onEvent: (event: RefreshEvent) => {
      if (event.type === "refresh-success" && event.reason === "advisory") {
        const resolve = waiting;
        waiting = [];
        for (const done of resolve) done();
      }
    },
    next: () => new Promise<void>((resolve) => waiting.push(resolve)),
  };
};
