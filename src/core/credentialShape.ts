/**
 * What counts as credentials, stated once. Three places receive values that should be credentials:
 * the refresh rules (whatever a source resolved to), `withCache` (whatever a cache returned) and
 * `fromFunction` (whatever a user's function returned). They used to check with three rules of their
 * own, which disagreed at the edges (an empty key, a numeric session token); they all ask this table
 * now.
 */
import * as t from "io-ts";
import { NonEmptyString, ValidDate } from "../errors/codecs";

/** Each field: the codec that checks it, and how a failure reads (never showing the value). */
const FIELDS = {
  accessKeyId: { codec: NonEmptyString, must: "a non-empty string", required: true },
  secretAccessKey: { codec: NonEmptyString, must: "a non-empty string", required: true },
  sessionToken: { codec: t.string, must: "a string", required: false },
  accountId: { codec: t.string, must: "a string", required: false },
  expiration: { codec: ValidDate, must: "a valid Date", required: false },
} as const;

/**
 * What is wrong with a value that should be credentials, field by field, without showing any of it;
 * empty when nothing is. A cache entry must carry its `expiration` (`"required"`): without one it
 * could never be told fresh from stale.
 *
 * @internal
 */
export const credentialShapeProblems = (
  value: unknown,
  expiration: "optional" | "required" = "optional",
): string[] => {
  if (typeof value !== "object" || value === null) return [value === null ? "null" : `a ${typeof value}`];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [key, { codec, must, required }] of Object.entries(FIELDS)) {
    const field = record[key];
    const needed = required || (key === "expiration" && expiration === "required");
    if ((field !== undefined || needed) && !codec.is(field)) problems.push(`${key} is not ${must}`);
  }
  return problems;
};

/** An expiration as a `Date`, an ISO 8601 string, or epoch milliseconds, decoded to a valid `Date`. */
const ExpirationFromAny = /* @__PURE__ */ new t.Type<Date, Date, unknown>(
  "an expiration: a Date, an ISO 8601 string, or epoch milliseconds",
  (u): u is Date => ValidDate.is(u),
  (u, c) => {
    const date =
      u instanceof Date ? u : typeof u === "string" || typeof u === "number" ? new Date(u) : undefined;
    return date !== undefined && ValidDate.is(date) ? t.success(date) : t.failure(u, c);
  },
  (d) => d,
);

/**
 * The io-ts codec of the credentials a custom source returns: `accessKeyId`, `secretAccessKey`, an
 * optional `sessionToken` and `accountId`, and an `expiration` (a `Date`, an ISO 8601 string or epoch
 * milliseconds), decoded to `Credentials`.
 *
 * @example
 * ```ts
 * import { CredentialsCodec } from "aws-refresh-session/fp";
 *
 * CredentialsCodec.decode({ accessKeyId: "ASIA...", secretAccessKey: "...", expiration: "2030-01-01T00:00:00Z" });
 * ```
 * @category Codecs
 * @since 0.1.0
 */
export const CredentialsCodec = /* @__PURE__ */ t.intersection(
  [
    // The fields of the table above; only the expiration is decoded more loosely (a custom source's
    // answer is often JSON, where a date is a string or a number) and required, as a cache's is.
    t.type({
      accessKeyId: FIELDS.accessKeyId.codec,
      secretAccessKey: FIELDS.secretAccessKey.codec,
      expiration: ExpirationFromAny,
    }),
    t.partial({ sessionToken: FIELDS.sessionToken.codec, accountId: FIELDS.accountId.codec }),
  ],
  "Credentials",
);
