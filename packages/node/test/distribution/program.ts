/**
 * Scenarios of the differential tests of nodes (issue 19) against two real Erlang nodes: links, monitors, exit
 * signals and node death across nodes, generated from a seed, and the trace both sides record.
 *
 * Two nodes: `a` (the driver's node, never halts) and `b` (the peer, halts at most once). Processes `p0`, `p1`, ...
 * are numbered in spawn order, monitors `m0`, `m1`, ... in the order of the scenario's monitor steps (numbered even
 * when the actor was dead and made no monitor). Every step but spawn and halt has an actor `p`; when the actor is
 * dead the step is a no-op, recorded as `done: false`. See `README.md` for what each step does in Erlang and for
 * the trace format; `record.ts` and `erlang/record.sh` for how the fixtures are recorded.
 *
 * Scenarios are generated from a seed and an index with a small PRNG (mulberry32), so each can be rebuilt alone:
 * `generate(seed, index)`, whose id is the index. 4-14 steps, 2-5 processes over both nodes (at least one on each,
 * none spawned on `b` after its halt), a halt of `b` in about 40% of scenarios (after the first third of the steps
 * and after a process was spawned on `b`), and the other steps weighted towards link, monitor, exit and stop.
 */

// ---------------------------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------------------------

/** A node: `a` (the driver's) or `b` (the peer, which may halt). */
export type NodeName = "a" | "b"

/** The reasons an `exit` step sends. */
export type ExitReason = "normal" | "kill" | "shutdown" | "boom"

/** The reasons a `stop` step ends its actor with. */
export type StopReason = "normal" | "shutdown" | "boom"

/** One step of a scenario (the actor `p`, the target `q` and the monitor `m` are numbers). */
export type Step =
  | { readonly op: "spawn"; readonly node: NodeName; readonly trap: boolean }
  | { readonly op: "link"; readonly p: number; readonly q: number }
  | { readonly op: "unlink"; readonly p: number; readonly q: number }
  | { readonly op: "monitor"; readonly p: number; readonly q: number }
  | { readonly op: "demonitor"; readonly p: number; readonly m: number }
  | { readonly op: "exit"; readonly p: number; readonly q: number; readonly reason: ExitReason }
  | { readonly op: "stop"; readonly p: number; readonly reason: StopReason }
  | { readonly op: "send"; readonly p: number; readonly q: number }
  | { readonly op: "monitor_node"; readonly p: number }
  | { readonly op: "halt" }

/** A scenario: its id (the index it was generated from) and its steps. */
export interface Scenario {
  readonly id: number
  readonly steps: ReadonlyArray<Step>
}

// ---------------------------------------------------------------------------------------------------------------
// Traces
// ---------------------------------------------------------------------------------------------------------------

/**
 * An exit reason as a string: `normal`, `killed`, `shutdown`, `boom`, `noproc`, `noconnection`; `error:noproc` for
 * an agent that crashed on `link/1`'s noproc error; anything else is Erlang's `~0p` text of the reason.
 */
export type Reason = string

/** What an agent received (and recorded) that was not a command of the driver. */
export type Event =
  | { readonly ev: "exit"; readonly from: number; readonly reason: Reason }
  | { readonly ev: "down"; readonly m: number; readonly reason: Reason }
  | { readonly ev: "nodedown" }
  | { readonly ev: "msg"; readonly from: number }
  | { readonly ev: "other"; readonly text: string }

/** What one step did, after the nodes were quiet again. */
export interface StepRecord {
  /** The step's index in the scenario (from 0). */
  readonly step: number
  /** Whether the step happened: false when its actor was dead (or for a second halt). */
  readonly done: boolean
  /** The events each process received during the step, by `p<i>` (only processes with events), sorted by `sortEvents`. */
  readonly events: Readonly<Record<string, ReadonlyArray<Event>>>
  /** For every process spawned so far, whether it is alive (processes of `b` are dead once `b` halted). */
  readonly alive: ReadonlyArray<boolean>
}

/** A scenario's trace: one record per step. */
export type Trace = ReadonlyArray<StepRecord>

/** An event's canonical text: its fields in a fixed order (ev, from, m, reason, text), as JSON. */
export const eventKey = (event: Event): string => {
  const fields = event as Partial<Record<"from" | "m" | "reason" | "text", unknown>>
  return JSON.stringify([event.ev, fields.from ?? null, fields.m ?? null, fields.reason ?? null, fields.text ?? null])
}

/**
 * Events in canonical order (by `eventKey`): arrival order across different senders is a race, so both sides
 * compare a step's events per process as sorted lists.
 */
export const sortEvents = (events: ReadonlyArray<Event>): Array<Event> =>
  [...events].sort((x, y) => {
    const [kx, ky] = [eventKey(x), eventKey(y)]
    return kx < ky ? -1 : kx > ky ? 1 : 0
  })

/** A step record in canonical form: fields in a fixed order, processes by number, events sorted. */
export const canonicalRecord = (record: StepRecord): StepRecord => {
  const keys = Object.keys(record.events).sort((x, y) => Number(x.slice(1)) - Number(y.slice(1)))
  const events: Record<string, ReadonlyArray<Event>> = {}
  for (const key of keys) {
    const list = record.events[key]
    if (list.length > 0) events[key] = sortEvents(list).map(canonicalEvent)
  }
  return { step: record.step, done: record.done, events, alive: [...record.alive] }
}

const canonicalEvent = (event: Event): Event => {
  switch (event.ev) {
    case "exit":
      return { ev: "exit", from: event.from, reason: event.reason }
    case "down":
      return { ev: "down", m: event.m, reason: event.reason }
    case "nodedown":
      return { ev: "nodedown" }
    case "msg":
      return { ev: "msg", from: event.from }
    case "other":
      return { ev: "other", text: event.text }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export const mulberry32 = (seed: number): () => number => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A random source with the few draws the generator needs. */
interface Random {
  /** An integer in [low, high]. */
  readonly int: (low: number, high: number) => number
  readonly chance: (p: number) => boolean
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  readonly weighted: <A>(items: ReadonlyArray<readonly [A, number]>) => A
}

const random = (seed: number, index: number): Random => {
  const next = mulberry32((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0)
  const int = (low: number, high: number) => low + Math.floor(next() * (high - low + 1))
  return {
    int,
    chance: (p) => next() < p,
    pick: (items) => items[int(0, items.length - 1)],
    weighted: (items) => {
      const total = items.reduce((sum, [, w]) => sum + w, 0)
      let r = next() * total
      for (const [item, w] of items) {
        r -= w
        if (r < 0) return item
      }
      return items[items.length - 1][0]
    }
  }
}

type Kind = "link" | "unlink" | "monitor" | "demonitor" | "exit" | "stop" | "send" | "monitor_node"

/** The weights of the steps other than spawn and halt. */
const KINDS: ReadonlyArray<readonly [Kind, number]> = [
  ["link", 5],
  ["monitor", 5],
  ["exit", 5],
  ["stop", 3],
  ["unlink", 1],
  ["demonitor", 2],
  ["send", 1],
  ["monitor_node", 2]
]

const EXIT_REASONS: ReadonlyArray<readonly [ExitReason, number]> = [["normal", 3], ["kill", 2], ["shutdown", 2], [
  "boom",
  3
]]

const STOP_REASONS: ReadonlyArray<readonly [StopReason, number]> = [["normal", 2], ["shutdown", 1], ["boom", 2]]

/** The probability that a scenario halts node `b`. */
export const HALT_CHANCE = 0.4

/** Scenario `index` of `seed`. */
export const generate = (seed: number, index: number): Scenario => {
  const r = random(seed, index)
  const length = r.int(4, 14)
  const processes = r.int(2, Math.min(5, length - 2))
  // slots: step 0 spawns, the other spawns anywhere after it
  const others = Array.from({ length: length - 1 }, (_, i) => i + 1)
  const spawnAt = new Set<number>([0])
  while (spawnAt.size < processes) spawnAt.add(others.splice(r.int(0, others.length - 1), 1)[0])
  const spawns = [...spawnAt].sort((x, y) => x - y)
  // the halt: after the first third, on a slot that is not a spawn, after at least one spawn on b is possible
  let halt: number | undefined
  if (r.chance(HALT_CHANCE)) {
    const free = others.filter((slot) => slot >= Math.ceil(length / 3))
    if (free.length > 0) halt = r.pick(free)
  }
  // nodes: spawns after the halt are on a; at least one spawn on each node (one on b before the halt)
  const nodes = spawns.map((slot): NodeName => halt !== undefined && slot > halt ? "a" : r.chance(0.5) ? "a" : "b")
  const beforeHalt = spawns.map((slot, i) => ({ slot, i })).filter(({ slot }) => halt === undefined || slot < halt)
  if (!nodes.includes("b")) nodes[r.pick(beforeHalt).i] = "b"
  if (!nodes.includes("a")) {
    const bs = nodes.flatMap((node, i) => node === "b" ? [i] : [])
    // all on b means none after the halt, so a b is left before it
    nodes[r.pick(bs)] = "a"
  }
  const steps: Array<Step> = []
  let spawned = 0
  const owners: Array<number> = [] // the actor of each monitor step
  for (let slot = 0; slot < length; slot++) {
    if (spawnAt.has(slot)) {
      steps.push({ op: "spawn", node: nodes[spawned], trap: r.chance(0.5) })
      spawned++
      continue
    }
    if (slot === halt) {
      steps.push({ op: "halt" })
      continue
    }
    const p = r.int(0, spawned - 1)
    const q = r.int(0, spawned - 1)
    const kinds = owners.length === 0 ? KINDS.filter(([kind]) => kind !== "demonitor") : KINDS
    const kind = r.weighted(kinds)
    switch (kind) {
      case "link":
      case "unlink":
      case "send":
        steps.push({ op: kind, p, q })
        break
      case "monitor":
        steps.push({ op: "monitor", p, q })
        owners.push(p)
        break
      case "demonitor": {
        // mostly by the monitor's own actor (demonitoring another's monitor is a no-op)
        const m = r.int(0, owners.length - 1)
        steps.push({ op: "demonitor", p: r.chance(0.7) ? owners[m] : p, m })
        break
      }
      case "exit":
        steps.push({ op: "exit", p, q, reason: r.weighted(EXIT_REASONS) })
        break
      case "stop":
        steps.push({ op: "stop", p, reason: r.weighted(STOP_REASONS) })
        break
      case "monitor_node":
        steps.push({ op: "monitor_node", p })
        break
    }
  }
  return { id: index, steps }
}
