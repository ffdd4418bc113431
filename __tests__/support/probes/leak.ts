/**
 * Runs 100,000 refresh cycles (background refreshes replacing the credentials) of a refreshAhead pipeline under a manual clock and prints the heap
 * before and after, as JSON. Run with --expose-gc so the figures are after a full collection.
 */
import { pipe } from "fp-ts/function";
import { refreshAhead, retryWith, withExpiryBuffer, type Credentials } from "../../../src";
import { manualClock } from "../../../src/testing";

const CYCLES = Number(process.argv[2] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  if (gc === undefined) throw new Error("run with --expose-gc");
  const clock = manualClock(0);
  let calls = 0;
  const provider = pipe(
    (): Promise<Credentials> => {
      calls++;
      return Promise.resolve({
        accessKeyId: `ASIA${calls}`,
        secretAccessKey: "secret",
        sessionToken: "token",
        expiration: new Date(clock.now() + 1_000),
      });
    },
    retryWith(undefined, { clock }),
    withExpiryBuffer(100),
    refreshAhead({ clock, windowMs: 400, random: () => 0 }),
  );
  const cycle = async (): Promise<void> => {
    await provider();
    // 600 ms: into the advisory window (500 ms), where the background refresh replaces the credentials.
    await clock.advance(600);
  };
  for (let i = 0; i < 10_000; i++) await cycle(); // warm up
  gc();
  const before = process.memoryUsage().heapUsed;
  const callsBefore = calls;
  while (calls - callsBefore < CYCLES) await cycle();
  gc();
  const after = process.memoryUsage().heapUsed;
  provider.dispose();
  console.log(
    JSON.stringify({ cycles: CYCLES, refreshes: calls - callsBefore, heapBefore: before, heapAfter: after }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
