/**
 * What a credential source is called in messages: "STS AssumeRole for arn:aws:iam::...:role/Reader",
 * "the container credential endpoint at 169.254.170.2". Sources built here carry their name, so that
 * a combinator wrapped around one (a timeout) can say which source failed without being told.
 *
 * @packageDocumentation
 */
import type { CredentialProvider } from "./CredentialProvider";

/**
 * The property a source's name is kept under; a registered symbol, so that two copies of the library
 * in one process agree.
 *
 * @internal
 */
export const SOURCE_NAME = Symbol.for("aws-refresh-session.sourceName");

/**
 * Gives `provider` a name for messages, and returns it.
 *
 * @internal
 */
export const nameSource = <P extends CredentialProvider>(provider: P, name: string): P =>
  Object.defineProperty(provider, SOURCE_NAME, {
    value: name,
    enumerable: false,
    configurable: true,
    writable: false,
  });

/**
 * The name `provider` was given with {@link nameSource}, if any.
 *
 * @internal
 */
export const sourceNameOf = (provider: unknown): string | undefined => {
  if (typeof provider !== "function") return undefined;
  const name = (provider as unknown as Record<symbol, unknown>)[SOURCE_NAME];
  return typeof name === "string" && name.length > 0 ? name : undefined;
};
