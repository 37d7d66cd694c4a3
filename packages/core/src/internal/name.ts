/**
 * Typed names, and the name registry: a name is unique per `Name.make` call, and reaches whichever live process is
 * registered under it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { AlreadyNamed, NameTaken, NoProcess, NotRegistered } from "../Errors.js"
import type * as Name from "../Name.js"
import { counters, globalValue } from "./global.js"
import { Keyed, KeyedKind } from "./identity.js"
import type { ProcessState } from "./process.js"

/** @internal */
export const NameTypeId: unique symbol = Symbol.for("@effect-otp/core/Name")

const variance = { _A: (_: any) => _ }

/** @internal */
export class NameImpl<A> extends Keyed implements Name.Name<A> {
  readonly [NameTypeId]: { readonly _A: (_: A) => A } = variance
  constructor(
    readonly prefix: string,
    readonly key: string,
    /** `Name.make` was given a prefix that is not a string: every effect that uses the name dies with this. */
    readonly invalid: TypeError | undefined = undefined
  ) {
    super()
  }
  toString() {
    return this.key
  }
  get [KeyedKind](): string {
    return "Name"
  }
  toJSON() {
    return { _id: "Name", key: this.key }
  }
}

/** @internal */
export const isName = (u: unknown): u is Name.Name<unknown> => typeof u === "object" && u !== null && NameTypeId in u

/** @internal */
export const make = <A>(prefix: string): NameImpl<A> => {
  const key = `${String(prefix)}$${++counters.name}`
  if (typeof prefix === "string") return new NameImpl<A>(prefix, key)
  return new NameImpl<A>(String(prefix), key, new TypeError(`Name.make: prefix must be a string, got ${typeof prefix}`))
}

/**
 * A name, checked where an effect uses it: a programmer mistake in `Name.make` (an argument that is not a string,
 * from untyped code) is a defect of the effect that uses the name, not a throw where it was made.
 * @internal
 */
export const checked = <A>(name: Name.Name<A>): NameImpl<A> => {
  const impl = name as NameImpl<A>
  if (impl.invalid !== undefined) throw impl.invalid
  return impl
}

/** The live processes registered under names (shared by every copy of the library). @internal */
export const names: Map<string, ProcessState> = globalValue("names", () => new Map<string, ProcessState>())

/** Registers `target` under `name`; returns why it could not, if it could not. @internal */
export const registerUnsafe = (
  target: ProcessState,
  name: NameImpl<any>
): NameTaken | NoProcess | AlreadyNamed | undefined => {
  if (!target.alive) return new NoProcess({ target: target.pid.toString() })
  const owner = names.get(name.key)
  if (owner !== undefined && owner.alive) return new NameTaken({ name: name.key, owner: owner.pid.toString() })
  if (target.name !== undefined) return new AlreadyNamed({ pid: target.pid.toString(), name: target.name.key })
  names.set(name.key, target)
  target.name = name
  return undefined
}

/** @internal */
export const register = (
  target: ProcessState,
  name: NameImpl<any>
): Effect.Effect<void, NameTaken | NoProcess | AlreadyNamed> => {
  const refused = registerUnsafe(target, name)
  return refused === undefined ? Effect.void : Effect.fail(refused)
}

/** @internal */
export const unregister = (name: NameImpl<any>): Effect.Effect<void, NotRegistered> => {
  const owner = names.get(name.key)
  if (owner === undefined || !owner.alive) return Effect.fail(new NotRegistered({ name: name.key }))
  names.delete(name.key)
  owner.name = undefined
  return Effect.void
}

/** The live process registered under the name, if any. @internal */
export const whereis = (name: NameImpl<any>): ProcessState | undefined => {
  const owner = names.get(name.key)
  return owner !== undefined && owner.alive ? owner : undefined
}
