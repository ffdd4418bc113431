/**
 * The options of {@link iotCredentials} and their checks, made when the provider is built so that a
 * data endpoint given for the credentials endpoint, or PEM contents that are no certificate or key,
 * fail at start-up rather than at the first refresh.
 *
 * @packageDocumentation
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { Clock } from "../core/Clock";
import {
  ClockCodec,
  integerIn,
  NonEmptyString,
  PositiveMillis,
  stringOf,
  strictOptions,
} from "../errors/codecs";
import { decodeOptionsAs, InvalidOptionsError, type OptionIssue } from "../errors/InvalidOptionsError";

/**
 * Options of {@link iotCredentials}. `certificate`, `privateKey` and `ca` are each either PEM contents
 * (text that starts a `-----BEGIN` block) or the path of a PEM file; a file is read again at each call,
 * so a certificate rotated on disk is used from the next refresh on.
 *
 * @example
 * ```ts
 * import type { IotCredentialsOptions } from "aws-refresh-session";
 *
 * const options: IotCredentialsOptions = {
 *   endpoint: "c1a2b3c4d5e6f7.credentials.iot.eu-west-1.amazonaws.com",
 *   roleAlias: "sensor-uploader",
 *   thingName: "sensor-0042",
 *   certificate: "/etc/iot/device.pem.crt",
 *   privateKey: "/etc/iot/private.pem.key",
 *   ca: "/etc/iot/AmazonRootCA1.pem",
 * };
 * ```
 * @category Sources
 * @since 0.2.0
 */
export interface IotCredentialsOptions {
  /**
   * The account's IoT credentials endpoint (`aws iot describe-endpoint --endpoint-type
   * iot:CredentialProvider`): a host such as `c1a2b3c4d5e6f7.credentials.iot.eu-west-1.amazonaws.com`,
   * optionally with a port or an `https://` prefix. Not the data endpoint (`...-ats.iot...`).
   */
  readonly endpoint: string;
  /** The role alias whose role the credentials are for. */
  readonly roleAlias: string;
  /** The thing the certificate is attached to, sent as `x-amzn-iot-thingname` (for policy variables). */
  readonly thingName?: string | undefined;
  /** The device's certificate: PEM contents or a file path. */
  readonly certificate: string;
  /** The certificate's private key: PEM contents or a file path. Never shown in an error or a log. */
  readonly privateKey: string;
  /** The CA that signed the endpoint's certificate: PEM contents or a file path. Default: Node.js's trusted CAs. */
  readonly ca?: string | undefined;
  /** Lifetime asked for, 900 to 43200 seconds (capped by the role alias). Default: the role alias's. */
  readonly durationSeconds?: number | undefined;
  /** How long a call may take, connection included, before it fails (retryable). Default: 10 seconds. */
  readonly timeoutMs?: number | undefined;
  /** The clock that decides whether an answer's expiration is already past. Default: {@link systemClock}. */
  readonly clock?: Clock | undefined;
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;

/**
 * Whether an option holds PEM contents rather than a file's path.
 *
 * @internal
 */
export const isPem = (value: string): boolean => PEM_BLOCK.test(value);

/** `host[:port]`, with an optional `https://` in front and nothing after. */
const ENDPOINT = /^(?:https:\/\/)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?\/?$/;

const ENDPOINT_RULE =
  "an IoT credentials endpoint host such as c1a2b3c4d5e6f7.credentials.iot.eu-west-1.amazonaws.com (optionally with :port or https://)";

const IotCredentialsOptionsCodec = /* @__PURE__ */ strictOptions(
  "IotCredentialsOptions",
  {
    endpoint: stringOf(1, 300, ENDPOINT, ENDPOINT_RULE),
    roleAlias: stringOf(1, 128, /^[\w=,@-]+$/, "a role alias: 1 to 128 letters, digits and _=,@-"),
    certificate: NonEmptyString,
    privateKey: NonEmptyString,
  },
  {
    thingName: stringOf(1, 128, /^[a-zA-Z0-9:_-]+$/, "a thing name: 1 to 128 letters, digits and :_-"),
    ca: NonEmptyString,
    durationSeconds: integerIn(900, 43_200),
    timeoutMs: PositiveMillis,
    clock: ClockCodec,
  },
);

/** Where a host is an AWS endpoint, it must be an IoT credentials one: the data endpoint is a common mix-up. */
const endpointIssues = (host: string): OptionIssue[] => {
  const lower = host.toLowerCase();
  if (lower.includes(".credentials.iot.")) return [];
  if (/(^|\.)iot\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(lower)) {
    return [
      {
        path: "endpoint",
        rule: `is an IoT data endpoint (${host}), not the credentials endpoint: use the one \`aws iot describe-endpoint --endpoint-type iot:CredentialProvider\` prints (…credentials.iot.<region>.amazonaws.com)`,
      },
    ];
  }
  if (/\.amazonaws\.com(\.cn)?$/.test(lower)) {
    return [{ path: "endpoint", rule: `${host} is an AWS endpoint, but not an IoT credentials endpoint` }];
  }
  // Loopback, a proxy, a custom domain: checked by what it answers.
  return [];
};

/** Each PEM option given as contents is checked now; a path is read (and checked) at each call. */
const pemIssues = (options: IotCredentialsOptions): OptionIssue[] => {
  const issues: OptionIssue[] = [];
  const check = (path: string, value: string | undefined, use: (pem: string) => unknown, what: string) => {
    if (value === undefined || !isPem(value)) return;
    try {
      use(value);
    } catch {
      // Never the value, nor the parser's message: for a key, either could quote it.
      issues.push({ path, rule: `PEM contents that are ${what}; these could not be read as one` });
    }
  };
  check("certificate", options.certificate, (pem) => new X509Certificate(pem), "an X.509 certificate");
  check("privateKey", options.privateKey, (pem) => createPrivateKey(pem), "an unencrypted private key");
  check("ca", options.ca, (pem) => new X509Certificate(pem), "an X.509 certificate");
  return issues;
};

/**
 * The options, checked, with the endpoint split into its host and port; an
 * {@link InvalidOptionsError} naming every bad one otherwise.
 *
 * @internal
 */
export const decodeIotCredentialsOptions = (
  options: IotCredentialsOptions,
): { readonly decoded: IotCredentialsOptions; readonly host: string; readonly port: string | undefined } => {
  const decoded = decodeOptionsAs<IotCredentialsOptions>()(
    "iotCredentials",
    IotCredentialsOptionsCodec,
    options,
  );
  const [, host = "", port] = ENDPOINT.exec(decoded.endpoint) ?? [];
  const issues = [...endpointIssues(host), ...pemIssues(decoded)];
  if (issues.length > 0) throw new InvalidOptionsError("iotCredentials", issues);
  return { decoded, host, port };
};
