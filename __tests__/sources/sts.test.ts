import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { limitRetries } from "retry-ts";
import { assumeRole, assumeRoleWithWebIdentity, CredentialRefreshError, refreshing } from "../../src";
import { localSts, manualClock } from "../../src/testing";

const roleArn = "arn:aws:iam::123456789012:role/Reader";
const callerSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/** A loopback server that answers every request with `status`, `contentType` and `body`, counting them. */
const answering = async (status: number, contentType: string | undefined, body: string) => {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on("end", () => {
      response.writeHead(status, contentType === undefined ? {} : { "content-type": contentType });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
};

const failureOf = async (provider: () => Promise<unknown>): Promise<CredentialRefreshError> => {
  const error = await provider().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialRefreshError);
  return error as CredentialRefreshError;
};

describe("an STS endpoint that answers an error status with a page that is not STS's", () => {
  it.each([403, 502])(
    'HTTP %i with an HTML page: says what came back, not "Unknown", and is retryable',
    async (status) => {
      const server = await answering(
        status,
        "text/html",
        "<html><body>Access denied by the corporate proxy</body></html>",
      );
      try {
        const provider = assumeRole({
          roleArn,
          region: "us-east-1",
          clientConfig: {
            endpoint: server.endpoint,
            credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: callerSecret },
          },
        });
        const error = await failureOf(provider);
        expect(error.message).toContain(
          `STS AssumeRole answered HTTP ${status} with something that is not an STS response (content type text/html, starting "<html><body>Access denied by the corporate proxy`,
        );
        expect(error.message).toMatch(/is a proxy answering for it\?$/);
        expect(error.retryable).toBe(true);
      } finally {
        await server.close();
      }
    },
  );
});

describe("an STS endpoint that answers 200 with something that is not STS's", () => {
  const clientConfig = (endpoint: string) => ({
    endpoint,
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: callerSecret },
  });

  it.each([
    [
      "an HTML page",
      "text/html; charset=utf-8",
      "<html>\n  <body>Sign in to the corporate proxy</body>\n</html>",
      'STS AssumeRole answered HTTP 200 with something that is not an STS response (content type text/html; charset=utf-8, starting "<html> <body>Sign in to the corporate proxy</body> </html>")',
    ],
    [
      "an empty body",
      "text/xml",
      "",
      "STS AssumeRole answered HTTP 200 with an empty body (content type text/xml), not an STS response",
    ],
    [
      "JSON",
      "application/json",
      '{"ok":true}',
      'STS AssumeRole answered HTTP 200 with something that is not an STS response (content type application/json, starting "{\\"ok\\":true}")',
    ],
  ])("%s: says what came back, and is retryable", async (_label, contentType, body, described) => {
    const server = await answering(200, contentType, body);
    try {
      const provider = assumeRole({
        roleArn,
        region: "us-east-1",
        clientConfig: clientConfig(server.endpoint),
      });
      const error = await failureOf(provider);
      expect(error.message).toContain(described);
      // Whichever way the SDK took it (a parse error, or an answer without credentials), it names the role.
      expect(error.message).toContain(` for ${roleArn};`);
      expect(error.message).toMatch(/is the endpoint an STS endpoint, or is a proxy answering for it\?$/);
      // A proxy's page or a captive portal can be gone a minute later: not a reason to fail callers.
      expect(error.retryable).toBe(true);
      expect(server.requests).toBe(1);
      expect(error.message).not.toContain(callerSecret);
    } finally {
      await server.close();
    }
  });

  it("retries a cut-off answer within the refresh, and does not cache its error", async () => {
    const server = await answering(
      200,
      "text/xml",
      '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIA',
    );
    try {
      const clock = manualClock(Date.now());
      const provider = refreshing(
        assumeRole({ roleArn, region: "us-east-1", clientConfig: clientConfig(server.endpoint), clock }),
        { clock, retryPolicy: limitRetries(2) },
      );
      const error = await failureOf(provider);
      expect(error.message).toMatch(
        /^STS AssumeRole answered HTTP 200 with a body that could not be read \(cut off or garbled: .+\) for arn:aws:iam::123456789012:role\/Reader$/,
      );
      expect(error.retryable).toBe(true);
      // The record of the SDK's error does not send the reader to a raw answer that is not kept.
      expect(JSON.stringify(error.cause)).not.toMatch(/hidden field/);
      expect(server.requests).toBe(3);
      expect(provider.status().errorCachedUntil).toBeUndefined();
      // The next caller tries again: the error was not cached as non-recoverable.
      await failureOf(provider);
      expect(server.requests).toBe(6);
      provider.dispose();
    } finally {
      await server.close();
    }
  });

  it("never repeats a key or token from the body, and cuts it short", async () => {
    const token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example1234567890";
    const server = await answering(200, "text/plain", `token=${token} ${"and more ".repeat(30)}`);
    try {
      const provider = assumeRoleWithWebIdentity({
        roleArn,
        region: "us-east-1",
        webIdentityToken: "a.jwt.token",
        clientConfig: { endpoint: server.endpoint },
      });
      const error = await failureOf(provider);
      expect(error.message).toContain(
        'STS AssumeRoleWithWebIdentity answered HTTP 200 with something that is not an STS response (content type text/plain, starting "[hidden] and more',
      );
      expect(error.message).not.toContain("IQoJb3JpZ2lu");
      expect(error.message).toMatch(/more"\.\.\.\) for arn/);
      expect(error.retryable).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("keeps an STS answer without credentials retryable: the next answer may be right", async () => {
    const server = await answering(
      200,
      "text/xml",
      '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult></AssumeRoleResult></AssumeRoleResponse>',
    );
    try {
      const provider = assumeRole({
        roleArn,
        region: "us-east-1",
        clientConfig: clientConfig(server.endpoint),
      });
      const error = await failureOf(provider);
      expect(error.message).toBe(
        `STS AssumeRole for ${roleArn} returned no usable credentials: invalid or missing Credentials`,
      );
      expect(error.retryable).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("passes the caller's signal to the STS call: an abort ends a call that STS never answers", async () => {
    const sts = await localSts();
    try {
      sts.inject({ kind: "hang" });
      const provider = assumeRole({
        roleArn: "arn:aws:iam::123456789012:role/Hung",
        region: "us-east-1",
        clientConfig: { endpoint: sts.endpoint, credentials: sts.rootCredentials },
      });
      const controller = new AbortController();
      const call = provider({ signal: controller.signal });
      // Once the request has reached STS (which will never answer it), the caller gives up.
      while (sts.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
      controller.abort(new Error("caller gave up"));
      await expect(call).rejects.toThrow(/caller gave up|aborted/);
      expect(sts.counts.AssumeRole).toBeLessThanOrEqual(1);
    } finally {
      await sts.close();
    }
  }, 10_000);
});
