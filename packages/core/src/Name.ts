/**
 * Typed process names.
 *
 * A name lets a process be reached without knowing its pid: register a process under it with
 * `Process.register`, and send through `Subject.named(name)`, which resolves the name at each send. This is how
 * a supervised actor stays reachable after a restart: the new process registers the same name.
 *
 * A `Name<A>` carries the type of the messages its subject accepts. Names are unique per `make` call, like Gleam's
 * `process.new_name`: create them once, at startup, and pass them around.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Name, Process, Subject } from "@effect-otp/core"
 *
 * const Logger = Name.make<string>("logger")
 *
 * const program = Effect.gen(function*() {
 *   yield* Process.register(yield* Process.self, Logger)
 *   yield* Subject.send(Subject.named(Logger), "hello")
 *   return yield* Subject.receive(Subject.named(Logger), "1 second") // "hello"
 * })
 * ```
 *
 * @since 1.0.0
 */
import type * as Equal from "effect/Equal"
import type * as Inspectable from "effect/Inspectable"
import type { Pipeable } from "effect/Pipeable"
import type * as Types from "effect/Types"
import * as internal from "./internal/name.js"

/**
 * @since 1.0.0
 * @category symbols
 */
export const NameTypeId: typeof internal.NameTypeId = internal.NameTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type NameTypeId = typeof NameTypeId

/**
 * A unique process name for processes that receive messages of type `A`.
 *
 * @since 1.0.0
 * @category models
 */
export interface Name<in out A> extends Equal.Equal, Inspectable.Inspectable, Pipeable {
  readonly [NameTypeId]: { readonly _A: Types.Invariant<A> }
  /** The prefix given to `make`. */
  readonly prefix: string
  /** The unique key, `prefix$N`. */
  readonly key: string
}

/**
 * Makes a new, unique name. Two calls with the same prefix give two different names.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make: <A>(prefix: string) => Name<A> = internal.make

/**
 * @since 1.0.0
 * @category refinements
 */
export const isName: (u: unknown) => u is Name<unknown> = internal.isName
