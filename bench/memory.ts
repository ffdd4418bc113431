/**
 * 6. Memory: heap per warm provider (the refreshingRole pipeline, each with its credentials and its
 * background timer), and heap growth over 100,000 refresh cycles. Needs --expose-gc.
 */
import { pipe } from "fp-ts/function";
import { refreshAhead, refreshingRole, retryWith, type Credentials } from "../src";
import { manualClock } from "../src/testing";
import { stubSts } from "./support";

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error("run the benchmarks with node --expose-gc");
  collect();
  collect();
};

export interface MemoryResult {
  readonly bytesPerProvider: number;
  readonly providers: number;
  readonly refreshCycles: number;
  readonly heapGrowthBytes: number;
}

/**
 * Heap growth over `cycles` refresh cycles (background refreshes replacing the credentials) of a
 * refreshAhead pipeline under a manual clock, after 10,000 cycles of warm-up, between two full
 * collections. Shared with the leak test (__tests__/leaks.test.ts), so both measure the same thing.
 */
export const heapGrowthOverRefreshCycles = async (
  cycles: number,
): Promise<{ refreshCycles: number; heapBefore: number; heapAfter: number }> => {
  const clock = manualClock(0);
  let refreshes = 0;
  const provider = pipe(
    (): Promise<Credentials> => {
      refreshes++;
      return Promise.resolve({
        accessKeyId: "A",
        secretAccessKey: "s",
        expiration: new Date(clock.now() + 1_000),
      });
    },
    retryWith(undefined, { clock }),
    refreshAhead({ clock, advisoryWindowMs: 500, mandatoryWindowMs: 100, random: () => 0 }),
  );
  const cycle = async (): Promise<void> => {
    await provider();
    await clock.advance(600);
  };
  for (let i = 0; i < 10_000; i++) await cycle();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const counted = refreshes;
  while (refreshes - counted < cycles) await cycle();
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  provider.dispose();
  return { refreshCycles: refreshes - counted, heapBefore, heapAfter };
};

export const memory = async (): Promise<MemoryResult> => {
  const growth = await heapGrowthOverRefreshCycles(100_000);
  const PROVIDERS = 10_000;
  const sts = stubSts(() => Date.now());
  gc();
  const before = process.memoryUsage().heapUsed;
  const providers = Array.from({ length: PROVIDERS }, () =>
    refreshingRole({
      roleArn: "arn:aws:iam::123456789012:role/bench",
      roleSessionName: "bench",
      stsClient: sts.client,
    }),
  );
  await Promise.all(providers.map((provider) => provider()));
  gc();
  const after = process.memoryUsage().heapUsed;
  providers.forEach((provider) => {
    provider.dispose();
  });
  providers.length = 0;

  return {
    providers: PROVIDERS,
    bytesPerProvider: Math.round((after - before) / PROVIDERS),
    refreshCycles: growth.refreshCycles,
    heapGrowthBytes: growth.heapAfter - growth.heapBefore,
  };
};
