import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { assumeRole, CredentialRefreshError, InvalidOptionsError, refreshingRole } from "../../src";
import { lastCodeIn, runMfaCommand, showCommand, type MfaCommand } from "../../src/sources/mfaCommand";
import { manualClock } from "../../src/testing";
import { backgroundRefreshes } from "../support/backgroundRefreshes";
import { fakeSts } from "../support/fakeSts";

const roleArn = "arn:aws:iam::123456789012:role/needs-mfa";
const serialNumber = "arn:aws:iam::123456789012:mfa/alice";

/** Polls `probe` until it answers, for up to 10 seconds: for another process's doings. */
const until = async <A>(probe: () => Promise<A | undefined>): Promise<A> => {
  for (let i = 0; i < 400; i++) {
    const answer = await probe();
    if (answer !== undefined && answer !== "") return answer;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("gave up waiting");
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ars-mfa-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stub MFA tool: a script file run by this Node.js, no shell in between. */
const stub = async (name: string, script: string, ...args: string[]): Promise<MfaCommand> => {
  const file = join(dir, `${name}.js`);
  await writeFile(file, script);
  return [process.execPath, file, ...args];
};

const failureOf = async (promise: Promise<unknown>): Promise<CredentialRefreshError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialRefreshError);
  return error as CredentialRefreshError;
};

describe("an MFA code from a command", () => {
  it("takes the last 6-digit code among the noise a tool prints", async () => {
    const noisy = await stub(
      "noisy",
      `console.log("Touch your YubiKey... account 1234567 on 2030-01-01");
       console.log("Amazon Web Services:alice  111111");
       console.error("warning: 999999 is not the code");
       console.log("Amazon Web Services:alice  246810  (expires in 12s)");`,
    );
    await expect(runMfaCommand(noisy)).resolves.toBe("246810");
  });

  it("finds codes only where no digit touches them", () => {
    expect(lastCodeIn("1234567 12345 2030-01-01")).toBeUndefined();
    expect(lastCodeIn("code: 012345\n")).toBe("012345");
    expect(lastCodeIn("a 111111 b 222222 c 3333333")).toBe("222222");
  });

  it("sends the command's code to STS with the device, one run per refresh", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const runs = join(dir, "runs");
    const tool = await stub(
      "counting",
      `const fs = require("node:fs");
       fs.appendFileSync(process.argv[2], "x");
       console.log("code " + String(fs.readFileSync(process.argv[2]).length).padStart(6, "0"));`,
      runs,
    );
    const refreshes = backgroundRefreshes();
    const credentials = refreshingRole({
      roleArn,
      stsClient: sts.client,
      clock,
      random: () => 0,
      onEvent: refreshes.onEvent,
      mfa: { serialNumber, tokenCode: tool },
    });
    await Promise.all([credentials(), credentials(), credentials()]);
    const refreshed = refreshes.next();
    await clock.advance(45 * 60_000); // the background refresh runs the command again
    await refreshed;
    await credentials();
    expect(sts.sent.map((command) => [command.input.SerialNumber, command.input.TokenCode])).toEqual([
      [serialNumber, "000001"],
      [serialNumber, "000002"],
    ]);
    expect(await readFile(runs, "utf8")).toBe("xx");
    credentials.dispose();
  });

  it("names a command that prints nothing, and does not call STS", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const provider = assumeRole({
      roleArn,
      stsClient: sts.client,
      clock,
      mfa: { serialNumber, tokenCode: await stub("silent", "", "--quiet") },
    });
    const error = await failureOf(provider());
    expect(error.message).toMatch(
      /^the MFA command `node \(and 2 arguments, not shown\)` printed no 6-digit code on its standard output; STS was not called$/,
    );
    expect(error.message).toMatch(/STS was not called/);
    expect(error.retryable).toBe(false);
    expect(sts.sent).toHaveLength(0);
  });

  it("names a failing command with its status and its last error line, never its output", async () => {
    const failing = await stub(
      "failing",
      `console.log("secret-ish stdout 135790");
       console.error("first line");
       console.error("Error: no YubiKey detected (serial 13579024)");
       process.exit(3);`,
    );
    const error = await failureOf(runMfaCommand(failing));
    expect(error.message).toContain("exited with status 3");
    expect(error.message).toContain('its last error line: "Error: no YubiKey detected (serial [digits])"');
    expect(error.message).not.toContain("135790");
    expect(error.message).not.toContain("stdout");
    expect(error.message).not.toContain("first line");
    expect(error.retryable).toBe(false);
  });

  it("stops a command that hangs after the configured timeout", async () => {
    const clock = manualClock();
    const sts = fakeSts(clock);
    const provider = assumeRole({
      roleArn,
      stsClient: sts.client,
      clock,
      mfa: {
        serialNumber,
        tokenCode: await stub("hanging", "setInterval(() => {}, 1000)"),
        commandTimeoutMs: 500,
      },
    });
    const started = Date.now();
    const error = await failureOf(provider());
    expect(error.message).toMatch(/did not finish within 500 ms and was stopped; STS was not called/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(sts.sent).toHaveLength(0);
  });

  it("stops the command with the attempt it ran for (a timeout or a caller giving up)", async () => {
    const pidFile = join(dir, "hanging.pid");
    const hanging = await stub(
      "hanging-pid",
      `require("node:fs").writeFileSync(process.argv[2], String(process.pid)); setInterval(() => {}, 1000);`,
      pidFile,
    );
    const clock = manualClock();
    const sts = fakeSts(clock);
    const provider = assumeRole({
      roleArn,
      stsClient: sts.client,
      clock,
      mfa: { serialNumber, tokenCode: hanging },
    });
    const controller = new AbortController();
    const call = provider({ signal: controller.signal });
    // Waiting on another process, which no clock drives.
    const pid = Number(await until(() => readFile(pidFile, "utf8").catch(() => undefined)));
    controller.abort(new Error("the attempt timed out"));
    await expect(call).rejects.toThrow("the attempt timed out");
    const gone = await until(() => {
      try {
        process.kill(pid, 0);
        return Promise.resolve(undefined);
      } catch {
        return Promise.resolve(true);
      }
    });
    expect(gone).toBe(true);
    expect(sts.sent).toHaveLength(0);
  });

  it("names a program that does not exist", async () => {
    const error = await failureOf(runMfaCommand(["ars-no-such-mfa-tool-xyz", "code"]));
    expect(error.message).toBe(
      "the MFA command `ars-no-such-mfa-tool-xyz (and 1 argument, not shown)` could not be started: no such program on the PATH; STS was not called",
    );
  });

  it("runs no shell: metacharacters are arguments", async () => {
    const echo = await stub(
      "echo",
      `console.log(process.argv.slice(2).join("|"))`,
      "$(echo 123456)",
      ";",
      "echo 654321",
    );
    // Node prints its arguments back untouched; the last 6 digits it printed are the literal argument's.
    await expect(runMfaCommand(echo)).resolves.toBe("654321");
  });

  it("names the program alone, never its arguments (a TOTP seed or a session is often one)", () => {
    const shown = showCommand(["op", "item", "get", "aws", "--otp", "--session", "AbCdEf1234567890XyZaBcD"]);
    expect(shown).toBe("op (and 6 arguments, not shown)");
    // Its name, not its path (a temporary directory's random name can look like a token).
    expect(showCommand(["/tmp/tmp.Ab3Cd9xYz/node_modules/.bin/ykman", "oath"])).toBe(
      "ykman (and 1 argument, not shown)",
    );
    // A base32 TOTP seed: no digit pattern would catch it.
    expect(showCommand(["oathtool", "--totp", "-b", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"])).toBe(
      "oathtool (and 3 arguments, not shown)",
    );
    const error = new CredentialRefreshError(`x ${shown}`, { retryable: false });
    expect(inspect(error)).not.toContain("AbCdEf1234567890XyZaBcD");
  });

  it("hides a base32 seed that a failing command prints on its standard error", async () => {
    const error = await failureOf(
      runMfaCommand(["sh", "-c", "echo 'bad seed GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' >&2; exit 3"]),
    );
    expect(error.message).toContain("exited with status 3");
    expect(error.message).toContain("bad seed [hidden]");
    expect(error.message).not.toContain("GEZDGNBVGY3TQOJQ");
  });

  it("stops a command that ignores SIGTERM and whose children hold its output, at its timeout", async () => {
    const started = Date.now();
    const error = await failureOf(
      runMfaCommand(["sh", "-c", "trap '' TERM; sleep 30; echo 123456"], { timeoutMs: 300 }),
    );
    expect(error.message).toMatch(/did not finish within 300 ms and was stopped/);
    // Answered at its timeout, not when the shell's sleep lets go of the pipes 30 s later.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("checks the command and its timeout at construction", () => {
    const mfa = (tokenCode: unknown, more: object = {}) =>
      refreshingRole({ roleArn, mfa: { serialNumber, tokenCode: tokenCode as never, ...more } });
    expect(() => mfa([])).toThrow(InvalidOptionsError);
    expect(() => mfa([])).toThrow(/mfa\.tokenCode/);
    expect(() => mfa(["ykman", 5])).toThrow(/mfa\.tokenCode/);
    expect(() => mfa(["", "code"])).toThrow(/mfa\.tokenCode/);
    expect(() => mfa(["ykman"], { commandTimeoutMs: 0 })).toThrow(/mfa\.commandTimeoutMs/);
    expect(() => mfa(["ykman"], { commandTimeoutMs: 2 ** 31 })).toThrow(/mfa\.commandTimeoutMs/);
    expect(() => mfa(["ykman", "oath", "accounts", "code"], { commandTimeoutMs: 30_000 })).not.toThrow();
  });
});
