export default async function globalTeardown(): Promise<void> {
  const moto = globalThis.__MOTO_PROCESS__;
  if (moto && moto.exitCode === null) {
    const exited = new Promise((resolve) => moto.once("exit", resolve));
    moto.kill("SIGTERM");
    await exited;
  }
}
