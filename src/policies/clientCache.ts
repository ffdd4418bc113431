import { InvalidOptionsError } from "../errors/InvalidOptionsError";

/**
 * The clients one {@link session} has built, by class and config: at most `maxSize` of them, the
 * least recently used evicted first.
 *
 * @internal
 */
export interface ClientCache {
  /** The client of `ClientClass` for `config` (keys set to `undefined` left out), built by `build` if none is kept. */
  get(
    ClientClass: object,
    config: object | undefined,
    build: (config: Record<string, unknown>) => object,
  ): object;
  /** Destroys every client built (kept or evicted, if still alive) once, and forgets them. */
  destroyAll(): void;
}

/** Deeper than any SDK client config: a config this deep is a structure of the program's, not options. */
const MAX_DEPTH = 64;

/** `config` without its keys set to `undefined`: "not set", for every key (`credentials`, `region`). */
const setKeysOf = (config: object | undefined): Record<string, unknown> => {
  const record = (config ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record).flatMap((key) => (record[key] === undefined ? [] : [[key, record[key]]])),
  );
};

const destroyClient = (client: object): void => {
  (client as { destroy?: () => void }).destroy?.();
};

/**
 * A {@link ClientCache} of at most `maxSize` clients.
 *
 * An evicted client is not destroyed: a caller may still hold it (a module that keeps the client it
 * was given, a request in flight), and destroying it would close the sockets under that caller's
 * feet. Once nobody holds it, it is garbage, its idle keep-alive sockets unreferenced and closed by
 * their timeouts. The cache keeps a weak reference to it, so that `destroyAll()` (the session's
 * `destroy()`) still destroys it if someone still holds it then.
 *
 * @internal
 */
export const clientCache = (maxSize: number): ClientCache => {
  /** Identities of functions and class instances, for keys: by reference, never by content. */
  const identities = new WeakMap<object, number>();
  let nextIdentity = 0;
  const identityOf = (value: object): number => {
    let id = identities.get(value);
    if (id === undefined) {
      id = nextIdentity++;
      identities.set(value, id);
    }
    return id;
  };

  /**
   * A key equal for values equal as data: plain objects and arrays by content (keys sorted), functions
   * and class instances by identity. `undefined` inside counts as given: the SDK sees it as given.
   */
  const keyOf = (value: unknown, path: string, ancestors: object[]): string => {
    if (typeof value === "function") return `f#${identityOf(value)}`;
    if (value === null || typeof value !== "object") {
      if (value === undefined) return "u";
      return typeof value === "symbol" || typeof value === "bigint"
        ? `${typeof value}:${String(value)}`
        : JSON.stringify(value);
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    const isArray = Array.isArray(value);
    if (!isArray && prototype !== Object.prototype && prototype !== null) return `o#${identityOf(value)}`;
    if (ancestors.includes(value)) {
      throw new InvalidOptionsError("session.client", [
        {
          path,
          rule: "refers back to an object that contains it (a circular config): give a tree of values",
        },
      ]);
    }
    if (ancestors.length >= MAX_DEPTH) {
      throw new InvalidOptionsError("session.client", [
        { path, rule: `is nested more than ${MAX_DEPTH} levels deep: a client config is not that deep` },
      ]);
    }
    ancestors.push(value);
    try {
      if (isArray)
        return `[${value.map((item, index) => keyOf(item, `${path}.${index}`, ancestors)).join(",")}]`;
      const record = value as Record<string, unknown>;
      return `{${Object.keys(record)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${keyOf(record[key], `${path}.${key}`, ancestors)}`)
        .join(",")}}`;
    } finally {
      ancestors.pop();
    }
  };

  // A Map iterates in insertion order: a use moves its client to the end, so the first is the least recent.
  const kept = new Map<string, object>();
  let evicted: Array<WeakRef<object>> = [];

  return {
    get(ClientClass, config, build) {
      const given = setKeysOf(config);
      // The caller's object is an ancestor too: `given` is a copy, and a loop may lead back to the original.
      const key = `${identityOf(ClientClass)}:${keyOf(given, "config", config === undefined ? [] : [config])}`;
      const found = kept.get(key);
      if (found !== undefined) {
        kept.delete(key);
        kept.set(key, found);
        return found;
      }
      const client = build(given);
      kept.set(key, client);
      if (kept.size > maxSize) {
        const [oldestKey, oldest] = kept.entries().next().value as [string, object];
        kept.delete(oldestKey);
        evicted = evicted.filter((ref) => ref.deref() !== undefined);
        evicted.push(new WeakRef(oldest));
      }
      return client;
    },
    destroyAll() {
      const alive = [...kept.values(), ...evicted.map((ref) => ref.deref())];
      kept.clear();
      evicted = [];
      for (const client of new Set(alive)) if (client !== undefined) destroyClient(client);
    },
  };
};
