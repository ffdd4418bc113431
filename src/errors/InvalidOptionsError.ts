import * as t from "io-ts";
import { isLeft } from "../core/isLeft";
import { UnknownOption } from "./codecs";
import { looksLikeKeyOrToken } from "../core/secretText";
import { plural, showValue } from "../core/showValue";
import { brandFor, hasInstance, setBrand } from "../core/brand";

/**
 * One problem with the options a provider was built from.
 *
 * @category Errors
 * @since 0.1.0
 */
export interface OptionIssue {
  /** Where the bad value is, as a dotted path from the options object (`tags.3.key`). */
  readonly path: string;
  /** The rule the value broke, in words. */
  readonly rule: string;
}

const INVALID_OPTIONS_ERROR_BRAND = /* @__PURE__ */ brandFor("InvalidOptionsError");

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
 * @category Errors
 * @since 0.1.0
 */
export class InvalidOptionsError extends TypeError {
  /** By brand, so that it holds for errors made by another copy of this library in the process. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasInstance(this, InvalidOptionsError, INVALID_OPTIONS_ERROR_BRAND, value);
  }

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
    setBrand(this, INVALID_OPTIONS_ERROR_BRAND);
    this.issues = issues;
  }
}

/**
 * Known fields whose values are never repeated in an error message: they can carry secrets or tokens.
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

/** Names that look like they hold a secret, whatever the option: `SecretAccessKey`, `password`, `aws_session_token`... */
const SECRET_NAME =
  /secret|token|passw|pwd|credential|private|auth|cookie|signature|bearer|api_?key|access_?key$/i;

/** Whether the value at `path` may be a secret because of where it is: an unknown name is no promise. */
const isSecretPath = (path: readonly string[]): boolean =>
  path.some((segment) => SECRET_FIELDS.has(segment) || SECRET_NAME.test(segment));

const describeValue = (path: readonly string[], value: unknown, known: boolean): string => {
  if (value === undefined) return " (it is missing)";
  // The value of an unknown option is never shown: the name is what is wrong, and a misspelt
  // `SecretAccessKey` holds exactly what must not be repeated.
  if (!known) return "";
  if (isSecretPath(path)) return typeof value === "string" ? "" : ` (got ${showValue(value)})`;
  return ` (got ${showValue(value)})`;
};

/** A path segment as it can be shown: an option named with a key or token is not repeated either. */
const showSegment = (segment: string): string =>
  looksLikeKeyOrToken(segment) ? `<a name of ${plural(segment.length, "character")}>` : segment;

/**
 * io-ts adds a context entry per member of an intersection or union; those keys are not paths. Told
 * by `_tag`, as io-ts itself tells its codecs apart, not by `instanceof`: a program's own codecs come
 * from its own copy of io-ts, not from the one this package's build carries.
 */
const isStructural = (type: t.Decoder<unknown, unknown>): boolean => {
  const tag = (type as { readonly _tag?: unknown })._tag;
  return tag === "IntersectionType" || tag === "UnionType";
};

/**
 * Turns io-ts validation errors into issues with a readable path and rule.
 *
 * @since 0.1.0
 * @internal
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
    const known = last?.type !== UnknownOption;
    const rule =
      (error.message ?? last?.type.name ?? "invalid") + describeValue(segments, error.value, known);
    const path = segments.map(showSegment).join(".");
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
 * @internal
 */
export const decodeOptions = <A, O>(subject: string, codec: t.Type<A, O>, input: unknown): A => {
  const result = codec.decode(input);
  if (isLeft(result)) throw new InvalidOptionsError(subject, toIssues(result.left));
  return result.right;
};

/**
 * The options objects this module checked: frozen copies, so that a checked object cannot change after
 * its check, and never the caller's own object, which the caller may change or pass elsewhere.
 */
const checkedOptions = new WeakSet();

/**
 * Whether `options` were checked already: made by {@link decodeOptionsAs}, or vouched for with
 * {@link checkedElsewhere}. A public function given such options does not check them again, nor the
 * arguments that come with them (a policy that checked its options hands them, and values taken from
 * them, to the public pieces it is built of).
 *
 * @internal
 */
export const isChecked = (options: unknown): boolean => checkedOptions.has(options as object);

/**
 * `options` as checked, without a codec: for options this library built from checked ones (a policy's
 * options with its role's cache key filled in) or checked by rules of their own (a profile's role,
 * checked with the shared config files). A frozen copy.
 *
 * @internal
 */
export const checkedElsewhere = <O extends object>(options: O): O => {
  const copy = Object.freeze({ ...options });
  checkedOptions.add(copy);
  return copy;
};

/**
 * `true` when `A` and `B` have the same field names, `false` when a field is in one and not the other.
 *
 * @internal
 */
export type SameFields<A, B> = [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never]
  ? true
  : false;

/**
 * The one check of a public function's options: decodes `input` with `codec`, then applies `rules`
 * (those between fields), and throws an {@link InvalidOptionsError} naming every problem of the first
 * that finds any. It gives back a checked copy (see {@link isChecked}), or `input` itself when it was
 * checked already: a policy checks its whole options once, and the public pieces it hands them to
 * (`assumeRole`, `retryWith`, `withTimeout`, ...) do not check them again.
 *
 * Typed as the options interface `O`, for a codec whose fields are exactly `O`'s: an option added to
 * the interface and not to the codec (or the other way round) is a type error at the call, where a
 * cast would hide it.
 *
 * @internal
 */
export const decodeOptionsAs =
  <O>() =>
  <C extends t.Mixed>(
    subject: string,
    codec: C,
    input: unknown,
    // When the fields agree, the rules between fields, if any; otherwise the call lacks an argument of
    // type `never`.
    ...rest: SameFields<t.TypeOf<C>, O> extends true
      ? [rules?: (decoded: O) => readonly OptionIssue[]]
      : [fieldsDifferFromTheOptionsType: never]
  ): O => {
    if (isChecked(input)) return input as O;
    const decoded = decodeOptions(subject, codec, input) as O;
    const issues = rest[0]?.(decoded) ?? [];
    if (issues.length > 0) throw new InvalidOptionsError(subject, issues);
    return checkedElsewhere(decoded as O & object);
  };
