import { looksLikeKeyOrToken } from "./secretText";

/**
 * Values as messages show them: what an option was given, what a user's hook answered.
 *
 * @packageDocumentation
 */

/** `n` and `noun`, plural unless `n` is 1. @internal */
export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;

/**
 * A value as it can safely be shown: numbers as written (`NaN`, `Infinity`, never JSON's `null`),
 * strings quoted unless they look like a key or token, and anything bigger by its kind only, since an
 * object or array may hold secrets further down.
 *
 * @internal
 */
export const showValue = (value: unknown): string => {
  switch (typeof value) {
    case "string": {
      if (looksLikeKeyOrToken(value))
        return `a string of ${plural(value.length, "character")}, not shown: it looks like a key or token`;
      const quoted = JSON.stringify(value);
      return quoted.length > 80 ? `${quoted.slice(0, 77)}...` : quoted;
    }
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${String(value)}n`;
    case "boolean":
      return String(value);
    case "undefined":
      return "undefined";
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      break;
  }
  if (value === null) return "null";
  try {
    if (Array.isArray(value)) return `an array of ${plural(value.length, "item")}`;
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? "an invalid Date" : `the Date ${value.toISOString()}`;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) return "an object";
    const constructorName = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof constructorName === "string" && /^[A-Za-z_$][\w$]{0,40}$/.test(constructorName)
      ? `an object of class ${constructorName}`
      : "an object";
  } catch {
    // A proxy or an object with throwing getters: its kind is all we can say.
    return "an object";
  }
};
