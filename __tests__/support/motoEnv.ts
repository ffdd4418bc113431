import { MOTO_ENDPOINT_VAR, MOTO_SKIP_VAR } from "./moto";

/**
 * The endpoint of the moto server that jest's global setup started, and `describe` or `describe.skip`
 * to match: outside CI, a machine without moto skips these suites and says why.
 */
export const motoEndpoint = process.env[MOTO_ENDPOINT_VAR];

export const describeWithMoto: jest.Describe = (() => {
  if (motoEndpoint !== undefined) return describe;
  console.warn(
    `[aws-refresh-session] skipped: ${process.env[MOTO_SKIP_VAR] ?? "moto_server was not started"}`,
  );
  return describe.skip;
})();

/** Caller credentials for moto, which accepts any, with a secret we can search outputs for. */
export const callerCredentials = {
  accessKeyId: "AKIAINTEGRATIONCALLER",
  secretAccessKey: "caller-secret-must-never-appear",
};
