/**
 * 3. Concurrency: 10,000 concurrent callers on a cold cache and on an expired one. Upstream calls
 * (target: 1; the most seen in any round) and the callers' p99 latency (median of rounds), ours
 * against the SDK's `memoize` (which coalesces calls too) for reference. The upstream answers after one
 * turn of the event loop.
 */
import { memoize } from "@smithy/property-provider";
import type { AwsCredentialIdentity } from "@smithy/types";
import { refreshingRole } from "../src";
import { manualClock } from "../src/testing";
import { percentile, stats, stubSts, type Stats } from "./support";

const CALLERS = 10_000;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const burst = async (provider: () => Promise<unknown>): Promise<number> => {
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: CALLERS }, () => {
      const start = performance.now();
      return provider().then(() => latencies.push(performance.now() - start));
    }),
  );
  return percentile(latencies, 99);
};

const ROUNDS = 5;

const oursOnce = async (): Promise<{ cold: [number, number]; expired: [number, number] }> => {
  // Ours: the refreshingRole pipeline, time on a manual clock so that "expired" is one step away.
  const clock = manualClock(Date.now());
  const sts = stubSts(() => clock.now(), 3_600_000, turn);
  const ours = refreshingRole({
    roleArn: "arn:aws:iam::123456789012:role/bench",
    stsClient: sts.client,
    clock,
  });
  const cold = await burst(ours);
  const coldCalls = sts.sends;
  ours.dispose(); // no background refresh: the cache is to expire, not to be refreshed ahead
  await clock.advance(3_600_000);
  const expired = await burst(ours);
  return { cold: [coldCalls, cold], expired: [sts.sends - coldCalls, expired] };
};

const memoizeOnce = async (): Promise<{ cold: [number, number]; expired: [number, number] }> => {
  // The SDK's memoize, with its 5-minute window on Date.now().
  let upstream = 0;
  let lifetime = 3_600_000;
  const make = () =>
    memoize(
      async (): Promise<AwsCredentialIdentity> => {
        upstream++;
        await turn();
        return { accessKeyId: "A", secretAccessKey: "s", expiration: new Date(Date.now() + lifetime) };
      },
      (credentials) =>
        credentials.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000,
      (credentials) => credentials.expiration !== undefined,
    );
  const cold = await burst(make());
  const coldCalls = upstream;
  const expiring = make();
  lifetime = 1; // the first credentials it gets are already inside its 5-minute window
  await expiring();
  lifetime = 3_600_000;
  const before = upstream;
  const expired = await burst(expiring);
  return { cold: [coldCalls, cold], expired: [upstream - before, expired] };
};

type Side = { upstreamCalls: number; p99Ms: Stats };

export const concurrency = async (): Promise<{
  cold: Record<"ours" | "memoize", Side>;
  expired: Record<"ours" | "memoize", Side>;
}> => {
  const runs: Record<"ours" | "memoize", Array<Awaited<ReturnType<typeof oursOnce>>>> = {
    ours: [],
    memoize: [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, in alternating order.
    if (round % 2 === 0) {
      runs.ours.push(await oursOnce());
      runs.memoize.push(await memoizeOnce());
    } else {
      runs.memoize.push(await memoizeOnce());
      runs.ours.push(await oursOnce());
    }
  }
  const side = (name: "ours" | "memoize", phase: "cold" | "expired"): Side => ({
    upstreamCalls: Math.max(...runs[name].map((run) => run[phase][0])),
    p99Ms: stats(runs[name].map((run) => run[phase][1])),
  });
  return {
    cold: { ours: side("ours", "cold"), memoize: side("memoize", "cold") },
    expired: { ours: side("ours", "expired"), memoize: side("memoize", "expired") },
  };
};
