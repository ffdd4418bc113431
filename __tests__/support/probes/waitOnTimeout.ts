// A caller waits on a source that never answers: the attempt timeout (a timer the caller waits on)
// must keep the process alive until the caller has its answer.
import { refreshing } from "../../../src";
import { limitRetries } from "../../../src/pipeline/retryPolicy";

const credentials = refreshing(() => new Promise(() => undefined), {
  attemptTimeoutMs: 200,
  retryPolicy: limitRetries(0),
});
credentials().then(
  () => {
    console.log("resolved");
  },
  (error: unknown) => {
    console.log(`rejected: ${(error as Error).message}`);
  },
);
