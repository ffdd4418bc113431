/**
 * A copy of `value` without `keys`, and without the keys set to `undefined`: what goes on to the next
 * function never overrides one of its defaults. The one way options are narrowed on their way down
 * the pipeline (and codec props to those of a narrower function).
 *
 * @internal
 */
export const omitKeys = <T extends object, K extends PropertyKey = never>(
  value: T,
  keys: readonly K[] = [],
): Omit<T, K> =>
  Object.fromEntries(
    Object.entries(value).filter(
      ([key, field]) => field !== undefined && !(keys as readonly PropertyKey[]).includes(key),
    ),
  ) as Omit<T, K>;
