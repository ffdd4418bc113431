import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** The environment variable through which jest's global setup tells the tests where moto listens. */
export const MOTO_ENDPOINT_VAR = "AWS_REFRESH_SESSION_MOTO_ENDPOINT";
/** Set instead of the endpoint when moto is not available (outside CI), with the reason. */
export const MOTO_SKIP_VAR = "AWS_REFRESH_SESSION_MOTO_SKIP";

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === "object" && address) resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });

export const hasMotoServer = (): boolean =>
  spawnSync("moto_server", ["--help"], { stdio: "ignore" }).status === 0;

/** Starts `moto_server` on a free loopback port and resolves once it answers HTTP. */
export const startMoto = async (timeoutMs = 30_000): Promise<{ endpoint: string; process: ChildProcess }> => {
  const port = await freePort();
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited with code ${child.exitCode} before answering:\n${stderr}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (response.ok) return { endpoint, process: child };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
