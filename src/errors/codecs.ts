/**
 * io-ts codecs for the values our options and STS responses are made of. Each codec's `name` is the
 * rule in words, because {@link InvalidOptionsError} shows it to the user as "the rule it broke".
 *
 * @packageDocumentation
 */
import * as t from "io-ts";
import { showValue } from "../core/showValue";

/**
 * A codec for the `A`s of `base` that satisfy `predicate`; `rule` is how a failure reads.
 *
 * @since 0.1.0
 * @internal
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
        if (nested) return decoded;
        // A base that is itself a rule (not just "number") says what it wants: say both.
        const own = decoded.left.find((error) => error.message !== undefined)?.message;
        return t.failure(u, c, own === undefined || own === rule ? rule : `${rule}; ${own}`);
      }
      return predicate(decoded.right) ? decoded : t.failure(u, c, rule);
    },
    base.encode,
  );

/**
 * An options object: `required` and `optional` props, and no other keys. io-ts's own `exact` strips
 * unknown keys silently; for options, a misspelt name (`durationSecs`) must be an error instead.
 *
 * @since 0.1.0
 * @internal
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
      // Each field read once, into an object of our own: what is checked is what is kept, whether the
      // caller's object holds it as a field or a getter (a class), and later changes to the caller's
      // object (or a getter answering differently) do not reach the provider.
      const read: Record<string, unknown> = {};
      for (const key of known) {
        if (key in record) read[key] = record[key];
      }
      // Both halves are validated in the same context (not through t.intersection), so that error
      // paths read `tags.0.key`, not `1.tags.0.0.key`.
      const errors: t.ValidationError[] = [];
      const kept: Record<string, unknown> = { ...read };
      const halves = [
        [requiredShape.validate(read, c), Object.keys(required)],
        [optionalShape.validate(read, c), Object.keys(optional)],
      ] as const;
      for (const [result, keys] of halves) {
        // The halves' own copies, where a nested option (an `mfa`) was read into one of its own.
        if (result._tag === "Left") errors.push(...result.left);
        else
          for (const key of keys) if (key in read) kept[key] = (result.right as Record<string, unknown>)[key];
      }
      for (const key of Object.keys(record)) {
        if (known.includes(key)) continue;
        const suggestion = closest(key, known);
        errors.push({
          value: record[key],
          context: t.appendContext(c, key, UnknownOption, record[key]),
          message: suggestion
            ? `is not a known option; did you mean ${suggestion}?`
            : `is not a known option (known: ${known.join(", ")})`,
        });
      }
      return errors.length > 0 ? t.failures(errors) : t.success(kept as A);
    },
    (a) => a,
  );
};

/**
 * The type an unknown option is reported against, so that {@link toIssues} knows never to repeat its
 * value: a misspelt `SecretAccessKey` holds exactly what must not be echoed.
 *
 * @internal
 */
export const UnknownOption: t.Type<never> = /* @__PURE__ */ new t.Type<never>(
  "a known option",
  (_u): _u is never => false,
  (u, c) => t.failure(u, c),
  () => {
    throw new TypeError("an unknown option has no value to encode");
  },
);

/**
 * A name that is not an option here, with the reason: any value given for it is an error saying
 * `rule` (for example, where the option belongs instead).
 *
 * @internal
 */
export const notAnOption = (rule: string): t.Type<never> =>
  new t.Type<never>(
    rule,
    (_u): _u is never => false,
    (u, c) => t.failure(u, c),
    () => {
      throw new TypeError("not an option here");
    },
  );

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
 * @since 0.1.0
 * @internal
 */
export const objectCodec = (name: string): t.Type<Record<string, unknown>, Record<string, unknown>> =>
  new t.Type<Record<string, unknown>, Record<string, unknown>, unknown>(
    name,
    t.UnknownRecord.is,
    // Not copied: a client configuration is the SDK's to read, when the client is built (its getters
    // included, at the first call).
    (u, c) => (t.UnknownRecord.is(u) ? t.success(u) : t.failure(u, c, name)),
    (a) => a,
  );

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/([\w+=,.@-]{1,512}\/)*([\w+=,.@-]+)$/;
const ROLE_ARN_RULE = "an IAM role ARN such as arn:aws:iam::123456789012:role/Name";

/**
 * An IAM role ARN in any partition, with an optional path: `arn:aws:iam::123456789012:role/path/Name`.
 * The role name (after the last `/`) has at most 64 characters, as IAM allows; a longer one gets a
 * rule of its own, since the ARN looks right at a glance.
 *
 * @since 0.1.0
 * @internal
 */
export const RoleArn: t.Type<string, string> = /* @__PURE__ */ new t.Type<string, string, unknown>(
  ROLE_ARN_RULE,
  (u): u is string => typeof u === "string" && roleArnProblem(u) === undefined,
  (u, c) => {
    if (typeof u !== "string") return t.failure(u, c, ROLE_ARN_RULE);
    const problem = roleArnProblem(u);
    return problem === undefined ? t.success(u) : t.failure(u, c, problem);
  },
  (s) => s,
);

function roleArnProblem(arn: string): string | undefined {
  const match = ROLE_ARN.exec(arn);
  if (match === null || arn.length > 2048) return ROLE_ARN_RULE;
  const name = match[2] ?? "";
  if (name.length > 64) {
    return `${ROLE_ARN_RULE}; its role name has ${name.length} characters, and IAM allows at most 64`;
  }
  return undefined;
}

/**
 * An STS role session name: 2 to 64 characters of letters, digits and `_+=,.@-`.
 *
 * @since 0.1.0
 * @internal
 */
export const RoleSessionName = /* @__PURE__ */ refine(
  t.string,
  (s) => /^[\w+=,.@-]{2,64}$/.test(s),
  "2 to 64 characters of letters, digits and _+=,.@-",
);

/**
 * A whole number within `[min, max]`.
 *
 * @since 0.1.0
 * @internal
 */
export const integerIn = (min: number, max: number): t.Type<number, number> =>
  refine(t.number, (n) => Number.isInteger(n) && n >= min && n <= max, `an integer from ${min} to ${max}`);

/**
 * The longest wait a timer can make: `setTimeout` takes a signed 32-bit number of milliseconds (about
 * 24.8 days), and a longer one fires after 1 ms with a `TimeoutOverflowWarning`.
 *
 * @since 0.1.0
 * @internal
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Milliseconds from `min` to {@link MAX_TIMER_MS}; a value over the top says why there is a top. */
function millisCodec(min: number, lowerRule: string): t.Type<number, number> {
  const rule = `a finite number of milliseconds, ${lowerRule}`;
  const tooLong = `at most ${MAX_TIMER_MS} ms, the longest a timer can wait (about 24.8 days)`;
  const problem = (u: unknown): string | undefined => {
    if (typeof u !== "number" || !Number.isFinite(u) || u < min) return rule;
    return u > MAX_TIMER_MS ? tooLong : undefined;
  };
  return new t.Type<number, number, unknown>(
    `${rule}, ${tooLong}`,
    (u): u is number => problem(u) === undefined,
    (u, c) => {
      const found = problem(u);
      return found === undefined ? t.success(u as number) : t.failure(u, c, found);
    },
    (n) => n,
  );
}

/**
 * A finite number of milliseconds, zero or more, and no more than a timer can wait
 * ({@link MAX_TIMER_MS}, about 24.8 days).
 *
 * @since 0.1.0
 * @internal
 */
export const NonNegativeMillis: t.Type<number, number> = /* @__PURE__ */ millisCodec(0, "0 or more");

/**
 * A number of milliseconds above 0 that a timer can wait: a timeout or a delay that must pass.
 *
 * @since 0.1.0
 * @internal
 */
export const PositiveMillis: t.Type<number, number> = /* @__PURE__ */ millisCodec(
  Number.MIN_VALUE,
  "above 0",
);

/**
 * A string of `min` to `max` characters matching `pattern`, described by `rule`.
 *
 * @since 0.1.0
 * @internal
 */
export const stringOf = (min: number, max: number, pattern: RegExp, rule: string): t.Type<string, string> =>
  refine(t.string, (s) => s.length >= min && s.length <= max && pattern.test(s), rule);

/**
 * An array of at most `max` items of `item`.
 *
 * @since 0.1.0
 * @internal
 */
export const arrayOfAtMost = <C extends t.Mixed>(
  max: number,
  item: C,
): t.Type<Array<t.TypeOf<C>>, Array<t.OutputOf<C>>> =>
  refine(t.array(item), (items) => items.length <= max, `at most ${max} items`);

/**
 * A `Date` that holds a real instant (not `new Date("garbage")`).
 *
 * @since 0.1.0
 * @internal
 */
export const ValidDate = /* @__PURE__ */ new t.Type<Date, Date, unknown>(
  "a valid Date",
  (u): u is Date => u instanceof Date && !Number.isNaN(u.getTime()),
  (u, c) =>
    u instanceof Date && !Number.isNaN(u.getTime()) ? t.success(u) : t.failure(u, c, "a valid Date"),
  (d) => d,
);

/**
 * A string with at least one character.
 *
 * @since 0.1.0
 * @internal
 */
export const NonEmptyString = /* @__PURE__ */ refine(t.string, (s) => s.length > 0, "a non-empty string");

/**
 * A codec for objects that have the given methods, and whose `optional` methods are functions where
 * present; `name` is how a failure reads.
 *
 * @since 0.1.0
 * @internal
 */
export const objectWith = <K extends string>(
  name: string,
  methods: readonly K[],
  optional: readonly string[] = [],
) => {
  // The first member that is missing or not a function, so that a failure can say which.
  const wrongMember = (u: object): string | undefined => {
    const kind = (m: string): string => typeof (u as Record<string, unknown>)[m];
    return (
      methods.find((m) => kind(m) !== "function") ??
      optional.find((m) => kind(m) !== "function" && kind(m) !== "undefined")
    );
  };
  const is = (u: unknown): u is Record<K, (...args: never[]) => unknown> =>
    typeof u === "object" && u !== null && wrongMember(u) === undefined;
  // "it has no set()", "its lock is 1".
  const shortfall = (u: object): string => {
    const member = wrongMember(u);
    if (member === undefined) return "";
    const value = (u as Record<string, unknown>)[member];
    return value === undefined ? `; it has no ${member}()` : `; its ${member} is ${showValue(value)}`;
  };
  return new t.Type<Record<K, (...args: never[]) => unknown>, unknown, unknown>(
    name,
    is,
    (u, c) =>
      is(u)
        ? t.success(u)
        : t.failure(u, c, typeof u === "object" && u !== null ? `${name}${shortfall(u)}` : name),
    (a) => a,
  );
};

/**
 * The io-ts codec of a {@link Clock}: an object with `now` and `sleep` functions.
 *
 * @since 0.1.0
 * @internal
 */
export const ClockCodec = /* @__PURE__ */ objectWith("a Clock (an object with now() and sleep())", [
  "now",
  "sleep",
]);

/**
 * A codec for functions; `name` is how a failure reads.
 *
 * @since 0.1.0
 * @internal
 */
export const functionCodec = <F extends (...args: never[]) => unknown>(name: string): t.Type<F, F> =>
  new t.Type<F, F, unknown>(
    name,
    (u): u is F => typeof u === "function",
    (u, c) => (typeof u === "function" ? t.success(u as F) : t.failure(u, c, name)),
    (f) => f,
  );

/**
 * The fields a decoding failed on, as dotted paths without array indexes ("Credentials.Expiration"),
 * each once; `whole` names a failure of the value itself. For messages about data from outside (an
 * STS answer, a cache entry), which must name what is wrong without quoting any of it.
 *
 * @internal
 */
export const failedFields = (errors: t.Errors, whole = "(the value)"): string[] => [
  ...new Set(
    errors.map(
      (error) =>
        error.context
          .map((entry) => entry.key)
          .filter((key) => key !== "" && !/^\d+$/.test(key))
          .join(".") || whole,
    ),
  ),
];

// Codecs of options that several functions take, defined once so that every function names a bad
// value the same way.

/** @internal */
export const ListenerCodec = /* @__PURE__ */ functionCodec("a function (event) => void");
/** @internal */
export const LoggerCodec = /* @__PURE__ */ objectWith("a logger with debug, info, warn and error", [
  "debug",
  "info",
  "warn",
  "error",
]);
/** @internal */
export const RandomCodec = /* @__PURE__ */ functionCodec("a function () => number in [0, 1)");
/** @internal */
export const RetryPolicyCodec = /* @__PURE__ */ functionCodec("a retry policy (status) => Option<delay>");
/** @internal */
export const RefreshBackoffCodec = /* @__PURE__ */ functionCodec("a function (context) => milliseconds");
/** @internal */
export const CredentialCacheCodec = /* @__PURE__ */ objectWith(
  "a CredentialCache (an object with get() and set(), and lock() and describe() if any)",
  ["get", "set"],
  ["lock", "describe"],
);
/** @internal */
export const SharedCacheCodec = /* @__PURE__ */ objectWith(
  "a cache from fileCache(), or sharedCache(store) for a CredentialCache of your own",
  ["get", "set", "layer", "roleKey"],
  ["lock", "describe"],
);
