/**
 * The 24 scenarios of the AWS SDKs' shared "Credential Refresh Behavior" specification (2026), written
 * in this project's own terms: the facts (what is cached, what the source answers, what the caller
 * must get) are the specification's; the shape and the notes are ours.
 *
 * Givens, with one-hour credentials (a 15-minute advisory and a 1-minute mandatory window):
 * - `none`: nothing cached;
 * - `valid`: 50 minutes left;
 * - `advisory`: 15 minutes left: the advisory window has just opened (and, with our background
 *   refresh and no jitter, the refresh is due);
 * - `mandatory`: 30 seconds left (inside the mandatory window);
 * - `expired`: expired a minute ago.
 *
 * Where this library deliberately differs, `ours` gives what it does instead, and `why` names the
 * deviation (see the README's "Conformance" table):
 * - `background`: in the advisory window the source is contacted by the background refresh, while
 *   the clock moves into the window, not inside the caller's call; callers are served the cached
 *   credentials at cache-hit cost meanwhile.
 * - `expired-error`: after the real expiration, with the source failing, callers get a
 *   `CredentialRefreshError`, not the expired credentials (AWS rejects expired STS tokens, so they
 *   would only move the error to the service). With `serveExpired: true` these scenarios pass as
 *   specified.
 * - `background-non-recoverable`: a non-recoverable failure of a background refresh, with valid
 *   credentials in hand, keeps serving them (logged at error level) and backs off, instead of failing
 *   callers who were not waiting for anything.
 */

export type Given = "none" | "valid" | "advisory" | "mandatory" | "expired";
export type Response = "fresh" | "error" | "stale" | "nonRecoverable";
export type Result = "cached" | "new" | "noCredentialsError" | "nonRecoverableError" | "refreshError";
export type Deviation = "background" | "expired-error" | "background-non-recoverable";

export interface Expected {
  readonly result: Result;
  readonly sourceContacted: boolean;
  readonly rateLimited: boolean;
  readonly advisoryWindowSeconds?: number;
}

export type Step =
  | {
      readonly type: "get";
      /** What the source answers if it is contacted (and, with `background`, before the call). */
      readonly response?: Response;
      readonly lifetimeSeconds?: number;
      readonly expected: Expected;
      /** What this library does instead, when it deviates on purpose. */
      readonly ours?: Expected;
    }
  | { readonly type: "advance"; readonly seconds: number }
  | { readonly type: "invalidate"; readonly accessKeyId: string };

export interface Scenario {
  readonly id: number;
  readonly title: string;
  readonly given: Given;
  readonly accessKeyId?: string;
  readonly configuredAdvisoryWindowSeconds?: number;
  /** A fixed backoff, in seconds, in place of the default. */
  readonly backoffSeconds?: number;
  readonly deviations?: readonly Deviation[];
  readonly steps: readonly Step[];
}

const get = (response: Response | undefined, expected: Expected, extra: Partial<Step> = {}): Step =>
  ({ type: "get", ...(response === undefined ? {} : { response }), expected, ...extra }) as Step;
const fresh = (sourceContacted = true): Expected => ({ result: "new", sourceContacted, rateLimited: false });
const cached = (sourceContacted: boolean, rateLimited = false): Expected => ({
  result: "cached",
  sourceContacted,
  rateLimited,
});

export const scenarios: readonly Scenario[] = [
  {
    id: 1,
    title: "valid cache: served, source untouched",
    given: "valid",
    steps: [get(undefined, cached(false))],
  },
  {
    id: 2,
    title: "advisory window, refresh succeeds: new credentials",
    given: "advisory",
    deviations: ["background"],
    steps: [get("fresh", fresh())],
  },
  {
    id: 3,
    title: "advisory window, refresh fails: backoff, cached credentials",
    given: "advisory",
    deviations: ["background"],
    steps: [get("error", cached(true))],
  },
  { id: 4, title: "mandatory window, refresh succeeds", given: "mandatory", steps: [get("fresh", fresh())] },
  {
    id: 5,
    title: "mandatory window, refresh fails: backoff, cached credentials",
    given: "mandatory",
    steps: [get("error", cached(true))],
  },
  { id: 6, title: "expired, refresh succeeds", given: "expired", steps: [get("fresh", fresh())] },
  {
    id: 7,
    title: "expired, refresh fails: backoff, the expired credentials",
    given: "expired",
    deviations: ["expired-error"],
    steps: [
      get("error", cached(true), {
        ours: { result: "refreshError", sourceContacted: true, rateLimited: false },
      }),
    ],
  },
  {
    id: 8,
    title: "nothing cached, first fetch fails: raised; the next call retries",
    given: "none",
    steps: [
      get("error", { result: "noCredentialsError", sourceContacted: true, rateLimited: false }),
      get("fresh", fresh()),
    ],
  },
  {
    id: 9,
    title: "advisory window, stale credentials returned: a failed refresh",
    given: "advisory",
    deviations: ["background"],
    steps: [get("stale", cached(true))],
  },
  {
    id: 10,
    title: "mandatory window, stale credentials returned: a failed refresh",
    given: "mandatory",
    steps: [get("stale", cached(true))],
  },
  {
    id: 11,
    title: "10-minute lifetime: 5-minute advisory window",
    given: "none",
    steps: [get("fresh", { ...fresh(), advisoryWindowSeconds: 300 }, { lifetimeSeconds: 600 })],
  },
  {
    id: 12,
    title: "20.5-minute lifetime: 15-minute advisory window",
    given: "none",
    steps: [get("fresh", { ...fresh(), advisoryWindowSeconds: 900 }, { lifetimeSeconds: 1230 })],
  },
  {
    id: 13,
    title: "6-hour lifetime: 60-minute advisory window",
    given: "none",
    steps: [get("fresh", { ...fresh(), advisoryWindowSeconds: 3600 }, { lifetimeSeconds: 21600 })],
  },
  {
    id: 14,
    title: "the window is recomputed from each refreshed credential's lifetime",
    given: "none",
    deviations: ["background"],
    steps: [
      get("fresh", { ...fresh(), advisoryWindowSeconds: 3600 }, { lifetimeSeconds: 21600 }),
      { type: "advance", seconds: 18060 },
      get("fresh", { ...fresh(), advisoryWindowSeconds: 300 }, { lifetimeSeconds: 600 }),
    ],
  },
  {
    id: 15,
    title: "a configured advisory window overrides the table",
    given: "none",
    configuredAdvisoryWindowSeconds: 1800,
    steps: [get("fresh", { ...fresh(), advisoryWindowSeconds: 1800 }, { lifetimeSeconds: 21600 })],
  },
  {
    id: 16,
    title: "advisory window, non-recoverable failure: raised, error cached up to 5 s, then recovers",
    given: "advisory",
    deviations: ["background", "background-non-recoverable"],
    steps: [
      get(
        "nonRecoverable",
        { result: "nonRecoverableError", sourceContacted: true, rateLimited: false },
        { ours: cached(true) },
      ),
      { type: "advance", seconds: 6 },
      // Ours: the background failure backed off (30–60 s for a 15-minute window), so 6 s later the
      // cached credentials are still served without a call.
      get("fresh", fresh(), { ours: cached(false, true) }),
    ],
  },
  {
    id: 17,
    title: "mandatory window, non-recoverable failure: raised, error cached up to 5 s, then recovers",
    given: "mandatory",
    steps: [
      get("nonRecoverable", { result: "nonRecoverableError", sourceContacted: true, rateLimited: false }),
      { type: "advance", seconds: 6 },
      get("fresh", fresh()),
    ],
  },
  {
    id: 18,
    title: "non-recoverable error, immediate retry: the cached error, source untouched",
    given: "advisory",
    deviations: ["background", "background-non-recoverable"],
    steps: [
      get(
        "nonRecoverable",
        { result: "nonRecoverableError", sourceContacted: true, rateLimited: false },
        { ours: cached(true) },
      ),
      get(
        undefined,
        { result: "nonRecoverableError", sourceContacted: false, rateLimited: false },
        {
          ours: cached(false, true),
        },
      ),
    ],
  },
  {
    id: 19,
    title: "invalidate the cached key: mandatory path, refresh succeeds",
    given: "valid",
    accessKeyId: "AKID-1",
    steps: [{ type: "invalidate", accessKeyId: "AKID-1" }, get("fresh", fresh())],
  },
  {
    id: 20,
    title: "invalidate the cached key: mandatory path, refresh fails, cached credentials",
    given: "valid",
    accessKeyId: "AKID-1",
    steps: [{ type: "invalidate", accessKeyId: "AKID-1" }, get("error", cached(true))],
  },
  {
    id: 21,
    title: "invalidate during a backoff: source untouched until the backoff ends",
    given: "expired",
    accessKeyId: "AKID-1",
    backoffSeconds: 420,
    deviations: ["expired-error"],
    steps: [
      get("error", cached(true), {
        ours: { result: "refreshError", sourceContacted: true, rateLimited: false },
      }),
      { type: "advance", seconds: 60 },
      { type: "invalidate", accessKeyId: "AKID-1" },
      get(undefined, cached(false, true), {
        ours: { result: "refreshError", sourceContacted: false, rateLimited: true },
      }),
      { type: "advance", seconds: 425 },
      get("fresh", fresh()),
    ],
  },
  {
    id: 22,
    title: "invalidate a key already replaced: nothing changes",
    given: "valid",
    accessKeyId: "AKID-2",
    steps: [{ type: "invalidate", accessKeyId: "AKID-1" }, get(undefined, cached(false))],
  },
  {
    id: 23,
    title: "after a failure, the source is left alone until the backoff ends",
    given: "expired",
    backoffSeconds: 420,
    deviations: ["expired-error"],
    steps: [
      get("error", cached(true), {
        ours: { result: "refreshError", sourceContacted: true, rateLimited: false },
      }),
      { type: "advance", seconds: 300 },
      get(undefined, cached(false, true), {
        ours: { result: "refreshError", sourceContacted: false, rateLimited: true },
      }),
      { type: "advance", seconds: 425 },
      get("fresh", fresh()),
    ],
  },
  {
    id: 24,
    title: "nothing cached, non-recoverable first fetch: that error raised, cached up to 5 s",
    given: "none",
    steps: [
      get("nonRecoverable", { result: "nonRecoverableError", sourceContacted: true, rateLimited: false }),
      { type: "advance", seconds: 6 },
      get("fresh", fresh()),
    ],
  },
];

/** What this library is expected to do at a step: the specification's, unless it deviates on purpose. */
export const expectedOf = (
  step: Step & { type: "get" },
  serveExpired: boolean,
  scenario: Scenario,
): Expected =>
  step.ours !== undefined &&
  !(serveExpired && scenario.deviations?.length === 1 && scenario.deviations[0] === "expired-error")
    ? step.ours
    : step.expected;
