import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { devNull, networkInterfaces } from "node:os";
import { fromHttp } from "@aws-sdk/credential-provider-http";
import {
  fromFunction,
  InvalidOptionsError,
  refreshing,
  serveCredentials,
  type CredentialServer,
  type CredentialServerEvent,
  type Credentials,
} from "../../src";
import { CLEARED_VARIABLES } from "../../src/server/childEnvironment";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSERVEDSECRET1";
const TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQSERVEDTOKEN";
const expiration = new Date("2030-01-01T00:00:00.000Z");
const credentials: Credentials = {
  accessKeyId: "ASIASERVEDKEY0000001",
  secretAccessKey: SECRET,
  sessionToken: TOKEN,
  expiration,
};

/** A GET with full control of the headers (fetch would set Host itself). */
const get = (
  url: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; body: string; contentType: string | undefined }> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => {
        resolve({ status: response.statusCode ?? 0, body, contentType: response.headers["content-type"] });
      });
    });
    req.on("error", reject);
    req.end();
  });

describe("serveCredentials", () => {
  let server: CredentialServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("answers a request carrying the token with AccessKeyId, SecretAccessKey, Token and an ISO 8601 Expiration", async () => {
    const events: CredentialServerEvent[] = [];
    server = await serveCredentials(
      fromFunction(() => Promise.resolve(credentials)),
      {
        onEvent: (event) => events.push(event),
      },
    );
    const answer = await get(server.url, { authorization: server.token });
    expect(answer.status).toBe(200);
    expect(events).toEqual([{ type: "served", durationMs: expect.any(Number) }]);
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(answer.contentType).toBe("application/json");
    expect(JSON.parse(answer.body)).toEqual({
      AccessKeyId: "ASIASERVEDKEY0000001",
      SecretAccessKey: SECRET,
      Token: TOKEN,
      Expiration: "2030-01-01T00:00:00.000Z",
    });
    expect(server.stats()).toEqual({ served: 1, denied: 0, failed: 0 });
  });

  it("is read by the SDK's own container provider (fromHttp) from the two variables of env", async () => {
    server = await serveCredentials(fromFunction(() => Promise.resolve(credentials)));
    const got = await fromHttp({
      awsContainerCredentialsFullUri: server.env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
      awsContainerAuthorizationToken: server.env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
    })();
    expect(got.accessKeyId).toBe(credentials.accessKeyId);
    expect(got.sessionToken).toBe(TOKEN);
    expect(got.expiration?.toISOString()).toBe(expiration.toISOString());
  });

  it("answers 403 with a JSON message, and nothing secret, to a request without the token, with another, or for another host", async () => {
    const events: CredentialServerEvent[] = [];
    server = await serveCredentials(
      fromFunction(() => Promise.resolve(credentials)),
      {
        onEvent: (event) => events.push(event),
      },
    );
    const { url, token } = server;
    const port = new URL(url).port;
    const wrongSameLength = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    const answers = await Promise.all([
      get(url),
      get(url, { authorization: "" }),
      get(url, { authorization: "Bearer nope" }),
      get(url, { authorization: wrongSameLength }),
      get(url, { authorization: `${token}x` }),
      get(url, { authorization: token, host: `attacker.example:${port}` }),
      get(url, { authorization: token }, "POST"),
    ]);
    for (const answer of answers.slice(0, 6)) {
      expect(answer.status).toBe(403);
      expect(answer.contentType).toBe("application/json");
      expect(JSON.parse(answer.body)).toEqual({ Code: "AccessDenied", Message: expect.any(String) });
      expect(answer.body).not.toContain(SECRET);
      expect(answer.body).not.toContain(token);
    }
    expect(answers[6].status).toBe(405);
    expect(events.map((event) => (event.type === "denied" ? event.reason : event.type)).sort()).toEqual(
      ["no-token", "no-token", "wrong-host", "wrong-token", "wrong-token", "wrong-token"].sort(),
    );
    expect(server.stats()).toEqual({ served: 0, denied: 6, failed: 0 });
  });

  it("compares the token in constant time, with crypto.timingSafeEqual", async () => {
    // The module object the source's named import reads from (a namespace import's is read-only).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spy = jest.spyOn(require("node:crypto") as typeof import("node:crypto"), "timingSafeEqual");
    try {
      server = await serveCredentials(fromFunction(() => Promise.resolve(credentials)));
      await get(server.url, { authorization: "wrong" });
      await get(server.url, { authorization: server.token });
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it("has a fresh random token of 256 bits per server", async () => {
    const provider = fromFunction(() => Promise.resolve(credentials));
    const first = await serveCredentials(provider);
    const second = await serveCredentials(provider);
    try {
      expect(Buffer.from(first.token, "base64url")).toHaveLength(32);
      expect(first.token).not.toBe(second.token);
      expect(first.url).not.toBe(second.url);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("listens on 127.0.0.1 only", async () => {
    server = await serveCredentials(fromFunction(() => Promise.resolve(credentials)));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const port = Number(new URL(server.url).port);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address !== undefined && !address.internal && address.family === "IPv4")
      .map((address) => address?.address ?? "");
    const refused = (host: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect({ host, port });
        socket.on("connect", () => {
          socket.destroy();
          resolve("connected");
        });
        socket.on("error", (error: NodeJS.ErrnoException) => {
          resolve(error.code ?? "error");
        });
      });
    for (const host of ["::1", ...others]) expect(await refused(host)).not.toBe("connected");
    expect(await refused("127.0.0.1")).toBe("connected");
  });

  it("answers 500 when the provider fails, with keys and tokens hidden from the message", async () => {
    const events: CredentialServerEvent[] = [];
    server = await serveCredentials(
      fromFunction(() => Promise.reject(new Error(`STS said no to ${SECRET} and ${TOKEN}`))),
      { onEvent: (event) => events.push(event) },
    );
    const answer = await get(server.url, { authorization: server.token });
    expect(answer.status).toBe(500);
    expect(answer.body).not.toContain(SECRET);
    expect(answer.body).not.toContain(TOKEN);
    expect(JSON.parse(answer.body)).toMatchObject({ Code: "CredentialsUnavailable" });
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(events.map((event) => event.type)).toEqual(["failed"]);
  });

  it("serves what a refreshing provider holds now: a child sees the keys change", async () => {
    let n = 0;
    const provider = refreshing(
      fromFunction(() => {
        n++;
        return Promise.resolve({
          ...credentials,
          accessKeyId: `ASIAKEY${n}`,
          expiration: new Date(Date.now() + 600_000),
        });
      }),
    );
    server = await serveCredentials(provider);
    const first = JSON.parse((await get(server.url, { authorization: server.token })).body) as {
      AccessKeyId: string;
    };
    await provider({ forceRefresh: true });
    const second = JSON.parse((await get(server.url, { authorization: server.token })).body) as {
      AccessKeyId: string;
    };
    provider.dispose();
    expect([first.AccessKeyId, second.AccessKeyId]).toEqual(["ASIAKEY1", "ASIAKEY2"]);
  });

  it("gives children an environment without what the SDKs' chains would pick first, and does not change the one given", async () => {
    const environment: Record<string, string> = {
      PATH: "/usr/bin",
      AWS_ENDPOINT_URL: "http://127.0.0.1:1",
      AWS_SHARED_CREDENTIALS_FILE: "/home/me/.aws/credentials",
      AWS_CONFIG_FILE: "/home/me/.aws/config",
      ...Object.fromEntries(CLEARED_VARIABLES.map((name) => [name, `value-of-${name}`])),
    };
    const before = { ...environment };
    server = await serveCredentials(
      fromFunction(() => Promise.resolve(credentials)),
      {
        environment,
        region: "eu-west-3",
      },
    );
    expect(environment).toEqual(before);
    expect(server.env).toEqual({
      PATH: "/usr/bin",
      AWS_ENDPOINT_URL: "http://127.0.0.1:1",
      AWS_SHARED_CREDENTIALS_FILE: devNull,
      AWS_CONFIG_FILE: devNull,
      BOTO_CONFIG: devNull,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: server.url,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: server.token,
      AWS_REGION: "eu-west-3",
      AWS_DEFAULT_REGION: "eu-west-3",
    });
  });

  it("checks its options when called: a bad port, an unknown option, a provider that is not one", async () => {
    const provider = fromFunction(() => Promise.resolve(credentials));
    await expect(serveCredentials(provider, { port: 70_000 })).rejects.toThrow(InvalidOptionsError);
    await expect(serveCredentials(provider, { host: "0.0.0.0" } as never)).rejects.toThrow(/host/);
    await expect(serveCredentials(provider, { region: "" })).rejects.toThrow(/region/);
    await expect(serveCredentials("not a provider" as never)).rejects.toThrow(InvalidOptionsError);
  });

  it("close() ends kept-alive connections and frees the port", async () => {
    server = await serveCredentials(fromFunction(() => Promise.resolve(credentials)));
    const { url, token } = server;
    const response = await fetch(url, { headers: { authorization: token } });
    expect(response.status).toBe(200);
    await response.text();
    await server.close();
    await expect(fetch(url, { headers: { authorization: token } })).rejects.toThrow();
  });
});
