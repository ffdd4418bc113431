/**
 * The line an SDK-style logger gets for each refresh event: what an operator reads, kept apart from
 * the rules (which only say what happened) and from the edge (which only delivers it).
 */
import type { RefreshEvent } from "./refreshEvent";

/**
 * The logger methods a refreshing provider uses.
 *
 * @internal
 */
export type LogLevel = "debug" | "warn" | "error";

const iso = (date: Date | undefined): string => date?.toISOString() ?? "never";

/**
 * The level and text of the log line of `event`: failures that still serve valid credentials are
 * warnings; failures that leave callers with an error, and non-recoverable ones, are errors.
 *
 * @internal
 */
export const refreshLogLine = (event: RefreshEvent): [LogLevel, string] => {
  switch (event.type) {
    case "refresh-start":
      return ["debug", `aws-refresh-session: refreshing credentials (${event.reason})`];
    case "refresh-success":
      return [
        "debug",
        `aws-refresh-session: refreshed credentials (${event.reason}) in ${Math.round(event.durationMs)} ms; ` +
          `they expire at ${iso(event.expiration)}, background refresh due at ${iso(event.refreshAt)}`,
      ];
    case "refresh-failure": {
      const next =
        event.nextAttemptAt === undefined ? "" : `; next attempt not before ${iso(event.nextAttemptAt)}`;
      const serving =
        event.serving === "current"
          ? `serving the current credentials until ${iso(event.servingUntil)}`
          : event.serving === "expired"
            ? "serving the expired credentials (serveExpired)"
            : "no credentials to serve: callers get the error";
      return [
        event.serving === "current" && event.recoverable ? "warn" : "error",
        `aws-refresh-session: credential refresh (${event.reason}) failed` +
          `${event.recoverable ? "" : " (non-recoverable)"}: ${event.error.message}; ${serving}${next}`,
      ];
    }
    case "expired":
      return [
        "warn",
        `aws-refresh-session: credentials expired (${event.expiration.toISOString()}) without a replacement`,
      ];
    case "invalidated":
      return [
        "warn",
        `aws-refresh-session: key ending ${event.keyHint} was rejected: the next call refreshes`,
      ];
  }
};
