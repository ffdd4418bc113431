import { mkdirSync } from "node:fs";
import {
  configFilePaths,
  ConfigFileError,
  ConfigLoaderError,
  loadConfigFilesSync,
} from "../../src/profiles/loadConfigFiles";
import { resolveProfile, selectedProfile } from "../../src/profiles/resolveProfile";
import { awsHome, type AwsHome } from "../support/awsHome";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

describe("resolveProfile", () => {
  let aws: AwsHome;
  beforeEach(() => {
    aws = awsHome();
    aws.credentials(
      "[base]",
      "aws_access_key_id = AKIABASEKEY000000001",
      `aws_secret_access_key = ${SECRET}`,
    );
  });
  afterEach(() => {
    aws.restore();
  });

  const resolve = (name: string, hasMfaCode = false) => {
    const paths = configFilePaths();
    return resolveProfile(loadConfigFilesSync(paths), name, { paths, hasMfaCode });
  };
  const rules = (name: string, hasMfaCode = false) =>
    resolve(name, hasMfaCode).issues.map(({ path, rule }) => `${path}: ${rule}`);

  describe("selects the profile as the AWS CLI does", () => {
    it("the option, else AWS_DEFAULT_PROFILE, else AWS_PROFILE, else default: botocore's order", () => {
      expect(selectedProfile(undefined)).toBe("default");
      aws.env("AWS_PROFILE", "named");
      expect(selectedProfile(undefined)).toBe("named");
      aws.env("AWS_DEFAULT_PROFILE", "cli-default");
      expect(selectedProfile(undefined)).toBe("cli-default");
      expect(selectedProfile("given")).toBe("given");
    });

    it("reads AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, else ~/.aws under HOME", () => {
      expect(configFilePaths()).toEqual({ configFile: aws.configFile, credentialsFile: aws.credentialsFile });
      aws.env("AWS_CONFIG_FILE", undefined);
      aws.env("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/credentials");
      expect(configFilePaths()).toEqual({
        configFile: `${aws.home}/.aws/config`,
        credentialsFile: `${aws.home}/elsewhere/credentials`,
      });
    });
  });

  it("serves static keys as they are, the credentials file's over the config file's", () => {
    aws.config(
      "[profile base]",
      "aws_access_key_id = AKIACONFIGKEY0000001",
      "aws_secret_access_key = other",
      "region = eu-west-1",
    );
    const { plan, issues } = resolve("base");
    expect(issues).toEqual([]);
    expect(plan).toMatchObject({
      profile: "base",
      hops: [],
      region: "eu-west-1",
      source: { kind: "static" },
    });
    expect(plan?.source.kind === "static" && plan.source.credentials.accessKeyId).toBe(
      "AKIABASEKEY000000001",
    );
    expect(plan?.source.kind === "static" && plan.source.credentials.secretAccessKey).toBe(SECRET);
  });

  it("reads a chain of three roles with every AssumeRole key, first hop first", () => {
    aws.config(
      "[profile one]",
      `role_arn = ${role("One")}`,
      "source_profile = base",
      "external_id = ext-one",
      "[profile two]",
      `role_arn = ${role("Two")}`,
      "source_profile = one",
      "role_session_name = two-session",
      "duration_seconds = 1800",
      "[profile three]",
      `role_arn = ${role("Three")}`,
      "source_profile = two",
      "mfa_serial = arn:aws:iam::123456789012:mfa/alice",
      "region = us-west-2",
      "endpoint_url = http://127.0.0.1:1234",
    );
    const { plan, issues } = resolve("three", true);
    expect(issues).toEqual([]);
    expect(plan?.source).toMatchObject({ kind: "static", profile: "base" });
    expect(plan?.hops).toEqual([
      {
        profile: "one",
        roleArn: role("One"),
        externalId: "ext-one",
        roleSessionName: undefined,
        mfaSerial: undefined,
        durationSeconds: undefined,
      },
      {
        profile: "two",
        roleArn: role("Two"),
        externalId: undefined,
        roleSessionName: "two-session",
        mfaSerial: undefined,
        durationSeconds: 1800,
      },
      {
        profile: "three",
        roleArn: role("Three"),
        externalId: undefined,
        roleSessionName: undefined,
        mfaSerial: "arn:aws:iam::123456789012:mfa/alice",
        durationSeconds: undefined,
      },
    ]);
    // The selected profile's region and endpoint serve every hop, as botocore's STS client does.
    expect(plan).toMatchObject({ region: "us-west-2", endpoint: "http://127.0.0.1:1234" });
  });

  it("names every profile of a cycle", () => {
    aws.config(
      "[profile a]",
      `role_arn = ${role("A")}`,
      "source_profile = b",
      "[profile b]",
      `role_arn = ${role("B")}`,
      "source_profile = c",
      "[profile c]",
      `role_arn = ${role("C")}`,
      "source_profile = a",
    );
    expect(resolve("a").plan).toBeUndefined();
    expect(rules("a")).toEqual(["profile c.source_profile: makes a cycle: a -> b -> c -> a"]);
  });

  it("lets a profile name itself to take its own static keys (botocore allows it), and not otherwise", () => {
    aws.config(
      "[profile self]",
      `role_arn = ${role("Self")}`,
      "source_profile = self",
      "aws_access_key_id = AKIASELFKEY000000001",
      "aws_secret_access_key = self-secret",
      "[profile loop]",
      `role_arn = ${role("Loop")}`,
      "source_profile = loop",
    );
    const { plan } = resolve("self");
    expect(plan?.hops.map((hop) => hop.profile)).toEqual(["self"]);
    expect(plan?.source).toMatchObject({ kind: "static", profile: "self" });
    expect(rules("loop")).toEqual(["profile loop.source_profile: makes a cycle: loop -> loop"]);
  });

  it("a source profile with static keys and a role of its own gives its keys (botocore's order)", () => {
    aws.config(
      "[profile mixed]",
      `role_arn = ${role("Ignored")}`,
      "source_profile = base",
      "aws_access_key_id = AKIAMIXEDKEY00000001",
      "aws_secret_access_key = mixed-secret",
      "[profile top]",
      `role_arn = ${role("Top")}`,
      "source_profile = mixed",
    );
    const { plan } = resolve("top");
    expect(plan?.hops.map((hop) => hop.roleArn)).toEqual([role("Top")]);
    expect(plan?.source).toMatchObject({ kind: "static", profile: "mixed" });
  });

  it("names an unknown profile and lists the ones that exist; an unknown source_profile too", () => {
    aws.config("[profile dev]", `role_arn = ${role("Dev")}`, "source_profile = missing");
    expect(rules("prod")).toEqual([
      `profile: no profile named "prod" in ${aws.configFile} or ${aws.credentialsFile}; the profiles are: base, dev`,
    ]);
    expect(rules("dev")).toEqual([
      `profile dev.source_profile: names "missing", which is not in ${aws.configFile} or ${aws.credentialsFile}; the profiles are: base, dev`,
    ]);
  });

  it("names every problem at once: no source, two sources, an unknown credential_source, mfa without a code, a bad duration", () => {
    aws.config(
      "[profile none]",
      `role_arn = ${role("None")}`,
      "[profile both]",
      `role_arn = ${role("Both")}`,
      "source_profile = base",
      "credential_source = Environment",
      "[profile odd]",
      `role_arn = ${role("Odd")}`,
      "credential_source = Keychain",
      "[profile many]",
      `role_arn = ${role("Many")}`,
      "source_profile = base",
      "mfa_serial = arn:aws:iam::123456789012:mfa/bob",
      "duration_seconds = 1h",
    );
    expect(rules("none")).toEqual([
      "profile none: has role_arn but neither source_profile nor credential_source: give one",
    ]);
    expect(rules("both")).toEqual(["profile both: has both source_profile and credential_source: give one"]);
    expect(rules("odd")).toEqual([
      'profile odd.credential_source: "Keychain" is not supported; use one of Environment, Ec2InstanceMetadata, EcsContainer',
    ]);
    expect(rules("many")).toEqual([
      'profile many.duration_seconds: must be a whole number of seconds from 900 to 43200 (got "1h")',
      "profile many.mfa_serial: needs an MFA code: give refreshingProfile an mfaCode function",
    ]);
    expect(rules("many", true)).toHaveLength(1);
  });

  it.each(["Environment", "Ec2InstanceMetadata", "EcsContainer"])("takes credential_source = %s", (name) => {
    aws.config("[profile named]", `role_arn = ${role("Named")}`, `credential_source = ${name}`);
    expect(resolve("named").plan?.source).toEqual({ kind: "credentialSource", profile: "named", name });
  });

  it("reads web identity, credential_process and IAM Identity Center profiles, as sources and on their own", () => {
    aws.config(
      "[profile web]",
      `role_arn = ${role("Web")}`,
      "web_identity_token_file = /var/run/token",
      "role_session_name = pod",
      "[profile proc]",
      "credential_process = /usr/bin/creds --json",
      "[profile sso]",
      "sso_session = corp",
      "sso_account_id = 123456789012",
      "sso_role_name = Reader",
      "[sso-session corp]",
      "sso_region = eu-west-1",
      "sso_start_url = https://corp.awsapps.com/start",
      "[profile lost]",
      "sso_session = nowhere",
      "sso_account_id = 123456789012",
      "sso_role_name = Reader",
      "[profile on-sso]",
      `role_arn = ${role("Admin")}`,
      "source_profile = sso",
    );
    expect(resolve("web").plan).toMatchObject({
      hops: [],
      source: {
        kind: "webIdentity",
        roleArn: role("Web"),
        tokenFile: "/var/run/token",
        roleSessionName: "pod",
      },
    });
    expect(resolve("proc").plan?.source).toEqual({ kind: "process", profile: "proc" });
    expect(resolve("sso").plan?.source).toEqual({ kind: "sso", profile: "sso" });
    expect(resolve("on-sso").plan).toMatchObject({
      source: { kind: "sso", profile: "sso" },
      hops: [{ roleArn: role("Admin") }],
    });
    expect(rules("lost")).toEqual([
      `profile lost.sso_session: names [sso-session nowhere], which is not in ${aws.configFile}`,
    ]);
  });

  it("says what a profile without credentials lacks", () => {
    aws.config(
      "[profile empty]",
      "region = eu-west-1",
      "[profile half]",
      "aws_access_key_id = AKIAHALFKEY000000001",
    );
    expect(rules("empty")).toEqual([
      expect.stringMatching(/^profile empty: has no credentials: give it role_arn/),
    ]);
    expect(rules("half")).toEqual([
      "profile half.aws_secret_access_key: is missing: static keys need both aws_access_key_id and aws_secret_access_key",
    ]);
  });

  describe("the STS endpoint, as the SDK and the CLI choose it", () => {
    beforeEach(() => {
      aws.config(
        "[profile dev]",
        "aws_access_key_id = AKIADEVKEY0000000001",
        "aws_secret_access_key = x",
        "endpoint_url = http://global",
        "services = local",
        "[services local]",
        "sts =",
        "  endpoint_url = http://sts-of-services",
        "[profile plain]",
        "aws_access_key_id = AKIADEVKEY0000000001",
        "aws_secret_access_key = x",
        "endpoint_url = http://global",
      );
    });
    it("a services section's sts endpoint_url over the profile's endpoint_url", () => {
      expect(resolve("dev").plan?.endpoint).toBe("http://sts-of-services");
      expect(resolve("plain").plan?.endpoint).toBe("http://global");
    });
    it("AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL, over the files; none when configured endpoints are ignored", () => {
      aws.env("AWS_ENDPOINT_URL", "http://env-global");
      expect(resolve("dev").plan?.endpoint).toBe("http://env-global");
      aws.env("AWS_ENDPOINT_URL_STS", "http://env-sts");
      expect(resolve("dev").plan?.endpoint).toBe("http://env-sts");
      aws.env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
      expect(resolve("dev").plan?.endpoint).toBeUndefined();
    });
  });

  it("names a file that cannot be read and why; a missing one is empty", () => {
    aws.env("AWS_SHARED_CREDENTIALS_FILE", `${aws.home}/absent`);
    expect(loadConfigFilesSync(configFilePaths())).toEqual({ configFile: {}, credentialsFile: {} });
    mkdirSync(`${aws.home}/a-directory`);
    aws.env("AWS_CONFIG_FILE", `${aws.home}/a-directory`);
    expect(() => loadConfigFilesSync(configFilePaths())).toThrow(ConfigFileError);
    expect(() => loadConfigFilesSync(configFilePaths())).toThrow(
      `cannot read ${aws.home}/a-directory: EISDIR`,
    );
  });

  it("says so when the SDK's loader cannot be run, rather than blaming a file", () => {
    aws.config("[profile dev]", "region = eu-west-1");
    const missing = () => "file:///nonexistent/smithy-core-config.js";
    expect(() => loadConfigFilesSync(configFilePaths(), missing)).toThrow(ConfigLoaderError);
    expect(() => loadConfigFilesSync(configFilePaths(), missing)).toThrow(
      /^the SDK's config file loader \(@smithy\/core\/config\) could not be run in a worker thread to read the files now: .*nonexistent/,
    );
    const unresolvable = () => {
      throw new Error("Cannot find module '@smithy/core/config'");
    };
    expect(() => loadConfigFilesSync(configFilePaths(), unresolvable)).toThrow(
      "Cannot find module '@smithy/core/config'",
    );
  });

  it("never puts a secret of the files in an issue", () => {
    aws.config(
      "[profile bad]",
      `role_arn = ${SECRET}`,
      "source_profile = base",
      `duration_seconds = ${SECRET}`,
    );
    const text = JSON.stringify(resolve("bad").issues);
    expect(resolve("bad").issues.length).toBeGreaterThan(0);
    // Values are shown to say what is wrong, but anything shaped like a key or token is hidden.
    expect(text).toContain("[hidden]");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("AKIABASEKEY000000001");
  });
});
