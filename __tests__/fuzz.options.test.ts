import net from "node:net";
import { inspect } from "node:util";
import fc from "fast-check";
import {
  assumeRole,
  backoffPolicy,
  InvalidOptionsError,
  refreshAhead,
  refreshing,
  refreshingRole,
  session,
  withTimeout,
  type RefreshingProvider,
} from "../src";
import { assumeRoleProps } from "../src/sources/roleOptions";
import { webIdentityProps } from "../src/sources/assumeRoleWithWebIdentity";
import { refreshPolicyProps } from "../src/policies/refreshing";
import { localSts, manualClock } from "../src/testing";

/**
 * Every public constructor, given arbitrary values with a known secret somewhere in them: it builds,
 * or it throws an InvalidOptionsError that names what is wrong (never anything else); it makes no
 * network call; and the secret is nowhere in what the error says or shows.
 */

const SECRETS = [
  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example",
  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9hcHAifQ.c2lnbmF0dXJlMTIz",
];
/** A random secret the way AWS makes them: 40 characters of base64 from random bytes. */
const randomSecret = fc
  .uint8Array({ minLength: 30, maxLength: 30 })
  .map((bytes) => Buffer.from(bytes).toString("base64"))
  .filter((s) => /[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s));
const secretArb = fc.oneof(fc.constantFrom(...SECRETS), randomSecret);

const roleArn = "arn:aws:iam::123456789012:role/Fuzzed";
const knownNames = [
  ...Object.keys(assumeRoleProps),
  ...Object.keys(refreshPolicyProps),
  ...Object.keys(webIdentityProps),
  ...["source", "retries", "baseDelayMs", "maxDelayMs", "name", "windowMs", "jitter"],
  ...["accountId", "credentialLifetimeMs", "rootCredentials", "verifyWebIdentityToken"],
];
const secretLookingNames = [
  "SecretAccessKey",
  "secretKey",
  "secret_access_key",
  "aws_secret_access_key",
  "password",
  "token",
  "SessionToken",
  "credential",
];
const nameArb = fc.oneof(fc.constantFrom(...knownNames, ...secretLookingNames), fc.string({ maxLength: 12 }));

/** A value that holds `secret` somewhere, or an ordinary value, or a plausible one. */
const valueArb = (secret: string) =>
  fc.oneof(
    fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withNullPrototype: true }),
    fc.constant(secret),
    fc.constant(`prefix ${secret} suffix`),
    fc.constant([secret]),
    fc.constant({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: 5 }),
    fc.constant({ [secret]: 1 }),
    fc.constantFrom(roleArn, "eu-west-1", 900, 3_600, 60_000, 0, -1, NaN, Infinity, 2 ** 31, 1e9, "", null),
  );

/** Options objects holding `secret` under one name at least, or anything at all. */
const optionsArb = secretArb
  .chain((secret) =>
    fc.tuple(
      fc.constant(secret),
      fc.oneof(
        { weight: 4, arbitrary: fc.dictionary(nameArb, valueArb(secret), { maxKeys: 5 }) },
        { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
      ),
      nameArb,
    ),
  )
  .map(([secret, options, name]) =>
    typeof options === "object" && options !== null && !Array.isArray(options)
      ? ([secret, { ...options, [name]: secret }] as const)
      : ([secret, options] as const),
  );

const checkRejection = (error: unknown, secret: string): void => {
  if (!(error instanceof InvalidOptionsError)) {
    throw new Error(`threw something else than an InvalidOptionsError: ${inspect(error)}`);
  }
  expect(error.issues.length).toBeGreaterThan(0);
  for (const issue of error.issues) expect(issue.rule.length).toBeGreaterThan(0);
  expect(error.message).toMatch(/^Invalid [\w.]+ options \(\d+ problems?\):\n {2}- /);
  for (const shown of [
    error.message,
    JSON.stringify(error.issues),
    error.stack ?? "",
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
  ]) {
    expect(shown).not.toContain(secret);
  }
};

let connects = 0;
beforeAll(() => {
  const connect = net.Socket.prototype.connect;
  jest.spyOn(net.Socket.prototype, "connect").mockImplementation(function (this: net.Socket, ...args) {
    connects++;
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  });
});
afterAll(() => {
  jest.restoreAllMocks();
});

/** Runs `build` over arbitrary options: built (then disposed) or rejected as it should, and no socket opened. */
const fuzz = (build: (options: unknown) => unknown, numRuns = 150): void => {
  const before = connects;
  fc.assert(
    fc.property(optionsArb, ([secret, options]) => {
      let built: unknown;
      try {
        built = build(options);
      } catch (error) {
        checkRejection(error, secret);
        return;
      }
      (built as Partial<RefreshingProvider> | undefined)?.dispose?.();
      (built as { destroy?: () => void } | undefined)?.destroy?.();
    }),
    { numRuns },
  );
  expect(connects - before).toBe(0);
};

describe("fuzz: every public constructor over arbitrary options", () => {
  it("refreshingRole", () => {
    fuzz((options) => refreshingRole(options as never));
  });

  it("session", () => {
    fuzz((options) => session(options as never));
  });

  it("session with a source", () => {
    const source = () => Promise.reject(new Error("never called"));
    fuzz((options) =>
      session((typeof options === "object" && options !== null ? { ...options, source } : options) as never),
    );
  });

  it("refreshing", () => {
    fuzz((options) => refreshing(() => Promise.reject(new Error("never called")), options as never));
    fuzz((source) => refreshing(source as never), 50);
  });

  it("assumeRole", () => {
    fuzz((options) =>
      assumeRole(
        (typeof options === "object" && options !== null ? { roleArn, ...options } : options) as never,
      ),
    );
  });

  it("backoffPolicy", () => {
    fuzz((options) => backoffPolicy(options as never));
  });

  it("withTimeout", () => {
    fuzz((options) => withTimeout(5_000, options as never));
    fuzz((ms) => withTimeout(ms as never), 50);
  });

  it("refreshAhead", () => {
    fuzz((options) => refreshAhead(options as never));
  });

  it("manualClock and its advance", () => {
    fuzz((start) => manualClock(start as never), 50);
    fuzz((ms) => {
      const clock = manualClock();
      // A step that is accepted moves the clock; there is nothing asleep to wake.
      return void clock.advance(ms as never);
    }, 50);
  });

  it("localSts", async () => {
    await fc.assert(
      fc.asyncProperty(optionsArb, async ([secret, options]) => {
        // A port that is valid would really be listened on: take any free one instead.
        const safe =
          typeof options === "object" &&
          options !== null &&
          "port" in options &&
          typeof options.port === "number"
            ? { ...options, port: 0 }
            : options;
        try {
          const sts = await localSts(safe as never);
          await sts.close();
        } catch (error) {
          checkRejection(error, secret);
        }
      }),
      { numRuns: 60 },
    );
  });
});
