/**
 * 13. Hot path with OpenTelemetry on: nanoseconds per awaited cache hit of a warm `refreshingRole`
 * recording to an SDK `MeterProvider` and `TracerProvider` (given as options), against the same
 * pipeline with none (no global provider registered). Nothing is recorded on a cache hit, so the
 * two should differ by noise only. Rounds interleave the two in rotating order; each sample is the
 * median time of a batch of 1,000 awaited calls.
 */
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { refreshingRole } from "../src";
import { nsPerAwaitedCall, stats, stubSts, type Stats } from "./support";

const BATCH = 1_000;

/** Collected by nobody: the bench measures recording, not exporting. */
class IdleReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface HotPathMetricsResult {
  readonly nsPerCall: Record<"metricsOn" | "metricsOff", Stats>;
  /** Refresh durations recorded during the measured cache hits (0: nothing on the hot path). */
  readonly recordedDuringHits: number;
  readonly rounds: number;
}

export const hotPathMetrics = async (rounds = 9): Promise<HotPathMetricsResult> => {
  const reader = new IdleReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const sts = stubSts(() => Date.now());
  const role = { roleArn: "arn:aws:iam::123456789012:role/bench", stsClient: sts.client };
  const on = refreshingRole({ ...role, meterProvider, tracerProvider });
  const off = refreshingRole(role);
  await Promise.all([on(), off()]);
  const spansBefore = spans.getFinishedSpans().length;

  const contenders: Array<["metricsOn" | "metricsOff", () => Promise<unknown>]> = [
    ["metricsOn", on],
    ["metricsOff", off],
  ];
  const samples = await nsPerAwaitedCall(contenders, rounds, BATCH);
  const recordedDuringHits = spans.getFinishedSpans().length - spansBefore;
  on.dispose();
  off.dispose();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  if (sts.sends !== 2) throw new Error(`the warm pipelines called STS ${sts.sends} times`);
  return {
    rounds,
    recordedDuringHits,
    nsPerCall: { metricsOn: stats(samples.metricsOn), metricsOff: stats(samples.metricsOff) },
  };
};
