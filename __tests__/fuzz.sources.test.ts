import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import fc from "fast-check";
import { assumeRole, CredentialRefreshError, fromFunction, refreshing } from "../src";
import { limitRetries } from "../src/pipeline/retryPolicy";
import { manualClock } from "../src/testing";

/**
 * Sources that throw or return anything, and STS endpoints that answer any status with any body:
 * every failure is a CredentialRefreshError whose message says something a person can act on, and
 * nothing escapes as an unhandled rejection or a process warning.
 */

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const actionable = (error: unknown): void => {
  if (!(error instanceof CredentialRefreshError)) {
    throw new Error(`failed with something else than a CredentialRefreshError: ${inspect(error)}`);
  }
  expect(error.message.length).toBeGreaterThan(10);
  expect(error.message).not.toMatch(/\[object \w+\]/);
  // The message and what JSON shows; `cause` is the source's own value, passed on untouched.
  expect(error.message).not.toContain(SECRET);
  expect(JSON.stringify(error)).not.toContain(SECRET);
};

const unexpected: string[] = [];
const onUnhandled = (reason: unknown) => unexpected.push(`unhandled rejection: ${inspect(reason)}`);
const onWarning = (warning: Error) => unexpected.push(`warning: ${warning.name}: ${warning.message}`);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
  process.on("warning", onWarning);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
  process.off("warning", onWarning);
});
afterEach(async () => {
  // Late rejections and warnings surface on a later turn.
  await new Promise((resolve) => setImmediate(resolve));
  expect(unexpected).toEqual([]);
});

const credentialsLike = fc.record(
  {
    accessKeyId: fc.oneof(fc.constant("ASIAFUZZ"), fc.anything()),
    secretAccessKey: fc.oneof(fc.constant(SECRET), fc.anything()),
    sessionToken: fc.oneof(fc.constant(`token-${SECRET}`), fc.anything()),
    expiration: fc.oneof(fc.date(), fc.integer(), fc.string(), fc.anything()),
  },
  { requiredKeys: [] },
);

describe("fuzz: sources that throw or return anything", () => {
  it("custom sources through fromFunction and refreshing: a CredentialRefreshError, or credentials", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.oneof(fc.anything({ withBigInt: true, withDate: true, withNullPrototype: true }), credentialsLike),
        async (throws, value) => {
          const clock = manualClock();
          const provider = refreshing(
            fromFunction(() => {
              if (throws) throw value as Error;
              return value;
            }),
            { clock, retryPolicy: limitRetries(0) },
          );
          try {
            const credentials = await provider();
            // Only a result that really is credentials, valid for long enough, gets through.
            expect(typeof credentials.accessKeyId).toBe("string");
            expect(credentials.expiration?.getTime()).toBeGreaterThan(clock.now());
          } catch (error) {
            actionable(error);
          } finally {
            provider.dispose();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("any provider that rejects with anything: a CredentialRefreshError describing it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.anything({ withBigInt: true, withDate: true, withNullPrototype: true }),
        async (value) => {
          const clock = manualClock();
          const provider = refreshing(() => Promise.reject(value), {
            clock,
            retryPolicy: limitRetries(0),
          });
          try {
            const outcome = await provider().then(
              () => "resolved",
              (error: unknown) => error,
            );
            actionable(outcome);
          } finally {
            provider.dispose();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("fuzz: STS endpoints that answer anything", () => {
  let server: Server;
  let answer: { status: number; contentType: string | undefined; body: string } = {
    status: 200,
    contentType: undefined,
    body: "",
  };
  let endpoint = "";
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        response.writeHead(
          answer.status,
          answer.contentType === undefined ? {} : { "content-type": answer.contentType },
        );
        response.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const xmlText = fc.string({ maxLength: 30 }).map((s) => s.replace(/[<>&]/g, ""));
  const body = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constant(""),
    fc.constant("<html><head><title>Proxy login</title></head><body>Sign in</body></html>"),
    fc.json(),
    fc.constant("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>"),
    fc
      .record({ code: xmlText, message: xmlText })
      .map(
        ({ code, message }) =>
          `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`,
      ),
    fc
      .record({
        key: xmlText,
        expiration: fc.oneof(
          xmlText,
          fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString())),
        ),
      })
      .map(
        ({ key, expiration }) =>
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
          `<AccessKeyId>${key}</AccessKeyId><SecretAccessKey>${SECRET}</SecretAccessKey>` +
          `<SessionToken>token${SECRET}</SessionToken><Expiration>${expiration}</Expiration>` +
          `</Credentials></AssumeRoleResult></AssumeRoleResponse>`,
      ),
  );
  const status = fc.oneof(
    fc.constantFrom(200, 200, 200, 400, 403, 404, 429, 500, 502, 503),
    fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 205 && s !== 304),
  );
  const contentType = fc.constantFrom(
    undefined,
    "text/xml",
    "text/html; charset=utf-8",
    "application/json",
    "text/plain",
  );

  it("every failure is a CredentialRefreshError that says what came back", async () => {
    await fc.assert(
      fc.asyncProperty(status, contentType, body, async (statusCode, type, text) => {
        answer = { status: statusCode, contentType: type, body: text };
        const provider = assumeRole({
          roleArn: "arn:aws:iam::123456789012:role/Fuzzed",
          region: "us-east-1",
          clientConfig: {
            endpoint,
            credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: SECRET },
          },
        });
        try {
          const credentials = await provider();
          expect(credentials.expiration?.getTime()).toBeGreaterThan(Date.now());
        } catch (error) {
          actionable(error);
        }
      }),
      { numRuns: 80 },
    );
  });
});
