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

/** The weights of the steps other than spawn and halt in a scenario's first half: mostly links and monitors. */
const EARLY: ReadonlyArray<readonly [Kind, number]> = [
  ["link", 6],
  ["monitor", 6],
  ["exit", 2],
  ["stop", 1],
  ["unlink", 1],
  ["demonitor", 1],
  ["send", 1],
  ["monitor_node", 3]
]

/** The weights in its second half: mostly exits and stops. */
const LATE: ReadonlyArray<readonly [Kind, number]> = [
  ["link", 3],
  ["monitor", 3],
  ["exit", 6],
  ["stop", 3],
  ["unlink", 1],
  ["demonitor", 2],
  ["send", 1],
  ["monitor_node", 1]
]

const EXIT_REASONS: ReadonlyArray<readonly [ExitReason, number]> = [["normal", 3], ["kill", 2], ["shutdown", 2], [
  "boom",
  3
]]

const STOP_REASONS: ReadonlyArray<readonly [StopReason, number]> = [["normal", 2], ["shutdown", 1], ["boom", 2]]

/** The probability that a scenario halts node `b`. */
export const HALT_CHANCE = 0.4

/**
 * Scenario `index` of `seed`. The generator keeps a rough idea of who is dead (stopped, sent a killing exit, on
 * `b` after its halt; not links' cascades) to pick mostly live actors, picks targets on the other node more often
 * than not, so that most steps do something across nodes, and aims most exits and stops at live processes that
 * were linked or monitored, so that somebody hears of them; some steps still have dead actors or targets.
 */
export const generate = (seed: number, index: number): Scenario => {
  const r = random(seed, index)
  const length = r.int(4, 14)
  const processes = r.int(2, Math.min(5, length - 2))
  // slots: step 0 spawns, the other spawns mostly in the first 60% of the steps
  const early = Math.max(processes - 1, Math.ceil(length * 0.6))
  const spawnAt = new Set<number>([0])
  while (spawnAt.size < processes) spawnAt.add(r.int(1, r.chance(0.8) ? early : length - 1))
  const spawns = [...spawnAt].sort((x, y) => x - y)
  // the halt: on a slot after the first third that is not a spawn
  let halt: number | undefined
  if (r.chance(HALT_CHANCE)) {
    const free = Array.from({ length }, (_, slot) => slot).filter((slot) =>
      slot >= Math.ceil(length / 3) && !spawnAt.has(slot)
    )
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
  const traps: Array<boolean> = []
  const gone = new Set<number>() // who the generator thinks is dead
  const owners: Array<number> = [] // the actor of each monitor step
  const watched = new Set<number>() // who was linked or monitored
  for (let slot = 0; slot < length; slot++) {
    if (spawnAt.has(slot)) {
      const trap = r.chance(0.55)
      steps.push({ op: "spawn", node: nodes[traps.length], trap })
      traps.push(trap)
      continue
    }
    if (slot === halt) {
      steps.push({ op: "halt" })
      nodes.forEach((node, i) => node === "b" && i < traps.length && gone.add(i))
      continue
    }
    const all = traps.map((_, i) => i)
    const live = all.filter((i) => !gone.has(i))
    const weights = slot < length / 2 ? EARLY : LATE
    const kind = r.weighted(owners.length === 0 ? weights.filter(([kind]) => kind !== "demonitor") : weights)
    // exits and stops mostly hit someone linked or monitored, so that somebody hears of it
    const ending = kind === "exit" || kind === "stop"
    const heard = live.filter((i) => watched.has(i))
    const p = kind === "stop" && heard.length > 0 && r.chance(0.6)
      ? r.pick(heard)
      : live.length > 0 && r.chance(0.85)
      ? r.pick(live)
      : r.pick(all)
    const across = all.filter((i) => nodes[i] !== nodes[p])
    const q = ending && heard.length > 0 && r.chance(0.6)
      ? r.pick(heard)
      : across.length > 0 && r.chance(0.55)
      ? r.pick(across)
      : r.pick(all)
    if (kind === "link") watched.add(p).add(q)
    if (kind === "monitor") watched.add(q)
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
      case "exit": {
        const reason = r.weighted(EXIT_REASONS)
        steps.push({ op: "exit", p, q, reason })
        if (reason === "kill" || (!traps[q] && (reason !== "normal" || q === p))) gone.add(q)
        break
      }
      case "stop":
        steps.push({ op: "stop", p, reason: r.weighted(STOP_REASONS) })
        gone.add(p)
        break
      case "monitor_node":
        steps.push({ op: "monitor_node", p })
        break
    }
  }
  return { id: index, steps }
}
