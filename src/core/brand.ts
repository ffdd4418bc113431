/**
 * Brand checks for the error classes. A process can hold two copies of this library (the CommonJS
 * build beside a bundle made from the ES module build, or two versions in node_modules), and an
 * error made by one copy fails `instanceof` against the other copy's class. Each instance carries a
 * registered symbol (`Symbol.for`, shared by every copy in the process), and each branded class
 * answers `instanceof` by that brand: `error instanceof CredentialRefreshError` holds whichever copy
 * made the error.
 */

/**
 * The brand of a class named `name`: the same symbol in every copy of the library.
 *
 * @internal
 */
export const brandFor = (name: string): symbol => Symbol.for(`aws-refresh-session.${name}`);

/**
 * Marks an instance with a brand, as a non-enumerable property (so not in JSON or `inspect`).
 *
 * @internal
 */
export const setBrand = (instance: object, brand: symbol): void => {
  Object.defineProperty(instance, brand, { value: true });
};

/**
 * `instanceof` for a branded class: by brand for the class itself, by prototype (the language's own
 * rule) for a user's subclass of it, whose instances the brand alone cannot tell apart.
 *
 * @internal
 */
export const hasInstance = (
  constructor: abstract new (...args: never[]) => unknown,
  branded: abstract new (...args: never[]) => unknown,
  brand: symbol,
  value: unknown,
): boolean =>
  constructor === branded
    ? typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[brand] === true &&
      // A real error of any realm (not a plain object someone put the symbol on).
      Object.prototype.toString.call(value) === "[object Error]"
    : Function.prototype[Symbol.hasInstance].call(constructor, value);
