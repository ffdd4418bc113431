import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  CredentialRefreshError,
  InvalidOptionsError,
  iotCredentials,
  isNonRecoverableError,
  refreshing,
  session,
  type IotCredentialsOptions,
  type RefreshEvent,
} from "../../src";
import { manualClock, type ManualClock } from "../../src/testing";
import { hideKeysAndTokens } from "../../src/core/secretText";
import { backgroundRefreshes } from "../support/backgroundRefreshes";
import {
  alertingServer,
  localIot,
  makePki,
  type KeyPair,
  type LocalIot,
  type Pki,
} from "../support/localIot";

const MINUTE = 60_000;
const LIFETIME = 15 * MINUTE;

let dir: string;
let pki: Pki;
let device: KeyPair;
let other: KeyPair;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ars-iot-"));
  pki = makePki(dir);
  device = pki.device("device-1");
  other = pki.device("device-2");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The lines of every private key of the test: none may appear anywhere in what a caller sees. */
const keyLines = (): string[] =>
  [device, other, pki.rogue, pki.server]
    .flatMap((pair) => pair.key.split("\n"))
    .filter((line) => line.length > 16 && !line.startsWith("-----"));

const expectNoKeyIn = (value: unknown): void => {
  const seen = [
    inspect(value, { depth: 10, showHidden: true }),
    JSON.stringify(value) as string | undefined,
    String(value),
    (value as { message?: string } | null)?.message ?? "",
  ].join("\n");
  expect(seen).not.toMatch(/PRIVATE KEY/);
  for (const line of keyLines()) expect(seen).not.toContain(line);
};

const failureOf = async (promise: Promise<unknown>): Promise<CredentialRefreshError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialRefreshError);
  expectNoKeyIn(error);
  return error as CredentialRefreshError;
};

describe("iotCredentials", () => {
  let clock: ManualClock;
  let iot: LocalIot;
  let base: IotCredentialsOptions;

  beforeEach(async () => {
    clock = manualClock();
    iot = await localIot({
      pki,
      clock,
      lifetimeMs: LIFETIME,
      aliases: { "sensor-uploader": "*", "admin-alias": ["device-2"] },
    });
    base = {
      endpoint: iot.endpoint,
      roleAlias: "sensor-uploader",
      certificate: device.certFile,
      privateKey: device.keyFile,
      ca: pki.caFile,
      clock,
    };
  });
  afterEach(async () => {
    await iot.close();
  });

  it("answers the role's credentials over mutual TLS, with the thing name and duration as headers", async () => {
    const source = iotCredentials({ ...base, thingName: "sensor-0042", durationSeconds: 900 });
    const credentials = await source();
    expect(credentials.accessKeyId).toBe("ASIAIOTLOCAL00000001");
    expect(credentials.secretAccessKey).toMatch(/^iot-secret-/);
    expect(credentials.sessionToken).toMatch(/^iot-token-/);
    expect(credentials.expiration).toEqual(new Date(clock.now() + LIFETIME));
    expect(JSON.stringify(credentials)).not.toContain(credentials.secretAccessKey);
    expect(iot.requests).toEqual([
      {
        roleAlias: "sensor-uploader",
        thingName: "sensor-0042",
        durationSeconds: "900",
        device: "device-1",
        status: 200,
      },
    ]);
  });

  it("takes PEM contents as well as files, and sends no thing name when none is given", async () => {
    const source = iotCredentials({ ...base, certificate: device.cert, privateKey: device.key, ca: pki.ca });
    await source();
    expect(iot.requests[0]).toMatchObject({ thingName: undefined, device: "device-1" });
  });

  it("refreshes across several lifetimes under refreshing(): one call per refresh, never expired", async () => {
    const refreshes = backgroundRefreshes();
    const credentials = refreshing(iotCredentials(base), {
      clock,
      random: () => 0,
      onEvent: refreshes.onEvent,
    });
    const keys = new Set<string>();
    for (let lifetime = 0; lifetime < 4; lifetime++) {
      const current = await credentials();
      expect(current.expiration?.getTime()).toBeGreaterThan(clock.now());
      keys.add(current.accessKeyId);
      const refreshed = refreshes.next();
      // To the refresh moment (5 minutes before expiry, no jitter) and no further: the attempt does real
      // I/O, which a manual clock moving on would time out.
      await clock.advance(LIFETIME - 5 * MINUTE);
      await refreshed;
    }
    expect((await credentials()).accessKeyId).toBe(iot.issued[iot.issued.length - 1]);
    expect(keys.size).toBe(4);
    expect(iot.issued).toHaveLength(5);
    expect(iot.requests.every((r) => r.status === 200)).toBe(true);
    credentials.dispose();
  });

  it("serves session({ source }) clients", async () => {
    const aws = session({ region: "eu-west-1", source: iotCredentials(base), clock, random: () => 0 });
    expect((await aws.credentials()).accessKeyId).toBe("ASIAIOTLOCAL00000001");
    aws.destroy();
  });

  it("uses a certificate rotated on disk from the next refresh on", async () => {
    const rotating = await mkdtemp(join(dir, "rotating-"));
    const certificate = join(rotating, "device.pem.crt");
    const privateKey = join(rotating, "private.pem.key");
    await copyFile(device.certFile, certificate);
    await copyFile(device.keyFile, privateKey);
    const refreshes = backgroundRefreshes();
    const credentials = refreshing(iotCredentials({ ...base, certificate, privateKey }), {
      clock,
      random: () => 0,
      onEvent: refreshes.onEvent,
    });
    await credentials();
    await copyFile(other.keyFile, privateKey);
    await copyFile(other.certFile, certificate);
    const refreshed = refreshes.next();
    await clock.advance(LIFETIME - 5 * MINUTE);
    await refreshed;
    await credentials();
    expect(iot.requests.map((r) => r.device)).toEqual(["device-1", "device-2"]);
    credentials.dispose();
  });

  it("says a certificate from another CA was not accepted, not retryable, naming the endpoint", async () => {
    const source = iotCredentials({
      ...base,
      certificate: pki.rogue.certFile,
      privateKey: pki.rogue.keyFile,
    });
    const error = await failureOf(source());
    expect(error.message).toMatch(
      new RegExp(
        `^the IoT credentials provider at ${iot.endpoint.replace(/\./g, "\\.")} \\(role alias sensor-uploader\\) did not accept the certificate`,
      ),
    );
    expect(error.retryable).toBe(false);
    expect(isNonRecoverableError(error)).toBe(true);
    expect(iot.requests).toHaveLength(0);
  });

  it("reads the TLS alert by which a server turns a certificate down within the handshake", async () => {
    const alerting = await alertingServer(pki);
    try {
      const source = iotCredentials({
        ...base,
        endpoint: alerting.endpoint,
        certificate: pki.rogue.certFile,
        privateKey: pki.rogue.keyFile,
      });
      const error = await failureOf(source());
      expect(error.message).toMatch(
        /\(role alias sensor-uploader\) did not accept the certificate \(TLS alert unknown_ca\): is it registered/,
      );
      expect(error.retryable).toBe(false);
    } finally {
      await alerting.close();
    }
  });

  it("names an unknown role alias, not retryable", async () => {
    const error = await failureOf(iotCredentials({ ...base, roleAlias: "no-such-alias" })());
    expect(error.message).toContain(
      'does not know role alias no-such-alias (HTTP 404: "Role alias does not exist")',
    );
    expect(error.retryable).toBe(false);
  });

  it("names a role alias the certificate may not use, not retryable", async () => {
    const error = await failureOf(iotCredentials({ ...base, roleAlias: "admin-alias", thingName: "t1" })());
    expect(error.message).toContain(
      'refused the certificate for role alias admin-alias (HTTP 403: "Access Denied")',
    );
    expect(error.message).toContain("attached to thing t1");
    expect(error.retryable).toBe(false);
  });

  it("treats throttling and 5xx answers as transient", async () => {
    iot.inject(
      { status: 429, body: JSON.stringify({ message: "Rate exceeded" }) },
      { status: 503, body: "" },
    );
    const source = iotCredentials(base);
    const throttled = await failureOf(source());
    expect(throttled.message).toContain('is throttling (HTTP 429: "Rate exceeded")');
    expect(throttled.retryable).toBe(true);
    const unavailable = await failureOf(source());
    expect(unavailable.message).toContain("failed (HTTP 503)");
    expect(unavailable.retryable).toBe(true);
    expect(isNonRecoverableError(unavailable)).toBe(false);
    expect((await source()).accessKeyId).toBe("ASIAIOTLOCAL00000001");
  });

  it("recovers from a throttled attempt within one refresh under refreshing()", async () => {
    iot.inject({ status: 429, body: JSON.stringify({ message: "Rate exceeded" }) });
    const retries: number[] = [];
    const credentials = refreshing(iotCredentials(base), {
      clock,
      random: () => 0,
      retryPolicy: () => ({ _tag: "Some", value: 0 }) as const,
      onRetry: () => retries.push(1),
    });
    expect((await credentials()).accessKeyId).toBe("ASIAIOTLOCAL00000001");
    expect(retries).toHaveLength(1);
    credentials.dispose();
  });

  it.each([
    ["an HTML page", { status: 404, body: "<html>Not Found</html>", contentType: "text/html" }],
    ["JSON without credentials", { status: 200, body: JSON.stringify({ Credentials: {} }) }],
    ["an empty 200", { status: 200, body: "", contentType: "text/plain" }],
  ])("says an endpoint answering %s is not an IoT credentials endpoint", async (_, fault) => {
    iot.inject(fault);
    const error = await failureOf(iotCredentials(base)());
    expect(error.message).toMatch(
      /something that is not an IoT credentials answer.*is 127\.0\.0\.1:\d+ the IoT credentials endpoint/,
    );
    expect(error.retryable).toBe(false);
  });

  it("says which fields of an IoT answer are unusable, never their values", async () => {
    iot.inject({
      status: 200,
      body: JSON.stringify({
        credentials: { accessKeyId: "ASIAX", secretAccessKey: "s3cr3t-value", sessionToken: "" },
      }),
    });
    const error = await failureOf(iotCredentials(base)());
    expect(error.message).toContain("invalid or missing credentials.sessionToken, credentials.expiration");
    expect(error.message).not.toContain("s3cr3t-value");
    expect(error.retryable).toBe(true);
  });

  it("calls a TLS failure by the endpoint's name when its certificate cannot be trusted", async () => {
    const { ca: _ca, ...withoutCa } = base;
    const error = await failureOf(iotCredentials(withoutCa)());
    expect(error.message).toMatch(
      /at 127\.0\.0\.1:\d+ \(role alias sensor-uploader\) could not be trusted: TLS failure/,
    );
    expect(error.retryable).toBe(false);
  });

  it("names a certificate or key file that cannot be read, and a key of another certificate", async () => {
    const missing = await failureOf(iotCredentials({ ...base, privateKey: join(dir, "nope.key") })());
    expect(missing.message).toContain(
      hideKeysAndTokens(`the privateKey file ${join(dir, "nope.key")} could not be read (ENOENT)`),
    );
    expect(missing.retryable).toBe(false);
    const mismatched = await failureOf(iotCredentials({ ...base, privateKey: other.keyFile })());
    expect(mismatched.message).toContain(
      hideKeysAndTokens(
        `the private key (privateKey file ${other.keyFile}) does not belong to the certificate (certificate file ${device.certFile})`,
      ),
    );
    const notAKey = await failureOf(iotCredentials({ ...base, privateKey: device.certFile })());
    expect(notAKey.message).toContain(
      hideKeysAndTokens(`privateKey file ${device.certFile} is not an unencrypted PEM private key`),
    );
    expect(iot.requests).toHaveLength(0);
  });

  it("treats a refused connection as transient", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failureOf(iotCredentials({ ...base, endpoint: `127.0.0.1:${port}` })());
    expect(error.message).toContain(
      `at 127.0.0.1:${port} (role alias sensor-uploader) could not be reached: ECONNREFUSED`,
    );
    expect(error.retryable).toBe(true);
  });

  it("keeps key material out of refresh events and logs", async () => {
    const events: RefreshEvent[] = [];
    const lines: unknown[] = [];
    const log = (...args: unknown[]) => lines.push(...args);
    const credentials = refreshing(
      iotCredentials({ ...base, certificate: pki.rogue.cert, privateKey: pki.rogue.key }),
      {
        clock,
        random: () => 0,
        retryPolicy: () => ({ _tag: "None" }) as const,
        onEvent: (event) => events.push(event),
        logger: { debug: log, info: log, warn: log, error: log },
      },
    );
    await failureOf(credentials());
    expectNoKeyIn(credentials);
    expectNoKeyIn(iotCredentials({ ...base, certificate: device.cert, privateKey: device.key }));
    expect(events.length).toBeGreaterThan(0);
    expectNoKeyIn(events);
    expectNoKeyIn(lines);
    credentials.dispose();
  });

  describe("options", () => {
    const invalid = (options: unknown): InvalidOptionsError => {
      let thrown: unknown;
      try {
        iotCredentials(options as IotCredentialsOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidOptionsError);
      expectNoKeyIn(thrown);
      return thrown as InvalidOptionsError;
    };

    it("turns down the IoT data endpoint, naming the command that gives the right one", () => {
      const error = invalid({ ...base, endpoint: "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com" });
      expect(error.message).toContain("is an IoT data endpoint");
      expect(error.message).toContain("--endpoint-type iot:CredentialProvider");
      invalid({ ...base, endpoint: "sts.eu-west-1.amazonaws.com" });
      invalid({ ...base, endpoint: "http://c1.credentials.iot.eu-west-1.amazonaws.com" });
      invalid({ ...base, endpoint: "c1.credentials.iot.eu-west-1.amazonaws.com/role-aliases/x" });
      expect(() =>
        iotCredentials({ ...base, endpoint: "https://c1a2.credentials.iot.eu-west-1.amazonaws.com:443" }),
      ).not.toThrow();
    });

    it("checks PEM contents now, without quoting them", () => {
      const broken = device.key.replace(/\n[A-Za-z0-9+/]{10}/, "\n!!!!!!!!!!");
      const error = invalid({ ...base, privateKey: broken, certificate: "-----BEGIN CERTIFICATE-----\nxx" });
      expect(error.issues.map((issue) => issue.path).sort()).toEqual(["certificate", "privateKey"]);
    });

    it("checks names, durations and unknown options, never showing the key", () => {
      const error = invalid({
        ...base,
        privateKey: device.key,
        roleAlias: "bad alias",
        thingName: "",
        durationSeconds: 60,
        region: "eu-west-1",
      });
      expect(error.issues.map((issue) => issue.path).sort()).toEqual([
        "durationSeconds",
        "region",
        "roleAlias",
        "thingName",
      ]);
      invalid({ ...base, privateKey: 5 });
      // Options read from the environment: undefined is the same as leaving them out.
      expect(() =>
        iotCredentials({ ...base, thingName: undefined, ca: undefined, durationSeconds: undefined }),
      ).not.toThrow();
      invalid({ endpoint: iot.endpoint, roleAlias: "sensor-uploader", certificate: device.certFile });
    });
  });
});
