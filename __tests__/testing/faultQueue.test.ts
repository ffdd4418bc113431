import { faultQueue } from "../../src/testing/faultQueue";

describe("faultQueue", () => {
  it("hits one matching request by default, then none", () => {
    const faults = faultQueue();
    faults.inject({ kind: "throttle" });
    expect(faults.take("AssumeRole")).toEqual({ kind: "throttle" });
    expect(faults.take("AssumeRole")).toBeUndefined();
  });

  it("applies faults in the order they were queued, each for its count", () => {
    const faults = faultQueue();
    faults.inject({ kind: "reset" }, { times: 2 });
    faults.inject({ kind: "server-error", status: 503 });
    expect(
      ["AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRole", "AssumeRole"].map((action) =>
        faults.take(action),
      ),
    ).toEqual([{ kind: "reset" }, { kind: "reset" }, { kind: "server-error", status: 503 }, undefined]);
  });

  it("leaves GetCallerIdentity alone unless a fault names it", () => {
    const faults = faultQueue();
    faults.inject({ kind: "hang" });
    expect(faults.take("GetCallerIdentity")).toBeUndefined();
    faults.inject({ kind: "malformed" }, { action: "GetCallerIdentity" });
    expect(faults.take("GetCallerIdentity")).toEqual({ kind: "malformed" });
    expect(faults.take("AssumeRole")).toEqual({ kind: "hang" });
  });

  it("lets a fault for one action pass over the others, and keeps it for its own", () => {
    const faults = faultQueue();
    faults.inject({ kind: "expired" }, { action: "AssumeRoleWithWebIdentity" });
    expect(faults.take("AssumeRole")).toBeUndefined();
    expect(faults.take("AssumeRoleWithWebIdentity")).toEqual({ kind: "expired" });
  });

  it("keeps an Infinity fault until cleared", () => {
    const faults = faultQueue();
    faults.inject({ kind: "latency", ms: 100 }, { times: Infinity });
    for (let i = 0; i < 100; i++) expect(faults.take("AssumeRole")).toEqual({ kind: "latency", ms: 100 });
    faults.clear();
    expect(faults.take("AssumeRole")).toBeUndefined();
  });
});
