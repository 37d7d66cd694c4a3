import { afterAll, afterEach, expect } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { Process } from "../src/index.js"
import { killed } from "../src/internal/exitReason.js"
import * as internalNames from "../src/internal/name.js"
import * as internalProcess from "../src/internal/process.js"
import * as internalTimer from "../src/internal/timer.js"

// ---------------------------------------------------------------------------------------------------------------
// Leak checks: processes, names and timers left behind by a test
// ---------------------------------------------------------------------------------------------------------------

// Every timer the library arms (`internal/timer.ts` `schedule`) is kept, with the stack that armed it, until it fires
// or is cancelled.
internalTimer.tracking.enabled = true

/** A stack passes through `internal/timer.ts` (the library's `schedule`). */
const SCHEDULE_FRAME = /[/\\]internal[/\\]timer\.[jt]s:/

/** The frame that called `schedule`: what armed the timer (a receive, a call, sendAfter, a shutdown deadline...). */
const armedBy = (origin: Error): string => {
  const frames = (origin.stack ?? "").split("\n").map((line) => line.trim()).filter((line) => line.startsWith("at "))
  let inSchedule = frames.findIndex((frame) => SCHEDULE_FRAME.test(frame))
  if (inSchedule < 0) return "from an unknown caller"
  while (inSchedule + 1 < frames.length && SCHEDULE_FRAME.test(frames[inSchedule + 1])) inSchedule++
  const caller = frames[inSchedule + 1]
  if (caller === undefined) return "from an unknown caller"
  // "at f (/…/packages/core/src/internal/receive.ts:353:20)" or "at /…/receive.ts:353:20": keep the location.
  const location = /\(([^()]*)\)$/.exec(caller)?.[1] ?? caller.slice(3)
  return `from ${location.replace(/^.*?packages[/\\]core[/\\]/, "").replace(/^file:\/\//, "")}`
}

const describeTimer = (timer: internalTimer.TrackedTimer): string =>
  `${Duration.format(Duration.millis(timer.millis))} timer ` +
  (timer.live ? "on the live clock" : `armed at TestClock t=${timer.armedAt} ms`) +
  ` ${armedBy(timer.origin)}`

/** What a test left behind: live processes (with their names), stale names, pending library timers. */
export interface LeftBehind {
  readonly processes: ReadonlyArray<string>
  readonly names: ReadonlyArray<string>
  readonly timers: ReadonlyArray<string>
}

const describeProcess = (state: internalProcess.ProcessState): string => {
  const details: Array<string> = []
  if (state.name !== undefined) details.push(`registered as ${state.name.key}`)
  if (state.implicit) details.push("implicit (code outside any process)")
  if (!state.alive) details.push("dying")
  const timers = state.timers?.size ?? 0
  if (timers > 0) details.push(`${timers} pending sendAfter timer${timers === 1 ? "" : "s"}`)
  return details.length === 0 ? state.pid.toString() : `${state.pid.toString()} (${details.join(", ")})`
}

const describeTimers = (): Array<string> => Array.from(internalTimer.tracking.pending, describeTimer)

/** Everything left behind now, named. */
export const leftBehind = (): LeftBehind => ({
  processes: internalProcess.liveProcesses().map(describeProcess),
  names: Array.from(internalNames.names, ([key, owner]) =>
    internalProcess.table.has(owner.pid.id) ?
      undefined :
      `${key} is still registered to ${owner.pid.toString()}, which has ended`).filter((name) => name !== undefined),
  timers: describeTimers()
})

const isClean = (left: LeftBehind): boolean =>
  left.processes.length === 0 && left.names.length === 0 && left.timers.length === 0

/**
 * Waits for what is still being torn down (an interrupted timer fiber, a process whose fiber runs its finalizers):
 * yields to the event loop a bounded number of times, and returns as soon as nothing is left. This never waits for
 * a clock: something still there after these turns is left behind for good.
 */
const settled = async (): Promise<LeftBehind> => {
  let left = leftBehind()
  for (let turn = 0; turn < 20 && !isClean(left); turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (turn % 4 === 3) await new Promise<void>((resolve) => setTimeout(resolve, 0))
    left = leftBehind()
  }
  return left
}

/** Ends what a failed test left behind, so the tests after it start clean and report only their own leaks. */
const cleanUp = (): void => {
  for (const state of Array.from(internalProcess.table.values())) {
    internalProcess.terminate(state, killed)
    internalProcess.died(state, killed)
  }
  for (const [key, owner] of Array.from(internalNames.names)) {
    if (!owner.alive) internalNames.names.delete(key)
  }
  for (const timer of Array.from(internalTimer.tracking.pending)) timer.cancel()
}

/**
 * Fails the test that leaves something behind: a live (or dying) process, named with its pid and its registered
 * name; a name still registered to an ended process; a pending library timer (receive or call timeout, sendAfter,
 * shutdown deadline, restart delay), named with its delay and what armed it. Every test's own implicit process ends
 * with its fiber, every spawned process ends with its scope, and every timer fires or is cancelled, so all of these
 * are empty between tests. What a failing test left is then ended, so that the next tests report only their own.
 * After the whole file, the process table must be empty too.
 */
export const checkNoProcessLeft = () => {
  afterEach(async () => {
    const left = await settled()
    if (!isClean(left)) cleanUp()
    expect(left, "processes, names or timers left behind by the test").toEqual({ processes: [], names: [], timers: [] })
  })
  afterAll(async () => {
    const left = await settled()
    const pids = await Effect.runPromise(Process.list)
    expect(pids.map(String), "processes left in the process table after the test file").toEqual([])
    expect(left, "processes, names or timers left behind by the test file").toEqual({
      processes: [],
      names: [],
      timers: []
    })
  })
}
