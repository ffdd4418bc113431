/**
 * The check of credentials as they arrive from a source, the one place that makes it (the sources
 * only decode their wire formats): a value that is not credentials, or credentials that would have to
 * be replaced at once, is a failed refresh, not something to hold.
 */
import type { Credentials } from "../core/CredentialProvider";
import { credentialShapeProblems } from "../core/credentialShape";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import type { Held } from "./refreshState";

/** Expirations before this are a unit mistake (seconds read as milliseconds), not old credentials. */
const MS_2000 = Date.UTC(2000, 0, 1);

/**
 * Why credentials that arrived at `now` cannot be taken, or undefined if they can. Not credentials:
 * non-recoverable. Credentials that expire inside the mandatory window (or have expired): a failed
 * refresh, since they would be replaced at once, again and again, with nobody waiting. The credentials
 * held, handed back: a failed refresh too.
 *
 * @internal
 */
export const arrivalError = (
  credentials: Credentials,
  now: number,
  held: Held | undefined,
  mandatoryWindowMs: number,
): CredentialRefreshError | undefined => {
  const problems = credentialShapeProblems(credentials);
  if (problems.length > 0) {
    return new CredentialRefreshError(
      `the credential source returned something that is not credentials: ${problems.join("; ")}`,
      { retryable: false },
    );
  }
  const expiresAt = credentials.expiration?.getTime();
  if (expiresAt === undefined) return undefined;
  if (expiresAt - now <= mandatoryWindowMs) {
    if (expiresAt < MS_2000) {
      return new CredentialRefreshError(
        `the credential source returned an expiration in ${new Date(expiresAt).getUTCFullYear()} ` +
          `(${credentials.expiration?.toISOString()}): is it in seconds where milliseconds or a Date are expected?`,
        { retryable: false },
      );
    }
    const when = credentials.expiration?.toISOString();
    return new CredentialRefreshError(
      (expiresAt <= now
        ? `the credential source returned credentials that had already expired (at ${when}, `
        : `the credential source returned credentials that expire in ${expiresAt - now} ms (at ${when}, ` +
          `inside the mandatory window of ${mandatoryWindowMs} ms; `) +
        `now ${new Date(now).toISOString()}): is this machine's clock right, or is the source handing out old credentials?`,
      { retryable: true },
    );
  }
  // A source that serves its own cache may hand back the credentials held: taken, they would open
  // already deep in their windows and be refreshed again sooner and sooner.
  if (
    held !== undefined &&
    credentials.accessKeyId === held.credentials.accessKeyId &&
    expiresAt <= held.timeline.expiresAt
  ) {
    return new CredentialRefreshError(
      `the credential source handed back the credentials held, expiring at ` +
        `${credentials.expiration?.toISOString()}: it has nothing newer yet`,
      { retryable: true },
    );
  }
  return undefined;
};
