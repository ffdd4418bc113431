/**
 * OpenTelemetry metrics and traces of a refreshing provider, as a listener on its refresh events.
 *
 * `@opentelemetry/api` is an optional peer dependency that this library never loads: the providers a
 * program registered are read from the API's global (see `otelGlobal`), so a program without it loads
 * and bundles nothing of it, and an ES module bundle records as the CommonJS build does. Nothing here
 * runs on a cache hit: the refreshing provider calls it only from its slow path.
 *
 * @packageDocumentation
 */
import type * as OtelApi from "@opentelemetry/api";
import type { RefreshEvent, RefreshReason } from "../pipeline/refreshEvent";
import { objectWith } from "../errors/codecs";
import { sourceNameOf } from "../core/sourceName";
import { safeListener } from "../core/safeListener";

/**
 * What the `meterProvider` option takes: the OpenTelemetry API's `MeterProvider` (from
 * `@opentelemetry/api` or an SDK), described by the one method used, so that this package's types
 * never import the optional peer.
 *
 * @category Refresh policy
 * @since 0.2.0
 */
export interface MeterProviderLike {
  getMeter(name: string, version?: string, options?: object): unknown;
}

/**
 * What the `tracerProvider` option takes: the OpenTelemetry API's `TracerProvider`, described by the
 * one method used.
 *
 * @category Refresh policy
 * @since 0.2.0
 */
export interface TracerProviderLike {
  getTracer(name: string, version?: string, options?: object): unknown;
}

/** @internal */
export const MeterProviderCodec = /* @__PURE__ */ objectWith(
  "an OpenTelemetry MeterProvider (an object with getMeter())",
  ["getMeter"],
);
/** @internal */
export const TracerProviderCodec = /* @__PURE__ */ objectWith(
  "an OpenTelemetry TracerProvider (an object with getTracer())",
  ["getTracer"],
);

/** The instruments' names, as operators find them on their dashboards. */
export const METRIC = {
  duration: "aws.credentials.refresh.duration",
  remaining: "aws.credentials.expiry.remaining",
  rejected: "aws.credentials.rejected",
  backoff: "aws.credentials.backoff",
  span: "aws.credentials.refresh",
} as const;

/** The attributes' names. */
export const ATTRIBUTE = {
  reason: "aws.credentials.refresh.reason",
  outcome: "aws.credentials.refresh.outcome",
  source: "aws.credentials.source",
  errorType: "error.type",
  code: "aws.credentials.rejection.code",
  resend: "aws.credentials.rejection.resend",
  skippedBy: "aws.credentials.backoff.cause",
} as const;

/**
 * What a refresh came to: `success`; `stale` when it failed but the held credentials are still
 * served (valid until their expiration, or expired with `serveExpired`); `failure` when callers get
 * the error.
 *
 * @internal
 */
export type RefreshOutcome = "success" | "stale" | "failure";

/**
 * The kind of source a provider refreshes from, a low-cardinality value for `aws.credentials.source`.
 *
 * @internal
 */
export type SourceKind = "assume-role" | "web-identity" | "container" | "iot" | "profile" | "custom";

/**
 * What became of a request a service rejected for its credentials: sent again with fresh credentials
 * and accepted (`succeeded`) or rejected again (`failed`), or not sent again (`none`).
 *
 * @internal
 */
export type ResendOutcome = "succeeded" | "failed" | "none";

/**
 * The telemetry of one refreshing provider: what its edge tells it besides its events.
 *
 * @internal
 */
export interface ProviderTelemetry {
  /** A refresh event, as `onEvent` hears it. */
  readonly event: (event: RefreshEvent) => void;
  /** A call that would have refreshed, held back by the backoff or by the cached error. */
  readonly skipped: (cause: "backoff" | "error-cache") => void;
  /** A service rejected a request signed with this provider's credentials. */
  readonly rejected: (code: string, resend: ResendOutcome) => void;
  /** The provider was disposed: its gauge stops reporting (its refreshes on demand are still recorded). */
  readonly dispose: () => void;
}

/**
 * Where a refreshing provider keeps its telemetry, for `getCredentialRejectionPlugin`; a registered
 * symbol, so that two copies of the library in one process agree.
 *
 * @internal
 */
export const TELEMETRY = Symbol.for("aws-refresh-session.telemetry");

/**
 * The telemetry attached to a refreshing provider, if any.
 *
 * @internal
 */
export const telemetryOf = (provider: unknown): ProviderTelemetry | undefined => {
  if (typeof provider !== "function") return undefined;
  const found = (provider as unknown as Record<symbol, unknown>)[TELEMETRY];
  return typeof found === "object" && found !== null ? (found as ProviderTelemetry) : undefined;
};

// ---------------------------------------------------------------------------------------------------
// The providers a program registered

/**
 * Where `@opentelemetry/api` 1.x keeps what a program registers (`metrics.setGlobalMeterProvider`,
 * `trace.setGlobalTracerProvider`, `context.setGlobalContextManager`), shared by every copy of the API
 * in the process: `{ version, metrics?, trace?, context? }` (its internal/global-utils.ts).
 */
const OTEL_GLOBAL = Symbol.for("opentelemetry.js.api.1");

/** What this module reads of it. `trace` is the API's ProxyTracerProvider, delegating to the SDK's. */
interface OtelGlobal {
  readonly version?: unknown;
  readonly metrics?: OtelApi.MeterProvider;
  readonly trace?: OtelApi.TracerProvider;
  readonly context?: OtelApi.ContextManager;
}

/**
 * The registered providers, read at each use (one registered later is picked up), as an API 1.3 (the
 * peer range's floor) would accept them: a registration by API 1.3 or later of major version 1, and not
 * a pre-release (the API's own isCompatible). No module is loaded, so this works the same in the
 * CommonJS build and in an ES module bundle, which has no `require` to load the API with.
 */
const otelGlobal = (): OtelGlobal | undefined => {
  const registered = (globalThis as Record<symbol, OtelGlobal | undefined>)[OTEL_GLOBAL];
  const minor = /^1\.(\d+)\.\d+$/.exec(String(registered?.version))?.[1];
  return minor !== undefined && Number(minor) >= 3 ? registered : undefined;
};

/** The API's SpanStatusCode.ERROR (2), a value its specification fixes; the enum is not imported. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the optional peer's enum, not imported
const SPAN_STATUS_ERROR = 2 as OtelApi.SpanStatusCode.ERROR;

// ---------------------------------------------------------------------------------------------------
// Instruments, one set per meter provider

const SCOPE = "aws-refresh-session";

/** What the gauge reads of a provider: held weakly, so the gauge never keeps a provider alive. */
interface Watched {
  expiresAt: number | undefined;
  disposed: boolean;
  readonly now: () => number;
  readonly attributes: OtelApi.Attributes;
}

interface Instruments {
  readonly duration: OtelApi.Histogram;
  readonly rejected: OtelApi.Counter;
  readonly backoff: OtelApi.Counter;
  readonly watched: Set<WeakRef<Watched>>;
}

const instrumentsByProvider = /* @__PURE__ */ new WeakMap<object, Instruments>();

const instrumentsOf = (meterProvider: OtelApi.MeterProvider): Instruments => {
  const known = instrumentsByProvider.get(meterProvider);
  if (known !== undefined) return known;
  const meter = meterProvider.getMeter(SCOPE);
  const watched = new Set<WeakRef<Watched>>();
  const remaining = meter.createObservableGauge(METRIC.remaining, {
    description:
      "Seconds until the credentials a refreshing provider holds expire (the soonest, across providers with the same attributes).",
    unit: "s",
  });
  // Module-level state is reached through the WeakRefs alone: a dropped provider is collected, and
  // its entry goes at the next collection.
  // Providers with the same attributes (two roles' providers are both `assume-role`) make one point:
  // the soonest expiry among them, the one an operator must watch.
  remaining.addCallback((result) => {
    const soonest = new Map<string, { seconds: number; attributes: OtelApi.Attributes }>();
    for (const ref of watched) {
      const entry = ref.deref();
      if (entry === undefined || entry.disposed) {
        watched.delete(ref);
        continue;
      }
      if (entry.expiresAt === undefined) continue;
      const seconds = Math.max(0, (entry.expiresAt - entry.now()) / 1_000);
      const key = JSON.stringify(entry.attributes);
      const known = soonest.get(key);
      if (known === undefined || seconds < known.seconds)
        soonest.set(key, { seconds, attributes: entry.attributes });
    }
    for (const { seconds, attributes } of soonest.values()) result.observe(seconds, attributes);
  });
  const made: Instruments = {
    duration: meter.createHistogram(METRIC.duration, {
      description: "How long a credential refresh took, one record per refresh.",
      unit: "s",
    }),
    rejected: meter.createCounter(METRIC.rejected, {
      description: "Requests a service rejected for their credentials.",
      unit: "{request}",
    }),
    backoff: meter.createCounter(METRIC.backoff, {
      description: "Refreshes skipped by the backoff after a failure, or by a cached error.",
      unit: "{refresh}",
    }),
    watched,
  };
  instrumentsByProvider.set(meterProvider, made);
  return made;
};

// ---------------------------------------------------------------------------------------------------
// Attributes

/**
 * The kind of source behind a provider, from the name our sources give themselves; anything else
 * (`fromFunction`, a provider of the user's own) is `custom`.
 *
 * @internal
 */
export const sourceKindOf = (source: unknown): SourceKind => {
  const name = sourceNameOf(source) ?? "";
  if (name.startsWith("STS AssumeRoleWithWebIdentity")) return "web-identity";
  if (name.startsWith("STS AssumeRole")) return "assume-role";
  if (name.startsWith("the container credential endpoint")) return "container";
  if (name.startsWith("the IoT credentials provider")) return "iot";
  return "custom";
};

const SAFE_TYPE = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const GENERIC_NAMES = new Set([
  "Error",
  "CredentialRefreshError",
  "CredentialsProviderError",
  "ProviderError",
]);

/**
 * The error's code for `error.type`: the deepest `code` (or specific class name) in its cause chain,
 * never its message; anything that does not look like a code is `_OTHER`, as the conventions say.
 *
 * @internal
 */
export const errorTypeOf = (error: unknown): string => {
  let found: string | undefined;
  for (let level = 0, e = error; level < 4 && typeof e === "object" && e !== null; level++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === "string" && code.length > 0) found = code;
    else if (typeof name === "string" && !GENERIC_NAMES.has(name)) found = name;
    else if (found === undefined && typeof name === "string") found = name;
    e = (e as { cause?: unknown }).cause;
  }
  return found !== undefined && SAFE_TYPE.test(found) ? found : "_OTHER";
};

// ---------------------------------------------------------------------------------------------------
// The listener

/**
 * Options of {@link credentialTelemetry}.
 *
 * @internal
 */
export interface CredentialTelemetryOptions {
  readonly meterProvider?: MeterProviderLike | undefined;
  readonly tracerProvider?: TracerProviderLike | undefined;
  /** Overrides the kind read from the source's name (`profile`, for a profile's chain). */
  readonly source?: SourceKind | undefined;
}

/**
 * Makes, per refreshing provider, the listener that records its metrics and spans. Returns the
 * factory `refreshAhead` calls with each provider's source and clock.
 *
 * @internal
 */
export const credentialTelemetry =
  (options: CredentialTelemetryOptions = {}) =>
  (sourceProvider: unknown, now: () => number): ProviderTelemetry => {
    const source = options.source ?? sourceKindOf(sourceProvider);
    const base = { [ATTRIBUTE.source]: source };
    const watched: Watched = { expiresAt: undefined, disposed: false, now, attributes: base };
    /** The instruments this provider reported to, for the gauge's registration (once per provider). */
    let registeredWith: Instruments | undefined;
    let span: { readonly span: OtelApi.Span | undefined; readonly startedAt: number } | undefined;

    /** The instruments of the given or registered meter provider, if there is one. */
    const instruments = (): Instruments | undefined => {
      const meterProvider =
        (options.meterProvider as OtelApi.MeterProvider | undefined) ?? otelGlobal()?.metrics;
      return meterProvider === undefined ? undefined : instrumentsOf(meterProvider);
    };

    const start = (reason: RefreshReason): void => {
      span?.span?.end();
      const registered = otelGlobal();
      const tracer = (
        (options.tracerProvider as OtelApi.TracerProvider | undefined) ?? registered?.trace
      )?.getTracer(SCOPE);
      // A caller waits for every refresh but an advisory one: its span is the parent. A background
      // refresh is nobody's child.
      const background = reason === "advisory";
      const attributes = { ...base, [ATTRIBUTE.reason]: reason };
      const started = background
        ? tracer?.startSpan(METRIC.span, { root: true, attributes })
        : tracer?.startSpan(METRIC.span, { attributes }, registered?.context?.active());
      span = { span: started, startedAt: now() };
    };

    const end = (
      reason: RefreshReason,
      durationMs: number,
      outcome: RefreshOutcome,
      error: unknown,
    ): void => {
      const attributes: OtelApi.Attributes = {
        ...base,
        [ATTRIBUTE.reason]: reason,
        [ATTRIBUTE.outcome]: outcome,
        ...(outcome === "success" ? {} : { [ATTRIBUTE.errorType]: errorTypeOf(error) }),
      };
      const at = instruments();
      at?.duration.record(Math.max(0, durationMs) / 1_000, attributes);
      if (at !== undefined && registeredWith !== at) {
        registeredWith = at;
        at.watched.add(new WeakRef(watched));
      }
      const current = span?.span;
      span = undefined;
      if (current !== undefined) {
        current.setAttributes(attributes);
        if (outcome !== "success") current.setStatus({ code: SPAN_STATUS_ERROR });
        current.end();
      }
    };

    // A meter or tracer provider that throws must not turn a good refresh into a failed one.
    return {
      event: safeListener("telemetry", (event: RefreshEvent) => {
        switch (event.type) {
          case "refresh-start":
            start(event.reason);
            return;
          case "refresh-success":
            watched.expiresAt = event.expiration?.getTime();
            end(event.reason, event.durationMs, "success", undefined);
            return;
          case "refresh-failure": {
            // No refresh in flight: a key fetched earlier was rejected too (counted as a rejection).
            if (span === undefined) return;
            const outcome = event.serving === "none" ? "failure" : "stale";
            end(event.reason, now() - span.startedAt, outcome, event.error);
            return;
          }
          default:
            return;
        }
      }),
      skipped: safeListener("telemetry", (cause: "backoff" | "error-cache") => {
        instruments()?.backoff.add(1, { ...base, [ATTRIBUTE.skippedBy]: cause });
      }),
      rejected: safeListener("telemetry", (code: string, resend: ResendOutcome) => {
        instruments()?.rejected.add(1, {
          ...base,
          [ATTRIBUTE.errorType]: SAFE_TYPE.test(code) ? code : "_OTHER",
          [ATTRIBUTE.resend]: resend,
        });
      }),
      // A disposed provider still refreshes on demand, and those refreshes are still recorded; only
      // its gauge stops.
      dispose: () => {
        watched.disposed = true;
      },
    };
  };
