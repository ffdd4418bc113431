import { describeRefreshFailure, forwards } from "../../src/cli/exec";
import { CredentialRefreshError } from "../../src";

describe("exec's rules", () => {
  it("passes every signal on, except SIGINT in a terminal, which the terminal already sent to the command", () => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) expect(forwards(signal, false)).toBe(true);
    expect(forwards("SIGTERM", true)).toBe(true);
    expect(forwards("SIGHUP", true)).toBe(true);
    expect(forwards("SIGINT", true)).toBe(false);
  });

  it("tells a refresh failure on one line without a key or token", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const line = describeRefreshFailure({
      type: "refresh-failure",
      reason: "advisory",
      error: new CredentialRefreshError(`STS failed with ${secret}`, { retryable: true }),
      recoverable: true,
      serving: "current",
      servingUntil: new Date("2030-01-01T00:00:00Z"),
    });
    expect(line).toMatch(/^aws-refresh-session: refresh failed: .*served until 2030-01-01T00:00:00.000Z\n$/);
    expect(line).not.toContain(secret);
    expect(describeRefreshFailure({ type: "refresh-start", reason: "advisory" })).toBeUndefined();
  });
});
