import { describeError } from "../errors/CredentialRefreshError";

/**
 * Wraps a user's listener (`onEvent`, `onRetry`, a logger method) so that its failure cannot break a
 * refresh: a listener that throws is reported as a process warning, not thrown into our control flow,
 * where it would turn a good refresh into a failed one.
 *
 * @internal
 */
export const safeListener =
  <A extends unknown[]>(name: string, listener: (...args: A) => unknown) =>
  (...args: A): void => {
    try {
      listener(...args);
    } catch (error) {
      process.emitWarning(`aws-refresh-session: the ${name} listener threw: ${describeError(error)}`, {
        code: "AWS_REFRESH_SESSION_LISTENER",
      });
    }
  };
