// Jest runs each test file in its own V8 context, so errors made by Node's core (a socket's
// ECONNREFUSED, ECONNRESET) are instances of another realm's Error. The AWS SDK then fails its
// `error instanceof Error` check and replaces them with "AWS SDK error wrapper for Error: ...",
// dropping the `code` that retry classification reads. A real Node process has one realm; this
// environment gives the tests the same, so network failures are classified as they are in production.
const { TestEnvironment } = require("jest-environment-node");

class SingleRealmErrorEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      "Error",
      "TypeError",
      "RangeError",
      "SyntaxError",
      "ReferenceError",
      "EvalError",
      "URIError",
      "AggregateError",
    ]) {
      this.global[name] = globalThis[name];
    }
    // The test file's `process` is jest's copy; warnings go to the real one. Record them here for
    // failOnWarning.ts, which fails the file.
    this.warnings = [];
    this.onWarning = (warning) => {
      this.warnings.push(`${warning.name}: ${warning.message}`);
    };
    this.global.__PROCESS_WARNINGS__ = this.warnings;
  }

  async setup() {
    await super.setup();
    process.on("warning", this.onWarning);
  }

  async teardown() {
    process.off("warning", this.onWarning);
    await super.teardown();
  }
}

module.exports = SingleRealmErrorEnvironment;
