import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test as fcTest } from "@fast-check/jest";
import { findCommand } from "../../src/cli/findCommand";
import { main } from "../../src/cli/main";
import { parseFlags } from "../../src/cli/parseFlags";
import { providerFromFlags } from "../../src/cli/providerFromFlags";
import { localSts, type LocalSts } from "../../src/testing";

const ARN = "arn:aws:iam::123456789012:role/Reader";
/** A value shaped like a secret key: it must never be repeated on standard error. */
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const run = async (
  argv: readonly string[],
  env: Record<string, string | undefined> = { PATH: process.env.PATH },
): Promise<{ status: number; stdout: string; stderr: string }> => {
  let stdout = "";
  let stderr = "";
  const status = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env,
  });
  return { status, stdout, stderr };
};

describe("aws-refresh-session (in process)", () => {
  let home: string;
  const savedHome = process.env.HOME;
  beforeAll(() => {
    // fileCache() resolves ~/.aws/cli/cache when the provider is built: never the runner's.
    home = mkdtempSync(join(tmpdir(), "ars-cli-main-"));
    process.env.HOME = home;
  });
  afterAll(() => {
    process.env.HOME = savedHome;
    rmSync(home, { recursive: true, force: true });
  });

  it.each<[string[], number]>([
    [[], 2],
    [["--help"], 0],
    [["-h"], 0],
    [["help"], 0],
  ])("%j prints the commands (status %d)", async (argv, expected) => {
    const { status, stdout, stderr } = await run(argv);
    const out = expected === 0 ? stdout : stderr;
    expect(out).toMatch(/^Usage: aws-refresh-session <command>/);
    expect(out).toContain("credential-process");
    expect(status).toBe(expected);
  });

  it.each(["exec", "credential-process", "serve"])(
    "%s --help prints its usage on standard output",
    async (command) => {
      for (const argv of [
        [command, "--help"],
        [command, "-h"],
        [command, "--role-arn", ARN, "--help"],
      ]) {
        const { status, stdout, stderr } = await run(argv);
        expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
        expect(stdout).toContain(`Usage: aws-refresh-session ${command}`);
        expect(stdout).toContain("--role-arn ARN");
      }
    },
  );

  it.each([
    [["nope"], 'unknown command "nope"'],
    [["--role-arn", ARN], "unknown option --role-arn"],
    [["exec", "--foo", "--", "true"], "unknown option --foo"],
    [["exec", "--role-arn"], "--role-arn needs a value"],
    [["exec", "--role-arn", "--", "true"], "--role-arn needs a value"],
    [["exec", "--role-arn="], "--role-arn needs a value"],
    [["exec", "--role-arn", ARN], "the command is missing: give it after --"],
    [["exec", "--role-arn", ARN, "true"], 'unexpected argument "true": put the command after --'],
    [["exec", "--role-arn", ARN, "--"], "the command after -- is missing or empty"],
    [["exec", "--role-arn", ARN, "--", ""], "the command after -- is missing or empty"],
    [["exec", "--", "true"], "--role-arn (or --profile) is required"],
    [["exec", "--role-arn", ARN, "--role-arn", ARN, "--", "true"], "--role-arn is given more than once"],
    [["exec", "--help=yes"], "--help takes no value"],
    [["credential-process", "--role-arn", ARN, "extra"], 'unexpected argument "extra"'],
    [["credential-process", "--role-arn", ARN, "--quiet"], "unknown option --quiet"],
    [
      ["credential-process", "--role-arn", ARN, "--duration-seconds", "1h"],
      "--duration-seconds must be a whole number",
    ],
    [
      ["credential-process", "--role-arn", ARN, "--duration-seconds", "60"],
      "--duration-seconds must be an integer from 900 to 43200 (got 60)",
    ],
    [["credential-process", "--role-arn", "not-an-arn"], "--role-arn must be an IAM role ARN"],
    [["serve", "--profile", "dev", "--role-arn", ARN], "--profile and --role-arn exclude each other"],
    [
      ["serve", "--role-arn", ARN, "--mandatory-window-seconds", "a minute"],
      "--mandatory-window-seconds must be a number of seconds",
    ],
    [
      ["serve", "--role-arn", ARN, "--mandatory-window-seconds", "3600"],
      "--mandatory-window-seconds must be a number of seconds above 0 and at most 300",
    ],
    [
      ["serve", "--role-arn", ARN, "--mandatory-window-seconds", "0"],
      "--mandatory-window-seconds must be a number of seconds above 0 and at most 300",
    ],
  ])("%j is bad usage: status 2, %s, and a pointer to --help", async (argv, reason) => {
    const { status, stdout, stderr } = await run(argv);
    expect(status).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(reason);
    expect(stderr).toMatch(/^aws-refresh-session[^\n]*: /);
    expect(stderr).toMatch(/See 'aws-refresh-session( [a-z-]+)? --help'\.\n$/);
  });

  describe("--profile", () => {
    let sts: LocalSts;
    const savedConfig = process.env.AWS_CONFIG_FILE;
    const savedCredentials = process.env.AWS_SHARED_CREDENTIALS_FILE;
    beforeAll(async () => {
      sts = await localSts();
      const config = join(home, "config");
      writeFileSync(
        config,
        [
          "[profile base]",
          `aws_access_key_id = ${sts.rootCredentials.accessKeyId}`,
          `aws_secret_access_key = ${sts.rootCredentials.secretAccessKey}`,
          "[profile reader]",
          "role_arn = arn:aws:iam::123456789012:role/ProfileReader",
          "source_profile = base",
          "region = eu-west-1",
          `endpoint_url = ${sts.endpoint}`,
          "",
        ].join("\n"),
      );
      process.env.AWS_CONFIG_FILE = config;
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(home, "no-credentials");
    });
    afterAll(async () => {
      process.env.AWS_CONFIG_FILE = savedConfig;
      process.env.AWS_SHARED_CREDENTIALS_FILE = savedCredentials;
      await sts.close();
    });

    it("credential-process --profile answers the profile's role, assumed at the profile's endpoint", async () => {
      const { status, stdout, stderr } = await run(["credential-process", "--profile", "reader"]);
      expect(stderr).toBe("");
      expect(status).toBe(0);
      const answer = JSON.parse(stdout) as { Version: number; AccessKeyId: string; SecretAccessKey: string };
      expect(answer.Version).toBe(1);
      expect(sts.issued.map((issued) => issued.accessKeyId)).toContain(answer.AccessKeyId);
      expect(sts.requests.at(-1)).toMatchObject({ action: "AssumeRole" });
    });

    it.each(["exec", "credential-process", "serve"])(
      "%s --profile with an unknown profile: status 2, naming it and the profiles there are",
      async (command) => {
        const argv = [command, "--profile", "nope", ...(command === "exec" ? ["--", "true"] : [])];
        const { status, stdout, stderr } = await run(argv);
        expect(status).toBe(2);
        expect(stdout).toBe("");
        expect(stderr).toContain("nope");
        expect(stderr).toContain("reader");
        expect(stderr).not.toContain(sts.rootCredentials.secretAccessKey);
      },
    );

    it("--profile leaves the role's own flags to the profile", async () => {
      const { status, stderr } = await run(["serve", "--profile", "reader", "--role-session-name", "x"]);
      expect(status).toBe(2);
      expect(stderr).toContain("--role-session-name goes with --role-arn");
    });

    it("providerFromFlags gives the profile's refreshing provider for --profile, a role's otherwise", () => {
      const fromProfile = providerFromFlags({ profile: "reader" });
      expect((fromProfile as { profile?: string }).profile).toBe("reader");
      fromProfile.dispose();
      const provider = providerFromFlags({ roleArn: ARN, region: "us-east-1" });
      expect(typeof provider).toBe("function");
      provider.dispose();
    });
  });

  it("exec of a command that does not exist: status 127, as shells do, before any STS call", async () => {
    const { status, stderr } = await run(["exec", "--role-arn", ARN, "--", "no-such-command-ars"]);
    expect(status).toBe(127);
    expect(stderr).toBe("aws-refresh-session: no-such-command-ars: command not found\n");
    const path = await run(["exec", "--role-arn", ARN, "--", "./no/such/file"]);
    expect(path.status).toBe(127);
    // After --, --help is the command's, not exec's.
    const help = await run(["exec", "--role-arn", ARN, "--", "no-such-command-ars", "--help"]);
    expect(help.status).toBe(127);
    expect(help.stdout).toBe("");
  });

  it("exec of a file that is not executable: status 126", async () => {
    const file = join(home, "not-executable.sh");
    writeFileSync(file, "#!/bin/sh\n");
    chmodSync(file, 0o644);
    const { status, stderr } = await run(["exec", "--role-arn", ARN, "--", file]);
    expect(status).toBe(126);
    expect(stderr).toContain("permission denied");
  });

  it("never repeats a value on standard error: an option's value that looks like a key is hidden", async () => {
    for (const argv of [
      ["exec", `--${SECRET}`],
      ["credential-process", "--role-arn", ARN, SECRET],
      ["exec", "--role-arn", ARN, SECRET, "--", "true"],
      ["credential-process", "--role-arn", ARN, "--external-id", SECRET, "--duration-seconds", "5"],
      [SECRET],
    ]) {
      const { status, stderr } = await run(argv);
      expect(status).toBe(2);
      expect(stderr).not.toContain(SECRET);
    }
  });

  describe("fuzzed command lines", () => {
    const flagNames = [
      "--role-arn",
      "--role-session-name",
      "--external-id",
      "--duration-seconds",
      "--region",
      "--profile",
      "--quiet",
      "--help",
      "-h",
      "--nope",
      "-x",
      "--",
    ];
    const values = [ARN, "s3-reader", "3600", "60", "x", "", "us-east-1", "not-an-arn", SECRET, "--", "-v"];
    const commands = ["no-such-command-ars", "", "./missing/bin", "-c"];
    const word = fc.oneof(
      fc.constantFrom(...flagNames),
      fc.constantFrom(...values),
      fc
        .constantFrom(...flagNames)
        .chain((flag) => fc.constantFrom(...values).map((value) => `${flag}=${value}`)),
      fc.string({ maxLength: 6 }),
    );
    const line = fc.tuple(
      fc.constantFrom("exec", "credential-process", "serve", "bogus", "--role-arn"),
      fc.array(word, { maxLength: 8 }),
      fc.option(fc.tuple(fc.constant("--"), fc.constantFrom(...commands), fc.array(word, { maxLength: 2 }))),
    );

    /** A command line that would reach STS: left out, since the fuzz makes no network call. */
    const wouldCallSts = (argv: readonly string[]): boolean => {
      const [command, ...rest] = argv;
      if (command !== "exec" && command !== "credential-process" && command !== "serve") return false;
      try {
        const flags = parseFlags(command, rest);
        if (flags.help) return false;
        providerFromFlags(flags.role).dispose();
        // exec calls STS only for a command that it finds (a random word may name one on the PATH).
        return (
          command !== "exec" || findCommand(flags.command[0] ?? "", { PATH: process.env.PATH }) === "found"
        );
      } catch {
        return false;
      }
    };

    fcTest.prop([line], { numRuns: 300 })(
      "every line ends with help (0), bad usage (2) or a missing command (127), with a message and no secret",
      async ([command, words, tail]) => {
        const argv = [command, ...words, ...(tail === null ? [] : [tail[0], tail[1], ...tail[2]])];
        fc.pre(!wouldCallSts(argv));
        const { status, stdout, stderr } = await run(argv);
        expect([0, 2, 126, 127]).toContain(status);
        expect(stderr).not.toContain(SECRET);
        if (status === 0) {
          expect(stdout).toMatch(/^Usage: aws-refresh-session/);
          expect(stderr).toBe("");
        } else {
          expect(stdout).toBe("");
          expect(stderr).toMatch(/^aws-refresh-session[^\n]*: \S/);
        }
        if (status === 2) expect(stderr).toMatch(/See 'aws-refresh-session( [a-z-]+)? --help'\.\n$/);
        if (status === 127) expect(stderr).toMatch(/: command not found\n$/);
      },
    );
  });
});
