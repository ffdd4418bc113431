/**
 * One worker process of the file cache benchmark (bench/fileCache.ts). Told by its parent, over IPC,
 * when a refresh cycle starts, it refreshes its role's credentials once, with or without the shared
 * file cache, and answers with the access key it got.
 *
 * The cycles are hours apart in simulated time: the cache's clock (like the STS's) is the real one
 * moved `cycle` hours ahead, so each cycle finds the entry of the previous one expired, as the next
 * refresh would.
 */
import { pipe } from "fp-ts/function";
import { assumeRole, assumeRoleCacheKey, fileCache, systemClock, withCache, type Clock } from "../src";

interface Start {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly directory: string;
}
interface Cycle {
  readonly cycle: number;
  readonly cached: boolean;
}

const HOUR = 3_600_000;
const roleArn = "arn:aws:iam::123456789012:role/bench-workers";

const setUp = (start: Start) => {
  const options = {
    roleArn,
    region: "us-east-1",
    clientConfig: {
      endpoint: start.endpoint,
      credentials: { accessKeyId: start.accessKeyId, secretAccessKey: start.secretAccessKey },
      maxAttempts: 1,
    },
  };
  const source = assumeRole(options);
  const cache = fileCache({ directory: start.directory });
  const key = assumeRoleCacheKey(options);
  return async ({ cycle, cached }: Cycle): Promise<string> => {
    if (!cached) return (await source()).accessKeyId;
    const clock: Clock = {
      now: () => systemClock.now() + cycle * HOUR,
      sleep: (ms, signal, options) => systemClock.sleep(ms, signal, options),
    };
    return (await pipe(source, withCache(cache, key, { clock }))()).accessKeyId;
  };
};

let refresh: ((cycle: Cycle) => Promise<string>) | undefined;
process.on("message", (message: { start?: Start; cycle?: Cycle }) => {
  if (message.start !== undefined) {
    refresh = setUp(message.start);
    process.send?.({ ready: true });
  } else if (message.cycle !== undefined && refresh !== undefined) {
    refresh(message.cycle).then(
      (accessKeyId) => process.send?.({ accessKeyId }),
      (error: unknown) => process.send?.({ error: String(error) }),
    );
  }
});
