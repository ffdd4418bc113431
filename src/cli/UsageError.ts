/**
 * A command line the command cannot run: an unknown flag, a missing value, a missing `--`. Reported
 * on standard error with a pointer to `--help`, and exit status 2, as the AWS CLI does.
 *
 * @internal
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
