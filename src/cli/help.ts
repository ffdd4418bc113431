/**
 * The `--help` text of each subcommand, and of the command itself.
 *
 * @internal
 */
const ROLE_FLAGS = `Role flags:
  --role-arn ARN              the IAM role to assume (required, unless --profile)
  --role-session-name NAME    shown in CloudTrail (default: aws-refresh-session-<time>-<random>)
  --external-id ID            the external ID the role's trust policy asks for
  --duration-seconds N        lifetime of each session, 900 to 43200 (default: STS's 3600)
  --region REGION             the STS region, and the region given to the command
  --profile NAME              a profile of ~/.aws/config instead of --role-arn
  --mandatory-window-seconds N
                              replace credentials this long before they expire (default 60);
                              lower it only for credentials that live less than a minute
  -h, --help                  this help

The caller's credentials come from the AWS SDK's default chain (environment, ~/.aws files, SSO,
container, instance). Sessions are shared with the AWS CLI through ~/.aws/cli/cache.`;

/** @internal */
export const HELP = {
  main: `Usage: aws-refresh-session <command> [flags]

Credentials for an IAM role that refresh themselves, for processes that are not this one.

Commands:
  exec [role flags] -- COMMAND [ARGS...]   run COMMAND with credentials served on 127.0.0.1
  credential-process [role flags]          print credentials for a credential_process profile
  serve [role flags] [--quiet]             serve credentials on 127.0.0.1 until interrupted

Run 'aws-refresh-session <command> --help' for a command's flags.`,

  exec: `Usage: aws-refresh-session exec [role flags] -- COMMAND [ARGS...]

Runs COMMAND with the role's credentials, served on 127.0.0.1 (a random port, behind a random
token) through AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN, which
every AWS SDK and the AWS CLI read: they refresh from it as the credentials near expiry. The
region is set (AWS_REGION, AWS_DEFAULT_REGION). So that COMMAND uses the served credentials,
these are removed from its environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN, AWS_ACCESS_KEY, AWS_SECRET_KEY, AWS_CREDENTIAL_EXPIRATION,
AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME,
AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
AWS_CREDENTIAL_FILE, AWS_SDK_LOAD_CONFIG; and AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE and
BOTO_CONFIG point at the null device (the ~/.aws files would win over the endpoint).

Signals (SIGINT, SIGTERM, SIGHUP) are passed to COMMAND; in a terminal, Ctrl-C's SIGINT reaches
COMMAND from the terminal itself and is not sent twice. The exit status is COMMAND's (128 + the
signal's number if a signal ended it); 127 if COMMAND is not found, 126 if it cannot be run, 2 for
bad usage, 1 if no credentials could be had (COMMAND is then not run).

${ROLE_FLAGS}`,

  "credential-process": `Usage: aws-refresh-session credential-process [role flags]

Prints the role's credentials as a credential_process answer (Version 1, AccessKeyId,
SecretAccessKey, SessionToken, Expiration) and exits. Sessions are read from and written to the
AWS CLI's cache, so repeated runs call STS only when the session nears expiry. In ~/.aws/config:

  [profile reader]
  credential_process = aws-refresh-session credential-process --role-arn arn:aws:iam::123456789012:role/Reader

Errors go to standard error, with exit status 1 (2 for bad usage).

${ROLE_FLAGS}`,

  serve: `Usage: aws-refresh-session serve [role flags] [--quiet]

Serves the role's credentials on 127.0.0.1 until interrupted, and prints the two lines to export
in the shells that should use them. A status line (refreshes, next refresh, requests served) goes
to standard error at each refresh.

  -q, --quiet                 no status line

${ROLE_FLAGS}`,
} as const;
