import * as t from "io-ts";
import { isLeft } from "fp-ts/Either";
import { decodeOptions, InvalidOptionsError, strictOptions, toIssues } from "../src";

describe("InvalidOptionsError", () => {
  it("lists every issue with its path in the message", () => {
    const error = new InvalidOptionsError("thing", [
      { path: "a", rule: "a number" },
      { path: "b.c", rule: "a string" },
    ]);
    expect(error.message).toBe("Invalid thing options (2 problems):\n  - a: a number\n  - b.c: a string");
    expect(error).toBeInstanceOf(TypeError);
    expect(error.name).toBe("InvalidOptionsError");
  });

  it("decodeOptions returns the decoded value, or throws naming each bad field", () => {
    const codec = strictOptions("Server", { host: t.string }, { port: t.number });
    expect(decodeOptions("server", codec, { host: "h", port: 1 })).toEqual({ host: "h", port: 1 });
    expect(() => decodeOptions("server", codec, { port: "1", hots: "h" })).toThrow(
      /host: string \(it is missing\)[\s\S]*port: number \(got "1"\)[\s\S]*hots: is not a known option; did you mean host\?/,
    );
  });

  it("toIssues reads nested paths through arrays and objects", () => {
    const codec = t.type({ list: t.array(t.type({ name: t.string })) });
    const result = codec.decode({ list: [{ name: "a" }, { name: 2 }] });
    expect(isLeft(result) && toIssues(result.left)).toEqual([
      { path: "list.1.name", rule: "string (got 2)" },
    ]);
  });
});
