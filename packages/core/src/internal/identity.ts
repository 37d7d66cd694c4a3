/**
 * What the library's identities share (pids, monitors, subjects, names, timers, handles): Node's inspector shows
 * them as their `toString` (`<0.42>`, `Subject(<0.42>, #7)`), and they can be used in `pipe`.
 *
 * @internal
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as Inspectable from "effect/Inspectable"
import { pipeArguments } from "effect/Pipeable"

/** @internal */
export abstract class Identity implements Inspectable.Inspectable {
  abstract toString(): string
  abstract toJSON(): unknown
  [Inspectable.NodeInspectSymbol]() {
    return this.toString()
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const KeyedKind: unique symbol = Symbol.for("@effect-otp/core/Keyed/kind")

/**
 * An identity equal (`Equal`) to another of the same kind with the same `key`: a name, a monitor. (Effect compares
 * other objects field by field, which would make two monitors of the same processes equal.) Kind and key, not the
 * class: a name or a monitor made by another loaded copy of the library, which shares this one's names and counters,
 * is the same identity.
 * @internal
 */
export abstract class Keyed extends Identity implements Equal.Equal {
  abstract readonly key: string | number
  /** What kind of identity this is (`"Name"`, `"Monitor"`): only identities of one kind compare. */
  abstract get [KeyedKind](): string
  [Equal.symbol](that: unknown): boolean {
    return typeof that === "object" && that !== null && KeyedKind in that &&
      (that as Keyed)[KeyedKind] === this[KeyedKind] && (that as Keyed).key === this.key
  }
  [Hash.symbol](): number {
    return typeof this.key === "number" ? Hash.number(this.key) : Hash.string(this.key)
  }
}
