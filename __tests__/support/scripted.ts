import type { Credentials, CredentialProvider, ProviderOptions } from "../../src";
import type { Clock } from "../../src";

/** Credentials numbered `n`, expiring `ttlMs` after the clock's now. */
export const credentialsAt = (clock: Clock, ttlMs: number, n = 1): Credentials => ({
  accessKeyId: `ASIATEST${String(n).padStart(8, "0")}`,
  secretAccessKey: `secret-${n}-do-not-leak`,
  sessionToken: `token-${n}-do-not-leak`,
  expiration: new Date(clock.now() + ttlMs),
});

interface Pending {
  readonly options: ProviderOptions | undefined;
  readonly resolve: (credentials: Credentials) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * An upstream provider whose calls stay pending until the test settles them, so a test decides
 * exactly when and how each upstream call ends. It counts calls and the most ever in flight at once.
 */
export const controlledProvider = () => {
  const pending: Pending[] = [];
  let calls = 0;
  let maxInFlight = 0;
  const provider: CredentialProvider = (options) => {
    calls++;
    return new Promise<Credentials>((resolve, reject) => {
      pending.push({ options, resolve, reject });
      maxInFlight = Math.max(maxInFlight, pending.length);
    });
  };
  const take = (): Pending => {
    const next = pending.shift();
    if (next === undefined) throw new Error("no upstream call is pending");
    return next;
  };
  return {
    provider,
    get calls() {
      return calls;
    },
    get inFlight() {
      return pending.length;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    lastOptions: () => pending[pending.length - 1]?.options,
    succeed: (credentials: Credentials) => {
      take().resolve(credentials);
    },
    fail: (error: unknown) => {
      take().reject(error);
    },
  };
};

/** An upstream provider that answers at once from a script of results, one per call. */
export const scriptedProvider = (script: ReadonlyArray<Credentials | Error | (() => Credentials)>) => {
  let calls = 0;
  const provider: CredentialProvider = () => {
    const step = script[Math.min(calls, script.length - 1)];
    calls++;
    if (step instanceof Error) return Promise.reject(step);
    if (step === undefined) return Promise.reject(new Error("empty script"));
    return Promise.resolve(typeof step === "function" ? step() : step);
  };
  return {
    provider,
    get calls() {
      return calls;
    },
  };
};

/** An error shaped like the SDK's service exceptions. */
export const sdkError = (name: string, httpStatusCode: number, attempts = 1): Error =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    $metadata: { httpStatusCode, attempts },
  });

/** Lets queued promise callbacks run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
