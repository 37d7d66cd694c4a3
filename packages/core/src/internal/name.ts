/** @internal */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as Inspectable from "effect/Inspectable"
import { pipeArguments } from "effect/Pipeable"
import type * as Name from "../Name.js"
import { counters } from "./global.js"

/** @internal */
export const NameTypeId: Name.NameTypeId = Symbol.for("@effect-otp/core/Name") as Name.NameTypeId

const variance = { _A: (_: any) => _ }

/** @internal */
export class NameImpl<A> implements Name.Name<A> {
  readonly [NameTypeId]: { readonly _A: (_: A) => A } = variance
  constructor(readonly prefix: string, readonly key: string) {}
  [Equal.symbol](that: unknown): boolean {
    return isName(that) && (that as NameImpl<unknown>).key === this.key
  }
  [Hash.symbol](): number {
    return Hash.string(this.key)
  }
  toString() {
    return this.key
  }
  toJSON() {
    return { _id: "Name", key: this.key }
  }
  [Inspectable.NodeInspectSymbol]() {
    return this.key
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const isName = (u: unknown): u is NameImpl<unknown> => typeof u === "object" && u !== null && NameTypeId in u

/** @internal */
export const make = <A>(prefix: string): NameImpl<A> => {
  if (typeof prefix !== "string") {
    throw new TypeError(`Name.make: prefix must be a string, got ${typeof prefix}`)
  }
  return new NameImpl<A>(prefix, `${prefix}$${++counters.name}`)
}
