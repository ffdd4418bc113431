import { redactingLogger } from "../../src/core/redactingLogger";

const TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example";

const recorder = () => {
  const lines: unknown[][] = [];
  const record = (...args: unknown[]) => {
    lines.push(args);
  };
  return { lines, logger: { debug: record, info: record, warn: record, error: record } };
};

describe("redactingLogger", () => {
  it("hides the secret fields of an SDK log entry and leaves the rest, without changing the entry", () => {
    const { lines, logger } = recorder();
    const entry = {
      commandName: "AssumeRoleCommand",
      output: {
        Credentials: { AccessKeyId: "ASIAEXAMPLE000000001", SecretAccessKey: "x", SessionToken: TOKEN },
      },
    };
    redactingLogger(logger).info(entry);
    expect(JSON.stringify(lines)).toContain("ASIAEXAMPLE000000001");
    expect(JSON.stringify(lines)).toContain("AssumeRoleCommand");
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(entry.output.Credentials.SessionToken).toBe(TOKEN);
  });

  it("keeps an error's name and message (hidden where key-shaped), never its hidden fields", () => {
    const { lines, logger } = recorder();
    const error = Object.assign(new Error(`ExpiredToken: the token ${TOKEN} has expired`), {
      name: "ExpiredToken",
      $fault: "client",
    });
    Object.defineProperty(error, "$responseBodyText", {
      value: `<Token>${TOKEN}</Token>`,
      enumerable: false,
    });
    redactingLogger(logger).error({ commandName: "AssumeRoleCommand", error });
    const logged = (lines[0]?.[0] as { error: Record<string, unknown> }).error;
    expect(logged).toMatchObject({ name: "ExpiredToken", $fault: "client" });
    expect(logged.message).toBe("ExpiredToken: the token [hidden] has expired");
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });
});
