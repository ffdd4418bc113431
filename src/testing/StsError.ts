/**
 * An error the local STS answers with, as STS describes it in its error document. Internal to
 * `aws-refresh-session/testing`: tests see it as the SDK's exception of the same name.
 *
 * @packageDocumentation
 */

/**
 * An STS error answer: the HTTP status, the error code the SDK turns into an exception name, and who is
 * to blame (`Sender` for the caller, `Receiver` for STS).
 *
 * @internal
 */
export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: "Sender" | "Receiver" = "Sender",
  ) {
    super(message);
  }
}

/**
 * What AWS answers for a key or token it does not accept: unknown, never issued, or revoked.
 *
 * @internal
 */
export const invalidClientTokenId = (): StsError =>
  new StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");

/**
 * What AWS answers when the signature it recomputes differs from the one sent.
 *
 * @internal
 */
export const signatureDoesNotMatch = (): StsError =>
  new StsError(
    403,
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided.",
  );

/**
 * What STS answers when it fails itself; also how the local STS answers an unexpected exception.
 *
 * @internal
 */
export const internalFailure = (): StsError =>
  new StsError(500, "InternalFailure", "An internal error occurred", "Receiver");
