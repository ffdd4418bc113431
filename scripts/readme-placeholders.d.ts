// What the README's snippets leave to the reader: your role, your region, your own functions.
import type { AwsCredentialIdentity } from "@smithy/types";

declare global {
  const roleArn: string;
  const roleSessionName: string;
  const region: string;
  function promptForCode(): Promise<string>;
  function fetchGithubOidcToken(): Promise<string>;
  function getFromBroker(): Promise<{ key: string; secret: string; token: string; expires: string }>;
  function fetchCredentialsFromVault(options?: unknown): Promise<AwsCredentialIdentity>;
  const metrics: { count(name: string): void };
}
