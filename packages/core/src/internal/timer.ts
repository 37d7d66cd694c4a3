/**
 * Timers that read Effect's `Clock` without forking a fiber on the live clock.
 *
 * Every timer of the library (receive and call timeouts, `sendAfter`, shutdown deadlines) goes through
 * `schedule`, so a `TestClock` drives all of them. On the live clock a timer is a bare `setTimeout`; on any other
 * clock (TestClock, a user's) it is a root fiber sleeping on that clock. Callbacks rather than effects are used on
 * purpose: a timer armed inside a finalizer or an uninterruptible region must still fire and be cancellable.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

/** Larger delays than this are infinite for JavaScript timers. @internal */
export const MAX_TIMER_MILLIS = 2 ** 31 - 1

/** @internal */
export type Cancel = () => void

const noop: Cancel = () => {}

/** The clock a fiber reads. @internal */
export const clockOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Clock.Clock =>
  Context.get(fiber.currentDefaultServices, Clock.Clock)

/** Runs `task` after `millis` on `clock`; returns a function that cancels it. @internal */
export const schedule = (clock: Clock.Clock, millis: number, task: () => void): Cancel => {
  if (!(millis < MAX_TIMER_MILLIS)) return noop
  if (clock === liveClock) {
    const handle = setTimeout(task, millis)
    return () => clearTimeout(handle)
  }
  let cancelled = false
  const fiber = Effect.runFork(clock.sleep(Duration.millis(millis)))
  fiber.addObserver((exit) => {
    if (!cancelled && exit._tag === "Success") task()
  })
  return () => {
    if (cancelled) return
    cancelled = true
    fiber.unsafeInterruptAsFork(FiberId.none)
  }
}

/**
 * Decodes a timeout: a finite, non-negative number of milliseconds, or `Infinity`.
 * NaN and negative durations are programmer mistakes and die with a message naming the argument.
 * @internal
 */
export const decodeTimeout = (input: Duration.DurationInput, what: string): number => {
  if (typeof input === "number" && input >= 0) return input
  if (typeof input === "string") {
    // Durations given as text ("5 seconds") are parsed once: calls on a hot path repeat the same few.
    const cached = decodedText.get(input)
    if (cached !== undefined) return cached
    const millis = decodeUncached(input, what)
    if (decodedText.size < 256) decodedText.set(input, millis)
    return millis
  }
  return decodeUncached(input, what)
}

const decodedText = new Map<string, number>()

const decodeUncached = (input: Duration.DurationInput, what: string): number => {
  if (typeof input === "number" && (Number.isNaN(input) || input < 0)) {
    throw new TypeError(`${what}: ${input} is not a valid duration (negative or NaN)`)
  }
  const decoded = Duration.decodeUnknown(input)
  if (decoded._tag === "None") {
    throw new TypeError(`${what}: ${String(input)} is not a valid duration`)
  }
  const millis = Duration.toMillis(decoded.value)
  if (Number.isNaN(millis) || millis < 0) {
    throw new TypeError(`${what}: ${String(input)} is not a valid duration (negative or NaN)`)
  }
  return millis
}
