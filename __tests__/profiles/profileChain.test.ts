import { planKey, profileChain, type ProfileChainContext } from "../../src/profiles/profileChain";
import type { ProfilePlan, RoleHop } from "../../src/profiles/resolveProfile";
import { checkedElsewhere } from "../../src/errors/InvalidOptionsError";
import { manualClock } from "../../src/testing";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const hop = (name: string): RoleHop => ({
  profile: name,
  roleArn: `arn:aws:iam::123456789012:role/${name}`,
  roleSessionName: undefined,
  externalId: undefined,
  mfaSerial: undefined,
  durationSeconds: undefined,
});

const plan = (hops: readonly RoleHop[], secretAccessKey = SECRET): ProfilePlan => ({
  profile: "dev",
  source: {
    kind: "static",
    profile: "base",
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey },
  },
  hops,
  region: "eu-west-1",
  endpoint: undefined,
  endpointOf: () => undefined,
});

const context = (): ProfileChainContext => ({
  options: checkedElsewhere({}),
  paths: { configFile: "/nonexistent/config", credentialsFile: "/nonexistent/credentials" },
  clock: manualClock(),
});

describe("planKey", () => {
  it("is the same for plans that give the same credentials, and differs when a role or a key does", () => {
    expect(planKey(plan([hop("One")]))).toBe(planKey(plan([hop("One")])));
    expect(planKey(plan([hop("One")]))).not.toBe(planKey(plan([hop("Two")])));
    expect(planKey(plan([hop("One")]))).not.toBe(planKey(plan([hop("One")], "another-secret")));
  });

  it("is a digest: the static keys it depends on are not in it", () => {
    expect(planKey(plan([]))).toMatch(/^[0-9a-f]{64}$/);
    expect(planKey(plan([]))).not.toContain(SECRET);
  });
});

describe("profileChain", () => {
  it("serves static keys with no role as they are, with nothing refreshing on its own", () => {
    const chain = profileChain(context(), plan([]));
    expect(chain.parts).toHaveLength(0);
    expect(chain.key).toBe(planKey(plan([])));
  });

  it("refreshes each role but the last on its own, as the caller of the next; static keys need no refresh", () => {
    const chain = profileChain(context(), plan([hop("One"), hop("Two"), hop("Three")]));
    try {
      expect(chain.parts).toHaveLength(2);
      expect(typeof chain.top).toBe("function");
    } finally {
      for (const part of chain.parts) part.dispose();
    }
  });
});
