import { requestActivity } from "../../src/testing/requestActivity";

/** Whether `promise` has settled once pending callbacks have run. */
const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe("requestActivity", () => {
  it("is idle with no request", async () => {
    const activity = requestActivity();
    expect(await settled(activity.idle())).toBe(true);
    await expect(activity.quiet()).resolves.toBeUndefined();
  });

  it("is idle once every request is paused, however many times each is", async () => {
    const activity = requestActivity();
    const first = activity.begin();
    const second = activity.begin();
    const idle = activity.idle();
    first.pause();
    first.pause();
    expect(await settled(idle)).toBe(false);
    second.pause();
    expect(await settled(idle)).toBe(true);
  });

  it("counts a resumed request as work again, once", async () => {
    const activity = requestActivity();
    const work = activity.begin();
    work.pause();
    work.resume();
    work.resume();
    const idle = activity.idle();
    expect(await settled(idle)).toBe(false);
    work.pause();
    expect(await settled(idle)).toBe(true);
  });

  it("waits for quiet until a request that arrives while it looks away is answered", async () => {
    const activity = requestActivity();
    let answered = false;
    setTimeout(() => {
      const work = activity.begin();
      setTimeout(() => {
        answered = true;
        work.pause();
      }, 5);
    }, 0);
    await activity.quiet();
    expect(answered).toBe(true);
  });
});
