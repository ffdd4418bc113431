/**
 * Getting an MFA code, and getting it once per refresh. A person typing a code, or a command waiting
 * for a touch of a hardware key, takes far longer than the few seconds an STS attempt is allowed; and
 * an attempt that is retried must not ask the person again. So a refresh policy asks for the code
 * above its timed and retried attempts (`mfaCodeOnce`), and the attempts read the code it got.
 */
import { abortable } from "../core/abortable";
import { systemClock, type Clock } from "../core/Clock";
import type { CredentialProvider, ProviderTransform } from "../core/CredentialProvider";
import { refreshIntentOf } from "../core/refreshIntent";
import { CredentialRefreshError, describeError } from "../errors/CredentialRefreshError";
import { DEFAULT_MFA_COMMAND_TIMEOUT_MS, runMfaCommand } from "./mfaCommand";
import type { MfaOptions } from "./roleOptions";

/**
 * The current code of the MFA device, from `mfa.tokenCode` (a function or a command), within
 * `mfa.commandTimeoutMs`. Any failure is non-recoverable: retrying would ask the person again.
 *
 * @internal
 */
export const mfaCode = async (
  mfa: MfaOptions,
  signal: AbortSignal | undefined,
  clock: Clock = systemClock,
  background = false,
): Promise<string> => {
  const { tokenCode } = mfa;
  const timeoutMs = mfa.commandTimeoutMs ?? DEFAULT_MFA_COMMAND_TIMEOUT_MS;
  let code: unknown;
  if (typeof tokenCode !== "function") {
    // A command: its failures say what went wrong themselves.
    code = await runMfaCommand(tokenCode, { timeoutMs, signal });
  } else {
    const timer = new AbortController();
    const stop = (): void => {
      timer.abort();
    };
    signal?.addEventListener("abort", stop, { once: true });
    try {
      code = await Promise.race([
        abortable(Promise.resolve().then(tokenCode), signal),
        // A background refresh's prompt must not keep the process alive; a caller's wait does.
        clock.sleep(timeoutMs, timer.signal, { background }).then(() => {
          throw new CredentialRefreshError(
            `the MFA token code was not given within ${timeoutMs} ms (mfa.commandTimeoutMs); STS was not called`,
            { retryable: false },
          );
        }),
      ]);
    } catch (error) {
      if (error instanceof CredentialRefreshError || signal?.aborted === true) throw error;
      throw new CredentialRefreshError(`the MFA token code could not be had: ${describeError(error)}`, {
        retryable: false,
        cause: error,
      });
    } finally {
      stop();
      signal?.removeEventListener("abort", stop);
    }
  }
  if (typeof code !== "string" || !/^\d{6}$/.test(code)) {
    throw new CredentialRefreshError(
      `the MFA token code must be 6 digits (got ${typeof code === "string" ? `${code.length} characters` : typeof code}); STS was not called`,
      { retryable: false },
    );
  }
  return code;
};

/**
 * Asks for the MFA code once per refresh, before the attempts: `ask` wraps the timed and retried
 * attempts (and sits below any shared cache, so a cached session asks for nothing); `mfa` is what the
 * `AssumeRole` source is given, its `tokenCode` the code `ask` got. One refresh runs at a time under a
 * refreshing provider, so one code is held at a time.
 *
 * @internal
 */
export const mfaCodeOnce = (
  mfa: MfaOptions,
  clock: Clock | undefined,
): { readonly ask: ProviderTransform; readonly mfa: MfaOptions } => {
  let held: string | undefined;
  const ask =
    (attempts: CredentialProvider): CredentialProvider =>
    async (options) => {
      held = await mfaCode(mfa, options?.signal, clock, refreshIntentOf(options).background);
      try {
        return await attempts(options);
      } finally {
        held = undefined;
      }
    };
  const tokenCode = (): string => {
    if (held === undefined) throw new Error("aws-refresh-session: no MFA code held for this attempt (a bug)");
    return held;
  };
  return { ask, mfa: { serialNumber: mfa.serialNumber, tokenCode } };
};
