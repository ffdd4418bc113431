/**
 * The one word of a failed file operation that a cache error may repeat: Node's `code` (`ENOENT`,
 * `ELOOP`, proper-lockfile's `ELOCKED`), never the message, which can quote a path or content.
 *
 * @packageDocumentation
 */

/**
 * `error.code` when it is a string, else the error's name; what {@link fileCache}'s messages cite.
 *
 * @internal
 */
export const errorCodeOf = (error: unknown): string =>
  typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
    ? (error as { code: string }).code
    : error instanceof Error
      ? error.name
      : "unknown error";
