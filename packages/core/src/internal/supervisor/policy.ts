/**
 * A supervisor's restart policy: Erlang's restart intensity as a `Schedule`, the supervisor's restart schedule, and
 * the steps of the children's backoffs.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Pull from "effect/Pull"
import * as Schedule from "effect/Schedule"
import { InvalidSpecification } from "../../Errors.js"
import type * as Process from "../../Process.js"
import type * as Supervision from "../../Supervision.js"
import { decodeTimeout } from "../timer.js"

/** Erlang's default restart intensity: more than 2 restarts within 5 seconds and the supervisor gives up. @internal */
export const DEFAULT_TOLERANCE: Supervision.Tolerance = { intensity: 2, period: "5 seconds" }

/** Checks a restart tolerance; returns the period in milliseconds, or what is wrong. @internal */
export const validateTolerance = (tolerance: Supervision.Tolerance): number | InvalidSpecification => {
  if (typeof tolerance !== "object" || tolerance === null) {
    return new InvalidSpecification({
      field: "restartTolerance",
      detail: `${String(tolerance)} is not a tolerance ({ intensity, period })`
    })
  }
  const { intensity, period } = tolerance
  if (typeof intensity !== "number" || !Number.isInteger(intensity) || intensity < 0) {
    return new InvalidSpecification({
      field: "restartTolerance.intensity",
      detail: `${String(intensity)} is not a whole number of restarts, 0 or more`
    })
  }
  let millis: number
  try {
    millis = decodeTimeout(period, "restartTolerance.period")
  } catch (error) {
    return new InvalidSpecification({ field: "restartTolerance.period", detail: (error as Error).message })
  }
  if (!(millis > 0)) {
    return new InvalidSpecification({
      field: "restartTolerance.period",
      detail: `${String(period)} is not a positive duration`
    })
  }
  return millis
}

/**
 * Erlang's restart intensity as a Schedule: each step is one restart at `now`; the restarts of the last `period`
 * (inclusive, as Erlang keeps those at or after `now - period`) are kept; more than `intensity` of them ends the
 * schedule. It never delays. The output is the number of restarts in the window.
 * @internal
 */
export const intensityWindow = (intensity: number, periodMillis: number): Schedule.Schedule<number, unknown> =>
  Schedule.fromStep(Effect.sync(() => {
    let window: ReadonlyArray<number> = []
    return (now: number, _: unknown): Pull.Pull<[number, Duration.Duration], never, number> => {
      const threshold = now - periodMillis
      const kept = window.filter((at) => at >= threshold)
      kept.push(now)
      window = kept
      return kept.length > intensity ? Cause.done(kept.length) : Effect.succeed([kept.length, Duration.zero])
    }
  }))

/** `Supervision.intensityWindow`: the window of a tolerance; an invalid one is a defect when the schedule runs. @internal */
export const toleranceWindow = (tolerance: Supervision.Tolerance): Schedule.Schedule<number, unknown> => {
  const period = validateTolerance(tolerance)
  if (typeof period === "number") return intensityWindow(tolerance.intensity, period)
  // A programmer mistake: the schedule dies with it when it runs.
  return Schedule.fromStep(Effect.die(new TypeError(`Supervision.intensityWindow: ${period.message}`)))
}

/** One step of a running restart policy: the delay in milliseconds before the restart, or `undefined` to give up. */
export type PolicyStep = (now: number, reason: Process.ExitReason) => Effect.Effect<number | undefined>

/** Starts a restart policy: its schedule's step function, which keeps the schedule's state. @internal */
export const startPolicy = (schedule: Schedule.Schedule<unknown, Process.ExitReason>): Effect.Effect<PolicyStep> =>
  Effect.map(Schedule.toStep(schedule), (step) => (now, reason) =>
    Pull.matchEffect(step(now, reason), {
      onSuccess: ([, delay]) => Effect.succeed(Math.max(0, Duration.toMillis(delay))),
      onDone: () => Effect.succeed(undefined),
      // A user schedule that fails (a defect in its code) gives up, as one that ends does.
      onFailure: () => Effect.succeed(undefined)
    }))

/**
 * A supervisor's running restart policy: its intensity window, which every restart steps, and its own restart
 * schedule when it has one, which the restarts of the children without a backoff of their own step (a child's
 * backoff is stepped by the supervisor, in the child's record).
 * @internal
 */
export interface RestartPolicy {
  readonly window: PolicyStep
  readonly schedule: PolicyStep | undefined
}

/** Starts a supervisor's restart policy: the window of its tolerance, and its schedule if any. @internal */
export const startRestartPolicy = (
  intensity: number,
  periodMillis: number,
  schedule: Schedule.Schedule<unknown, Process.ExitReason> | undefined
): Effect.Effect<RestartPolicy> =>
  Effect.zipWith(
    startPolicy(intensityWindow(intensity, periodMillis)),
    schedule === undefined ? Effect.undefined : startPolicy(schedule),
    (window, schedule) => ({ window, schedule })
  )
