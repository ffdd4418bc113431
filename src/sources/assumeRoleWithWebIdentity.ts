import { readFile } from "node:fs/promises";
import { AssumeRoleWithWebIdentityCommand } from "@aws-sdk/client-sts";
import * as t from "io-ts";
import {
  assumeRoleCrossFieldIssues,
  assumeRoleProps,
  CALLER_CREDENTIALS_ONLY,
  defaultSessionName,
  type AssumeRoleOptions,
} from "./roleOptions";
import { omitKeys } from "../core/omitKeys";
import { systemClock } from "../core/Clock";
import { functionCodec, NonEmptyString, stringOf, strictOptions } from "../errors/codecs";
import { CredentialRefreshError, describeError } from "../errors/CredentialRefreshError";
import type { CredentialProvider } from "../core/CredentialProvider";
import { decodeOptionsAs, InvalidOptionsError, type OptionIssue } from "../errors/InvalidOptionsError";
import { stsClientFor, stsCredentialSource } from "./sts";
import { isRetryableError } from "../errors/isRetryableError";

/**
 * Where a web identity token comes from: the token itself, a function that gives it, or (most often)
 * a file that a platform keeps fresh, such as a Kubernetes service-account token.
 *
 * @example
 * ```ts
 * import type { WebIdentityTokenSource } from "aws-refresh-session";
 *
 * const fromKubernetes: WebIdentityTokenSource = { webIdentityTokenFile: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token" };
 * ```
 * @category Sources
 * @since 0.1.0
 */
export type WebIdentityTokenSource =
  | {
      readonly webIdentityToken: string | (() => string | Promise<string>);
      readonly webIdentityTokenFile?: undefined;
    }
  | { readonly webIdentityTokenFile: string; readonly webIdentityToken?: undefined };

/**
 * Options of {@link assumeRoleWithWebIdentity}: where the token comes from, {@link assumeRole}'s options
 * but those that only go with caller credentials, and `providerId`.
 *
 * @example
 * ```ts
 * import type { AssumeRoleWithWebIdentityOptions } from "aws-refresh-session";
 *
 * const options: AssumeRoleWithWebIdentityOptions = {
 *   roleArn: "arn:aws:iam::123456789012:role/ci-deployer",
 *   webIdentityTokenFile: "/var/run/secrets/token",
 * };
 * ```
 * @category Sources
 * @since 0.1.0
 */
export type AssumeRoleWithWebIdentityOptions = WebIdentityTokenSource &
  Pick<
    AssumeRoleOptions,
    | "roleArn"
    | "roleSessionName"
    | "durationSeconds"
    | "policy"
    | "policyArns"
    | "region"
    | "stsClient"
    | "clientConfig"
    | "clock"
  > & {
    /** For OAuth 2.0 identity providers (`www.amazon.com`, `graph.facebook.com`); not for OIDC. */
    readonly providerId?: string | undefined;
  };

/**
 * The io-ts props of the web identity token options.
 *
 * @since 0.1.0
 * @internal
 */
export const webIdentityProps = {
  webIdentityToken: t.union(
    [NonEmptyString, functionCodec<() => string | Promise<string>>("a function")],
    "a token, or a function () => string | Promise<string>",
  ),
  webIdentityTokenFile: NonEmptyString,
  providerId: stringOf(4, 2048, /^\S+$/, "an OAuth 2.0 provider id such as www.amazon.com"),
} as const;

// Everything of assumeRole's options but what only goes with credentials.
const { roleArn, ...sharedProps } = omitKeys(assumeRoleProps, CALLER_CREDENTIALS_ONLY);

/**
 * The optional options of {@link assumeRoleWithWebIdentity} (`roleArn` is the one required).
 *
 * @internal
 */
export const webIdentityOptionalProps = { ...sharedProps, ...webIdentityProps } as const;

/**
 * The io-ts codec of {@link AssumeRoleWithWebIdentityOptions}'s fields. Unknown option names are
 * errors; the rule that exactly one of `webIdentityToken` and `webIdentityTokenFile` is given is checked
 * by {@link assumeRoleWithWebIdentity} itself.
 *
 * @example
 * ```ts
 * import { AssumeRoleWithWebIdentityOptionsCodec } from "aws-refresh-session/fp";
 *
 * AssumeRoleWithWebIdentityOptionsCodec.is({ roleArn: "arn:aws:iam::123456789012:role/pod", webIdentityTokenFile: "/var/run/token" }); // true
 * ```
 * @category Codecs
 * @since 0.1.0
 */
export const AssumeRoleWithWebIdentityOptionsCodec = /* @__PURE__ */ strictOptions(
  "AssumeRoleWithWebIdentityOptions",
  { roleArn },
  webIdentityOptionalProps,
);

/**
 * Rules of the token source: exactly one of `webIdentityToken` and `webIdentityTokenFile`.
 *
 * @internal
 */
export const webIdentityIssues = (options: {
  readonly webIdentityToken?: unknown;
  readonly webIdentityTokenFile?: unknown;
}): OptionIssue[] => {
  if (options.webIdentityToken !== undefined && options.webIdentityTokenFile !== undefined) {
    return [
      {
        path: "webIdentityTokenFile",
        rule: "give either webIdentityToken or webIdentityTokenFile, not both",
      },
    ];
  }
  if (options.webIdentityToken === undefined && options.webIdentityTokenFile === undefined) {
    return [
      { path: "webIdentityToken", rule: "give webIdentityToken or webIdentityTokenFile (it is missing)" },
    ];
  }
  return [];
};

const readToken = async (source: WebIdentityTokenSource): Promise<string> => {
  let token: string;
  try {
    if (source.webIdentityTokenFile !== undefined) {
      // Read at every refresh: platforms rotate the file (Kubernetes every hour or so).
      token = (await readFile(source.webIdentityTokenFile, "utf8")).trim();
    } else {
      const given = source.webIdentityToken;
      token = typeof given === "function" ? await given() : given;
    }
  } catch (error) {
    throw new CredentialRefreshError(`the web identity token could not be read: ${describeError(error)}`, {
      // By the one rule: a token file being rotated or mounted may be there next time, but a token
      // function's AccessDenied is not worth another attempt.
      retryable: isRetryableError(error),
      cause: error,
    });
  }
  if (token.length === 0) {
    throw new CredentialRefreshError("the web identity token is empty; STS was not called", {
      retryable: true,
    });
  }
  return token;
};

/**
 * A provider that makes one STS `AssumeRoleWithWebIdentity` call each time it is called, with a token
 * from an OpenID Connect or OAuth 2.0 provider: a Kubernetes service-account token, a GitHub Actions
 * OIDC token, and so on. A token file is read again at every call, since platforms rotate it. The call
 * is not signed: no caller credentials are needed.
 *
 * `refreshingRole` uses it when given `webIdentityToken` or `webIdentityTokenFile`, and
 * {@link webIdentityFromEnv} reads the standard `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRoleWithWebIdentity, memoizeUntil, retryWith } from "aws-refresh-session";
 *
 * const credentials = pipe(
 *   assumeRoleWithWebIdentity({
 *     roleArn: "arn:aws:iam::123456789012:role/pod-reader",
 *     webIdentityTokenFile: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
 *     region: "eu-west-1",
 *   }),
 *   retryWith(),
 *   memoizeUntil(),
 * );
 * ```
 * @category Sources
 * @since 0.1.0
 */
export const assumeRoleWithWebIdentity = (options: AssumeRoleWithWebIdentityOptions): CredentialProvider => {
  // Options a policy checked (refreshingWebIdentity's) are not checked again.
  const decoded = decodeOptionsAs<AssumeRoleWithWebIdentityOptions>()(
    "assumeRoleWithWebIdentity",
    AssumeRoleWithWebIdentityOptionsCodec,
    options,
    (checked) => [...webIdentityIssues(checked), ...assumeRoleCrossFieldIssues(checked)],
  );

  const clockToUse = decoded.clock ?? systemClock;
  const client = stsClientFor(decoded);
  const input = {
    RoleArn: decoded.roleArn,
    RoleSessionName: decoded.roleSessionName ?? defaultSessionName(clockToUse),
    DurationSeconds: decoded.durationSeconds,
    Policy: decoded.policy,
    PolicyArns: decoded.policyArns?.map((arn) => ({ arn })),
    ProviderId: decoded.providerId,
  };
  return stsCredentialSource(
    "AssumeRoleWithWebIdentity",
    decoded.roleArn,
    client,
    clockToUse,
    async () =>
      new AssumeRoleWithWebIdentityCommand({ ...input, WebIdentityToken: await readToken(decoded) }),
  );
};

/**
 * The web identity options the SDKs read from the environment: `AWS_ROLE_ARN`,
 * `AWS_WEB_IDENTITY_TOKEN_FILE` and, if set, `AWS_ROLE_SESSION_NAME` (as EKS IRSA sets them). Throws
 * an {@link InvalidOptionsError} naming what is missing.
 *
 * @example
 * ```ts
 * import { refreshingRole, webIdentityFromEnv } from "aws-refresh-session";
 *
 * const credentials = refreshingRole({ ...webIdentityFromEnv(), region: "eu-west-1" });
 * ```
 * @category Sources
 * @since 0.1.0
 */
export const webIdentityFromEnv = (
  env: Readonly<Record<string, string | undefined>> = process.env,
): { roleArn: string; webIdentityTokenFile: string; roleSessionName?: string } => {
  const issues: OptionIssue[] = [];
  const { AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_SESSION_NAME } = env;
  if (AWS_ROLE_ARN === undefined || AWS_ROLE_ARN === "") {
    issues.push({ path: "AWS_ROLE_ARN", rule: "the role to assume (it is not set)" });
  }
  if (AWS_WEB_IDENTITY_TOKEN_FILE === undefined || AWS_WEB_IDENTITY_TOKEN_FILE === "") {
    issues.push({ path: "AWS_WEB_IDENTITY_TOKEN_FILE", rule: "the path of the token file (it is not set)" });
  }
  if (AWS_ROLE_ARN === undefined || AWS_WEB_IDENTITY_TOKEN_FILE === undefined || issues.length > 0) {
    throw new InvalidOptionsError("web identity environment", issues);
  }
  return {
    roleArn: AWS_ROLE_ARN,
    webIdentityTokenFile: AWS_WEB_IDENTITY_TOKEN_FILE,
    ...(AWS_ROLE_SESSION_NAME === undefined || AWS_ROLE_SESSION_NAME === ""
      ? {}
      : { roleSessionName: AWS_ROLE_SESSION_NAME }),
  };
};
