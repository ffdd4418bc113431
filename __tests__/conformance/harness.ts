import { CredentialRefreshError, type Credentials } from "../../src";
import { sdkError } from "../support/scripted";
import type { Expected, Given, Response, Result, Scenario, Step } from "./scenarios";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** Where each given puts the clock, after one-hour credentials were fetched at 0. */
export const givenAt: Record<Given, number> = {
  none: 0,
  valid: 10 * MINUTE,
  advisory: 45 * MINUTE,
  mandatory: 59.5 * MINUTE,
  expired: 61 * MINUTE,
};

export const cachedKey = (scenario: Scenario): string => scenario.accessKeyId ?? "AKID-CACHED";

/**
 * A credential source driven by the scenario: it answers what the current step says, counts its
 * calls, and fails loudly (as a test failure, through the count) if contacted with nothing to say.
 */
export const scriptedSource = (now: () => number) => {
  let calls = 0;
  let response: Response | undefined;
  let lifetimeMs = HOUR;
  let key = "AKID-CACHED";
  let fresh = 0;
  return {
    get calls() {
      return calls;
    },
    prime(accessKeyId: string) {
      response = "fresh";
      key = accessKeyId;
      lifetimeMs = HOUR;
    },
    answer(next: Response | undefined, lifetimeSeconds?: number) {
      response = next;
      key = `AKID-NEW-${++fresh}`;
      lifetimeMs = (lifetimeSeconds ?? 3600) * 1000;
    },
    call(): Credentials {
      calls++;
      switch (response) {
        case "fresh":
          return {
            accessKeyId: key,
            secretAccessKey: "secret-do-not-leak",
            sessionToken: "token-do-not-leak",
            expiration: new Date(now() + lifetimeMs),
          };
        case "stale":
          return { accessKeyId: "AKID-STALE", secretAccessKey: "s", expiration: new Date(now()) };
        case "error":
          throw sdkError("ServiceUnavailable", 503);
        case "nonRecoverable":
          throw sdkError("AccessDenied", 403);
        case undefined:
          throw new Error("the source was contacted when the scenario said nothing about it");
      }
    },
  };
};

/** Classifies what a caller got. */
/** A result, or a description of something no scenario expects. */
export type Seen = Result | `unexpected ${string}`;

export const resultOf = (outcome: PromiseSettledResult<Credentials>, scenario: Scenario): Seen => {
  if (outcome.status === "fulfilled") {
    const { accessKeyId } = outcome.value;
    if (accessKeyId === cachedKey(scenario)) return "cached";
    return accessKeyId.startsWith("AKID-NEW-") ? "new" : `unexpected key ${accessKeyId}`;
  }
  const error: unknown = outcome.reason;
  if (!(error instanceof CredentialRefreshError)) return `unexpected error ${String(error)}`;
  const cause = (error.cause ?? {}) as { name?: string };
  if (!error.retryable)
    return cause.name === "AccessDenied"
      ? "nonRecoverableError"
      : `unexpected non-retryable ${error.message}`;
  return scenario.given === "none" ? "noCredentialsError" : "refreshError";
};

export interface Observed {
  readonly result: Seen;
  readonly sourceContacted: boolean;
  readonly rateLimited: boolean;
  readonly advisoryWindowSeconds?: number;
}

/** The part of `expected` a step asserts: the advisory window only where the scenario names one. */
export const comparable = (observed: Observed, expected: Expected): Observed => ({
  result: observed.result,
  sourceContacted: observed.sourceContacted,
  rateLimited: observed.rateLimited,
  ...(expected.advisoryWindowSeconds === undefined
    ? {}
    : { advisoryWindowSeconds: observed.advisoryWindowSeconds }),
});

/** The response the next `get` step gives, for a background refresh that runs while time moves. */
export const nextResponse = (steps: readonly Step[], from: number): (Step & { type: "get" }) | undefined =>
  steps.slice(from).find((s): s is Step & { type: "get" } => s.type === "get");
