/**
 * Recognising text that may be a key or a token, so that messages built from values we did not choose
 * (an option's value, the first characters of a server's answer) never repeat one.
 *
 * @packageDocumentation
 */

/**
 * A run of 20 or more characters of the alphabets keys and tokens are written in (base64, base64url).
 * Mixed with upper case, lower case and digits (or, 32 characters or more, upper and lower case alone
 * changing often, as random text does and words do not), it has the shape of an AWS secret key, a
 * session token or a JWT.
 */
const TOKEN_RUN = /[A-Za-z0-9+/=_-]{20,}/g;

/** How often the case changes between neighbouring letters. */
const caseChanges = (run: string): number => {
  let changes = 0;
  for (let i = 1; i < run.length; i++) {
    const [a, b] = [run[i - 1] ?? "", run[i] ?? ""];
    if ((/[a-z]/.test(a) && /[A-Z]/.test(b)) || (/[A-Z]/.test(a) && /[a-z]/.test(b))) changes++;
  }
  return changes;
};

const isTokenShaped = (run: string): boolean =>
  /[A-Z]/.test(run) &&
  /[a-z]/.test(run) &&
  // A digit; or the length of a secret key, about one in 900 of which has no digit in its 40
  // characters, with the case changing as often as in random text (a name in CamelCase changes case
  // once or twice a word: "OrganizationAccountAccessRole" 7 times in 29 characters).
  (/\d/.test(run) || (run.length >= 32 && caseChanges(run) >= run.length / 4));

/**
 * IAM and STS ARNs (`arn:aws:iam::123456789012:role/OrganizationAccountAccessRole`): names, never
 * secrets, and what a message most needs to show.
 */
const ARN = /arn:aws[a-z-]*:(?:iam|sts)::\d{12}:[\w+=,.@/-]+/g;

/** `hide` applied to the parts of `text` that are not ARNs. */
const outsideArns = (text: string, hide: (part: string) => string): string => {
  let shown = "";
  let from = 0;
  for (const match of text.matchAll(ARN)) {
    shown += hide(text.slice(from, match.index)) + match[0];
    from = match.index + match[0].length;
  }
  return shown + hide(text.slice(from));
};

/**
 * Whether `text` holds something shaped like a key or token.
 *
 * @internal
 */
export const looksLikeKeyOrToken = (text: string): boolean =>
  (text.replace(ARN, " ").match(TOKEN_RUN) ?? []).some(isTokenShaped);

/**
 * `text` with every key- or token-shaped run replaced by `[hidden]`; ARNs are shown as they are.
 *
 * @internal
 */
export const hideKeysAndTokens = (text: string): string =>
  outsideArns(text, (part) => part.replace(TOKEN_RUN, (run) => (isTokenShaped(run) ? "[hidden]" : run)));
