/**
 * 8. Outage: 10,000 processes with one-hour credentials, started in the same second; STS is down for
 * 30 minutes from the moment their advisory window opens (45 minutes in). Every process serves a
 * request every 30 simulated seconds, each at its own offset. Measured for the default refresh rules, the AWS SDKs'
 * specification backoff (uniform 300–600 s) and the rules of version 0.1.0, each over the same
 * pipeline (`retryWith` with its default 4 attempts per refresh): STS calls per second (peak and mean
 * over the outage), requests that got an error, and the time from STS's recovery to fresh credentials.
 */
import { pipe } from "fp-ts/function";
import {
  refreshAhead,
  retryWith,
  specRefreshBackoff,
  type CredentialProvider,
  type Credentials,
} from "../src";
import { manualClock, type ManualClock } from "../src/testing";
import { refreshAhead as legacyRefreshAhead } from "./legacy/refreshAhead";

const PROCESSES = Number(process.env.OUTAGE_PROCESSES ?? 10_000);
const MINUTE = 60_000;

/**
 * Version 0.1.0's way to a margin (its `withExpiryBuffer`, since removed): credentials reported to
 * expire `ms` earlier than the source said.
 */
const reportedEarlier =
  (ms: number) =>
  (provider: CredentialProvider): CredentialProvider =>
  async (options) => {
    const credentials = await provider(options);
    return credentials.expiration === undefined
      ? credentials
      : { ...credentials, expiration: new Date(credentials.expiration.getTime() - ms) };
  };
const LIFETIME_MS = 60 * MINUTE;
const OUTAGE_FROM = 45 * MINUTE;
const OUTAGE_MS = 30 * MINUTE;
/** When the first credentials expire, counted from the outage's start (the charts mark it). */
export const EXPIRY_INTO_OUTAGE_MS = LIFETIME_MS - OUTAGE_FROM;
const REQUEST_EVERY_MS = 30_000;
/** Long enough after the outage for every process to recover. */
const SIMULATED_MS = OUTAGE_FROM + OUTAGE_MS + 30 * MINUTE;

export type OutageVariant = "default" | "spec" | "v0.1.0";

export interface OutageResult {
  readonly variant: OutageVariant;
  readonly processes: number;
  /** STS calls in each simulated second of the outage (index 0: the outage's first second). */
  readonly callsPerSecond: readonly number[];
  readonly peakPerSecond: number;
  readonly meanPerSecond: number;
  readonly requests: number;
  readonly failedRequests: number;
  /** Seconds from STS's recovery to each process's fresh credentials: median, p99, max. */
  readonly recoverySeconds: { readonly median: number; readonly p99: number; readonly max: number };
  readonly unrecovered: number;
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

const build = (
  variant: OutageVariant,
  clock: ManualClock,
  source: CredentialProvider,
  onFresh: () => void,
): CredentialProvider & { dispose(): void } => {
  const base = pipe(source, retryWith(undefined, { clock }));
  const onEvent = (event: { type: string }): void => {
    if (event.type === "refresh-success") onFresh();
  };
  switch (variant) {
    case "default":
      return refreshAhead({ clock, onEvent })(base);
    case "spec":
      return refreshAhead({ clock, onEvent, backoff: specRefreshBackoff })(base);
    case "v0.1.0":
      // Version 0.1.0's refreshingRole for one-hour credentials: the deadline 10 minutes before STS's
      // expiration, the advisory window 5 minutes before that.
      return pipe(
        base,
        reportedEarlier(10 * MINUTE),
        legacyRefreshAhead({ clock, windowMs: 5 * MINUTE, onEvent }),
      );
  }
};

export const outage = async (variant: OutageVariant): Promise<OutageResult> => {
  const start = Date.UTC(2030, 0, 1);
  const clock = manualClock(start);
  const outageStart = start + OUTAGE_FROM;
  const outageEnd = outageStart + OUTAGE_MS;
  const callsPerSecond = new Array<number>(OUTAGE_MS / 1000).fill(0);
  const down = (): boolean => clock.now() >= outageStart && clock.now() < outageEnd;
  const source: CredentialProvider = () => {
    if (down()) {
      const second = Math.floor((clock.now() - outageStart) / 1000);
      callsPerSecond[second] = (callsPerSecond[second] ?? 0) + 1;
      return Promise.reject(
        Object.assign(new Error("Service Unavailable"), {
          name: "ServiceUnavailable",
          $fault: "server",
          $metadata: { httpStatusCode: 503 },
        }),
      );
    }
    return Promise.resolve<Credentials>({
      accessKeyId: "ASIA",
      secretAccessKey: "s",
      expiration: new Date(clock.now() + LIFETIME_MS),
    });
  };

  const recoveredAt = new Array<number | undefined>(PROCESSES).fill(undefined);
  const startTimes = Array.from({ length: PROCESSES }, () => start + Math.floor(Math.random() * 1000)).sort(
    (a, b) => a - b,
  );
  const providers: Array<CredentialProvider & { dispose(): void }> = [];
  for (const [i, at] of startTimes.entries()) {
    await clock.advanceTo(at);
    const provider = build(variant, clock, source, () => {
      if (clock.now() >= outageEnd && recoveredAt[i] === undefined) recoveredAt[i] = clock.now();
    });
    providers.push(provider);
    await provider();
  }

  // Requests are not awaited where they are made: a caller in the mandatory window waits for a
  // refresh whose retries sleep on this clock, so it settles only as time moves on.
  let requests = 0;
  let failedRequests = 0;
  const pending: Array<Promise<void>> = [];
  // Each process serves a request every 30 s, at its own offset: a thirtieth of the fleet each second.
  const STEP_MS = 1_000;
  const slots = REQUEST_EVERY_MS / STEP_MS;
  for (let t = STEP_MS; t <= SIMULATED_MS; t += STEP_MS) {
    await clock.advanceTo(start + t);
    const slot = (t / STEP_MS) % slots;
    for (let i = slot; i < providers.length; i += slots) {
      requests++;
      pending.push(
        (providers[i] ?? (() => Promise.resolve()))().then(
          () => undefined,
          () => {
            failedRequests++;
          },
        ),
      );
    }
    if (pending.length > 50_000) await Promise.all(pending.splice(0, pending.length - 10_000));
  }
  await clock.advance(10 * MINUTE);
  await Promise.all(pending);
  providers.forEach((provider) => {
    provider.dispose();
  });

  const recovery = recoveredAt
    .filter((at): at is number => at !== undefined)
    .map((at) => (at - outageEnd) / 1000)
    .sort((a, b) => a - b);
  const total = callsPerSecond.reduce((sum, n) => sum + n, 0);
  return {
    variant,
    processes: PROCESSES,
    callsPerSecond,
    peakPerSecond: Math.max(...callsPerSecond),
    meanPerSecond: total / callsPerSecond.length,
    requests,
    failedRequests,
    recoverySeconds: {
      median: quantile(recovery, 0.5),
      p99: quantile(recovery, 0.99),
      max: recovery.at(-1) ?? NaN,
    },
    unrecovered: PROCESSES - recovery.length,
  };
};

/** All three, in one run. */
export const outages = async (): Promise<readonly OutageResult[]> => [
  await outage("default"),
  await outage("spec"),
  await outage("v0.1.0"),
];
