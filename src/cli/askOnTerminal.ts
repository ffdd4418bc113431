import { open, type FileHandle } from "node:fs/promises";

/**
 * Asks for the MFA code of `mfaSerial` on the controlling terminal, as the AWS CLI does ("Enter MFA
 * code for ...:"), for a profile with `mfa_serial`. The terminal, not standard input: the AWS CLI runs
 * `credential-process` with its standard input and output taken, and `exec` gives its own to the
 * command. Asked only when the role is really assumed, never for a session found in the cache.
 *
 * @internal
 */
export const askOnTerminal = async (mfaSerial: string): Promise<string> => {
  let tty: FileHandle;
  try {
    tty = await open("/dev/tty", "r+");
  } catch {
    throw new Error(
      `an MFA code is needed for ${mfaSerial} and there is no terminal to ask for it on: run the command from a terminal once, or let the AWS CLI cache the session (aws sts get-caller-identity --profile ...)`,
    );
  }
  try {
    await tty.write(`Enter MFA code for ${mfaSerial}: `);
    const input = tty.createReadStream({ autoClose: false, encoding: "utf8" });
    return await new Promise<string>((resolve, reject) => {
      let typed = "";
      input.on("data", (chunk: string | Buffer) => {
        typed += chunk.toString();
        const end = typed.indexOf("\n");
        if (end >= 0) {
          input.destroy();
          resolve(typed.slice(0, end).trim());
        }
      });
      input.on("error", reject);
      input.on("end", () => {
        resolve(typed.trim());
      });
    });
  } finally {
    await tty.close();
  }
};
