/**
 * io-ts codecs for the values our options and STS responses are made of. Each codec's `name` is the
 * rule in words, because {@link InvalidOptionsError} shows it to the user as "the rule it broke".
 *
 * @packageDocumentation
 */
import * as t from "io-ts";

/**
 * A codec for the `A`s of `base` that satisfy `predicate`; `rule` is how a failure reads.
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { refine } from "aws-refresh-session";
 *
 * const Port = refine(t.number, (n) => Number.isInteger(n) && n > 0 && n < 65536, "a TCP port (1-65535)");
 * ```
 * @since 0.1.0
 */
export const refine = <A, O>(base: t.Type<A, O>, predicate: (a: A) => boolean, rule: string): t.Type<A, O> =>
  new t.Type<A, O, unknown>(
    rule,
    (u): u is A => base.is(u) && predicate(u),
    (u, c) => {
      const decoded = base.validate(u, c);
      if (decoded._tag === "Left") {
        // Keep the base's errors when they point inside the value (an array item, a field); a failure
        // of the value as a whole reads better as our rule than as "string" or "number".
        const nested = decoded.left.some((error) => error.context.length > c.length);
        return nested ? decoded : t.failure(u, c, rule);
      }
      return predicate(decoded.right) ? decoded : t.failure(u, c, rule);
    },
    base.encode,
  );

/**
 * An options object: `required` and `optional` props, and no other keys. io-ts's own `exact` strips
 * unknown keys silently; for options, a misspelt name (`durationSecs`) must be an error instead.
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { strictOptions } from "aws-refresh-session";
 *
 * const ServerOptions = strictOptions("ServerOptions", { host: t.string }, { port: t.number });
 * ServerOptions.decode({ host: "localhost", prot: 80 }); // Left: "prot" is not a known option
 * ```
 * @since 0.1.0
 */
export const strictOptions = <R extends t.Props, O extends t.Props>(
  name: string,
  required: R,
  optional: O,
): t.Type<t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<O>>, unknown> => {
  type A = t.TypeOf<t.TypeC<R>> & t.TypeOf<t.PartialC<O>>;
  const requiredShape = t.type(required);
  const optionalShape = t.partial(optional);
  const known = [...Object.keys(required), ...Object.keys(optional)];
  return new t.Type<A, unknown, unknown>(
    name,
    (u): u is A =>
      requiredShape.is(u) && optionalShape.is(u) && Object.keys(u).every((key) => known.includes(key)),
    (u, c) => {
      if (typeof u !== "object" || u === null || Array.isArray(u)) {
        return t.failure(u, c, "an options object");
      }
      const record = u as Record<string, unknown>;
      // Both halves are validated in the same context (not through t.intersection), so that error
      // paths read `tags.0.key`, not `1.tags.0.0.key`.
      const errors: t.ValidationError[] = [];
      for (const result of [requiredShape.validate(u, c), optionalShape.validate(u, c)]) {
        if (result._tag === "Left") errors.push(...result.left);
      }
      for (const key of Object.keys(record)) {
        if (known.includes(key)) continue;
        const suggestion = closest(key, known);
        errors.push({
          value: record[key],
          context: t.appendContext(c, key, t.never, record[key]),
          message: suggestion
            ? `is not a known option; did you mean ${suggestion}?`
            : `is not a known option (known: ${known.join(", ")})`,
        });
      }
      return errors.length > 0 ? t.failures(errors) : t.success(record as A);
    },
    (a) => a,
  );
};

/** The known name a misspelt one most likely meant: same letters in another case, or a typo or two away. */
const closest = (name: string, known: readonly string[]): string | undefined => {
  const lower = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (
      distance <= Math.max(2, Math.floor(candidate.length / 4)) &&
      (best === undefined || distance < best.distance)
    ) {
      best = { name: candidate, distance };
    }
  }
  return best?.name;
};

const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
};

/**
 * Any object, for values we pass through to the SDK without looking inside (`clientConfig`).
 *
 * @example
 * ```ts
 * import { objectCodec } from "aws-refresh-session";
 *
 * const ClientConfig = objectCodec("an object of STSClient configuration");
 * ```
 * @since 0.1.0
 */
export const objectCodec = (name: string): t.Type<Record<string, unknown>, Record<string, unknown>> =>
  new t.Type<Record<string, unknown>, Record<string, unknown>, unknown>(
    name,
    t.UnknownRecord.is,
    (u, c) => (t.UnknownRecord.is(u) ? t.success(u) : t.failure(u, c, name)),
    (a) => a,
  );

/**
 * An IAM role ARN in any partition, with an optional path: `arn:aws:iam::123456789012:role/path/Name`.
 *
 * @example
 * ```ts
 * import { RoleArn } from "aws-refresh-session";
 *
 * RoleArn.is("arn:aws:iam::123456789012:role/Reader"); // true
 * ```
 * @since 0.1.0
 */
export const RoleArn = refine(
  t.string,
  (s) => /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(s) && s.length <= 2048,
  "an IAM role ARN such as arn:aws:iam::123456789012:role/Name",
);

/**
 * An STS role session name: 2 to 64 characters of letters, digits and `_+=,.@-`.
 *
 * @example
 * ```ts
 * import { RoleSessionName } from "aws-refresh-session";
 *
 * RoleSessionName.is("nightly-etl"); // true
 * ```
 * @since 0.1.0
 */
export const RoleSessionName = refine(
  t.string,
  (s) => /^[\w+=,.@-]{2,64}$/.test(s),
  "2 to 64 characters of letters, digits and _+=,.@-",
);

/**
 * A whole number within `[min, max]`.
 *
 * @example
 * ```ts
 * import { integerIn } from "aws-refresh-session";
 *
 * const Retries = integerIn(0, 10);
 * ```
 * @since 0.1.0
 */
export const integerIn = (min: number, max: number): t.Type<number, number> =>
  refine(t.number, (n) => Number.isInteger(n) && n >= min && n <= max, `an integer from ${min} to ${max}`);

/**
 * A finite number of milliseconds, zero or more.
 *
 * @example
 * ```ts
 * import { NonNegativeMillis } from "aws-refresh-session";
 *
 * NonNegativeMillis.is(300_000); // true
 * ```
 * @since 0.1.0
 */
export const NonNegativeMillis = refine(
  t.number,
  (n) => Number.isFinite(n) && n >= 0,
  "a finite number of milliseconds, 0 or more",
);

/**
 * A string of `min` to `max` characters matching `pattern`, described by `rule`.
 *
 * @example
 * ```ts
 * import { stringOf } from "aws-refresh-session";
 *
 * const ExternalId = stringOf(2, 1224, /^[\w+=,.@:/-]*$/, "2 to 1224 characters of letters, digits and _+=,.@:/-");
 * ```
 * @since 0.1.0
 */
export const stringOf = (min: number, max: number, pattern: RegExp, rule: string): t.Type<string, string> =>
  refine(t.string, (s) => s.length >= min && s.length <= max && pattern.test(s), rule);

/**
 * An array of at most `max` items of `item`.
 *
 * @example
 * ```ts
 * import * as t from "io-ts";
 * import { arrayOfAtMost } from "aws-refresh-session";
 *
 * const Hosts = arrayOfAtMost(3, t.string);
 * ```
 * @since 0.1.0
 */
export const arrayOfAtMost = <C extends t.Mixed>(
  max: number,
  item: C,
): t.Type<Array<t.TypeOf<C>>, Array<t.OutputOf<C>>> =>
  refine(t.array(item), (items) => items.length <= max, `at most ${max} items`);

/**
 * A `Date` that holds a real instant (not `new Date("garbage")`).
 *
 * @example
 * ```ts
 * import { ValidDate } from "aws-refresh-session";
 *
 * ValidDate.is(new Date("2030-01-01T00:00:00Z")); // true
 * ValidDate.is(new Date("not a date")); // false
 * ```
 * @since 0.1.0
 */
export const ValidDate = new t.Type<Date, Date, unknown>(
  "a valid Date",
  (u): u is Date => u instanceof Date && !Number.isNaN(u.getTime()),
  (u, c) =>
    u instanceof Date && !Number.isNaN(u.getTime()) ? t.success(u) : t.failure(u, c, "a valid Date"),
  (d) => d,
);

/**
 * A string with at least one character.
 *
 * @example
 * ```ts
 * import { NonEmptyString } from "aws-refresh-session";
 *
 * NonEmptyString.is(""); // false
 * ```
 * @since 0.1.0
 */
export const NonEmptyString = refine(t.string, (s) => s.length > 0, "a non-empty string");

/**
 * A codec for objects that have the given methods; `name` is how a failure reads.
 *
 * @example
 * ```ts
 * import { objectWith } from "aws-refresh-session";
 *
 * const Closable = objectWith("something with close()", ["close"]);
 * ```
 * @since 0.1.0
 */
export const objectWith = <K extends string>(name: string, methods: readonly K[]) =>
  new t.Type<Record<K, (...args: never[]) => unknown>, unknown, unknown>(
    name,
    (u): u is Record<K, (...args: never[]) => unknown> =>
      typeof u === "object" &&
      u !== null &&
      methods.every((m) => typeof (u as Record<string, unknown>)[m] === "function"),
    (u, c) =>
      typeof u === "object" &&
      u !== null &&
      methods.every((m) => typeof (u as Record<string, unknown>)[m] === "function")
        ? t.success(u as Record<K, (...args: never[]) => unknown>)
        : t.failure(u, c, name),
    (a) => a,
  );

/**
 * The io-ts codec of a {@link Clock}: an object with `now` and `sleep` functions.
 *
 * @example
 * ```ts
 * import { ClockCodec, systemClock } from "aws-refresh-session";
 *
 * ClockCodec.is(systemClock); // true
 * ```
 * @since 0.1.0
 */
export const ClockCodec = objectWith("a Clock (an object with now() and sleep())", ["now", "sleep"]);

/**
 * A codec for functions; `name` is how a failure reads.
 *
 * @example
 * ```ts
 * import { functionCodec } from "aws-refresh-session";
 *
 * const Callback = functionCodec("a callback function");
 * ```
 * @since 0.1.0
 */
export const functionCodec = <F extends (...args: never[]) => unknown>(name: string): t.Type<F, F> =>
  new t.Type<F, F, unknown>(
    name,
    (u): u is F => typeof u === "function",
    (u, c) => (typeof u === "function" ? t.success(u as F) : t.failure(u, c, name)),
    (f) => f,
  );
