/**
 * Helpers for testing code that uses aws-refresh-session: import from `aws-refresh-session/testing`.
 *
 * @packageDocumentation
 */
export { manualClock, type ManualClock } from "./manualClock";
