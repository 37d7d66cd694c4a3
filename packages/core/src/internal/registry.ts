/**
 * A typed process registry (Elixir's `Registry`): keys map to the processes that registered them, with a value
 * each. Entries belong to the registering process and leave with it: its death runs an exit hook that removes them
 * before its links and monitors fire, so a supervisor restarting it finds the key free.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as MutableHashMap from "effect/MutableHashMap"
import * as Option from "effect/Option"
import { AlreadyRegistered } from "../Errors.js"
import type { Pid } from "../Process.js"
import type * as Registry from "../Registry.js"
import { counters, globalValue } from "./global.js"
import { Identity } from "./identity.js"
import type { ProcessState } from "./process.js"
import { withSelf } from "./process.js"
import { SubjectBase, Tag } from "./subject.js"

/** @internal */
export const RegistryTypeId: unique symbol = Symbol.for("@effect-otp/core/Registry")

/** @internal */
export class Entry<K, V> {
  constructor(
    readonly key: K,
    readonly process: ProcessState,
    readonly value: V,
    readonly hook: () => void
  ) {}
}

/** @internal */
export class RegistryImpl<K, V> extends Identity implements Registry.Registry<K, V> {
  readonly [RegistryTypeId] = { _K: (_: K) => _, _V: (_: V) => _ }
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
    this.size--
    if (list.length === 0) MutableHashMap.remove(this.entries, entry.key)
    entry.process.exitHooks?.delete(entry.hook)
  }

  close(): void {
    this.closed = true
    openRegistries.delete(this)
    for (const [, list] of this.entries) {
      for (const entry of list) entry.process.exitHooks?.delete(entry.hook)
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
export const registryImpl = <K, V>(registry: Registry.Registry<K, V>): RegistryImpl<K, V> =>
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

/** @internal */
export const register = <K, V>(
  registry: RegistryImpl<K, V>,
  key: K,
  value: V
): Effect.Effect<void, AlreadyRegistered> =>
  withSelf((self) => {
    if (registry.closed) {
      return Effect.die(new Error(`Registry.register: ${registry.toString()} is closed (its scope ended)`))
    }
    if (registry.keys === "unique") {
      const existing = registry.live(key)
      if (existing.length > 0) return Effect.fail(new AlreadyRegistered({ key, pid: existing[0].process.pid }))
    }
    const entry: Entry<K, V> = new Entry(key, self, value, () => registry.remove(entry))
    registry.add(entry)
    return Effect.void
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
}

/** @internal */
export const unsafeLookup = <K, V>(registry: RegistryImpl<K, V>, key: K): ReadonlyArray<Registered<V>> =>
  registry.live(key).map((entry) => ({ pid: entry.process.pid, value: entry.value }))

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
