/**
 * JSON as Python's `json` module reads and writes it, for the one place where bytes must match
 * botocore's: the assume-role cache key (see {@link assumeRoleCacheKey}). Internal.
 *
 * `JSON.parse` cannot be used on the way in: it turns `1.0` into `1`, which Python keeps as the float
 * `1.0`, and loses the digits of integers above 2^53, which Python keeps exactly. So numbers are kept
 * as their source text, and written back as Python would write the int or float it reads from them.
 *
 * @packageDocumentation
 */

/**
 * A JSON value with numbers kept as the text they were written as.
 *
 * @internal
 */
export type PyJson =
  | null
  | boolean
  | string
  | { readonly kind: "number"; readonly text: string }
  | readonly PyJson[]
  | { readonly kind: "object"; readonly entries: ReadonlyMap<string, PyJson> };

const isNumber = (value: PyJson): value is { kind: "number"; text: string } =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  "kind" in value &&
  value.kind === "number";

/**
 * Parses JSON text as Python's `json.loads` does for what the values become: duplicate keys keep the
 * last value, numbers keep their text. Throws a `SyntaxError` on anything `JSON.parse` rejects.
 *
 * @internal
 */
export const pythonJsonLoads = (text: string): PyJson => {
  // JSON.parse is the judge of validity, so both parsers agree on what is JSON at all.
  JSON.parse(text);
  let at = 0;
  const skipSpace = (): void => {
    while (at < text.length && " \t\n\r".includes(text.charAt(at))) at++;
  };
  const value = (): PyJson => {
    skipSpace();
    const c = text.charAt(at);
    if (c === "{") {
      at++;
      const entries = new Map<string, PyJson>();
      skipSpace();
      if (text.charAt(at) === "}") {
        at++;
        return { kind: "object", entries };
      }
      for (;;) {
        skipSpace();
        const key = string();
        skipSpace();
        at++; // ":"
        entries.set(key, value());
        skipSpace();
        if (text.charAt(at++) === "}") return { kind: "object", entries };
      }
    }
    if (c === "[") {
      at++;
      const items: PyJson[] = [];
      skipSpace();
      if (text.charAt(at) === "]") {
        at++;
        return items;
      }
      for (;;) {
        items.push(value());
        skipSpace();
        if (text.charAt(at++) === "]") return items;
      }
    }
    if (c === '"') return string();
    for (const [literal, result] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(literal, at)) {
        at += literal.length;
        return result;
      }
    }
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at));
    if (match === null) throw new SyntaxError(`unexpected character at ${at}`);
    at += match[0].length;
    return { kind: "number", text: match[0] };
  };
  const string = (): string => {
    const start = at;
    at++; // opening quote
    while (text.charAt(at) !== '"') at += text.charAt(at) === "\\" ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  return value();
};

/** Python's `repr(float)`: the shortest digits that round-trip, in its own layout. */
const pythonFloatRepr = (x: number): string => {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  // toExponential() without an argument gives the shortest round-tripping digits, as Python's repr.
  const [mantissa = "", exponent = "0"] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const decimalPoint = Number(exponent) + 1;
  if (decimalPoint <= -4 || decimalPoint > 16) {
    const e = decimalPoint - 1;
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits.charAt(0)}${rest}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (decimalPoint <= 0) return `${sign}0.${"0".repeat(-decimalPoint)}${digits}`;
  if (decimalPoint >= digits.length) return `${sign}${digits}${"0".repeat(decimalPoint - digits.length)}.0`;
  return `${sign}${digits.slice(0, decimalPoint)}.${digits.slice(decimalPoint)}`;
};

/** What Python writes for a number it read from `text`: an int exactly, a float by its repr. */
const pythonNumber = (text: string): string => {
  if (/^-?\d+$/.test(text)) return text === "-0" ? "0" : text;
  return pythonFloatRepr(Number(text));
};

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** A string as `json.dumps` writes it with `ensure_ascii`: every UTF-16 unit outside ' '..'~' as \uXXXX. */
const pythonString = (s: string): string => {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charAt(i);
    const code = s.charCodeAt(i);
    const escape = ESCAPES[ch];
    if (escape !== undefined) out += escape;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
};

/** Python compares strings by code point; JavaScript's `<` compares UTF-16 units. */
const byCodePoint = (a: string, b: string): number => {
  const codePoints = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0) ?? 0);
  const left = codePoints(a);
  const right = codePoints(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
};

/**
 * Writes a value exactly as Python's `json.dumps(value, sort_keys=True)` does: separators `", "` and
 * `": "`, keys sorted by code point, non-ASCII escaped as `\uXXXX` (astral characters as surrogate
 * pairs), ints as written and floats by Python's `repr`.
 *
 * @internal
 */
export const pythonJsonDumps = (value: PyJson): string => {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (isNumber(value)) return pythonNumber(value.text);
  const object = value as { entries: ReadonlyMap<string, PyJson> };
  const keys = [...object.entries.keys()].sort(byCodePoint);
  return `{${keys.map((key) => `${pythonString(key)}: ${pythonJsonDumps(object.entries.get(key) ?? null)}`).join(", ")}}`;
};

/**
 * A plain JavaScript value (null, booleans, strings, safe integers, arrays, plain objects) as a
 * {@link PyJson}; `undefined` properties are left out, as if never set.
 *
 * @internal
 */
export const pyJsonOf = (value: unknown): PyJson => {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError("only safe integers have one Python form");
    return { kind: "number", text: String(value) };
  }
  if (Array.isArray(value)) return value.map(pyJsonOf);
  if (typeof value === "object") {
    return {
      kind: "object",
      entries: new Map(
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, pyJsonOf(v)]),
      ),
    };
  }
  throw new TypeError(`${typeof value} has no JSON form`);
};
