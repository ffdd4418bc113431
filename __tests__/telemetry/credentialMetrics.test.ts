import { AsyncLocalStorage } from "node:async_hooks";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import * as api from "@opentelemetry/api";
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { limitRetries } from "retry-ts";
import {
  getCredentialRejectionPlugin,
  InvalidOptionsError,
  refreshing,
  refreshingRole,
  session,
  type RefreshingProvider,
} from "../../src";
import { localSts, manualClock, type ManualClock } from "../../src/testing";
import { errorTypeOf } from "../../src/telemetry/credentialMetrics";
import { credentialsAt, scriptedProvider, sdkError, settle } from "../support/scripted";

/** A reader the test collects from when it wants: no export interval, no timer. */
class TestReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Enough of a context manager for `context.with` to make a span active across awaits. */
class AsyncContextManager implements api.ContextManager {
  private readonly storage = new AsyncLocalStorage<api.Context>();
  active(): api.Context {
    return this.storage.getStore() ?? api.ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: api.Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(context, () => fn.call(thisArg, ...args));
  }
  bind<T>(_context: api.Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

interface Recorded {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
  metrics(): Promise<Map<string, MetricData>>;
  spans(): ReadableSpan[];
}

const recorder = (temporality = AggregationTemporality.CUMULATIVE): Recorded => {
  const reader = new TestReader({ aggregationTemporalitySelector: () => temporality });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return {
    meterProvider,
    tracerProvider,
    metrics: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      expect(errors).toEqual([]);
      return new Map(
        resourceMetrics.scopeMetrics.flatMap((scope) =>
          scope.metrics.map((metric) => [metric.descriptor.name, metric] as const),
        ),
      );
    },
    spans: () => exporter.getFinishedSpans(),
  };
};

const points = (metric: MetricData | undefined): Array<DataPoint<unknown>> => metric?.dataPoints ?? [];
const histogramCount = (point: DataPoint<unknown>): number => (point.value as Histogram).count;

/** Everything that was recorded, as text: what must never hold a secret. */
const everything = async (recorded: Recorded): Promise<string> =>
  JSON.stringify([
    [...(await recorded.metrics()).values()].map((metric) => metric.dataPoints.map((p) => p.attributes)),
    recorded.spans().map((span) => [span.name, span.attributes, span.events, span.status]),
  ]);

describe("credential metrics and traces", () => {
  let clock: ManualClock;
  let recorded: Recorded;
  const providers: RefreshingProvider[] = [];

  beforeEach(() => {
    clock = manualClock();
    recorded = recorder();
  });
  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.dispose();
    await recorded.meterProvider.shutdown();
    await recorded.tracerProvider.shutdown();
  });

  const refreshingFrom = (
    script: Parameters<typeof scriptedProvider>[0],
    options: Parameters<typeof refreshing>[1] = {},
  ): RefreshingProvider => {
    const provider = refreshing(scriptedProvider(script).provider, {
      clock,
      advisoryWindowMs: 10 * MINUTE,
      mandatoryWindowMs: MINUTE,
      jitter: 0,
      retryPolicy: limitRetries(0),
      meterProvider: recorded.meterProvider,
      tracerProvider: recorded.tracerProvider,
      ...options,
    });
    providers.push(provider);
    return provider;
  };

  it("records an initial and an advisory refresh: duration, expiry, spans; nothing on cache hits", async () => {
    const credentials = refreshingFrom([credentialsAt(clock, HOUR, 1), () => credentialsAt(clock, HOUR, 2)]);
    await credentials();
    for (let i = 0; i < 100; i++) await credentials(); // cache hits

    let metrics = await recorded.metrics();
    const initial = points(metrics.get("aws.credentials.refresh.duration"));
    expect(initial.map((p) => [p.attributes, histogramCount(p)])).toEqual([
      [
        {
          "aws.credentials.source": "custom",
          "aws.credentials.refresh.reason": "initial",
          "aws.credentials.refresh.outcome": "success",
        },
        1,
      ],
    ]);
    expect(metrics.get("aws.credentials.refresh.duration")?.descriptor.unit).toBe("s");
    const remaining = metrics.get("aws.credentials.expiry.remaining");
    expect(remaining?.descriptor.unit).toBe("s");
    expect(points(remaining).map((p) => [p.attributes, p.value])).toEqual([
      [{ "aws.credentials.source": "custom" }, 3600],
    ]);
    expect(recorded.spans()).toHaveLength(1);

    // Into the advisory window: the background refresh runs.
    await clock.advance(51 * MINUTE);
    await settle();
    expect((await credentials()).accessKeyId).toBe("ASIATEST00000002");
    metrics = await recorded.metrics();
    expect(
      points(metrics.get("aws.credentials.refresh.duration")).map((p) => [
        p.attributes["aws.credentials.refresh.reason"],
        p.attributes["aws.credentials.refresh.outcome"],
        histogramCount(p),
      ]),
    ).toEqual([
      ["initial", "success", 1],
      ["advisory", "success", 1],
    ]);
    // Fetched at the refresh moment (50 minutes in), now 51 minutes in: 59 minutes left.
    expect(points(metrics.get("aws.credentials.expiry.remaining")).map((p) => p.value)).toEqual([3540]);
    const spans = recorded.spans();
    expect(spans.map((span) => [span.name, span.attributes["aws.credentials.refresh.reason"]])).toEqual([
      ["aws.credentials.refresh", "initial"],
      ["aws.credentials.refresh", "advisory"],
    ]);
    expect(spans.every((span) => span.parentSpanContext === undefined)).toBe(true);
    expect(metrics.has("aws.credentials.backoff")).toBe(false);
  });

  it("records a failed refresh as stale with its error type, and the calls the backoff holds back", async () => {
    const credentials = refreshingFrom(
      [credentialsAt(clock, HOUR, 1), sdkError("ThrottlingException", 400)],
      { backoff: () => 30 * MINUTE },
    );
    await credentials();
    await clock.advance(51 * MINUTE); // the advisory refresh fails; the backoff holds for 30 minutes
    await settle();
    await clock.advance(8 * MINUTE + 30_000); // inside the mandatory window, the backoff still holding
    await credentials();
    await credentials();

    const metrics = await recorded.metrics();
    const failed = points(metrics.get("aws.credentials.refresh.duration")).find(
      (p) => p.attributes["aws.credentials.refresh.outcome"] !== "success",
    );
    expect(failed?.attributes).toEqual({
      "aws.credentials.source": "custom",
      "aws.credentials.refresh.reason": "advisory",
      "aws.credentials.refresh.outcome": "stale",
      "error.type": "ThrottlingException",
    });
    expect(points(metrics.get("aws.credentials.backoff")).map((p) => [p.attributes, p.value])).toEqual([
      [{ "aws.credentials.source": "custom", "aws.credentials.backoff.cause": "backoff" }, 2],
    ]);
    const span = recorded.spans().at(-1);
    expect(span?.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(span?.attributes["error.type"]).toBe("ThrottlingException");
    // 30 seconds left of the held credentials.
    expect(points(metrics.get("aws.credentials.expiry.remaining")).map((p) => p.value)).toEqual([30]);
  });

  it("records a refresh nobody can be served from as a failure", async () => {
    const credentials = refreshingFrom([sdkError("AccessDenied", 403)]);
    await expect(credentials()).rejects.toThrow();
    const metrics = await recorded.metrics();
    expect(points(metrics.get("aws.credentials.refresh.duration")).map((p) => p.attributes)).toEqual([
      {
        "aws.credentials.source": "custom",
        "aws.credentials.refresh.reason": "initial",
        "aws.credentials.refresh.outcome": "failure",
        "error.type": "AccessDenied",
      },
    ]);
    // A cached non-recoverable error holds the next caller back without calling the source.
    await expect(credentials()).rejects.toThrow();
    const skipped = points((await recorded.metrics()).get("aws.credentials.backoff"));
    expect(skipped.map((p) => p.attributes["aws.credentials.backoff.cause"])).toEqual(["error-cache"]);
  });

  it("parents the span of a refresh a caller waits for to the caller's span", async () => {
    const manager = new AsyncContextManager();
    api.context.setGlobalContextManager(manager);
    try {
      const credentials = refreshingFrom([credentialsAt(clock, HOUR, 1)]);
      const caller = recorded.tracerProvider.getTracer("test").startSpan("handler");
      await api.context.with(api.trace.setSpan(api.context.active(), caller), () => credentials());
      caller.end();
      const refresh = recorded.spans().find((span) => span.name === "aws.credentials.refresh");
      expect(refresh?.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
      expect(refresh?.spanContext().traceId).toBe(caller.spanContext().traceId);
    } finally {
      api.context.disable();
    }
  });

  it("stops reporting the expiry of a disposed provider", async () => {
    // Delta: a cumulative reader repeats a gauge's last point; a delta one shows what was observed.
    await recorded.meterProvider.shutdown();
    recorded = recorder(AggregationTemporality.DELTA);
    const credentials = refreshingFrom([credentialsAt(clock, HOUR, 1)]);
    await credentials();
    expect(points((await recorded.metrics()).get("aws.credentials.expiry.remaining"))).toHaveLength(1);
    credentials.dispose();
    expect(points((await recorded.metrics()).get("aws.credentials.expiry.remaining"))).toHaveLength(0);
  });

  it("uses the global meter and tracer providers when none is given", async () => {
    api.metrics.setGlobalMeterProvider(recorded.meterProvider);
    api.trace.setGlobalTracerProvider(recorded.tracerProvider);
    try {
      const credentials = refreshing(scriptedProvider([credentialsAt(clock, HOUR, 1)]).provider, { clock });
      providers.push(credentials);
      await credentials();
      const metrics = await recorded.metrics();
      expect(points(metrics.get("aws.credentials.refresh.duration"))).toHaveLength(1);
      expect(recorded.spans().map((span) => span.name)).toEqual(["aws.credentials.refresh"]);
    } finally {
      api.metrics.disable();
      api.trace.disable();
    }
  });

  it("takes meterProvider and tracerProvider as options of session()", async () => {
    const aws = session({
      region: "us-east-1",
      source: scriptedProvider([credentialsAt(clock, HOUR, 1)]).provider,
      clock,
      meterProvider: recorded.meterProvider,
      tracerProvider: recorded.tracerProvider,
    });
    providers.push(aws.credentials);
    await aws.credentials();
    expect(points((await recorded.metrics()).get("aws.credentials.refresh.duration"))).toHaveLength(1);
    expect(recorded.spans()).toHaveLength(1);
  });

  it("counts a rejection through the plugin, with its code and the resend's outcome", async () => {
    const sts = await localSts({ clock });
    try {
      const credentials = refreshingRole({
        roleArn: "arn:aws:iam::123456789012:role/Worker",
        region: "us-east-1",
        clock,
        clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
        meterProvider: recorded.meterProvider,
        tracerProvider: recorded.tracerProvider,
      });
      providers.push(credentials);
      const client = new STSClient({ region: "us-east-1", endpoint: sts.endpoint, credentials });
      client.middlewareStack.use(getCredentialRejectionPlugin(credentials));
      await client.send(new GetCallerIdentityCommand({}));
      sts.revoke(sts.issued.at(-1)!.accessKeyId);
      await client.send(new GetCallerIdentityCommand({}));
      client.destroy();

      const metrics = await recorded.metrics();
      expect(points(metrics.get("aws.credentials.rejected")).map((p) => [p.attributes, p.value])).toEqual([
        [
          {
            "aws.credentials.source": "assume-role",
            "error.type": "InvalidClientTokenId",
            "aws.credentials.rejection.resend": "succeeded",
          },
          1,
        ],
      ]);
      expect(
        points(metrics.get("aws.credentials.refresh.duration")).map(
          (p) => p.attributes["aws.credentials.refresh.reason"],
        ),
      ).toEqual(["initial", "invalidated"]);
      const text = await everything(recorded);
      for (const issued of sts.issued) {
        expect(text).not.toContain(issued.accessKeyId);
        expect(text).not.toContain(issued.secretAccessKey);
        expect(text).not.toContain(issued.sessionToken);
      }
      expect(text).not.toMatch(/aws-refresh-session-\d+/); // the generated session name
    } finally {
      await sts.close();
    }
  });

  it("never records a secret, a full access key id, or an error message", async () => {
    const leaky = Object.assign(new Error("secret-2-do-not-leak in the message"), { name: "Boom" });
    const credentials = refreshingFrom([credentialsAt(clock, HOUR, 1), leaky], {
      backoff: () => 30 * MINUTE,
    });
    await credentials();
    await clock.advance(51 * MINUTE);
    await settle();
    const text = await everything(recorded);
    expect(text).toContain("Boom");
    expect(text).not.toMatch(/ASIATEST|secret-|token-|do-not-leak|in the message/);
  });

  it("checks the options: a meterProvider must have getMeter, a tracerProvider getTracer", () => {
    const source = scriptedProvider([credentialsAt(clock, HOUR, 1)]).provider;
    expect(() => refreshing(source, { meterProvider: {} as never })).toThrow(InvalidOptionsError);
    expect(() => refreshing(source, { tracerProvider: 5 as never })).toThrow(/tracerProvider/);
  });

  it("reads error.type from codes and names, never messages", () => {
    expect(errorTypeOf(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBe("ECONNREFUSED");
    expect(errorTypeOf(new Error("no code here"))).toBe("Error");
    expect(errorTypeOf({ name: "has spaces and secret" })).toBe("_OTHER");
    expect(errorTypeOf("a string")).toBe("_OTHER");
  });
});
