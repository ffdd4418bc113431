/**
 * fp-ts's `isLeft` and `isRight`, written here on fp-ts's own types. Importing any value from
 * fp-ts/Either brings that module's top-level `dual(...)` calls, which no bundler can drop, and with
 * them fp-ts's function, Functor and Chain modules: about 3 KB of every Lambda bundle, for two tests of
 * a tag. io-ts's decoders answer plain `{ _tag: "Left" | "Right" }` values, which these read.
 */
import type { Either, Left, Right } from "fp-ts/Either";

/** @internal */
export const isLeft = <E, A>(either: Either<E, A>): either is Left<E> => either._tag === "Left";

/** @internal */
export const isRight = <E, A>(either: Either<E, A>): either is Right<A> => either._tag === "Right";
