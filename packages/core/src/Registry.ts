/**
 * A typed process registry, Elixir's `Registry`: processes register themselves under keys of type `K`, each entry
 * with a value of type `V`, and others find them by key. `M` is the type of the messages the registered processes
 * receive: `via` subjects and the entries' subjects (what `dispatch` sends through) are `Subject<M>`, so a message
 * of another type does not compile. A registry made without `M` takes any message, as before.
 *
 * - With `keys: "unique"`, a key has at most one entry; registering a taken key fails with `AlreadyRegistered`.
 *   With `keys: "duplicate"`, any number of processes (a pub/sub group, say) register under the same key.
 * - An entry belongs to the process that registered it and disappears when that process exits, whatever the
 *   reason, before its links and monitors fire: a supervisor restarting it finds the key free again.
 * - `via(registry, key)` is a `Subject<M>` that resolves through the registry at each send, like a named subject: a
 *   factory-supervised child that registers under a key at init stays reachable by that key across restarts.
 * - `Actor.registered(registry, key)` registers an actor when it starts, before its init, as `Actor.named` names it.
 *
 * The registry lives in the `Scope` it was made in; when the scope closes, its entries are dropped.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Actor, Registry, Subject } from "@effect-otp/core"
 *
 * type WorkerMsg = { readonly _tag: "Job"; readonly id: number }
 *
 * const program = Effect.gen(function*() {
 *   const workers = yield* Registry.make<string, void, WorkerMsg>({ keys: "unique" })
 *   yield* Actor.new(0).pipe(
 *     Actor.onMessage((done, _: WorkerMsg) => Effect.succeed(Actor.continue(done + 1))),
 *     Actor.registered(workers, "resize"),
 *     Actor.start
 *   )
 *   yield* Subject.send(Registry.via(workers, "resize"), { _tag: "Job", id: 1 }) // a Subject<WorkerMsg>
 *   // Subject.send(Registry.via(workers, "resize"), "job 1") does not compile
 *   const members = yield* Registry.lookup(workers, "resize") // [{ pid: <0.1>, value: undefined, subject }]
 *   return members.length
 * })
 * ```
 *
 * @since 1.0.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Scope from "effect/Scope"
import type { AlreadyRegistered } from "./Errors.js"
import * as internal from "./internal/registry.js"
import type { Pid } from "./Process.js"
import type { Subject } from "./Subject.js"

export {
  /**
   * `register` on a unique-keys registry under a key that a live process holds; `pid` is that process.
   *
   * @since 1.0.0
   * @category errors
   */
  AlreadyRegistered
} from "./Errors.js"

/**
 * @since 1.0.0
 * @category symbols
 */
export const TypeId: typeof internal.RegistryTypeId = internal.RegistryTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * A registry of processes by key `K`, each entry carrying a value `V`, whose processes receive messages of type `M`
 * (through `via` and the entries' subjects). `M` defaults to `any`: a registry that does not say its message type
 * takes any message, as registries did before they had one.
 *
 * @since 1.0.0
 * @category models
 */
export interface Registry<in out K, in out V, in out M = any> {
  readonly [TypeId]: { readonly _K: (_: K) => K; readonly _V: (_: V) => V; readonly _M: (_: M) => M }
  readonly keys: "unique" | "duplicate"
}

/**
 * An entry: the process that registered, the value it gave, and a subject that reaches that process with a message
 * of the registry's type `M` (it receives it through `via` or `subjectOf` for the same key). The subject drops
 * messages once the entry is gone.
 *
 * @since 1.0.0
 * @category models
 */
export interface Entry<out V, in out M = any> {
  readonly pid: Pid
  readonly value: V
  readonly subject: Subject<M>
}

const impl = internal.registryImpl

/**
 * Makes a registry living in the current `Scope`. Keys are compared with Effect's `Equal` (so `Data` structs work
 * as keys); primitives by value. `M`, the type of the messages its processes receive, types `via` and the entries'
 * subjects; leave it out (`any`) for a registry that does not check messages.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = <K, V = void, M = any>(
  options: { readonly keys: "unique" | "duplicate" }
): Effect.Effect<Registry<K, V, M>, never, Scope.Scope> =>
  // The message type `M` is only a type: the registry delivers whatever it is given.
  Effect.acquireRelease(
    Effect.sync(() => internal.make<K, V>(options.keys)),
    (registry) => Effect.sync(() => registry.close())
  )

/**
 * Registers the calling process under `key` with `value`. The entry is removed when the process exits. Messages to
 * the entry (through `via`, or an entry's `subject`) arrive on `subjectOf(registry, key)`, in the same mailbox as
 * its other messages.
 *
 * @since 1.0.0
 * @category registering
 */
export const register: {
  <K, V>(key: K, value: V): <M>(self: Registry<K, V, M>) => Effect.Effect<void, AlreadyRegistered>
  <K, V, M>(self: Registry<K, V, M>, key: K, value: V): Effect.Effect<void, AlreadyRegistered>
} = dual(
  3,
  <K, V, M>(self: Registry<K, V, M>, key: K, value: V): Effect.Effect<void, AlreadyRegistered> =>
    internal.register(impl(self), key, value)
)

/**
 * Removes the calling process's entries under `key` (nothing if it has none).
 *
 * @since 1.0.0
 * @category registering
 */
export const unregister: {
  <K>(key: K): <V, M>(self: Registry<K, V, M>) => Effect.Effect<void>
  <K, V, M>(self: Registry<K, V, M>, key: K): Effect.Effect<void>
} = dual(2, <K, V, M>(self: Registry<K, V, M>, key: K): Effect.Effect<void> => internal.unregister(impl(self), key))

/**
 * The entries under `key` (at most one with unique keys), in registration order.
 *
 * @since 1.0.0
 * @category lookup
 */
export const lookup: {
  <K>(key: K): <V, M>(self: Registry<K, V, M>) => Effect.Effect<ReadonlyArray<Entry<V, M>>>
  <K, V, M>(self: Registry<K, V, M>, key: K): Effect.Effect<ReadonlyArray<Entry<V, M>>>
} = dual(
  2,
  <K, V, M>(self: Registry<K, V, M>, key: K): Effect.Effect<ReadonlyArray<Entry<V, M>>> =>
    Effect.sync(() => internal.unsafeLookup(impl(self), key))
)

/**
 * Calls `f` with the entries under `key`, when there are any (Elixir's `Registry.dispatch`): the way to send one
 * message to every member of a group. Each entry's `subject` takes the registry's message type `M`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Registry, Subject } from "@effect-otp/core"
 *
 * type News = { readonly _tag: "Headline"; readonly text: string }
 * declare const topics: Registry.Registry<string, void, News>
 * const publish = (topic: string, text: string) =>
 *   Registry.dispatch(topics, topic, (entries) =>
 *     Effect.forEach(entries, (entry) => Subject.send(entry.subject, { _tag: "Headline", text })))
 * ```
 *
 * @since 1.0.0
 * @category lookup
 */
export const dispatch: {
  <K, V, M, R>(
    key: K,
    f: (entries: ReadonlyArray<Entry<V, M>>) => Effect.Effect<unknown, never, R>
  ): (self: Registry<K, V, M>) => Effect.Effect<void, never, R>
  <K, V, M, R>(
    self: Registry<K, V, M>,
    key: K,
    f: (entries: ReadonlyArray<Entry<V, M>>) => Effect.Effect<unknown, never, R>
  ): Effect.Effect<void, never, R>
} = dual(
  3,
  <K, V, M, R>(
    self: Registry<K, V, M>,
    key: K,
    f: (entries: ReadonlyArray<Entry<V, M>>) => Effect.Effect<unknown, never, R>
  ): Effect.Effect<void, never, R> =>
    Effect.suspend(() => {
      const entries = internal.unsafeLookup(impl(self), key)
      return entries.length === 0 ? Effect.void : Effect.asVoid(f(entries))
    })
)

/**
 * A subject that reaches, at each send, the process registered under `key` in a unique-keys registry (a message
 * is dropped while nobody is; `Subject.trySend` and `Subject.call` report `NoProcess`). The registered process
 * receives such messages by selecting the same subject (`Subject.receive(Registry.via(registry, key))`, or a
 * selector), as a named actor selects `Subject.named(name)`. A registry of duplicate keys is a defect here.
 *
 * The subject's type is the registry's message type `M`: `via(registry, key)` needs no type argument, and an
 * explicit one must be `M` (`via<string>` on a registry of `WorkerMsg` does not compile).
 *
 * Equal keys give equal subjects; for keys that are not primitives the registry keeps one small tag per key used
 * with `via`, as long as it lives.
 *
 * @since 1.0.0
 * @category subjects
 */
export const via: {
  <K>(key: K): <V, M>(self: Registry<K, V, M>) => Subject<M>
  <M, K = any>(self: Registry<K, any, M>, key: K): Subject<M>
} = dual(2, <M, K>(self: Registry<K, any, M>, key: K): Subject<M> => internal.via<K, M>(impl(self), key))

/**
 * The calling process's subject for its entries under `key`: what `via` and the entries' subjects deliver to it, to
 * receive with `Subject.receive` or a selector (`via` does the same for a unique key; this works for duplicate keys
 * too). An actor registered with `Actor.registered` receives them without it.
 *
 * @since 1.0.0
 * @category subjects
 */
export const subjectOf: {
  <K>(key: K): <V, M>(self: Registry<K, V, M>) => Effect.Effect<Subject<M>>
  <K, V, M>(self: Registry<K, V, M>, key: K): Effect.Effect<Subject<M>>
} = dual(
  2,
  <K, V, M>(self: Registry<K, V, M>, key: K): Effect.Effect<Subject<M>> => internal.subjectOf<K, M>(impl(self), key)
)

/**
 * The number of entries in the registry.
 *
 * @since 1.0.0
 * @category lookup
 */
export const count = <K, V, M>(self: Registry<K, V, M>): Effect.Effect<number> => Effect.sync(() => impl(self).size)

/**
 * Every key with at least one entry.
 *
 * @since 1.0.0
 * @category lookup
 */
export const keys = <K, V, M>(self: Registry<K, V, M>): Effect.Effect<ReadonlyArray<K>> =>
  Effect.sync(() => Array.from(impl(self).entries, ([key]) => key))
