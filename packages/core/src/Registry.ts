/**
 * A typed process registry, Elixir's `Registry`: processes register themselves under keys of type `K`, each entry
 * with a value of type `V`, and others find them by key.
 *
 * - With `keys: "unique"`, a key has at most one entry; registering a taken key fails with `AlreadyRegistered`.
 *   With `keys: "duplicate"`, any number of processes (a pub/sub group, say) register under the same key.
 * - An entry belongs to the process that registered it and disappears when that process exits, whatever the
 *   reason, before its links and monitors fire: a supervisor restarting it finds the key free again.
 * - `via(registry, key)` is a `Subject` that resolves through the registry at each send, like a named subject: a
 *   factory-supervised child that registers under a key at init stays reachable by that key across restarts.
 *
 * The registry lives in the `Scope` it was made in; when the scope closes, its entries are dropped.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Registry, Subject } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const rooms = yield* Registry.make<string, { readonly joinedAt: number }>({ keys: "duplicate" })
 *   yield* Registry.register(rooms, "lobby", { joinedAt: 1 })
 *   const members = yield* Registry.lookup(rooms, "lobby") // [{ pid: <0.1>, value: { joinedAt: 1 } }]
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
 * A registry of processes by key `K`, each entry carrying a value `V`.
 *
 * @since 1.0.0
 * @category models
 */
export interface Registry<in out K, in out V> {
  readonly [TypeId]: { readonly _K: (_: K) => K; readonly _V: (_: V) => V }
  readonly keys: "unique" | "duplicate"
}

/**
 * An entry: the process that registered and the value it gave.
 *
 * @since 1.0.0
 * @category models
 */
export interface Entry<out V> {
  readonly pid: Pid
  readonly value: V
}

const impl = internal.registryImpl

/**
 * Makes a registry living in the current `Scope`. Keys are compared with Effect's `Equal` (so `Data` structs work
 * as keys); primitives by value.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = <K, V = void>(
  options: { readonly keys: "unique" | "duplicate" }
): Effect.Effect<Registry<K, V>, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => internal.make<K, V>(options.keys)),
    (registry) => Effect.sync(() => registry.close())
  )

/**
 * Registers the calling process under `key` with `value`. The entry is removed when the process exits.
 *
 * @since 1.0.0
 * @category registering
 */
export const register: {
  <K, V>(key: K, value: V): (self: Registry<K, V>) => Effect.Effect<void, AlreadyRegistered>
  <K, V>(self: Registry<K, V>, key: K, value: V): Effect.Effect<void, AlreadyRegistered>
} = dual(
  3,
  <K, V>(self: Registry<K, V>, key: K, value: V): Effect.Effect<void, AlreadyRegistered> =>
    internal.register(impl(self), key, value)
)

/**
 * Removes the calling process's entries under `key` (nothing if it has none).
 *
 * @since 1.0.0
 * @category registering
 */
export const unregister: {
  <K>(key: K): <V>(self: Registry<K, V>) => Effect.Effect<void>
  <K, V>(self: Registry<K, V>, key: K): Effect.Effect<void>
} = dual(2, <K, V>(self: Registry<K, V>, key: K): Effect.Effect<void> => internal.unregister(impl(self), key))

/**
 * The entries under `key` (at most one with unique keys), in registration order.
 *
 * @since 1.0.0
 * @category lookup
 */
export const lookup: {
  <K>(key: K): <V>(self: Registry<K, V>) => Effect.Effect<ReadonlyArray<Entry<V>>>
  <K, V>(self: Registry<K, V>, key: K): Effect.Effect<ReadonlyArray<Entry<V>>>
} = dual(
  2,
  <K, V>(self: Registry<K, V>, key: K): Effect.Effect<ReadonlyArray<Entry<V>>> =>
    Effect.sync(() => internal.unsafeLookup(impl(self), key))
)

/**
 * Calls `f` with the entries under `key`, when there are any (Elixir's `Registry.dispatch`): the way to send one
 * message to every member of a group.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Registry, Subject } from "@effect-otp/core"
 *
 * declare const topics: Registry.Registry<string, Subject.Subject<string>>
 * const publish = (topic: string, text: string) =>
 *   Registry.dispatch(topics, topic, (entries) => Effect.forEach(entries, (entry) => Subject.send(entry.value, text)))
 * ```
 *
 * @since 1.0.0
 * @category lookup
 */
export const dispatch: {
  <K, V, R>(
    key: K,
    f: (entries: ReadonlyArray<Entry<V>>) => Effect.Effect<unknown, never, R>
  ): (self: Registry<K, V>) => Effect.Effect<void, never, R>
  <K, V, R>(
    self: Registry<K, V>,
    key: K,
    f: (entries: ReadonlyArray<Entry<V>>) => Effect.Effect<unknown, never, R>
  ): Effect.Effect<void, never, R>
} = dual(
  3,
  <K, V, R>(
    self: Registry<K, V>,
    key: K,
    f: (entries: ReadonlyArray<Entry<V>>) => Effect.Effect<unknown, never, R>
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
 * Equal keys give equal subjects; for keys that are not primitives the registry keeps one small tag per key used
 * with `via`, as long as it lives.
 *
 * @since 1.0.0
 * @category subjects
 */
export const via: {
  <K>(key: K): <M>(self: Registry<K, any>) => Subject<M>
  <M, K = any>(self: Registry<K, any>, key: K): Subject<M>
} = dual(2, <M, K>(self: Registry<K, any>, key: K): Subject<M> => internal.via<K, M>(impl(self), key))

/**
 * The number of entries in the registry.
 *
 * @since 1.0.0
 * @category lookup
 */
export const count = <K, V>(self: Registry<K, V>): Effect.Effect<number> => Effect.sync(() => impl(self).size)

/**
 * Every key with at least one entry.
 *
 * @since 1.0.0
 * @category lookup
 */
export const keys = <K, V>(self: Registry<K, V>): Effect.Effect<ReadonlyArray<K>> =>
  Effect.sync(() => Array.from(impl(self).entries, ([key]) => key))
