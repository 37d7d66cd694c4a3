/**
 * The test kit's machinery: settling (running what is runnable without moving the clock), advancing a TestClock
 * step by step until something arrives, and listing what a test left behind.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { FactorySupervisor } from "../FactorySupervisor.js"
import type { Supervisor } from "../StaticSupervisor.js"
import type * as Subject from "../Subject.js"
import { killed } from "./exitReason.js"
import type { Matcher } from "./mailbox.js"
import { names } from "./name.js"
import { stateOf } from "./pid.js"
import type { ProcessState } from "./process.js"
import { died, liveProcesses, systemProcesses, table, terminate } from "./process.js"
import { identity, receiveMatching } from "./receive.js"
import { openRegistries } from "./registry.js"
import { schedulerState } from "./scheduler.js"
import type { SubjectImpl } from "./subject.js"
import type { Core } from "./supervisor/core.js"
import type { SupervisorHandle } from "./supervisor/start.js"
import { tracking } from "./timer.js"

/** One turn of the host's event loop: Effect's and the library's deferred resumptions run. No clock moves. @internal */
export const eventLoopTurn: Effect.Effect<void> = Effect.callback<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** The TestClock of the fiber, if its Clock is one (it can be adjusted). */
const testClockOf = Effect.map(Clock.clockWith(Effect.succeed), (clock) => {
  const adjust = (clock as { readonly adjust?: (duration: Duration.Input) => Effect.Effect<void> }).adjust
  return typeof adjust === "function" ? (duration: Duration.Input) => adjust.call(clock, duration) : undefined
})

/** What each live process has taken and holds: a change between two turns means something ran. */
const activity = (): Map<ProcessState, number> => {
  const seen = new Map<ProcessState, number>()
  for (const process of table.values()) seen.set(process, process.messagesIn * 1_000_003 + process.mailbox.length)
  return seen
}

const changed = (before: Map<ProcessState, number>, after: Map<ProcessState, number>): Array<ProcessState> => {
  const busy: Array<ProcessState> = []
  for (const [process, value] of after) if (before.get(process) !== value) busy.push(process)
  for (const process of before.keys()) if (!after.has(process)) busy.push(process)
  return busy
}

/** @internal */
export interface Unsettled {
  readonly turns: number
  readonly busy: ReadonlyArray<ProcessState>
}

/**
 * Runs turns of the event loop (and, on a TestClock, the timers due now, `adjust(0)`) until two turns in a row
 * change nothing: the run queue is empty with no run deferred, and no process took or was sent a message. Fails
 * after `maxTurns` with the processes still busy. @internal
 */
export const settle = (maxTurns: number): Effect.Effect<void, Unsettled> =>
  Effect.gen(function*() {
    const adjust = yield* testClockOf
    let quiet = 0
    let before = activity()
    let busy: Array<ProcessState> = []
    for (let turn = 0; turn < maxTurns; turn++) {
      yield* Effect.yieldNow
      yield* eventLoopTurn
      if (adjust !== undefined) yield* adjust(0)
      const after = activity()
      const scheduler = schedulerState()
      busy = changed(before, after)
      before = after
      if (busy.length === 0 && scheduler.queued === 0 && !scheduler.deferred) {
        if (++quiet >= 2) return
      } else {
        quiet = 0
      }
    }
    return yield* Effect.fail<Unsettled>({ turns: maxTurns, busy })
  })

/**
 * Advances the fiber's TestClock by `step` at a time, settling after each, until `done` holds or `millis` have
 * passed; without a TestClock, settles once. Returns whether `done` held. @internal
 */
export const advanceUntil = (
  millis: number,
  step: number,
  maxTurns: number,
  done: () => boolean
): Effect.Effect<boolean, Unsettled> =>
  Effect.gen(function*() {
    yield* settle(maxTurns)
    if (done()) return true
    const adjust = yield* testClockOf
    if (adjust === undefined) return done()
    let passed = 0
    while (passed < millis) {
      const next = Math.min(step, millis - passed)
      yield* adjust(Duration.millis(next))
      passed += next
      yield* settle(maxTurns)
      if (done()) return true
    }
    return false
  })

/** What a test left behind, each named with what it is. @internal */
export interface LeftBehind {
  readonly processes: ReadonlyArray<string>
  readonly names: ReadonlyArray<string>
  readonly timers: ReadonlyArray<string>
  readonly registries: ReadonlyArray<string>
}

const describeProcess = (state: ProcessState): string => {
  const details: Array<string> = []
  if (state.name !== undefined) details.push(`registered as ${state.name.key}`)
  if (state.implicit) details.push("code outside any process")
  if (!state.alive) details.push("dying")
  const spawner = state.spawner
  if (spawner !== undefined) details.push(`spawned by ${spawner.pid.toString()}`)
  const timers = state.timers?.size ?? 0
  if (timers > 0) details.push(`${timers} pending sendAfter timer${timers === 1 ? "" : "s"}`)
  return details.length === 0 ? state.pid.toString() : `${state.pid.toString()} (${details.join(", ")})`
}

/** The live processes but `except` (the caller's own), stale names, and the library's pending timers. @internal */
export const leftBehind = (except: ReadonlySet<ProcessState>): LeftBehind => ({
  processes: liveProcesses().filter((state) => !except.has(state) && !systemProcesses.has(state)).map(describeProcess),
  names: Array.from(
    names,
    ([key, owner]) =>
      table.has(owner.pid.id) ? undefined : `${key} is still registered to ${owner.pid.toString()}, which has ended`
  )
    .filter((name): name is string => name !== undefined),
  timers: Array.from(tracking.pending, (timer) =>
    `${Duration.format(Duration.millis(timer.millis))} timer ` +
    (timer.live ? "on the live clock" : `armed at TestClock t=${timer.armedAt} ms`) + ` (${firstFrame(timer.origin)})`),
  registries: Array.from(openRegistries, (registry) => {
    let entries = 0
    for (const [, list] of registry.entries) entries += list.length
    return `${registry.toString()} still open (its scope did not close), ${entries} entr${entries === 1 ? "y" : "ies"}`
  })
})

/** Where a timer was armed: the first frame outside the library's timer module. */
const firstFrame = (origin: Error): string => {
  const frames = (origin.stack ?? "").split("\n").map((line) => line.trim()).filter((line) => line.startsWith("at "))
  const outside = frames.find((frame) => !/[/\\]internal[/\\]timer\.[jt]s:/.test(frame))
  return outside === undefined ? "armed by an unknown caller" : `armed ${outside}`
}

// ---------------------------------------------------------------------------------------------------------------
// The helpers of `Testing.ts`: probes, supervisors and leaks read in the library's own state
// ---------------------------------------------------------------------------------------------------------------

/** How a message is shown in a test kit error. @internal */
export const show = (values: ReadonlyArray<unknown>): string =>
  values.map((value) => {
    try {
      return JSON.stringify(value) ?? String(value)
    } catch {
      return String(value)
    }
  }).join(", ")

/** @internal */
/** The messages queued for `subject` in its owner's mailbox, in order. @internal */
export const queued = <A>(subject: Subject.Subject<A>): Array<A> => {
  const impl = subject as unknown as SubjectImpl<A>
  const owner = impl.resolve()
  const found: Array<A> = []
  if (owner === undefined) return found
  for (let envelope = owner.mailbox.head; envelope !== undefined; envelope = envelope.next) {
    if (!envelope.removed && envelope.tag === impl.tag) found.push(envelope.value as A)
  }
  return found
}

/** Takes the first queued message of `subject` matching `predicate` (it is queued: no time passes). @internal */
export const take = <A>(subject: Subject.Subject<A>, predicate: (message: A) => boolean): Effect.Effect<A> => {
  const impl = subject as unknown as SubjectImpl<A>
  const owner = impl.resolve()
  if (owner === undefined) return Effect.die(new Error("the probe's owner has ended"))
  const match: Matcher = (envelope) =>
    envelope.tag === impl.tag && predicate(envelope.value as A) ? identity : undefined
  return receiveMatching<A, never>(owner, 0, match, () => Effect.die(new Error("the message expected was not queued")))
}

/** The child `id` of the supervisor behind `handle`, read in its state (the test runs on the same thread). @internal */
export const childOf = (supervisor: Supervisor | FactorySupervisor<any, any>, id: number) => {
  const pid = (supervisor as SupervisorHandle).pid
  if (pid === undefined) return undefined
  const core = stateOf(pid).behaviour as { readonly state?: unknown } | undefined
  const children = (core?.state as Core | undefined)?.children
  return children?.find((child) => child.id === id)
}

/** @internal */
export const isClean = (left: LeftBehind) =>
  left.processes.length === 0 && left.names.length === 0 && left.timers.length === 0 && left.registries.length === 0

/** Ends what a test left behind, so that the tests after it report only their own leaks. @internal */
export const cleanUp = (): void => {
  for (const state of liveProcesses()) {
    if (systemProcesses.has(state)) continue
    terminate(state, killed)
    died(state, killed)
  }
  for (const [key, owner] of Array.from(names)) {
    if (!owner.alive) names.delete(key)
  }
  for (const timer of Array.from(tracking.pending)) timer.cancel()
  for (const registry of Array.from(openRegistries)) registry.close()
}
