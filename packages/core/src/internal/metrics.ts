/**
 * The library's metrics, through Effect's `Metric`: what actors handle, their mailboxes, call latency, supervisor
 * restarts, live processes and crashes. Off by default. When on (`Metrics.layer`), a process reads the switch from
 * its context once, when it starts, and updates its metrics synchronously (`Metric.updateUnsafe`) from the places
 * where the library already is: no Effect is run for a metric.
 *
 * Off, the hot paths pay one check of a module-level flag: `everEnabled` stays false until something turns metrics
 * on, in any part of the program.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import type * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import type { ExitReason } from "../Process.js"
import { globalValue } from "./global.js"
import type { ProcessState } from "./process.js"
import { table } from "./process.js"

/** Whether the library records its metrics, for what runs with it in its context. @internal */
export const Enabled: Context.Reference<boolean> = Context.Reference<boolean>("@effect-otp/core/Metrics/Enabled", {
  defaultValue: () => false
})

/**
 * One call in how many is timed for the call-duration histogram (each caller counts its own calls). Reading a clock
 * twice is a good part of a call's cost: timing every call would cost about a tenth of a call. @internal
 */
export const CallSampling: Context.Reference<number> = Context.Reference<number>(
  "@effect-otp/core/Metrics/CallSampling",
  { defaultValue: () => 8 }
)

/** Set once metrics were turned on anywhere: until then no process looks at `Enabled`. @internal */
export const switches = globalValue("metricsSwitches", () => ({ everEnabled: false }))

/** Whether the fiber runs with metrics on. @internal */
export const enabledIn = (fiber: Fiber.Fiber<unknown, unknown>): boolean =>
  switches.everEnabled && fiber.getRef(Enabled)

const messagesHandledOptions = {
  description: "Messages an actor took from its mailbox and handled (system messages included)",
  incremental: true
} as const

/** @internal */
export const messagesHandled = Metric.counter("otp_actor_messages_handled", messagesHandledOptions)

const mailboxLengthOptions = {
  description: "Messages waiting in a named actor's mailbox, as it last saw it (when it parked, or after a batch)"
} as const

/** @internal */
export const mailboxLength = Metric.gauge("otp_actor_mailbox_length", mailboxLengthOptions)

const messagesDroppedOptions = {
  description: "Messages a bounded mailbox did not queue: dropped by its overflow policy, or refused to trySend",
  incremental: true
} as const

/** @internal */
export const messagesDropped = Metric.counter("otp_mailbox_messages_dropped", messagesDroppedOptions)

/** Call latency buckets, in seconds: 1 µs to about 16 s, doubling. @internal */
export const callBoundaries: ReadonlyArray<number> = Metric.exponentialBoundaries({
  start: 1e-6,
  factor: 2,
  count: 25
})

const callDurationOptions = {
  description: "Subject.call, from the request sent to the reply (or error) taken, in seconds",
  boundaries: callBoundaries
} as const

/** @internal */
export const callDuration = Metric.histogram("otp_call_duration_seconds", callDurationOptions)

/** @internal */
export const restarts = Metric.counter("otp_supervisor_restarts", {
  description: "Children a supervisor started again (by its strategy)",
  incremental: true
})

/** @internal */
export const processes = Metric.gauge("otp_processes", {
  description: "Live processes, including code outside any process that became one"
})

const crashesOptions = {
  description: "Processes that ended with a reason other than Normal or Shutdown, by reason tag",
  incremental: true
} as const

/** @internal */
export const crashes = Metric.counter("otp_process_crashes", crashesOptions)

// Labelled series are metrics of their own, with their attributes given when made: `Metric.withAttributes` would
// re-derive the context at every update, which a per-message counter cannot afford.
const byActor = new Map<string, {
  readonly handled: Metric.Metric<number, unknown>
  readonly mailbox: Metric.Metric<number, unknown>
  readonly calls: Metric.Metric<number, unknown>
  readonly dropped: Metric.Metric<number, unknown>
}>()

/** The metrics of the actor named `name` (one set per name, made once); the unlabelled ones for an unnamed actor. */
export const actorMetrics = (name: string | undefined) => {
  if (name === undefined) return unnamed
  let metrics = byActor.get(name)
  if (metrics === undefined) {
    const attributes = { actor: name }
    metrics = {
      handled: Metric.counter(messagesHandled.id, { ...messagesHandledOptions, attributes }),
      mailbox: Metric.gauge(mailboxLength.id, { ...mailboxLengthOptions, attributes }),
      calls: Metric.histogram(callDuration.id, { ...callDurationOptions, attributes }),
      dropped: Metric.counter(messagesDropped.id, { ...messagesDroppedOptions, attributes })
    }
    // A program that names actors without end (one per request, say) does not grow this cache without end.
    if (byActor.size >= 10_000) byActor.clear()
    byActor.set(name, metrics)
  }
  return metrics
}

const unnamed = {
  handled: messagesHandled,
  mailbox: mailboxLength,
  calls: callDuration,
  dropped: messagesDropped
} as const

/**
 * The update of a metric's series in the context's registry, looked up once: `updateUnsafe` finds the series at every
 * update (its key, then the registry's map), which a per-message counter cannot afford. Effect's metrics keep their
 * series' hooks behind `hook(context)`; without it, this falls back to `updateUnsafe`. @internal
 */
export const updaterOf = (
  metric: Metric.Metric<number, unknown>,
  context: Context.Context<never>
): (input: number) => void => {
  const hook = (metric as unknown as { readonly hook?: (context: Context.Context<never>) => SeriesHooks }).hook
  if (typeof hook !== "function") return (input) => metric.updateUnsafe(input, context)
  const hooks = hook.call(metric, context)
  return (input) => hooks.update(input, context)
}

interface SeriesHooks {
  readonly update: (input: number, context: Context.Context<never>) => void
}

/** The Clock every fiber has unless one is provided: read with `performance.now()`, which it is based on. */
const defaultClock = Context.get(Context.empty(), Clock.Clock)

const secondsOf = (clock: Clock.Clock): number =>
  clock === defaultClock ? performance.now() / 1e3 : clock.currentTimeMillisUnsafe() / 1e3

/** Calls until the next one is timed, counted across the program (not per caller, nor per context). */
const sampling = globalValue("metricsCallSampling", () => ({ untilNext: 1 }))

/** Times one call, for the call-duration histogram. @internal */
export class CallTimer {
  readonly start: number
  constructor(
    readonly clock: Clock.Clock,
    readonly histogram: Metric.Metric<number, unknown>,
    readonly context: Context.Context<never>
  ) {
    this.start = secondsOf(clock)
  }
  stop(): void {
    this.histogram.updateUnsafe(secondsOf(this.clock) - this.start, this.context)
  }
}

/**
 * A timer for a call made by the fiber to `target`, for one call in `CallSampling` counted across the program, when
 * metrics are on in the caller (labelled with the callee's name, when it has one); read from the caller's `Clock`.
 * The calls not timed cost a decrement. @internal
 */
export const callTimer = (fiber: Fiber.Fiber<unknown, unknown>, target: ProcessState): CallTimer | undefined => {
  if (--sampling.untilNext > 0) return undefined
  sampling.untilNext = Math.max(1, Math.floor(fiber.getRef(CallSampling)))
  if (!fiber.getRef(Enabled)) return undefined
  return new CallTimer(fiber.getRef(Clock.Clock), actorMetrics(target.name?.prefix).calls, fiber.context)
}

/**
 * A named actor's mailbox length, read when the metrics are (a pull gauge: nothing is written per message). Removed
 * with `remove` when the actor ends. @internal
 */
export const registerMailbox = (
  name: string,
  mailbox: { readonly length: number },
  context: Context.Context<never>
): Metric.Registration =>
  Metric.registerUnsafe(actorMetrics(name).mailbox as Metric.Metric<number, Metric.GaugeState<number>>, context, {
    get: () => ({ value: mailbox.length }),
    update: () => {},
    modify: () => {}
  })

/** The live-process gauge, read from the process table when the metrics are. @internal */
export const registerProcesses = (context: Context.Context<never>): Metric.Registration =>
  Metric.registerUnsafe(processes as Metric.Metric<number, Metric.GaugeState<number>>, context, {
    get: () => ({ value: table.size }),
    update: () => {},
    modify: () => {}
  })

const crashesByReason = {
  Abnormal: Metric.counter(crashes.id, { ...crashesOptions, attributes: { reason: "Abnormal" } }),
  Killed: Metric.counter(crashes.id, { ...crashesOptions, attributes: { reason: "Killed" } })
}

/** A process ended: a crash (not Normal, not Shutdown) is counted by its reason's tag. @internal */
export const countEnd = (reason: ExitReason, context: Context.Context<never>): void => {
  if (reason._tag === "Abnormal" || reason._tag === "Killed") crashesByReason[reason._tag].updateUnsafe(1, context)
}
