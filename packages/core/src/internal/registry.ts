/**
 * A typed process registry (Elixir's `Registry`): keys map to the processes that registered them, with a value
 * each. Entries belong to the registering process and leave with it: its death runs an exit hook that removes them
 * before its links and monitors fire, so a supervisor restarting it finds the key free.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import { identity } from "effect/Function"
import * as Hash from "effect/Hash"
import * as MutableHashMap from "effect/MutableHashMap"
import * as Option from "effect/Option"
import { AlreadyRegistered } from "../Errors.js"
import type { Pid } from "../Process.js"
import type * as Registry from "../Registry.js"
import type { Subject } from "../Subject.js"
import { counters, globalValue } from "./global.js"
import { Identity } from "./identity.js"
import type { ProcessState } from "./process.js"
import { withSelf } from "./process.js"
import type { SelectorImpl } from "./selector.js"
import { make as makeSelector, selectMap } from "./selector.js"
import type { SubjectImpl } from "./subject.js"
import { SubjectBase, Tag } from "./subject.js"

/** @internal */
export const RegistryTypeId: unique symbol = Symbol.for("@effect-otp/core/Registry")

/** @internal */
export class Entry<K, V> {
  /** `false` once the entry is removed: its subject then drops messages, as `via` does for a free key. */
  live = true
  readonly subject: EntrySubject<unknown>
  readonly hook: () => void
  constructor(
    readonly registry: RegistryImpl<K, V>,
    readonly key: K,
    readonly process: ProcessState,
    readonly value: V
  ) {
    this.subject = new EntrySubject(process, registry.tagOf(key), this)
    this.hook = () => registry.remove(this)
  }
}

/** @internal */
export class RegistryImpl<K, V> extends Identity implements Registry.Registry<K, V, any> {
  readonly [RegistryTypeId] = { _K: (_: K) => _, _V: (_: V) => _, _M: (_: any) => _ }
  readonly id = ++counters.registry
  readonly entries = MutableHashMap.empty<K, Array<Entry<K, V>>>()
  /** Tags of `via` subjects for keys that are not primitives (primitives get a string tag, nothing to keep). */
  readonly tags = MutableHashMap.empty<K, Tag>()
  size = 0
  closed = false
  constructor(readonly keys: "unique" | "duplicate") {
    super()
  }

  toString() {
    return `Registry(#${this.id}, ${this.keys})`
  }
  toJSON() {
    return { _id: "Registry", id: this.id, keys: this.keys, size: this.size }
  }

  live(key: K): Array<Entry<K, V>> {
    const found = MutableHashMap.get(this.entries, key)
    return Option.isSome(found) ? found.value : []
  }

  add(entry: Entry<K, V>): void {
    const found = MutableHashMap.get(this.entries, entry.key)
    if (Option.isSome(found)) found.value.push(entry)
    else MutableHashMap.set(this.entries, entry.key, [entry])
    this.size++
    const process = entry.process
    if (process.exitHooks === undefined) process.exitHooks = new Set()
    process.exitHooks.add(entry.hook)
  }

  remove(entry: Entry<K, V>): void {
    const found = MutableHashMap.get(this.entries, entry.key)
    if (Option.isNone(found)) return
    const list = found.value
    const index = list.indexOf(entry)
    if (index < 0) return
    list.splice(index, 1)
    entry.live = false
    this.size--
    if (list.length === 0) MutableHashMap.remove(this.entries, entry.key)
    entry.process.exitHooks?.delete(entry.hook)
  }

  close(): void {
    this.closed = true
    openRegistries.delete(this)
    for (const [, list] of this.entries) {
      for (const entry of list) {
        entry.live = false
        entry.process.exitHooks?.delete(entry.hook)
      }
    }
    MutableHashMap.clear(this.entries)
    MutableHashMap.clear(this.tags)
    this.size = 0
  }

  /** The tag messages through `via(key)` are filed under: equal keys give the same tag. */
  tagOf(key: K): unknown {
    switch (typeof key) {
      case "string":
      case "number":
      case "bigint":
      case "boolean":
        return `@effect-otp/registry/${this.id}/${typeof key}/${String(key)}`
    }
    const found = MutableHashMap.get(this.tags, key)
    if (Option.isSome(found)) return found.value
    const tag = new Tag()
    MutableHashMap.set(this.tags, key, tag)
    return tag
  }
}

/** Every `Registry` is made by `make` below. @internal */
export const registryImpl = <K, V>(registry: Registry.Registry<K, V, any>): RegistryImpl<K, V> =>
  registry as RegistryImpl<K, V>

/** @internal */
export const make = <K, V>(keys: "unique" | "duplicate"): RegistryImpl<K, V> => {
  if (keys !== "unique" && keys !== "duplicate") {
    throw new TypeError(`Registry.make: keys must be "unique" or "duplicate", got ${String(keys)}`)
  }
  const registry = new RegistryImpl<K, V>(keys)
  openRegistries.add(registry)
  return registry
}

/** The registries whose scope has not closed yet, for the leak check (`Testing.checkNoProcessLeft`). @internal */
export const openRegistries: Set<RegistryImpl<any, any>> = globalValue(
  "openRegistries",
  () => new Set<RegistryImpl<any, any>>()
)

/**
 * Registers `process` under `key`: its entry, or `AlreadyRegistered` when a unique key is taken. Throws when the
 * registry is closed (a defect). @internal
 */
export const registerUnsafe = <K, V>(
  registry: RegistryImpl<K, V>,
  process: ProcessState,
  key: K,
  value: V
): Entry<K, V> | AlreadyRegistered => {
  if (registry.closed) throw new Error(`Registry.register: ${registry.toString()} is closed (its scope ended)`)
  if (registry.keys === "unique") {
    const existing = registry.live(key)
    if (existing.length > 0) return new AlreadyRegistered({ key, pid: existing[0].process.pid })
  }
  const entry = new Entry(registry, key, process, value)
  registry.add(entry)
  return entry
}

/** @internal */
export const register = <K, V>(
  registry: RegistryImpl<K, V>,
  key: K,
  value: V
): Effect.Effect<void, AlreadyRegistered> =>
  withSelf((self) => {
    let registered: Entry<K, V> | AlreadyRegistered
    try {
      registered = registerUnsafe(registry, self, key, value)
    } catch (defect) {
      return Effect.die(defect)
    }
    return registered instanceof AlreadyRegistered ? Effect.fail(registered) : Effect.void
  })

/** @internal */
export const unregister = <K, V>(registry: RegistryImpl<K, V>, key: K): Effect.Effect<void> =>
  withSelf((self) => {
    for (const entry of registry.live(key).filter((entry) => entry.process === self)) registry.remove(entry)
    return Effect.void
  })

/** @internal */
export interface Registered<V> {
  readonly pid: Pid
  readonly value: V
  readonly subject: Subject<any>
}

/** @internal */
export const unsafeLookup = <K, V>(registry: RegistryImpl<K, V>, key: K): ReadonlyArray<Registered<V>> =>
  registry.live(key).map((entry) => ({ pid: entry.process.pid, value: entry.value, subject: entry.subject }))

/**
 * The subject of one process's entries under one key: its messages go to that process, filed under the key's tag
 * (the tag `via` uses), so the process receives them through `via` or `subjectOf`. An entry's subject drops messages
 * once the entry is gone (unregistered, or its process exited), as `via` drops them for a free key.
 * @internal
 */
export class EntrySubject<A> extends SubjectBase<A> {
  constructor(readonly owner: ProcessState, readonly tag: unknown, readonly entry: Entry<any, any> | undefined) {
    super()
  }
  resolve(): ProcessState | undefined {
    return this.owner.alive ? this.owner : undefined
  }
  override get active(): boolean {
    return this.entry === undefined || this.entry.live
  }
  toString() {
    return `Subject(${this.owner.pid.toString()}, ${this.tag instanceof Tag ? `#${this.tag.id}` : String(this.tag)})`
  }
  [Equal.symbol](that: unknown): boolean {
    return that instanceof EntrySubject && that.owner === this.owner && that.tag === this.tag
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.hash(this.owner.pid))(Hash.hash(this.tag))
  }
}

/** The calling process's subject for its entries under `key`. @internal */
export const subjectOf = <K, A>(registry: RegistryImpl<K, any>, key: K): Effect.Effect<Subject<A>> =>
  withSelf((self) => Effect.succeed(new EntrySubject<A>(self, registry.tagOf(key), undefined)))

/** A subject that reaches, at each send, the process registered under a unique key. @internal */
export class ViaSubject<K, A> extends SubjectBase<A> {
  readonly tag: unknown
  constructor(readonly registry: RegistryImpl<K, any>, readonly key: K) {
    super()
    this.tag = registry.tagOf(key)
  }
  resolve(): ProcessState | undefined {
    const entries = this.registry.live(this.key)
    if (entries.length === 0) return undefined
    const process = entries[0].process
    return process.alive ? process : undefined
  }
  toString() {
    return `Subject(via ${this.registry.toString()}, ${String(this.key)})`
  }
  [Equal.symbol](that: unknown): boolean {
    return that instanceof ViaSubject && that.registry === this.registry && Equal.equals(that.key, this.key)
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.number(this.registry.id))(Hash.hash(this.key))
  }
}

/** @internal */
export const via = <K, A>(registry: RegistryImpl<K, any>, key: K): ViaSubject<K, A> => {
  if (registry.keys !== "unique") {
    throw new TypeError(`Registry.via: ${registry.toString()} has duplicate keys; via needs a registry of unique keys`)
  }
  return new ViaSubject(registry, key)
}

// ---------------------------------------------------------------------------------------------------------------
// Registered actors (`Actor.registered`)
// ---------------------------------------------------------------------------------------------------------------

/** One `Actor.registered` of a builder. @internal */
export interface Registration {
  readonly registry: RegistryImpl<any, any>
  readonly key: unknown
  readonly value: unknown
}

/**
 * Registers a starting actor under each of its registrations, before its init (as a named actor registers its name
 * first, so that init can already be reached). The first refusal stops there: the actor does not start, and the
 * entries made so far go with its exit. Otherwise the entries, for the actor's subject and default selector.
 * @internal
 */
export const registerActor = (
  self: ProcessState,
  registrations: ReadonlyArray<Registration>
): AlreadyRegistered | ReadonlyArray<Entry<unknown, unknown>> => {
  const entries: Array<Entry<unknown, unknown>> = []
  for (const { key, registry, value } of registrations) {
    const registered = registerUnsafe(registry, self, key, value)
    if (registered instanceof AlreadyRegistered) return registered
    entries.push(registered)
  }
  return entries
}

/**
 * The subject of an actor registered under `entries` and not named: `via` its first unique key, which reaches it
 * across restarts as a name does; `undefined` when it has only duplicate keys (it keeps a subject of its own).
 * @internal
 */
export const viaOf = (entries: ReadonlyArray<Entry<unknown, unknown>>): ViaSubject<unknown, unknown> | undefined => {
  const unique = entries.find((entry) => entry.registry.keys === "unique")
  return unique === undefined ? undefined : via(unique.registry, unique.key)
}

/**
 * What a registered actor receives by default: its own subject and, as well, the messages sent to its entries
 * (filed under each key's tag). `undefined` when its subject already is all of them.
 * @internal
 */
export const defaultSelector = (
  own: SubjectImpl<unknown>,
  entries: ReadonlyArray<Entry<unknown, unknown>>
): SelectorImpl<unknown> | undefined => {
  const others = entries.filter((entry) => entry.subject.tag !== own.tag)
  if (others.length === 0) return undefined
  return others.reduce(
    (selector, entry) => selectMap(selector, entry.subject, identity),
    selectMap(makeSelector<unknown>(), own, identity)
  )
}
