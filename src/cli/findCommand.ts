import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * Whether `command` can be run, looked up as a shell looks it up: a name with a slash is a path, any
 * other is searched in `PATH`. `missing` is exit status 127 in a shell, `not-executable` 126. On
 * Windows (PATHEXT, no execute bit) the answer is always `found`, and spawn's own error decides.
 *
 * @internal
 */
export const findCommand = (
  command: string,
  env: Readonly<Record<string, string | undefined>>,
): "found" | "missing" | "not-executable" => {
  if (process.platform === "win32") return "found";
  const check = (path: string): "found" | "missing" | "not-executable" => {
    try {
      if (!statSync(path).isFile()) return "not-executable";
    } catch {
      return "missing";
    }
    try {
      accessSync(path, constants.X_OK);
      return "found";
    } catch {
      return "not-executable";
    }
  };
  if (command.includes("/")) return check(command);
  let best: "missing" | "not-executable" = "missing";
  for (const directory of (env.PATH ?? "").split(delimiter)) {
    // An empty entry is the current directory, as in a shell.
    const outcome = check(join(directory === "" ? "." : directory, command));
    if (outcome === "found") return outcome;
    if (outcome === "not-executable") best = outcome;
  }
  return best;
};
