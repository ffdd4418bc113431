import * as t from "io-ts";
import { isLeft } from "fp-ts/Either";
import { InvalidOptionsError } from "../../src";
import {
  checkedElsewhere,
  decodeOptions,
  decodeOptionsAs,
  isChecked,
  toIssues,
} from "../../src/errors/InvalidOptionsError";
import { strictOptions } from "../../src/errors/codecs";

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

  describe("decodeOptionsAs: options are checked once", () => {
    interface ServerOptions {
      readonly host: string;
      readonly port?: number | undefined;
    }
    const codec = strictOptions("Server", { host: t.string }, { port: t.number });
    const decode = decodeOptionsAs<ServerOptions>();

    it("gives back a frozen copy that it remembers as checked, never the caller's object", () => {
      const given = { host: "h", port: 1 };
      const checked = decode("server", codec, given);
      expect(checked).toEqual(given);
      expect(checked).not.toBe(given);
      expect(Object.isFrozen(checked)).toBe(true);
      expect(isChecked(checked)).toBe(true);
      expect(isChecked(given)).toBe(false);
    });

    it("checks the caller's object again at each call, so a change made since is seen", () => {
      const given: { host: unknown; port?: unknown } = { host: "h" };
      decode("server", codec, given);
      given.port = "80";
      expect(() => decode("server", codec, given)).toThrow(/port: number \(got "80"\)/);
    });

    it("gives checked options back as they are, without decoding them again", () => {
      const checked = decode("server", codec, { host: "h" });
      const spy = jest.spyOn(codec, "decode");
      expect(decode("server", codec, checked)).toBe(checked);
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    });

    it("applies the rules between fields after the codec, naming every problem they find", () => {
      const rules = (options: ServerOptions) =>
        options.port === 0 ? [{ path: "port", rule: "not 0 with this host" }] : [];
      expect(() => decode("server", codec, { host: "h", port: 0 }, rules)).toThrow(
        new InvalidOptionsError("server", [{ path: "port", rule: "not 0 with this host" }]),
      );
      // The codec's problems come first: the rules are applied to options of the right shape only.
      expect(() => decode("server", codec, { port: 0 }, rules)).toThrow(/host: string \(it is missing\)/);
      expect(decode("server", codec, { host: "h", port: 1 }, rules)).toEqual({ host: "h", port: 1 });
    });

    it("checkedElsewhere vouches for options built from checked ones: a frozen copy, checked", () => {
      const given = { host: "h", port: 2 };
      const vouched = checkedElsewhere(given);
      expect(vouched).toEqual(given);
      expect(vouched).not.toBe(given);
      expect(isChecked(vouched)).toBe(true);
      expect(decode("server", codec, vouched)).toBe(vouched);
    });
  });

  it("toIssues reads nested paths through arrays and objects", () => {
    const codec = t.type({ list: t.array(t.type({ name: t.string })) });
    const result = codec.decode({ list: [{ name: "a" }, { name: 2 }] });
    expect(isLeft(result) && toIssues(result.left)).toEqual([
      { path: "list.1.name", rule: "string (got 2)" },
    ]);
  });

  it("toIssues skips the member indexes of intersections and unions, from any copy of io-ts", () => {
    const paths = (codec: t.Mixed) => {
      const result = codec.decode({ extra: { a: "one" }, u: "z" });
      return isLeft(result) ? toIssues(result.left).map((issue) => issue.path) : [];
    };
    const intersection = t.intersection([t.type({ a: t.number }), t.partial({ b: t.string })]);
    const union = t.union([t.literal("x"), t.literal("y")]); // an issue per member, both at "u"
    expect(paths(t.type({ extra: intersection, u: union }))).toEqual(["extra.a", "u", "u"]);
    // Codecs of another copy of io-ts (a program's own, beside the one bundled with this package) are
    // not instances of this copy's classes: the same codecs without their prototype stand for them.
    const foreign = <C extends object>(codec: C): C => ({ ...codec });
    expect(paths(t.type({ extra: foreign(intersection), u: foreign(union) }))).toEqual(["extra.a", "u", "u"]);
  });

  describe("never repeats a secret", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const codec = strictOptions(
      "Thing",
      { roleArn: t.string },
      { credentials: t.unknown, region: t.number, tags: t.array(t.string) },
    );
    const issuesOf = (input: unknown) => {
      try {
        decodeOptions("thing", codec, input);
      } catch (error) {
        return error as InvalidOptionsError;
      }
      throw new Error("did not throw");
    };

    it.each([
      "SecretAccessKey",
      "secretKey",
      "secret_access_key",
      "aws_secret_access_key",
      "password",
      "token",
      "SessionToken",
      "credential",
      "harmless",
    ])("never shows the value of an unknown option (%s), only its name", (name) => {
      const error = issuesOf({ roleArn: "r", [name]: secret });
      expect(error.issues).toEqual([
        { path: name, rule: expect.stringMatching(/^is not a known option/) as string },
      ]);
      expect(error.message).not.toContain(secret);
      expect(error.message).not.toContain("wJalr");
    });

    it("never shows a string that looks like a key or token, even under a harmless name", () => {
      const error = issuesOf({ roleArn: "r", region: secret, tags: ["ok", 5] });
      expect(error.issues).toEqual([
        {
          path: "region",
          rule: "number (got a string of 40 characters, not shown: it looks like a key or token)",
        },
        { path: "tags.1", rule: "string (got 5)" },
      ]);
      expect(error.message).not.toContain("wJalr");
    });

    it("shows other values as they were written: NaN, Infinity, strings, kinds of objects", () => {
      const error = issuesOf({
        roleArn: NaN,
        region: "eu-west-1",
        tags: [Infinity, -Infinity, { a: 1 }, [1], 2n],
      });
      expect(error.issues.map((issue) => `${issue.path}: ${issue.rule}`)).toEqual([
        "roleArn: string (got NaN)",
        'region: number (got "eu-west-1")',
        "tags.0: string (got Infinity)",
        "tags.1: string (got -Infinity)",
        "tags.2: string (got an object)",
        "tags.3: string (got an array of 1 item)",
        "tags.4: string (got 2n)",
      ]);
    });

    it("does not repeat an option's name that looks like a key", () => {
      const error = issuesOf({ roleArn: "r", [secret]: 1 });
      expect(error.issues).toEqual([
        {
          path: "<a name of 40 characters>",
          rule: expect.stringMatching(/^is not a known option/) as string,
        },
      ]);
    });
  });
});
