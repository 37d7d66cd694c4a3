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

/**
 * An identity equal (`Equal`) to another of the same class with the same `key`: a name, a monitor. (Effect compares
 * other objects field by field, which would make two monitors of the same processes equal.)
 * @internal
 */
export abstract class Keyed extends Identity implements Equal.Equal {
  abstract readonly key: string | number;
  [Equal.symbol](that: unknown): boolean {
    return that instanceof Keyed && that.constructor === this.constructor && that.key === this.key
  }
  [Hash.symbol](): number {
    return typeof this.key === "number" ? Hash.number(this.key) : Hash.string(this.key)
  }
}
