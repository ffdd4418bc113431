import { hasMotoServer, MOTO_ENDPOINT_VAR, MOTO_SKIP_VAR, startMoto } from "./moto";

declare global {
  var __MOTO_PROCESS__: import("node:child_process").ChildProcess | undefined;
}

/**
 * Starts moto's server for the integration tests. In CI (`CI=true`) a missing or broken moto fails
 * the run loudly; elsewhere the integration tests are skipped with the reason.
 */
export default async function globalSetup(): Promise<void> {
  const inCi = process.env.CI === "true" || process.env.CI === "1";
  if (!hasMotoServer()) {
    const reason = "moto_server is not on the PATH (install it with `pip install 'moto[server]'`)";
    if (inCi) throw new Error(`CI requires moto_server for the integration tests: ${reason}`);
    process.env[MOTO_SKIP_VAR] = reason;
    console.warn(`\n[aws-refresh-session] skipping moto integration tests: ${reason}`);
    return;
  }
  const moto = await startMoto();
  globalThis.__MOTO_PROCESS__ = moto.process;
  process.env[MOTO_ENDPOINT_VAR] = moto.endpoint;
}
