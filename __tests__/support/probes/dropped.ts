/**
 * Makes providers, uses each once and drops them without dispose(), on a manual clock; then collects
 * garbage and lets three hours pass. Prints one JSON line: how many of argv[2] providers were
 * collected, how many source calls the dropped ones made afterwards (a kept one's for comparison),
 * the sleeps still pending, and the heap grown by argv[3] more dropped providers.
 */
import { refreshAhead, systemClock, type Clock, type CredentialProvider } from "../../../src";
import { manualClock } from "../../../src/testing";

const HOUR = 3_600_000;
const clock = manualClock(Date.UTC(2026, 0, 1));

const counting = (time: Clock = clock) => {
  const counter = { calls: 0 };
  const provider: CredentialProvider = () => {
    counter.calls++;
    return Promise.resolve({
      accessKeyId: `ASIADROPPED${counter.calls}`,
      secretAccessKey: "not-a-secret",
      expiration: new Date(time.now() + HOUR),
    });
  };
  return { counter, provider };
};

const collect = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
};

/** Makes `n` providers over `source`, uses each once and keeps only a WeakRef to each. */
const useAndDrop = async (
  n: number,
  source: CredentialProvider,
  options: { clock?: Clock } = { clock },
): Promise<Array<WeakRef<object>>> => {
  const refs: Array<WeakRef<object>> = [];
  for (let i = 0; i < n; i++) {
    const provider = refreshAhead(options)(source);
    await provider();
    refs.push(new WeakRef(provider));
  }
  return refs;
};

async function main(): Promise<void> {
  if (globalThis.gc === undefined) throw new Error("run with --expose-gc");
  const [dropped = "100", many = "20000"] = process.argv.slice(2);
  const kept = counting();
  const keptProvider = refreshAhead({ clock })(kept.provider);
  await keptProvider();

  const source = counting();
  const refs = await useAndDrop(Number(dropped), source.provider);
  await collect();
  const collected = refs.filter((ref) => ref.deref() === undefined).length;
  const callsBefore = source.counter.calls;
  await clock.advance(3 * HOUR);
  const droppedCalls = source.counter.calls - callsBefore;
  const pendingSleeps = clock.pendingSleeps;

  await collect();
  const heapBefore = process.memoryUsage().heapUsed;
  // On the system clock, as in production: real timers, cancelled when their provider is collected.
  await useAndDrop(Number(many), counting(systemClock).provider, {});
  await collect();
  const heapAfter = process.memoryUsage().heapUsed;

  await keptProvider();
  process.stdout.write(
    `${JSON.stringify({
      dropped: Number(dropped),
      collected,
      droppedCalls,
      keptCalls: kept.counter.calls,
      pendingSleeps,
      heapGrowth: heapAfter - heapBefore,
    })}\n`,
  );
  keptProvider.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
