/**
 * Recognising text that may be a key or a token, so that messages built from values we did not choose
 * (an option's value, the first characters of a server's answer) never repeat one.
 *
 * @packageDocumentation
 */

/**
 * A run of 20 or more characters of the alphabets keys and tokens are written in (base64, base64url).
 * Mixed with upper case, lower case and digits (or, 32 characters or more, upper and lower case alone),
 * it has the shape of an AWS secret key, a session token or a JWT.
 */
const TOKEN_RUN = /[A-Za-z0-9+/=_-]{20,}/g;

const isTokenShaped = (run: string): boolean =>
  /[A-Z]/.test(run) &&
  /[a-z]/.test(run) &&
  // A digit, or the length of a secret key: about one key in 900 has no digit in its 40 characters.
  (/\d/.test(run) || run.length >= 32);

/**
 * Whether `text` holds something shaped like a key or token.
 *
 * @internal
 */
export const looksLikeKeyOrToken = (text: string): boolean =>
  (text.match(TOKEN_RUN) ?? []).some(isTokenShaped);

/**
 * `text` with every key- or token-shaped run replaced by `[hidden]`.
 *
 * @internal
 */
export const hideKeysAndTokens = (text: string): string =>
  text.replace(TOKEN_RUN, (run) => (isTokenShaped(run) ? "[hidden]" : run));
