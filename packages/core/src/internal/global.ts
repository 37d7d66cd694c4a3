/**
 * State shared by every loaded copy of the library: the process table, the name registry and the counters that
 * make pids, monitors and tags unique. Two copies of `@effect-otp/core` in one program (two bundles, or two
 * versions in `node_modules`) then see the same processes and never hand out the same pid.
 *
 * @internal
 */

const registry: Map<string, unknown> = (() => {
  const key = Symbol.for("@effect-otp/core/globals")
  const holder = globalThis as { [key]?: Map<string, unknown> }
  return holder[key] ??= new Map<string, unknown>()
})()

/** The value stored under `key`, made by `make` the first time any copy of the library asks. @internal */
export const globalValue = <A>(key: string, make: () => A): A => {
  if (registry.has(key)) return registry.get(key) as A
  const value = make()
  registry.set(key, value)
  return value
}

/** Counters of identities (pids, monitors, tags, names, timers, registries), shared by every copy. @internal */
export const counters: {
  pid: number
  monitor: number
  tag: number
  name: number
  timer: number
  registry: number
} = globalValue("counters", () => ({ pid: 0, monitor: 0, tag: 0, name: 0, timer: 0, registry: 0 }))
