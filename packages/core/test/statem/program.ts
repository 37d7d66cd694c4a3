/**
 * Scenarios of the differential tests of `StateMachine` against Erlang's `gen_statem` (issue 18): a machine program
 * that both sides interpret, a script of external events, and the trace both sides record, formatted here once.
 *
 * A program is data: states `s0`..`s3` (two to four of them), an integer data (starting at 0), a callback mode
 * (`onEvent` = `handle_event_function`, `onState` = `state_functions`, one function per state), optional state enter
 * calls, init actions, and a table from (state, event type, event value) to an answer: a list of actions and a
 * transition. Event types are `cast` and `call` (external messages; a call carries a reply address), `internal`
 * (inserted by `nextEvent`), `timeout` (the event timeout), `state_timeout`, and `timeout:g1`..`timeout:g3` (generic
 * timeouts); values are `a` and `b` (a call also has an id, `#n`). A key missing from the table answers
 * `keep_state_and_data` with no action. Actions: postpone, nextEvent, eventTimeout, stateTimeout, genericTimeout,
 * cancelStateTimeout, cancelTimeout, reply (to the caller of the event being handled; the reply is
 * `<state>:<data>` of that callback). Timeout lengths are 0, 370, 1410, 2630 ms or infinity. Transitions: next_state
 * (another state, or the same one: not a state change), keep_state, keep_state_and_data, repeat_state(_and_data),
 * stop (normal, shutdown, or an abnormal reason; on a call it may reply first: stop_and_reply). Data changes by +1
 * or not at all. Enter calls answer keep/repeat/stop with timeout actions only, as gen_statem requires.
 *
 * Fuel: the interpreter counts callback invocations (events and enter calls); past `FUEL` of them every callback
 * answers `stop normal`, so loops of internal events or 0 timeouts end, the same way on both sides.
 *
 * The script sends external events at multiples of 1 s from 1 s on, one or a burst of two or three (sent one after
 * the other by the same sender, so they arrive in order); the machine is observed up to `horizon` (last send + 7 s),
 * then killed (nothing is recorded at the horizon but `alive`).
 *
 * The trace (what `formatTrace` prints, the same for Erlang's entries and the TypeScript runner's):
 * - `<t> init <state> <data> [actions]`: init (at 0);
 * - `<t> <state> <type> <value>[#id] data=<d> => <transition> [actions]`: a callback invocation and its answer;
 * - `<t> enter <old>-><state> data=<d> => <answer>`: a state enter call;
 * - `<t> terminate <state> data=<d> <reason>` and `<t> end <reason>` (the monitor's reason), or `<horizon> alive`;
 * - then the replies callers received, by time then id: `<t> reply#<id> <value>`.
 * Reasons are `normal`, `shutdown` or `abnormal`. Times are milliseconds since the start, on the lattice of logical
 * instants (see `record.ts`: Erlang runs in real time, its times are snapped to the instants they stand for).
 *
 * Scenarios are generated from a seed and an index with a small PRNG (mulberry32), with one of two profiles
 * (`profileOf`: 3 in 4 draw any timeout length, every fourth favours queued events), so one scenario can be rebuilt
 * alone: `generate(seed, index)`; its id is `<seed>-<index>`. Replaying and re-recording: see the header of
 * `../StateMachine.diff.test.ts`.
 */

// ---------------------------------------------------------------------------------------------------------------
// Programs
// ---------------------------------------------------------------------------------------------------------------

/** A timeout length: milliseconds, or no timeout at all. */
export type Length = number | "infinity"

export type Action =
  | { readonly t: "postpone" }
  | { readonly t: "next"; readonly v: string }
  | { readonly t: "timeout"; readonly ms: Length; readonly v: string }
  | { readonly t: "state_timeout"; readonly ms: Length; readonly v: string }
  | { readonly t: "generic"; readonly name: string; readonly ms: Length; readonly v: string }
  | { readonly t: "cancel_state" }
  | { readonly t: "cancel"; readonly name: string }
  | { readonly t: "reply" }

export type Reason = "normal" | "shutdown" | "abnormal"

export type Transition =
  | { readonly t: "next_state"; readonly s: string; readonly inc: boolean }
  | { readonly t: "keep_state"; readonly inc: boolean }
  | { readonly t: "keep_state_and_data" }
  | { readonly t: "repeat_state"; readonly inc: boolean }
  | { readonly t: "repeat_state_and_data" }
  | { readonly t: "stop"; readonly reason: Reason; readonly reply: boolean }

export interface Answer {
  readonly actions: ReadonlyArray<Action>
  readonly to: Transition
}

export type Mode = "onEvent" | "onState"

export interface Program {
  readonly mode: Mode
  readonly states: ReadonlyArray<string>
  readonly generics: ReadonlyArray<string>
  readonly init: { readonly state: string; readonly actions: ReadonlyArray<Action> }
  /** One answer per state, or `null`: no state enter calls. */
  readonly enter: Readonly<Record<string, Answer>> | null
  /** Keyed by `tableKey(state, type, value)`. */
  readonly table: Readonly<Record<string, Answer>>
}

export interface Send {
  readonly at: number
  readonly kind: "cast" | "call"
  readonly v: string
  /** The call's id (1, 2, ...), 0 for a cast. */
  readonly id: number
}

export interface Scenario {
  readonly id: string
  readonly seed: number
  readonly index: number
  readonly program: Program
  readonly script: ReadonlyArray<Send>
  readonly horizon: number
}

/** Callback invocations (events and enter calls) a machine may make before every callback answers `stop`. */
export const FUEL = 40

export const VALUES = ["a", "b"] as const
/** Sends happen at multiples of this (from one on), in milliseconds. */
export const SEND_STEP = 1000
export const LENGTHS: ReadonlyArray<Length> = [0, 370, 1410, 2630, "infinity"]

export const tableKey = (state: string, type: string, value: string): string => `${state} ${type} ${value}`

const keepStateAndData: Answer = { actions: [], to: { t: "keep_state_and_data" } }
const fuelStop: Answer = { actions: [], to: { t: "stop", reason: "normal", reply: false } }

/** What the program answers to its `count`-th callback invocation (1-based), an event. */
export const answerEvent = (program: Program, count: number, state: string, type: string, value: string): Answer =>
  count > FUEL ? fuelStop : program.table[tableKey(state, type, value)] ?? keepStateAndData

/** What the program answers to its `count`-th callback invocation, the enter call of `state`. */
export const answerEnter = (program: Program, count: number, state: string): Answer =>
  count > FUEL ? fuelStop : program.enter?.[state] ?? keepStateAndData

/** The reply value a `reply` action sends. */
export const replyValue = (state: string, data: number): string => `${state}:${data}`

/** The data after a transition. */
export const nextData = (to: Transition, data: number): number => "inc" in to && to.inc ? data + 1 : data

// ---------------------------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Rand {
  readonly chance: (p: number) => boolean
  readonly int: (lo: number, hi: number) => number
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  readonly weighted: <A>(items: ReadonlyArray<readonly [number, A]>) => A
  readonly profile: Profile
}

const rand = (seed: number, profile: Profile): Rand => {
  const next = prng(seed)
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
  return {
    profile,
    chance: (p) => next() < p,
    int,
    pick: (items) => items[int(0, items.length - 1)],
    weighted: (items) => {
      const total = items.reduce((sum, [w]) => sum + w, 0)
      let x = next() * total
      for (const [w, item] of items) {
        if ((x -= w) < 0) return item
      }
      return items[items.length - 1][1]
    }
  }
}

/** The event types of a program with these generic timeout names. */
export const eventTypes = (generics: ReadonlyArray<string>): ReadonlyArray<string> => [
  "cast",
  "call",
  "internal",
  "timeout",
  "state_timeout",
  ...generics.map((name) => `timeout:${name}`)
]

type ActionKind = Action["t"]

/**
 * How a scenario is drawn. `mixed` (3 scenarios in 4): any timeout length, single events mostly. `queues` (every
 * fourth, index % 4 = 3): timeouts of 0 or infinity mostly, more postpones and bursts, so that queued events
 * (inserted, postponed and retried, 0 timeouts, messages already in the mailbox) meet often.
 */
interface Profile {
  readonly name: "mixed" | "queues"
  readonly lengths: ReadonlyArray<Length>
  readonly postpone: number
  readonly burst: ReadonlyArray<readonly [number, number]>
}

const profiles: ReadonlyArray<Profile> = [
  { name: "mixed", lengths: LENGTHS, postpone: 4, burst: [[7, 1], [2, 2], [1, 3]] },
  { name: "queues", lengths: [0, 0, "infinity", 1410], postpone: 6, burst: [[3, 1], [4, 2], [3, 3]] }
]

/** The profile scenario `index` is drawn with. */
export const profileOf = (index: number): Profile => profiles[index % 4 === 3 ? 1 : 0]

const genAction = (r: Rand, generics: ReadonlyArray<string>, kind: ActionKind): Action => {
  switch (kind) {
    case "postpone":
    case "cancel_state":
    case "reply":
      return { t: kind }
    case "next":
      return { t: kind, v: r.pick(VALUES) }
    case "timeout":
    case "state_timeout":
      return { t: kind, ms: r.pick(r.profile.lengths), v: r.pick(VALUES) }
    case "generic":
      return { t: kind, name: r.pick(generics), ms: r.pick(r.profile.lengths), v: r.pick(VALUES) }
    case "cancel":
      return { t: kind, name: r.pick(generics) }
  }
}

const timerKinds: ReadonlyArray<readonly [number, ActionKind]> = [
  [3, "timeout"],
  [3, "state_timeout"],
  [3, "generic"],
  [1, "cancel_state"],
  [1, "cancel"]
]

const genActions = (r: Rand, generics: ReadonlyArray<string>, kinds: ReadonlyArray<readonly [number, ActionKind]>) =>
  Array.from(
    { length: r.weighted([[3, 0], [3.5, 1], [2.5, 2], [1, 3]]) },
    () => genAction(r, generics, r.weighted(kinds))
  )

const genEventAnswer = (
  r: Rand,
  states: ReadonlyArray<string>,
  generics: ReadonlyArray<string>,
  state: string,
  type: string
): Answer => {
  const external = type === "cast" || type === "call"
  const actions = genActions(r, generics, [[external ? r.profile.postpone : 1, "postpone"], [2, "next"], ...timerKinds])
  const postponed = actions.some((action) => action.t === "postpone")
  const others = states.filter((s) => s !== state)
  const to = r.weighted<Transition>([
    [others.length > 0 ? 30 : 0, {
      t: "next_state",
      s: others.length > 0 ? r.pick(others) : state,
      inc: r.chance(0.5)
    }],
    [5, { t: "next_state", s: state, inc: r.chance(0.5) }],
    [12, { t: "keep_state", inc: r.chance(0.7) }],
    [25, { t: "keep_state_and_data" }],
    [5, { t: "repeat_state", inc: r.chance(0.5) }],
    [4, { t: "repeat_state_and_data" }],
    [4, {
      t: "stop",
      reason: r.weighted<Reason>([[3, "normal"], [1, "shutdown"], [1, "abnormal"]]),
      reply: type === "call" && r.chance(0.5)
    }]
  ])
  if (to.t === "stop") return { actions: [], to }
  // A call is answered where it is not postponed (a postponed call is answered by a later callback)
  if (type === "call" && !postponed && r.chance(0.6)) {
    const at = r.int(0, actions.length)
    return { actions: [...actions.slice(0, at), { t: "reply" }, ...actions.slice(at)], to }
  }
  return { actions, to }
}

const genEnterAnswer = (r: Rand, generics: ReadonlyArray<string>): Answer => {
  const to = r.weighted<Transition>([
    [25, { t: "keep_state", inc: true }],
    [60, { t: "keep_state_and_data" }],
    [3, { t: "repeat_state", inc: true }],
    [2, { t: "repeat_state_and_data" }],
    [3, { t: "stop", reason: r.weighted<Reason>([[3, "normal"], [1, "abnormal"]]), reply: false }]
  ])
  return to.t === "stop" ? { actions: [], to } : { actions: genActions(r, generics, timerKinds), to }
}

/** The scenario `index` of the run seeded with `seed`. */
export const generate = (seed: number, index: number): Scenario => {
  const r = rand(Math.imul(seed ^ 0x9E3779B9, 0x85EBCA6B) ^ Math.imul(index + 1, 0xC2B2AE35), profileOf(index))
  const states = ["s0", "s1", "s2", "s3"].slice(0, r.int(2, 4))
  const generics = ["g1", "g2", "g3"].slice(0, r.int(2, 3))
  const mode: Mode = index % 2 === 0 ? "onEvent" : "onState"
  const table: Record<string, Answer> = {}
  for (const state of states) {
    for (const type of eventTypes(generics)) {
      for (const value of VALUES) {
        if (r.chance(type === "cast" || type === "call" ? 0.85 : 0.6)) {
          table[tableKey(state, type, value)] = genEventAnswer(r, states, generics, state, type)
        }
      }
    }
  }
  const enter = r.chance(0.5) ?
    Object.fromEntries(states.map((state) => [state, genEnterAnswer(r, generics)] as const)) :
    null
  const init = { state: states[0], actions: genActions(r, generics, [[2, "next"], ...timerKinds]).slice(0, 2) }
  const instants = Array.from({ length: 15 }, (_, i) => (i + 1) * SEND_STEP).filter(() => r.chance(0.4))
  const sends = (instants.length >= 2 ? instants : [SEND_STEP, 2 * SEND_STEP]).slice(0, 8)
  let calls = 0
  // a burst: several events sent one after the other at the same instant (all queued before the machine runs)
  const script = sends.flatMap((at) =>
    Array.from({ length: r.weighted(r.profile.burst) }, (): Send => {
      const kind = r.chance(0.4) ? "call" : "cast"
      return { at, kind, v: r.pick(VALUES), id: kind === "call" ? ++calls : 0 }
    })
  )
  return {
    id: `${seed}-${index}`,
    seed,
    index,
    program: { mode, states, generics, init, enter, table },
    script,
    horizon: sends[sends.length - 1] + 7 * SEND_STEP
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Traces
// ---------------------------------------------------------------------------------------------------------------

/** What a side records, in order; `t` is milliseconds since the start (logical, once snapped). */
export type Entry =
  | { readonly k: "init"; readonly t: number; readonly s: string; readonly d: number }
  | {
    readonly k: "cb"
    readonly t: number
    readonly s: string
    readonly type: string
    readonly v: string
    readonly id: number
    readonly d: number
  }
  | { readonly k: "enter"; readonly t: number; readonly old: string; readonly s: string; readonly d: number }
  | { readonly k: "terminate"; readonly t: number; readonly s: string; readonly d: number; readonly reason: Reason }
  | { readonly k: "end"; readonly t: number; readonly reason: Reason }
  | { readonly k: "alive"; readonly t: number }
  | { readonly k: "reply"; readonly t: number; readonly id: number; readonly v: string }

/** The timers an answer arms, as (slot, length) for lengths > 0 and finite. */
export const arms = (actions: ReadonlyArray<Action>): Array<readonly [string, number]> =>
  actions.flatMap((action) =>
    (action.t === "timeout" || action.t === "state_timeout" || action.t === "generic") &&
      action.ms !== "infinity" && action.ms > 0 ?
      [[action.t === "generic" ? `timeout:${action.name}` : action.t, action.ms] as const] :
      []
  )

/** The answer a traced invocation got (`count` numbers invocations), for `init`, `cb` and `enter` entries. */
export const answerOf = (scenario: Scenario, entry: Entry, count: number): Answer | undefined =>
  entry.k === "init" ?
    { actions: scenario.program.init.actions, to: { t: "keep_state_and_data" } } :
    entry.k === "cb" ?
    answerEvent(scenario.program, count, entry.s, entry.type, entry.v) :
    entry.k === "enter" ?
    answerEnter(scenario.program, count, entry.s) :
    undefined

const lengthText = (ms: Length) => ms === "infinity" ? "inf" : `${ms}`

export const actionText = (action: Action): string => {
  switch (action.t) {
    case "postpone":
    case "cancel_state":
    case "reply":
      return action.t
    case "next":
      return `next(${action.v})`
    case "timeout":
    case "state_timeout":
      return `${action.t}(${lengthText(action.ms)},${action.v})`
    case "generic":
      return `timeout:${action.name}(${lengthText(action.ms)},${action.v})`
    case "cancel":
      return `cancel(${action.name})`
  }
}

export const answerText = (answer: Answer): string => {
  const to = answer.to
  const inc = "inc" in to && to.inc ? " +1" : ""
  const transition = to.t === "next_state" ?
    `next_state ${to.s}${inc}` :
    to.t === "stop" ?
    `stop ${to.reason}${to.reply ? " reply" : ""}` :
    `${to.t}${inc}`
  return `${transition} [${answer.actions.map(actionText).join(", ")}]`
}

/**
 * The trace's lines: the machine's entries in order, answers shown as the program gives them (`count` numbers the
 * callback invocations for the fuel), then the replies by time and id.
 */
export const formatTrace = (program: Program, entries: ReadonlyArray<Entry>): Array<string> => {
  const lines: Array<string> = []
  const replies: Array<Extract<Entry, { k: "reply" }>> = []
  let count = 0
  for (const entry of entries) {
    switch (entry.k) {
      case "init":
        lines.push(`${entry.t} init ${entry.s} ${entry.d} [${program.init.actions.map(actionText).join(", ")}]`)
        break
      case "cb": {
        const answer = answerEvent(program, ++count, entry.s, entry.type, entry.v)
        const id = entry.id > 0 ? `#${entry.id}` : ""
        lines.push(`${entry.t} ${entry.s} ${entry.type} ${entry.v}${id} data=${entry.d} => ${answerText(answer)}`)
        break
      }
      case "enter":
        lines.push(
          `${entry.t} enter ${entry.old}->${entry.s} data=${entry.d} => ${
            answerText(answerEnter(program, ++count, entry.s))
          }`
        )
        break
      case "terminate":
        lines.push(`${entry.t} terminate ${entry.s} data=${entry.d} ${entry.reason}`)
        break
      case "end":
        lines.push(`${entry.t} end ${entry.reason}`)
        break
      case "alive":
        lines.push(`${entry.t} alive`)
        break
      case "reply":
        replies.push(entry)
        break
    }
  }
  replies.sort((x, y) => x.t - y.t || x.id - y.id)
  return [...lines, ...replies.map((reply) => `${reply.t} reply#${reply.id} ${reply.v}`)]
}
