/**
 * Keeps message passing from starving the host's event loop.
 *
 * Erlang preempts a process after a budget of reductions, so timers and I/O keep running however busy the processes
 * are. On JavaScript, a process woken by a message resumes in a microtask, and the event loop (timers, I/O) only runs
 * once the microtask queue is empty. Effect's scheduler yields to the macrotask queue when one fiber's own run
 * queue stays busy for 2,048 drains in a row (a fiber looping with `Effect.forever` does that), but a hand-off
 * between processes wakes a different fiber each time, so that count never grows: two processes calling each other
 * in a loop would hold every timer (call timeouts, `sendAfter`, shutdown deadlines) until the loop ends.
 *
 * So a process woken by a message resumes through `resumeFairly`: once more than `budget.millis` (4 ms) of real
 * time has passed since the event loop last turned (a probe armed with `setImmediate` tells), the resumption is
 * deferred to a macrotask. Timers and I/O then get their turn, and message passing goes on right after. Everything
 * else about the hand-off (the message leaving the mailbox, a call settling, its timer cancelled) happens at once:
 * only the fiber's resumption waits. Below the budget nothing is deferred, and the cost is a clock read per wake.
 *
 * This reads the real time on purpose: it is about sharing the host's thread, not about the time a program sees
 * (which is Effect's `Clock`, and which `TestClock` drives).
 *
 * @internal
 */
import type * as Effect from "effect/Effect"
import { now } from "./timer.js"

/**
 * Real time that message passing may hold the event loop before wakes are deferred. Mutable for tests (a negative
 * budget defers every wake).
 *
 * @internal
 */
export const budget = { millis: 4 }

type Macrotask = (f: () => void) => void

const macrotask: Macrotask = typeof globalThis.setImmediate === "function" ?
  (f) => {
    globalThis.setImmediate(f)
  } :
  (f) => {
    globalThis.setTimeout(f, 0)
  }

let turnStarted = 0
let probeArmed = false
const probe = () => {
  probeArmed = false
}

/**
 * Whether the current run of microtasks has held the event loop for longer than the budget. The first call after
 * the event loop turns starts a new budget.
 *
 * @internal
 */
export const overBudget = (): boolean => {
  const t = now()
  if (!probeArmed) {
    probeArmed = true
    turnStarted = t
    macrotask(probe)
    return false
  }
  return t - turnStarted > budget.millis
}

// Deferred calls wait in one FIFO, flushed by a single macrotask: a fan-out that wakes 100,000 processes past the
// budget costs one `setImmediate`, not one each. Calls are stored flat (function, argument) to allocate nothing.
let waiting: Array<unknown> = []
let flushScheduled = false

const flush = (): void => {
  flushScheduled = false
  const batch = waiting
  waiting = []
  let i = 0
  try {
    for (; i < batch.length; i += 2) (batch[i] as (argument: unknown) => void)(batch[i + 1])
  } finally {
    if (i + 2 < batch.length) {
      // One of them threw: the rest still run, in the next turn and in order.
      waiting = batch.slice(i + 2).concat(waiting)
      scheduleFlush()
    }
  }
}

const scheduleFlush = (): void => {
  if (flushScheduled) return
  flushScheduled = true
  macrotask(flush)
}

const later = <A>(f: (argument: A) => void, argument: A): void => {
  waiting.push(f, argument)
  scheduleFlush()
}

/**
 * Resumes a fiber suspended in `Effect.async`: at once, or in a macrotask when message passing has held the event
 * loop for longer than the budget. Returns `false` when the resumption was deferred.
 *
 * @internal
 */
export const resumeFairly = <A, E>(
  resume: (effect: Effect.Effect<A, E>) => void,
  effect: Effect.Effect<A, E>
): boolean => {
  if (overBudget()) {
    later(resume, effect)
    return false
  }
  resume(effect)
  return true
}

/** Runs `f` in a macrotask, after the calls deferred before it. @internal */
export const deferred = (f: () => void): void => later(f, undefined)
