/**
 * The library's metrics, through Effect's `Metric` (so any Effect metrics exporter, OpenTelemetry's included, sees
 * them). Off by default; `Metrics.layer` (or `Metrics.enable`) turns them on for what runs with it, and each process
 * reads the switch once, when it starts. Actors are labelled with their name (`actor`) where they have one.
 *
 * | metric | type | attributes | what |
 * | --- | --- | --- | --- |
 * | `otp_actor_messages_handled` | counter | `actor` | messages an actor handled (system messages included) |
 * | `otp_actor_mailbox_length` | gauge | `actor` | a named actor's mailbox, read when the metrics are |
 * | `otp_mailbox_messages_dropped` | counter | `actor` | messages a bounded mailbox kept out (dropped, or refused to `trySend`) |
 * | `otp_call_duration_seconds` | histogram | `actor` (the callee) | `Subject.call`, request sent to reply taken; one call in `CallSampling` (8) across the program |
 * | `otp_supervisor_restarts` | counter | `supervisor`, `child` | children restarted by a supervisor's strategy |
 * | `otp_processes` | gauge | | live processes |
 * | `otp_process_crashes` | counter | `reason` (`Abnormal`, `Killed`) | ends other than Normal or Shutdown |
 *
 * Labels are names' prefixes (`Name.make("bank/store")` is `actor="bank/store"`), so that they stay the same from
 * one run to the next; unnamed actors share the unlabelled series; every child of a factory supervisor is
 * `child="child"` (a series per child would grow without end). Prometheus exporters add `_total` to counter names.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Metric } from "effect"
 * import { Metrics } from "@effect-otp/core"
 *
 * // Turn them on for the whole application, and read them back (or export them with OpenTelemetry).
 * const program = Effect.gen(function*() {
 *   // ... start actors, call them ...
 *   const snapshot = yield* Metric.snapshot
 * }).pipe(Effect.provide(Metrics.layer))
 * ```
 *
 * @since 1.0.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Metric from "effect/Metric"
import * as internal from "./internal/metrics.js"

/** Wakes the library's check, and registers the live-process gauge (read from the process table) in the registry. */
const switchOn: Effect.Effect<Metric.Registration> = Effect.withFiber((fiber) =>
  Effect.sync(() => {
    internal.switches.everEnabled = true
    return internal.registerProcesses(fiber.context)
  })
)

/**
 * Whether the library records its metrics for what runs with it. Set it with `layer` or `enable`, which also wake
 * the library's check (until metrics are first turned on, the hot paths do not read this reference at all).
 *
 * @since 1.0.0
 * @category switches
 */
export const Enabled = internal.Enabled

/**
 * One call in how many is timed for `otp_call_duration_seconds`, counted across the program (8 by default; 1 times
 * every call; read when a sample is due, from the caller's context). The
 * histogram is a sample of the latencies: its count is not the number of calls (`otp_actor_messages_handled` counts
 * those). Reading the clock twice per call would cost about a tenth of a call on its own.
 *
 * @since 1.0.0
 * @category switches
 */
export const CallSampling = internal.CallSampling

/**
 * Turns the library's metrics on for the processes started in what is built with it.
 *
 * @since 1.0.0
 * @category switches
 */
export const layer: Layer.Layer<never> = Layer.mergeAll(
  Layer.succeed(internal.Enabled)(true),
  Layer.effectDiscard(Effect.acquireRelease(switchOn, (registration) => Effect.sync(() => registration.remove())))
)

/**
 * Runs `self` with the library's metrics on (or off, with `false`) for the processes it starts.
 *
 * @since 1.0.0
 * @category switches
 */
export const enable = <A, E, R>(self: Effect.Effect<A, E, R>, enabled = true): Effect.Effect<A, E, R> =>
  enabled ?
    Effect.acquireUseRelease(
      switchOn,
      () => Effect.provideService(self, internal.Enabled, true),
      (registration) => Effect.sync(() => registration.remove())
    ) :
    Effect.provideService(self, internal.Enabled, false)

/**
 * Messages an actor handled (`otp_actor_messages_handled`, attribute `actor` for named actors).
 *
 * @since 1.0.0
 * @category metrics
 */
export const messagesHandled: Metric.Counter<number> = internal.messagesHandled

/**
 * A named actor's mailbox length (`otp_actor_mailbox_length`, attribute `actor`).
 *
 * @since 1.0.0
 * @category metrics
 */
export const mailboxLength: Metric.Gauge<number> = internal.mailboxLength

/**
 * Messages a bounded mailbox kept out (`otp_mailbox_messages_dropped`, attribute `actor`: the owner's name): dropped
 * by its overflow policy, or refused to `trySend`. See `Subject.makeBounded` and `Actor.mailbox`.
 *
 * @since 1.0.0
 * @category metrics
 */
export const messagesDropped: Metric.Counter<number> = internal.messagesDropped

/**
 * Call latency in seconds (`otp_call_duration_seconds`, attribute `actor`: the callee's name).
 *
 * @since 1.0.0
 * @category metrics
 */
export const callDuration: Metric.Histogram<number> = internal.callDuration

/**
 * Restarts by supervisor and child (`otp_supervisor_restarts`, attributes `supervisor`, `child`).
 *
 * @since 1.0.0
 * @category metrics
 */
export const restarts: Metric.Counter<number> = internal.restarts

/**
 * Live processes (`otp_processes`).
 *
 * @since 1.0.0
 * @category metrics
 */
export const processes: Metric.Gauge<number> = internal.processes

/**
 * Processes that crashed (`otp_process_crashes`, attribute `reason`: `Abnormal` or `Killed`).
 *
 * @since 1.0.0
 * @category metrics
 */
export const crashes: Metric.Counter<number> = internal.crashes
