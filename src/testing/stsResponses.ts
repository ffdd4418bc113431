/**
 * What the local STS writes on the wire: the STS Query protocol's XML documents, as
 * `@aws-sdk/client-sts` parses them.
 *
 * @packageDocumentation
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { IssuedCredentials, StsAction } from "./localSts";
import type { StsError } from "./StsError";

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";

const xmlEscape = (value: string): string =>
  value.replace(
    /[<>&'"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] ?? c,
  );

const requestId = (): string => `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;

/**
 * The answer to an `AssumeRole` or `AssumeRoleWithWebIdentity` that issued `credentials`; without the
 * `Credentials` element when `withCredentials` is false (the `no-credentials` fault).
 *
 * @internal
 */
export const credentialsResponse = (
  action: Exclude<StsAction, "GetCallerIdentity">,
  credentials: IssuedCredentials,
  withCredentials = true,
): string => {
  const credentialsXml = withCredentials
    ? `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId>` +
      `<SecretAccessKey>${xmlEscape(credentials.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${xmlEscape(credentials.sessionToken)}</SessionToken>` +
      `<Expiration>${credentials.expiration.toISOString()}</Expiration></Credentials>`
    : "";
  const extra =
    action === "AssumeRoleWithWebIdentity"
      ? `<SubjectFromWebIdentityToken>local-subject</SubjectFromWebIdentityToken><Provider>local-idp</Provider><Audience>sts.amazonaws.com</Audience>`
      : `<PackedPolicySize>0</PackedPolicySize>`;
  return (
    `<${action}Response xmlns="${NS}"><${action}Result>${credentialsXml}` +
    `<AssumedRoleUser><AssumedRoleId>AROALOCAL:${xmlEscape(credentials.roleSessionName)}</AssumedRoleId><Arn>${xmlEscape(credentials.arn)}</Arn></AssumedRoleUser>` +
    `${extra}</${action}Result>${requestId()}</${action}Response>`
  );
};

/**
 * The answer to `GetCallerIdentity`.
 *
 * @internal
 */
export const callerIdentityResponse = (caller: {
  readonly arn: string;
  readonly userId: string;
  readonly account: string;
}): string =>
  `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult><Arn>${xmlEscape(caller.arn)}</Arn>` +
  `<UserId>${xmlEscape(caller.userId)}</UserId><Account>${caller.account}</Account></GetCallerIdentityResult>` +
  `${requestId()}</GetCallerIdentityResponse>`;

/**
 * STS's error document for `error`.
 *
 * @internal
 */
export const errorResponse = (error: StsError): string =>
  `<ErrorResponse xmlns="${NS}"><Error><Type>${error.type}</Type><Code>${error.code}</Code>` +
  `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;

/**
 * The `malformed` fault's body: cut off in the middle of an element, so no XML parser accepts it.
 *
 * @internal
 */
export const malformedResponse = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>";

/**
 * Writes `xml` as the whole answer, with the request id header STS sends.
 *
 * @internal
 */
export const sendXml = (response: ServerResponse, status: number, xml: string): void => {
  response.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() });
  response.end(xml);
};
