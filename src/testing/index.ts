/**
 * Helpers for testing code that uses aws-refresh-session: import from `aws-refresh-session/testing`.
 *
 * @packageDocumentation
 */
export {
  localSts,
  type FaultSchedule,
  type IssuedCredentials,
  type LocalSts,
  type LocalStsOptions,
  type StsAction,
  type StsFault,
  type StsRequestRecord,
} from "./localSts";
export { manualClock, type ManualClock } from "./manualClock";
