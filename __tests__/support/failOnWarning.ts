// A process warning during the tests is a failure: a TimeoutOverflowWarning, a listener that threw, an
// unhandled rejection's PromiseRejectionHandledWarning. The test environment (environment.cjs) records
// the real process's warnings; tests that expect one replace `process.emitWarning` with a spy.
declare global {
  var __PROCESS_WARNINGS__: string[] | undefined;
}

afterAll(async () => {
  // Node emits warnings on the next tick: let the last ones arrive.
  await new Promise((resolve) => setImmediate(resolve));
  const seen = globalThis.__PROCESS_WARNINGS__ ?? [];
  if (seen.length > 0) throw new Error(`process warnings during this file:\n  ${seen.join("\n  ")}`);
});

export {};
