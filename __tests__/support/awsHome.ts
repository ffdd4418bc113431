import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The AWS variables a test of profiles must not inherit from the machine it runs on. */
const AWS_VARIABLES = [
  "HOME",
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_STS",
  "AWS_ENDPOINT_URL_SSO",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
] as const;

export interface AwsHome {
  readonly home: string;
  readonly configFile: string;
  readonly credentialsFile: string;
  /** Writes `~/.aws/config` (the lines joined). */
  config(...lines: string[]): void;
  /** Writes `~/.aws/credentials` (the lines joined). */
  credentials(...lines: string[]): void;
  /** Sets (or, with undefined, unsets) an environment variable until `restore()`. */
  env(name: string, value: string | undefined): void;
  restore(): void;
}

/**
 * A temporary HOME with an empty `.aws`, pointed at by HOME, AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE; every AWS variable of the machine is hidden until `restore()`.
 */
export const awsHome = (): AwsHome => {
  const saved = new Map<string, string | undefined>();
  const set = (name: string, value: string | undefined): void => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  };
  const home = mkdtempSync(join(tmpdir(), "aws-profile-home-"));
  mkdirSync(join(home, ".aws"));
  const configFile = join(home, ".aws", "config");
  const credentialsFile = join(home, ".aws", "credentials");
  for (const name of AWS_VARIABLES) set(name, undefined);
  set("HOME", home);
  set("AWS_CONFIG_FILE", configFile);
  set("AWS_SHARED_CREDENTIALS_FILE", credentialsFile);
  return {
    home,
    configFile,
    credentialsFile,
    config: (...lines) => {
      writeFileSync(configFile, `${lines.join("\n")}\n`);
    },
    credentials: (...lines) => {
      writeFileSync(credentialsFile, `${lines.join("\n")}\n`);
    },
    env: set,
    restore: () => {
      for (const [name, value] of saved) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
};
