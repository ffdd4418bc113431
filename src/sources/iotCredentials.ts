/**
 * Credentials for devices that hold an X.509 certificate registered with AWS IoT, from the IoT
 * credentials provider over mutual TLS.
 *
 * @packageDocumentation
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { systemClock } from "../core/Clock";
import type { CredentialProvider } from "../core/CredentialProvider";
import { nameSource } from "../core/sourceName";
import { credentialsFromIotAnswer } from "./credentialsFromIotAnswer";
import { decodeIotCredentialsOptions, isPem, type IotCredentialsOptions } from "./iotCredentialsOptions";
import { errorCode, iotFailure } from "./iotFailure";
import { requestIotCredentials } from "./requestIotCredentials";

export type { IotCredentialsOptions } from "./iotCredentialsOptions";

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Credentials from the AWS IoT credentials provider, for devices that hold an X.509 certificate
 * registered with AWS IoT (like boto3-refresh-session's IoT method): each call connects to
 * `https://<endpoint>/role-aliases/<roleAlias>/credentials` with the certificate and key (mutual TLS),
 * sends the thing name when given, and answers the role's temporary credentials. Give it to
 * {@link refreshing} or `session({ source })` for the refresh policy; one call per refresh.
 *
 * Files are read again at each call (a rotated certificate takes effect at the next refresh), and a
 * fresh connection is made each time. Failures are {@link CredentialRefreshError}s that name the
 * endpoint and the role alias, never the key: a certificate the endpoint does not accept, an unknown
 * or forbidden role alias, a TLS failure and an endpoint that does not answer as IoT are not
 * retryable; throttling, 5xx answers, timeouts and network errors are.
 *
 * Options are checked now: bad ones (a data endpoint given for the credentials endpoint, PEM contents
 * that are not a certificate or key) throw an {@link InvalidOptionsError}.
 *
 * @example
 * ```ts
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { iotCredentials, refreshing } from "aws-refresh-session";
 *
 * const credentials = refreshing(
 *   iotCredentials({
 *     endpoint: "c1a2b3c4d5e6f7.credentials.iot.eu-west-1.amazonaws.com",
 *     roleAlias: "sensor-uploader",
 *     thingName: "sensor-0042",
 *     certificate: "/etc/iot/device.pem.crt",
 *     privateKey: "/etc/iot/private.pem.key",
 *     ca: "/etc/iot/AmazonRootCA1.pem",
 *   }),
 * );
 * const s3 = new S3Client({ region: "eu-west-1", credentials });
 * ```
 * @category Sources
 * @since 0.2.0
 */
export const iotCredentials = (options: IotCredentialsOptions): CredentialProvider => {
  const { decoded, host, port } = decodeIotCredentialsOptions(options);
  const clock = decoded.clock ?? systemClock;
  const timeoutMs = decoded.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { roleAlias, thingName, durationSeconds } = decoded;
  const address = port === undefined ? host : `${host}:${port}`;
  const name = `the IoT credentials provider at ${address} (role alias ${roleAlias})`;
  const fail = iotFailure(name);

  /** PEM contents as given, or a file's, read now; a file that cannot be read is named, never quoted. */
  const material = async (option: string, value: string): Promise<string> => {
    if (isPem(value)) return value;
    try {
      return await readFile(value, "utf8");
    } catch (error) {
      throw fail(
        `could not be called: the ${option} file ${value} could not be read (${errorCode(error) ?? "error"})`,
        false,
        error,
      );
    }
  };

  /** Where a value came from, for messages: a file's path, or "(PEM contents)". */
  const from = (option: "certificate" | "privateKey" | "ca"): string => {
    const value = decoded[option] ?? "";
    return isPem(value) ? `${option} (PEM contents)` : `${option} file ${value}`;
  };

  /**
   * Checks what was read before it is used, so that a bad file, or a key and certificate from two
   * rotations (one file replaced, not yet the other), reads as such rather than as a TLS error.
   */
  const usable = (cert: string, key: string, ca: string | undefined): void => {
    const parse = <A>(option: "certificate" | "privateKey" | "ca", what: string, read: () => A): A => {
      try {
        return read();
      } catch {
        // Neither the value nor the parser's message: for a key, either could quote it.
        throw fail(`could not be called: ${from(option)} is not ${what}`, false);
      }
    };
    const certificate = parse("certificate", "a PEM X.509 certificate", () => new X509Certificate(cert));
    const privateKey = parse("privateKey", "an unencrypted PEM private key", () => createPrivateKey(key));
    if (ca !== undefined) parse("ca", "a PEM X.509 certificate", () => new X509Certificate(ca));
    if (!certificate.checkPrivateKey(privateKey)) {
      throw fail(
        `could not be called: the private key (${from("privateKey")}) does not belong to the certificate (${from("certificate")}); if they are being rotated, the next refresh will see both`,
        false,
      );
    }
  };

  return nameSource(async (providerOptions) => {
    const [cert, key, ca] = await Promise.all([
      material("certificate", decoded.certificate),
      material("privateKey", decoded.privateKey),
      decoded.ca === undefined ? undefined : material("ca", decoded.ca),
    ]);
    usable(cert, key, ca);
    const answer = await requestIotCredentials(
      { host, port, roleAlias, thingName, durationSeconds, timeoutMs, tls: { cert, key, ca } },
      providerOptions?.signal,
      fail,
    );
    return credentialsFromIotAnswer(answer, { address, roleAlias, thingName, clock, fail });
  }, name);
};
