/**
 * 1. Hot path: nanoseconds per awaited call of a warm provider. Ours (the whole refreshingRole
 * pipeline) against the SDK's `memoize` from @smithy/property-provider with the SDK's 5-minute window,
 * against the floor: an async function that returns a held object, and against the floor of a provider
 * that checks expiry: the same function reading the clock (`Date.now()`) once. Rounds interleave the
 * contenders in rotating order; each sample is the median time of a batch of 1,000 awaited calls.
 */
import { memoize } from "@smithy/property-provider";
import type { AwsCredentialIdentity } from "@smithy/types";
import { refreshingRole } from "../src";
import { nsPerAwaitedCall, stats, stubSts, type Stats } from "./support";

const BATCH = 1_000;

export interface HotPathResult {
  readonly nsPerCall: Record<"ours" | "memoize" | "floor" | "floorWithClock", Stats>;
  readonly rounds: number;
}

export const hotPath = async (rounds = 9): Promise<HotPathResult> => {
  const held: AwsCredentialIdentity = {
    accessKeyId: "ASIAHELD",
    secretAccessKey: "held",
    sessionToken: "held",
    expiration: new Date(Date.now() + 3_600_000),
  };
  // The floor is by definition an async function that returns a held object: nothing to await.
  // eslint-disable-next-line @typescript-eslint/require-await
  const floor = async (): Promise<AwsCredentialIdentity> => held;
  // The floor of a provider that never serves expired credentials: it has to read the clock.
  const horizon = Date.now() + 3_600_000;
  // eslint-disable-next-line @typescript-eslint/require-await
  const floorWithClock = async (): Promise<AwsCredentialIdentity> => {
    if (Date.now() >= horizon) throw new Error("expired");
    return held;
  };
  const sdkMemoize = memoize(
    () => Promise.resolve({ ...held }),
    (credentials) =>
      credentials.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000,
    (credentials) => credentials.expiration !== undefined,
  );
  const sts = stubSts(() => Date.now());
  const ours = refreshingRole({ roleArn: "arn:aws:iam::123456789012:role/bench", stsClient: sts.client });
  await Promise.all([sdkMemoize(), ours()]);

  const contenders: Array<[keyof HotPathResult["nsPerCall"], () => Promise<unknown>]> = [
    ["ours", ours],
    ["memoize", sdkMemoize],
    ["floor", floor],
    ["floorWithClock", floorWithClock],
  ];
  const samples = await nsPerAwaitedCall(contenders, rounds, BATCH);
  ours.dispose();
  if (sts.sends !== 1) throw new Error(`the warm pipeline called STS ${sts.sends} times`);
  return {
    rounds,
    nsPerCall: {
      ours: stats(samples.ours),
      memoize: stats(samples.memoize),
      floor: stats(samples.floor),
      floorWithClock: stats(samples.floorWithClock),
    },
  };
};
