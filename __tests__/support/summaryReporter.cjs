// Ends a run with one plain line, "tests: N passed, N failed, N skipped", that any log reader
// (CI included) can parse without knowing jest's own summary format.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(
      `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped\n`,
    );
  }
}

module.exports = SummaryReporter;
