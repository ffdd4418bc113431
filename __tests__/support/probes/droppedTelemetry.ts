/**
 * Providers recording to a meter provider, used once and dropped without dispose(), then one kept:
 * after garbage collection, the dropped ones must have been collected (the gauge's callback holds them
 * weakly) and the gauge, which reports the soonest expiry of its attribute set, must show the kept
 * one's (an hour) instead of the dropped ones' (ten minutes). Prints one JSON line.
 */
import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { fromFunction, refreshing, type RefreshingProvider } from "../../../src";

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const reader = new Reader();
const meterProvider = new MeterProvider({ readers: [reader] });
let collected = 0;
const registry = new FinalizationRegistry(() => {
  collected++;
});
const make = (n: number, lifetimeMs: number): RefreshingProvider =>
  refreshing(
    fromFunction(() => ({
      accessKeyId: `ASIADROP${n}`,
      secretAccessKey: "not-a-secret",
      expiration: new Date(Date.now() + lifetimeMs),
    })),
    { meterProvider },
  );

/** In a function of its own, so that no frame of the caller keeps the provider. */
const useAndDrop = async (n: number): Promise<void> => {
  const provider = make(n, 600_000);
  await provider();
  registry.register(provider, n);
};

/** The gauge's values in whole minutes (the system clock moves meanwhile): one per attribute set. */
const gauge = async (): Promise<number[]> => {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((m) => m.descriptor.name === "aws.credentials.expiry.remaining");
  return (metric?.dataPoints ?? []).map((point) => Math.round((point.value as number) / 60));
};

const main = async (): Promise<void> => {
  const dropped = 50;
  for (let n = 0; n < dropped; n++) await useAndDrop(n);
  const kept = make(dropped, 3_600_000);
  await kept();
  const before = await gauge();
  for (let i = 0; i < 20; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const after = await gauge();
  kept.dispose();
  await meterProvider.shutdown();
  console.log(JSON.stringify({ dropped, collected, before, after }));
};

void main();
