import type { STSClient } from "@aws-sdk/client-sts";
import type { Clock } from "../../src";

interface SentCommand {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

type Answer = Error | ((input: Record<string, unknown>) => unknown);

/**
 * A stand-in for `STSClient` in unit tests: it records every command and answers from a script (an
 * error to throw, or a function of the input), after an optional gate opens. The real client is exercised over HTTP in the
 * integration tests.
 */
export const fakeSts = (clock: Clock, script: Answer[] = [], options: { gate?: Promise<void> } = {}) => {
  const sent: SentCommand[] = [];
  let issued = 0;
  const defaultAnswer = (input: Record<string, unknown>) => {
    issued++;
    return {
      Credentials: {
        AccessKeyId: `ASIAFAKE${String(issued).padStart(8, "0")}`,
        SecretAccessKey: `fake-secret-${issued}`,
        SessionToken: `fake-token-${issued}`,
        Expiration: new Date(clock.now() + Number(input.DurationSeconds ?? 3600) * 1000),
      },
      AssumedRoleUser: {
        Arn: `arn:aws:sts::123456789012:assumed-role/${String(input.RoleArn).split("/").pop()}/${String(input.RoleSessionName)}`,
        AssumedRoleId: "AROAEXAMPLE:session",
      },
      $metadata: { httpStatusCode: 200, attempts: 1 },
    };
  };
  const client = {
    send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      const answer = script.shift() ?? defaultAnswer;
      // With a gate, every answer waits for it: a slow or hung STS, released when the test says.
      return (options.gate ?? Promise.resolve()).then(() => {
        if (answer instanceof Error) throw answer;
        return answer(command.input);
      });
    },
  };
  return { client: client as unknown as STSClient, sent };
};
