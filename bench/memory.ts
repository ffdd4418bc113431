/**
 * 6. Memory: heap per warm provider (the refreshingRole pipeline, each with its credentials and its
 * background timer), and heap growth over 100,000 refresh cycles. Needs --expose-gc.
 */
import { pipe } from "fp-ts/function";
import { refreshAhead, refreshingRole, retryWith, withExpiryBuffer, type Credentials } from "../src";
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

export const memory = async (): Promise<MemoryResult> => {
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
    withExpiryBuffer(100),
    refreshAhead({ clock, windowMs: 400, random: () => 0 }),
  );
  const cycle = async (): Promise<void> => {
    await provider();
    await clock.advance(600);
  };
  for (let i = 0; i < 10_000; i++) await cycle();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const counted = refreshes;
  while (refreshes - counted < 100_000) await cycle();
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  provider.dispose();
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
    refreshCycles: refreshes - counted,
    heapGrowthBytes: heapAfter - heapBefore,
  };
};
