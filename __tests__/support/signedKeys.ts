import type { ServiceInputTypes, ServiceOutputTypes, STSClient } from "@aws-sdk/client-sts";
import type { FinalizeRequestMiddleware } from "@smithy/types";

/**
 * Records, for every request a client sends, the access key id it was signed with (read from the
 * Authorization header after signing): what the server will see, not what we meant to send.
 */
export const recordSignedKeys = (client: STSClient, into: string[]): void => {
  const record: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => (args) => {
    const authorization = String((args.request as { headers: Record<string, string> }).headers.authorization);
    into.push(/Credential=([^/]+)\//.exec(authorization)?.[1] ?? "unsigned");
    return next(args);
  };
  client.middlewareStack.addRelativeTo(record, {
    relation: "after",
    toMiddleware: "httpSigningMiddleware",
    name: "recordSignedKey",
  });
};
