/**
 * What the library's builders share (the builders of `Actor`, `StaticSupervisor` and `FactorySupervisor`, and child
 * specifications): immutable values with named fields, each step returning a copy with some fields replaced, and
 * usable in `pipe`.
 *
 * @internal
 */
import * as Pipeable from "effect/Pipeable"

/** An immutable value with named fields. Subclasses declare their fields (`declare readonly x: X`). @internal */
export abstract class Immutable<Fields extends object> extends Pipeable.Class {
  constructor(fields: Fields) {
    super()
    Object.assign(this, fields)
  }
  /**
   * A copy with `fields` replaced. A field given as `undefined` keeps its value: a setting called with nothing (from
   * untyped code) leaves the default in place, as it always did.
   */
  with(fields: Partial<Fields>): this {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(this)), this)
    for (const key in fields) {
      const value = fields[key]
      if (value !== undefined) copy[key] = value
    }
    return copy
  }
}
