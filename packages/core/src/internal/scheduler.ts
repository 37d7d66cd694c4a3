/**
 * The run queue: where a process woken by a message, an exit signal or a timer runs.
 *
 * Effect 4 resumes a fiber synchronously: the `resume` of `Effect.callback` runs the woken fiber right there, nested
 * in the stack of whoever woke it, until it suspends again. Used as is, a chain of wakes nests without bound (a ring
 * of about 1,000 processes passing a token overflowed the stack), and a process runs in the middle of its sender's
 * `send`, which Erlang never does. Effect's own default dispatcher goes the other way, through `setImmediate`,
 * at about 5 µs per wake.
 *
 * So the library keeps its own run queue, as Erlang's scheduler does. A wake (`wake`) is queued in one FIFO. The
 * queue is run:
 *
 * - when a process is about to suspend (`runQueued`, called by every receive and by the actor loop when they park):
 *   the processes it woke meanwhile run before it gives up the thread, as Erlang schedules the next runnable process
 *   when one blocks in `receive`. A request-reply round trip therefore involves no scheduling at all: the caller
 *   sends, parks, runs the callee from the queue, and the callee's reply resumes the caller before its park is even
 *   complete;
 * - at once when the wake comes from outside any fiber (a timer callback);
 * - otherwise in one microtask, after the code that woke it has finished its synchronous run.
 *
 * The queue is a trampoline: a process run from it that wakes others queues them behind itself, and a process that
 * parks while the queue is being run does not run it again, so the stack never grows with the length of a chain.
 *
 * It also keeps message passing from starving the host's event loop. Erlang preempts a process after a budget of
 * reductions, so timers and I/O keep running however busy the processes are. Here a process resumed by a message
 * runs in the same turn of the event loop as its sender, and the event loop (timers, I/O) only runs once the stack and
 * the microtask queue are empty; Effect yields to the macrotask queue when one fiber runs 2,048 operations in a row,
 * but a hand-off between processes runs a different fiber each time, so that count never grows. So once more than
 * `budget.millis` (4 ms) of real time has passed since the event loop last turned (a probe armed with
 * `setImmediate` tells), the rest of the queue waits for a macrotask: timers and I/O get their turn, and message
 * passing goes on right after. This reads the real time on purpose: it is about sharing the host's thread, not
 * about the time a program sees (which is Effect's `Clock`, and which `TestClock` drives).
 *
 * Everything else about a hand-off (the message leaving the mailbox, a call settling, its timer cancelled) happens
 * at once: only the woken fiber's run waits in the queue.
 *
 * @internal
 */
import * as Fiber from "effect/Fiber"
import { now } from "./timer.js"

/**
 * Real time that message passing may hold the event loop before the queue waits for a macrotask. Mutable for tests
 * (a negative budget sends every wake through a macrotask).
 *
 * @internal
 */
export const budget = { millis: 4 }

type Task = (argument: any) => void

const macrotask: (f: () => void) => void = typeof globalThis.setImmediate === "function" ?
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
 * Whether the current run of synchronous code and microtasks has held the event loop for longer than the budget.
 * The first call after the event loop turns starts a new budget.
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

// The queue holds calls flat (function, argument), so that a wake allocates nothing; `head` is the next to run.
let queue: Array<unknown> = []
let head = 0
let running = false
let microtaskScheduled = false
let macrotaskScheduled = false

const runFromMicrotask = (): void => {
  microtaskScheduled = false
  if (!macrotaskScheduled) run()
}

const runFromMacrotask = (): void => {
  macrotaskScheduled = false
  run()
}

/** Runs the queue until it is empty, or until the budget is spent (the rest then waits for a macrotask). */
const run = (): void => {
  if (running) return
  running = true
  try {
    let checked = 0
    while (head < queue.length) {
      // A clock read costs about as much as a short wake: the budget is checked every few wakes.
      if ((checked++ & 7) === 0 && overBudget()) {
        if (!macrotaskScheduled) {
          macrotaskScheduled = true
          macrotask(runFromMacrotask)
        }
        return
      }
      const task = queue[head] as Task
      const argument = queue[head + 1]
      queue[head] = queue[head + 1] = undefined
      head += 2
      try {
        task(argument)
      } catch (error) {
        // A wake is the library's own code resuming or interrupting a fiber, which does not throw: if it ever
        // does, it is reported as an uncaught error rather than lost, and the queue goes on.
        queueMicrotask(() => {
          throw error
        })
      }
    }
    queue.length = 0
    head = 0
  } finally {
    running = false
    if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head)
      head = 0
    }
  }
}

/**
 * Queues `task(argument)`: the resumption or the interruption of a process's fiber. It runs when the current process
 * parks, at once when called from outside any fiber, or else in a microtask; in the order wakes were made.
 *
 * @internal
 */
export const wake = <A>(task: (argument: A) => void, argument: A): void => {
  queue.push(task, argument)
  if (running || macrotaskScheduled) return
  if (Fiber.getCurrent() === undefined) {
    run()
  } else if (!microtaskScheduled) {
    microtaskScheduled = true
    queueMicrotask(runFromMicrotask)
  }
}

/**
 * Runs `f` with the run queue held: the processes it wakes run once it has returned, not in its middle. A
 * transport applies a batch of signals from another node this way, so that no process runs (and sends, and
 * ends) between two signals that arrived together. @internal
 */
export const batched = (f: () => void): void => {
  if (running) return f()
  running = true
  try {
    f()
  } finally {
    running = false
  }
  runQueued()
}

/**
 * Runs the queued wakes: called by a process that is about to suspend, after it registered what wakes it, so that
 * the processes it woke run before it gives up the thread (and may resume it before it has even suspended).
 *
 * @internal
 */
export const runQueued = (): void => {
  if (head < queue.length && !running && !macrotaskScheduled) run()
}

/**
 * What the run queue holds and whether a run of it is deferred (to a microtask, or to a macrotask after the budget),
 * for `Testing.settle`. @internal
 */
export const schedulerState = (): { readonly queued: number; readonly deferred: boolean } => ({
  queued: (queue.length - head) / 2,
  deferred: microtaskScheduled || macrotaskScheduled
})
