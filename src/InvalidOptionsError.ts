import * as t from "io-ts";
import { isLeft } from "fp-ts/Either";

/**
 * One problem with the options a provider was built from.
 *
 * @example
 * ```ts
 * import type { OptionIssue } from "aws-refresh-session";
 *
 * const issue: OptionIssue = { path: "durationSeconds", rule: "an integer from 900 to 43200" };
 * ```
 * @since 0.1.0
 */
export interface OptionIssue {
  /** Where the bad value is, as a dotted path from the options object (`tags.3.key`). */
  readonly path: string;
  /** The rule the value broke, in words. */
  readonly rule: string;
}

/**
 * Thrown when a provider is built from options that cannot work. It is thrown at construction, before
 * any network call, and lists every problem at once so a configuration can be fixed in one go.
 *
 * Values of fields that can hold secrets are never echoed back.
 *
 * @example
 * ```ts
 * import { InvalidOptionsError, refreshingRole } from "aws-refresh-session";
 *
 * try {
 *   refreshingRole({ roleArn: "not-an-arn", durationSeconds: 60 });
 * } catch (error) {
 *   if (error instanceof InvalidOptionsError) {
 *     for (const issue of error.issues) console.log(issue.path, "->", issue.rule);
 *   }
 * }
 * ```
 * @since 0.1.0
 */
export class InvalidOptionsError extends TypeError {
  override readonly name = "InvalidOptionsError";
  /** Every problem found, in the order of the options. */
  readonly issues: readonly OptionIssue[];
  /** What was being built (`assumeRole`, `refreshingRole`, ...). */
  readonly subject: string;

  constructor(subject: string, issues: readonly OptionIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.path || "(options)"}: ${issue.rule}`);
    super(
      `Invalid ${subject} options (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`,
    );
    this.subject = subject;
    this.issues = issues;
  }
}

/**
 * Fields whose values are never repeated in an error message: they can carry secrets or tokens.
 */
const SECRET_FIELDS = new Set([
  "secretAccessKey",
  "sessionToken",
  "credentials",
  "externalId",
  "webIdentityToken",
  "tokenCode",
  "clientConfig",
  "policy",
]);

const describeValue = (path: readonly string[], value: unknown): string => {
  if (path.some((segment) => SECRET_FIELDS.has(segment))) return "";
  if (value === undefined) return " (it is missing)";
  let shown: string;
  try {
    // Only JSON-able values are shown as JSON; JSON.stringify would give undefined or throw for the rest.
    shown =
      typeof value === "function" || typeof value === "symbol" || typeof value === "bigint"
        ? `a ${typeof value}`
        : JSON.stringify(value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  return ` (got ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown})`;
};

/** io-ts adds a context entry per member of an intersection or union; those keys are not paths. */
const isStructural = (type: t.Decoder<unknown, unknown>): boolean =>
  type instanceof t.IntersectionType || type instanceof t.UnionType;

/**
 * Turns io-ts validation errors into issues with a readable path and rule.
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { isLeft } from "fp-ts/Either";
 * import { toIssues } from "aws-refresh-session";
 *
 * const result = t.type({ port: t.number }).decode({ port: "80" });
 * if (isLeft(result)) console.log(toIssues(result.left)); // [{ path: "port", rule: "number (got \"80\")" }]
 * ```
 * @since 0.1.0
 */
export const toIssues = (errors: t.Errors): OptionIssue[] => {
  const seen = new Set<string>();
  const issues: OptionIssue[] = [];
  for (const error of errors) {
    const segments: string[] = [];
    for (let i = 1; i < error.context.length; i++) {
      const parent = error.context[i - 1];
      const entry = error.context[i];
      if (parent && entry && !isStructural(parent.type) && entry.key !== "") segments.push(entry.key);
    }
    const last = error.context[error.context.length - 1];
    const rule = (error.message ?? last?.type.name ?? "invalid") + describeValue(segments, error.value);
    const path = segments.join(".");
    const key = `${path}\u0000${rule}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push({ path, rule });
    }
  }
  return issues;
};

/**
 * Decodes `input` with `codec` or throws an {@link InvalidOptionsError} naming every problem.
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { decodeOptions } from "aws-refresh-session";
 *
 * const { port } = decodeOptions("server", t.type({ port: t.number }), { port: 80 });
 * ```
 * @since 0.1.0
 */
export const decodeOptions = <A, O>(subject: string, codec: t.Type<A, O>, input: unknown): A => {
  const result = codec.decode(input);
  if (isLeft(result)) throw new InvalidOptionsError(subject, toIssues(result.left));
  return result.right;
};
