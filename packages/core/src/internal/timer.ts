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
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type { Linked } from "./list.js"
import { List } from "./list.js"

/** The clock a fiber reads when nothing provides another one (Effect's default, on the host's timers). */
const liveClock = Context.get(Context.empty(), Clock.Clock)

/** Larger delays than this are infinite for JavaScript timers. @internal */
export const MAX_TIMER_MILLIS = 2 ** 31 - 1

/** A scheduled timer; `cancel` is idempotent, and does nothing once the timer fired. @internal */
export interface Cancel {
  cancel(): void
}

const noop: Cancel = { cancel() {} }

/** The clock a fiber reads. @internal */
export const clockOf = (fiber: Fiber.Fiber<unknown, unknown>): Clock.Clock => fiber.getRef(Clock.Clock)

/** Runs `task` after `millis` on `clock`; returns a handle that cancels it. @internal */
export const schedule = (clock: Clock.Clock, millis: number, task: () => void): Cancel => {
  if (!(millis < MAX_TIMER_MILLIS)) return noop
  if (tracking.enabled) return track(clock, millis, task)
  if (clock === liveClock) return liveTimer(millis, task)
  return new ClockTimer(clock, millis, task)
}

/** A timer armed by the library that has neither fired nor been cancelled yet. @internal */
export interface TrackedTimer {
  readonly millis: number
  /** Clock time at which it was armed (real time for a live timer). */
  readonly armedAt: number
  /** On the live clock (a host timer), or on another clock (TestClock, a user's). */
  readonly live: boolean
  /** The stack that armed it: a few frames, formatted only when reported. */
  readonly origin: Error
  readonly cancel: () => void
}

/**
 * The library's pending timers, kept while `enabled` (tests turn it on to check that nothing is left behind: every
 * receive and call timeout, `sendAfter`, shutdown deadline and restart delay fires or is cancelled).
 * @internal
 */
export const tracking: { enabled: boolean; readonly pending: Set<TrackedTimer> } = {
  enabled: false,
  pending: new Set()
}

const track = (clock: Clock.Clock, millis: number, task: () => void): Cancel => {
  const live = clock === liveClock
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 10
  const origin = new Error("timer armed here")
  Error.stackTraceLimit = limit
  let timer: Cancel | undefined = undefined
  const record: TrackedTimer = {
    millis,
    armedAt: live ? Date.now() : clock.currentTimeMillisUnsafe(),
    live,
    origin,
    cancel: () => {
      tracking.pending.delete(record)
      timer?.cancel()
    }
  }
  tracking.pending.add(record)
  const fire = () => {
    tracking.pending.delete(record)
    task()
  }
  timer = live ? liveTimer(millis, fire) : new ClockTimer(clock, millis, fire)
  return { cancel: record.cancel }
}

/** A timer on a clock other than the live one (TestClock, a user's): a root fiber sleeping on that clock. */
class ClockTimer implements Cancel {
  private cancelled = false
  private readonly fiber: Fiber.Fiber<void>
  constructor(clock: Clock.Clock, millis: number, task: () => void) {
    this.fiber = Effect.runFork(clock.sleep(Duration.millis(millis)))
    this.fiber.addObserver((exit) => {
      if (!this.cancelled && exit._tag === "Success") task()
    })
  }
  cancel(): void {
    if (this.cancelled) return
    this.cancelled = true
    this.fiber.interruptUnsafe()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Live timers: one list per duration
// ---------------------------------------------------------------------------------------------------------------

// Most of the library's timers are call and receive timeouts that are cancelled long before they fire, and most of
// them share a few durations. Timers of one duration expire in the order they were armed, so each duration keeps a
// doubly linked list (O(1) to arm and to cancel) and one host timer for its oldest entry, instead of a host timer
// per call (allocating, inserting and removing a `Timeout` costs ~5% of a request-reply round trip). When the host
// timer fires it runs what expired and re-arms for the new oldest entry; while a list is empty its host timer is
// unref'd, so a pending timer that was cancelled never keeps the program alive.

/** Real time in milliseconds, monotonic where the host has `performance.now`. @internal */
export const now: () => number = typeof globalThis.performance?.now === "function" ?
  () => globalThis.performance.now() :
  () => Date.now()

/** @internal */
export class LiveTimer implements Cancel, Linked<LiveTimer> {
  prev: LiveTimer | undefined = undefined
  next: LiveTimer | undefined = undefined
  constructor(readonly list: TimerList, readonly deadline: number, public task: (() => void) | undefined) {}
  cancel(): void {
    if (this.task === undefined) return
    this.task = undefined
    this.list.remove(this)
  }
}

/** @internal */
export class TimerList extends List<LiveTimer> {
  handle: ReturnType<typeof setTimeout> | undefined = undefined
  referenced = false
  constructor(readonly millis: number) {
    super()
  }

  add(timer: LiveTimer): void {
    this.append(timer)
    if (this.handle === undefined) {
      this.handle = setTimeout(this.fire, this.millis)
      this.referenced = true
    } else if (!this.referenced) {
      this.handle.ref()
      this.referenced = true
    }
  }

  remove(timer: LiveTimer): void {
    this.unlink(timer)
    if (this.head === undefined && this.handle !== undefined && this.referenced) {
      this.handle.unref()
      this.referenced = false
    }
  }

  readonly fire = (): void => {
    this.handle = undefined
    this.referenced = false
    // Host timers count whole milliseconds and may fire a fraction of one early by this clock.
    const until = now() + 1
    try {
      let timer = this.head
      while (timer !== undefined && timer.deadline <= until) {
        const task = timer.task!
        timer.task = undefined
        this.remove(timer)
        task()
        timer = this.head
      }
    } finally {
      const head = this.head
      if (head !== undefined && this.handle === undefined) {
        this.handle = setTimeout(this.fire, Math.max(0, head.deadline - now()))
        this.referenced = true
      }
    }
  }
}

const lists = new Map<number, TimerList>()

const liveTimer = (millis: number, task: () => void): Cancel => {
  let list = lists.get(millis)
  if (list === undefined) {
    list = new TimerList(millis)
    // A program with many distinct durations (computed backoffs, say) gets one list each; the lists are small and
    // their host timers unref'd when empty, so they are kept.
    lists.set(millis, list)
  }
  const timer = new LiveTimer(list, now() + millis, task)
  list.add(timer)
  return timer
}

/**
 * Decodes a timeout: a finite, non-negative number of milliseconds, or `Infinity`.
 * NaN and negative durations (`-1`, `"-1 seconds"`) are programmer mistakes: they throw a `TypeError` naming the
 * argument, which the public functions turn into a defect when their effect runs.
 * @internal
 */
export const decodeTimeout = (input: Duration.Input, what: string): number => {
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

const decodeUncached = (input: Duration.Input, what: string): number => {
  if (typeof input === "number" && (Number.isNaN(input) || input < 0)) {
    throw new TypeError(`${what}: ${input} is not a valid duration (negative or NaN)`)
  }
  const decoded = Duration.fromInput(input)
  if (decoded._tag === "None") {
    throw new TypeError(`${what}: ${String(input)} is not a valid duration`)
  }
  const millis = Duration.toMillis(decoded.value)
  if (Number.isNaN(millis) || millis < 0) {
    throw new TypeError(`${what}: ${String(input)} is not a valid duration (negative or NaN)`)
  }
  return millis
}
