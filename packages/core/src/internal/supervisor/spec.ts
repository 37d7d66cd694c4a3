/**
 * Child specifications (Erlang's child spec): how a supervisor starts, restarts and stops one child, and the checks
 * a supervisor's `start` runs on them, each naming the field that is wrong.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Schedule from "effect/Schedule"
import type { Started } from "../../Actor.js"
import type { StartError } from "../../Errors.js"
import { InvalidSpecification } from "../../Errors.js"
import type * as Process from "../../Process.js"
import type * as StaticSupervisor from "../../StaticSupervisor.js"
import type * as Supervision from "../../Supervision.js"
import { Immutable } from "../builder.js"
import { DEFAULT_SHUTDOWN } from "../process.js"
import { decodeTimeout } from "../timer.js"

/** @internal */
export const ChildSpecificationTypeId: unique symbol = Symbol.for("@effect-otp/core/Supervision/ChildSpecification")

const variance = { _D: (_: never) => _, _R: (_: never) => _ }

/** The fields of a child specification. @internal */
export interface ChildSpecFields {
  readonly start: Effect.Effect<Started<any>, StartError, unknown>
  readonly type: Supervision.ChildType
  readonly restart: Supervision.Restart
  readonly significant: boolean
  readonly shutdown: Supervision.Shutdown
  /** What reports and start errors call the child (`Supervision.label`, a layer's tag); its position when none. */
  readonly label: string | undefined
  /** The child's own restart delays (`Supervision.backoff`); none: the supervisor's `restartSchedule` applies. */
  readonly backoff: Supervision.Backoff | undefined
}

/** @internal */
export class ChildSpecImpl extends Immutable<ChildSpecFields> implements Supervision.ChildSpecification<any, any> {
  readonly [ChildSpecificationTypeId] = variance
  declare readonly start: ChildSpecFields["start"]
  declare readonly type: Supervision.ChildType
  declare readonly restart: Supervision.Restart
  declare readonly significant: boolean
  declare readonly shutdown: Supervision.Shutdown
  declare readonly label: string | undefined
  declare readonly backoff: Supervision.Backoff | undefined
}

/** @internal */
export const isChildSpec = (u: unknown): u is ChildSpecImpl =>
  typeof u === "object" && u !== null && ChildSpecificationTypeId in u

/** A worker: permanent, 5 seconds to shut down. @internal */
export const worker = (start: ChildSpecFields["start"]): ChildSpecImpl =>
  new ChildSpecImpl({
    start,
    type: "worker",
    restart: "Permanent",
    significant: false,
    shutdown: DEFAULT_SHUTDOWN,
    label: undefined,
    backoff: undefined
  })

/** A supervisor: permanent, as long as it needs to shut down (its own children stop first). @internal */
export const supervisor = (start: ChildSpecFields["start"]): ChildSpecImpl =>
  new ChildSpecImpl({
    start,
    type: "supervisor",
    restart: "Permanent",
    significant: false,
    shutdown: "Infinity",
    label: undefined,
    backoff: undefined
  })

/**
 * Whether a child that exited with `reason` is restarted: `Permanent` always, `Transient` unless it exits `Normal`
 * or `Shutdown`, `Temporary` never.
 * @internal
 */
export const restarts = (restart: Supervision.Restart, reason: Process.ExitReason): boolean =>
  restart === "Permanent" || (restart === "Transient" && reason._tag !== "Normal" && reason._tag !== "Shutdown")

/**
 * Whether a child that ended for good is forgotten (it leaves `whichChildren`): a temporary child, or any child of a
 * factory supervisor; a static supervisor keeps the others' specifications, to be restarted with `restartChild`.
 * @internal
 */
export const forgottenWhenEnded = (restart: Supervision.Restart, kind: "static" | "factory"): boolean =>
  restart === "Temporary" || kind === "factory"

// ---------------------------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------------------------

/** A decoded shutdown: milliseconds, `Infinity`, or -1 for `BrutalKill` (as `shutdownProcess` takes it). @internal */
export type ShutdownMillis = number

const BRUTAL_KILL = -1

const restartTypes: ReadonlyArray<Supervision.Restart> = ["Permanent", "Transient", "Temporary"]

/** Checks a restart type. @internal */
export const validateRestart = (restart: Supervision.Restart, field: string): InvalidSpecification | undefined =>
  restartTypes.includes(restart) ?
    undefined :
    new InvalidSpecification({ field, detail: `${String(restart)} is not Permanent, Transient or Temporary` })

/** Decodes a shutdown time, or says what is wrong with it. @internal */
export const validateShutdown = (
  input: Supervision.Shutdown,
  field: string
): ShutdownMillis | InvalidSpecification => {
  if (input === "BrutalKill") return BRUTAL_KILL
  if (input === "Infinity") return Infinity
  try {
    return decodeTimeout(input, field)
  } catch (error) {
    return new InvalidSpecification({
      field,
      detail: `${String(input)} is not "BrutalKill", "Infinity" or a non-negative duration (${
        (error as Error).message
      })`
    })
  }
}

/** Checks a child specification; returns its decoded shutdown, or what is wrong with it. @internal */
export const validateChild = (
  spec: Supervision.ChildSpecification<unknown, unknown>,
  where: string,
  autoShutdown: StaticSupervisor.AutoShutdown
): ShutdownMillis | InvalidSpecification => {
  if (!isChildSpec(spec)) {
    return new InvalidSpecification({ field: where, detail: "not a child specification (use Supervision.worker)" })
  }
  if (spec.label !== undefined && typeof spec.label !== "string") {
    return new InvalidSpecification({ field: `${where}.label`, detail: `${String(spec.label)} is not a string` })
  }
  const restart = validateRestart(spec.restart, `${where}.restart`)
  if (restart !== undefined) return restart
  if (spec.significant && spec.restart === "Permanent") {
    return new InvalidSpecification({
      field: `${where}.significant`,
      detail: "a Permanent child cannot be significant (Erlang's bad_combination); make it Transient or Temporary"
    })
  }
  if (spec.significant && autoShutdown === "Never") {
    return new InvalidSpecification({
      field: `${where}.significant`,
      detail: "significant children need autoShutdown AnySignificant or AllSignificant, not Never"
    })
  }
  const backoff = validateBackoff(spec.backoff, `${where}.backoff`)
  if (backoff !== undefined) return backoff
  return validateShutdown(spec.shutdown, `${where}.shutdown`)
}

/** Checks a child's backoff (none is fine): a `Schedule`, and a `resetAfter` that is a duration. @internal */
export const validateBackoff = (
  backoff: Supervision.Backoff | undefined,
  field: string
): InvalidSpecification | undefined => {
  if (backoff === undefined) return undefined
  if (!Schedule.isSchedule(backoff.schedule)) {
    return new InvalidSpecification({
      field: `${field}.schedule`,
      detail: `${String(backoff.schedule)} is not a Schedule`
    })
  }
  if (backoff.resetAfter === undefined) return undefined
  try {
    decodeTimeout(backoff.resetAfter, `${field}.resetAfter`)
    return undefined
  } catch (error) {
    return new InvalidSpecification({ field: `${field}.resetAfter`, detail: (error as Error).message })
  }
}

/**
 * How long a child with a backoff must run without exiting for its backoff to start again from its first step:
 * its `resetAfter`, else the supervisor's tolerance period (a child that ran that long has left the window).
 * @internal
 */
export const resetAfterMillis = (backoff: Supervision.Backoff, periodMillis: number): number =>
  backoff.resetAfter === undefined ? periodMillis : decodeTimeout(backoff.resetAfter, "backoff.resetAfter")

// ---------------------------------------------------------------------------------------------------------------
// The combinators of `Supervision.ts` (their types and docs are there)
// ---------------------------------------------------------------------------------------------------------------

/** A combinator that sets one field of a child specification (`Supervision.restart`, `label`...). @internal */
export const setting = <K extends "restart" | "significant" | "shutdown" | "label">(
  field: K
): Supervision.Setting<ChildSpecImpl[K]> =>
  dual(
    2,
    (self: Supervision.ChildSpecification<unknown, unknown>, value: ChildSpecImpl[K]) =>
      (self as ChildSpecImpl).with({ [field]: value })
  )

/** @internal */
export const backoff = <D, R>(
  self: Supervision.ChildSpecification<D, R>,
  schedule: Schedule.Schedule<unknown, Process.ExitReason>,
  options?: Supervision.BackoffOptions
): Supervision.ChildSpecification<D, R> =>
  (self as ChildSpecImpl).with({ backoff: { schedule, resetAfter: options?.resetAfter } })

/** @internal */
export const mapData = <D, R, D2>(
  self: Supervision.ChildSpecification<D, R>,
  f: (data: D) => D2
): Supervision.ChildSpecification<D2, R> => {
  const spec = self as ChildSpecImpl
  return spec.with({ start: Effect.map(spec.start, (started) => ({ pid: started.pid, data: f(started.data) })) })
}
