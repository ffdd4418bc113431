import { hideKeysAndTokens } from "../core/secretText";
import { describeError } from "../errors/CredentialRefreshError";
import { main } from "./main";

// The installed `aws-refresh-session` command (package.json `bin`): the build bundles this file
// alone, so that the library's entry never loads the command's code.
// The command's environment, for the command exec runs, as it was given: not with the setting below.
const env = { ...process.env };
// The SDK's warning that its 2027 releases need Node 22 is for library users, not a command's.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env,
}).then(
  (status) => {
    // Not process.exit(): standard output may be a pipe still being written to.
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`aws-refresh-session: ${hideKeysAndTokens(describeError(error))}\n`);
    process.exitCode = 1;
  },
);
