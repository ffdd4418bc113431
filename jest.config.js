/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "<rootDir>/__tests__/support/environment.cjs",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  // moto's server is started once for the whole run; see __tests__/support/globalSetup.ts.
  setupFiles: ["<rootDir>/__tests__/support/env.ts"],
  // A process warning during the tests fails the file that caused it.
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/failOnWarning.ts"],
  globalSetup: "<rootDir>/__tests__/support/globalSetup.ts",
  globalTeardown: "<rootDir>/__tests__/support/globalTeardown.ts",
  reporters: ["default", "<rootDir>/__tests__/support/summaryReporter.cjs"],
  collectCoverageFrom: ["src/**/*.ts"],
};
