import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import type { Clock } from "../../src";

/** A certificate and its key, as files and as PEM text. */
export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

/** The test's own PKI: the IoT CA (server and devices), and a CA AWS IoT never heard of. */
export interface Pki {
  readonly caFile: string;
  readonly ca: string;
  readonly server: KeyPair;
  readonly device: (name: string) => KeyPair;
  /** A device certificate from the other CA. */
  readonly rogue: KeyPair;
}

const openssl = (args: string[], cwd: string): void => {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(
      code === "ENOENT"
        ? "the IoT tests make their certificates with the openssl command, which is not on the PATH (apt-get install openssl)"
        : `openssl ${args[0] ?? ""} failed: ${String((error as { stderr?: unknown }).stderr)}`,
      { cause: error },
    );
  }
};

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

const makeCa = (dir: string, name: string): { certFile: string; keyFile: string } => {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  openssl(
    [
      "req",
      "-x509",
      ...EC,
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return { certFile, keyFile };
};

const makeLeaf = (
  dir: string,
  ca: { certFile: string; keyFile: string },
  name: string,
  extensions: string,
): KeyPair => {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(["req", "-new", ...EC, "-keyout", keyFile, "-out", csr, "-subj", `/CN=${name}`], dir);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      ca.certFile,
      "-CAkey",
      ca.keyFile,
      "-set_serial",
      `0x${randomBytes(8).toString("hex")}`,
      "-days",
      "2",
      "-out",
      certFile,
      "-extfile",
      ext,
    ],
    dir,
  );
  return { certFile, keyFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
};

/** Makes the PKI with the openssl command in `dir` (once per test file: a few milliseconds each). */
export const makePki = (dir: string): Pki => {
  const ca = makeCa(dir, "iot-ca");
  const other = makeCa(dir, "other-ca");
  const device = (name: string) => makeLeaf(dir, ca, name, "extendedKeyUsage=clientAuth\n");
  return {
    caFile: ca.certFile,
    ca: readFileSync(ca.certFile, "utf8"),
    server: makeLeaf(
      dir,
      ca,
      "localhost",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    ),
    device,
    rogue: makeLeaf(dir, other, "rogue-device", "extendedKeyUsage=clientAuth\n"),
  };
};

/** One request the local IoT endpoint answered. */
export interface IotRequest {
  readonly roleAlias: string;
  readonly thingName: string | undefined;
  readonly durationSeconds: string | undefined;
  /** The common name of the client certificate it was made with. */
  readonly device: string | undefined;
  readonly status: number;
}

/** A scripted answer for the next request: a status and a body, or a raw text with a content type. */
export interface IotFault {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export interface LocalIot {
  /** `127.0.0.1:<port>`: the endpoint to give iotCredentials(). */
  readonly endpoint: string;
  readonly requests: readonly IotRequest[];
  /** Every access key it issued, oldest first. */
  readonly issued: readonly string[];
  /** Answers the next requests with `faults`, in order. */
  inject(...faults: IotFault[]): void;
  close(): Promise<void>;
}

/**
 * An AWS IoT credentials provider on loopback: HTTPS that demands a client certificate from the IoT
 * CA, `GET /role-aliases/<alias>/credentials`, credentials that live `lifetimeMs` by `clock`. Aliases
 * not in `aliases` are 404 "Role alias does not exist"; a device not allowed an alias is 403.
 */
export const localIot = async (options: {
  readonly pki: Pki;
  readonly clock: Clock;
  readonly lifetimeMs: number;
  /** Role alias → the devices (certificate common names) allowed to use it; `"*"` for any. */
  readonly aliases: Readonly<Record<string, readonly string[] | "*">>;
}): Promise<LocalIot> => {
  const requests: IotRequest[] = [];
  const issued: string[] = [];
  const faults: IotFault[] = [];
  const server: Server = createServer(
    {
      cert: options.pki.server.cert,
      key: options.pki.server.key,
      ca: options.pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (request, response) => {
      // An https server's sockets are TLS sockets.
      const peer = (request.socket as unknown as Pick<TLSSocket, "getPeerCertificate">).getPeerCertificate();
      const device = (peer.subject as Partial<typeof peer.subject> | undefined)?.CN;
      const match = /^\/role-aliases\/([^/]+)\/credentials$/.exec(request.url ?? "");
      const roleAlias = match?.[1] === undefined ? "" : decodeURIComponent(match[1]);
      const header = (name: string): string | undefined => {
        const value = request.headers[name];
        return typeof value === "string" ? value : undefined;
      };
      const answer = (status: number, body: string, contentType = "application/json"): void => {
        requests.push({
          roleAlias,
          thingName: header("x-amzn-iot-thingname"),
          durationSeconds: header("x-amzn-iot-credential-duration-seconds"),
          device: typeof device === "string" ? device : undefined,
          status,
        });
        response.writeHead(status, { "content-type": contentType, connection: "close" });
        response.end(body);
      };
      const fault = faults.shift();
      if (fault !== undefined) {
        answer(fault.status, fault.body, fault.contentType);
        return;
      }
      if (request.method !== "GET" || match === null) {
        answer(404, "<html><body>Not Found</body></html>", "text/html");
        return;
      }
      const allowed = options.aliases[roleAlias];
      if (allowed === undefined) {
        answer(404, JSON.stringify({ message: "Role alias does not exist" }));
        return;
      }
      if (allowed !== "*" && (typeof device !== "string" || !allowed.includes(device))) {
        answer(403, JSON.stringify({ message: "Access Denied" }));
        return;
      }
      const n = issued.length + 1;
      const accessKeyId = `ASIAIOTLOCAL${String(n).padStart(8, "0")}`;
      issued.push(accessKeyId);
      answer(
        200,
        JSON.stringify({
          credentials: {
            accessKeyId,
            secretAccessKey: `iot-secret-${randomBytes(12).toString("hex")}`,
            sessionToken: `iot-token-${randomBytes(24).toString("hex")}`,
            expiration: new Date(options.clock.now() + options.lifetimeMs).toISOString(),
          },
        }),
      );
    },
  );
  // A handshake the server refuses is an error on its side too: expected here, not worth a warning.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    issued,
    inject: (...more) => {
      faults.push(...more);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};

/**
 * `openssl s_server` demanding a certificate from the IoT CA: unlike Node.js's TLS server (which
 * finishes the handshake and then drops the connection), it turns a certificate down with a TLS alert
 * inside the handshake, as AWS's endpoints do.
 */
export const alertingServer = async (pki: Pki): Promise<{ endpoint: string; close: () => Promise<void> }> => {
  const child = spawn(
    "openssl",
    [
      "s_server",
      "-accept",
      "127.0.0.1:0",
      "-Verify",
      "1",
      "-verify_return_error",
      "-CAfile",
      pki.caFile,
      "-cert",
      pki.server.certFile,
      "-key",
      pki.server.keyFile,
      "-www",
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      resolve();
    }),
  );
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const found = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (found?.[1] !== undefined) resolve(found[1]);
    });
    child.once("error", reject);
    child.once("exit", () => {
      reject(new Error(`openssl s_server exited: ${out}`));
    });
  });
  return {
    endpoint: `127.0.0.1:${port}`,
    close: async () => {
      child.kill();
      await exited;
    },
  };
};
