/**
 * Supervision: how a supervisor treats each of its children (Erlang's child specification), and the restart
 * policy shared by `StaticSupervisor` and `FactorySupervisor`.
 *
 * A child specification says how to start a child (an Effect that returns `Started<D>`, such as `Actor.start`),
 * whether it is a worker or a supervisor, when to restart it, how long it may take to shut down, and whether its
 * end for good should stop its supervisor (significant children).
 *
 * - Restart types, as in Erlang: `Permanent` children are restarted whatever their exit; `Transient` ones unless
 *   they exit `Normal` or `Shutdown`; `Temporary` ones never (and are forgotten when they end).
 * - Shutdown: when the supervisor stops a child it unlinks it, sends it `Shutdown`, and kills it if it is still
 *   alive after its shutdown time. `"BrutalKill"` kills at once; `"Infinity"` waits as long as it takes (the default
 *   for supervisors, so they can stop their own children in order); workers get 5 seconds by default.
 * - Restart intensity: a supervisor that needs more than `intensity` restarts within `period` gives up: it stops
 *   all its children and exits `Shutdown`, so its own supervisor sees it. This window is a `Schedule`
 *   (`intensityWindow`) and the supervisor's restart policy is a `Schedule` too, so a backoff (exponential, with
 *   jitter, capped) delays restarts while the intensity limit still applies.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { Actor, StaticSupervisor, Supervision } from "@effect-otp/core"
 *
 * const cache = Supervision.worker(Actor.start(Actor.new(new Map<string, string>()))).pipe(
 *   Supervision.restart("Transient"),
 *   Supervision.shutdown("1 second")
 * )
 * const tree = StaticSupervisor.new("OneForOne").pipe(
 *   StaticSupervisor.restartTolerance({ intensity: 5, period: "10 seconds" }),
 *   StaticSupervisor.restartSchedule(Schedule.exponential("100 millis").pipe(Schedule.jittered)),
 *   StaticSupervisor.add(cache)
 * )
 * ```
 *
 * @since 1.0.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Layer from "effect/Layer"
import type { Option } from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { Started } from "./Actor.js"
import type { CallError, StartError } from "./Errors.js"
import * as layers from "./internal/supervisor/layer.js"
import * as policy from "./internal/supervisor/policy.js"
import * as internal from "./internal/supervisor/spec.js"
import { handleOf, request } from "./internal/supervisor/start.js"
import { decodeTimeout } from "./internal/timer.js"
import type { Pid } from "./Process.js"

export {
  /**
   * A child failed to start while its supervisor started; `id` says which, `error` why. The supervisor's `start`
   * fails with `InitFailed` whose `reason` is this error.
   *
   * @since 1.0.0
   * @category errors
   */
  ChildFailedToStart,
  /**
   * A supervisor has no child with that id (or pid): it never had one, or it was temporary and has ended.
   *
   * @since 1.0.0
   * @category errors
   */
  ChildNotFound,
  /**
   * `restartChild` on a child that is running.
   *
   * @since 1.0.0
   * @category errors
   */
  ChildRunning,
  /**
   * A supervisor or child specification is invalid. `start` fails with `InitFailed` whose `reason` is this error;
   * `field` names what is wrong (`children[2].significant`, `restartTolerance.intensity`, ...).
   *
   * @since 1.0.0
   * @category errors
   */
  InvalidSpecification
} from "./Errors.js"

/**
 * When a child is restarted: `Permanent` always, `Transient` unless it exits `Normal` or `Shutdown`, `Temporary`
 * never.
 *
 * @since 1.0.0
 * @category models
 */
export type Restart = "Permanent" | "Transient" | "Temporary"

/**
 * How long a child may take to stop once its supervisor sent it `Shutdown`: `"BrutalKill"` (no time: killed at
 * once), `"Infinity"` (as long as it takes) or a duration, after which it is killed.
 *
 * @since 1.0.0
 * @category models
 */
export type Shutdown = "BrutalKill" | "Infinity" | Duration.Input

/**
 * What a child is, as introspection reports it.
 *
 * @since 1.0.0
 * @category models
 */
export type ChildType = "worker" | "supervisor"

/**
 * @since 1.0.0
 * @category symbols
 */
export const ChildSpecificationTypeId: typeof internal.ChildSpecificationTypeId = internal.ChildSpecificationTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type ChildSpecificationTypeId = typeof ChildSpecificationTypeId

/**
 * How a supervisor starts, restarts and stops one child. `D` is the data the child's start returns, `R` what
 * starting it requires.
 *
 * @since 1.0.0
 * @category models
 */
export interface ChildSpecification<out D, out R = never> extends Pipeable {
  readonly [ChildSpecificationTypeId]: {
    readonly _D: (_: never) => D
    readonly _R: (_: never) => R
  }
  readonly type: ChildType
  readonly restart: Restart
  readonly significant: boolean
  readonly shutdown: Shutdown
  /** What reports and start errors call the child (`label`); none by default. */
  readonly label: string | undefined
}

/**
 * A child as `whichChildren` reports it: its id (its position, in the order added, for static supervisors), its
 * pid when it is running (none while it waits to be restarted, or after it ended for good), its restart type,
 * whether it is a worker or a supervisor, and how many times it was restarted.
 *
 * @since 1.0.0
 * @category models
 */
export interface ChildInfo {
  readonly id: number
  readonly pid: Option<Pid>
  readonly restart: Restart
  readonly type: ChildType
  /** How many times the supervisor started this child again (restarts by strategy and `restartChild`). */
  readonly restarts: number
}

/**
 * Erlang's `count_children`: child specifications, running children, and how many are workers and supervisors.
 *
 * @since 1.0.0
 * @category models
 */
export interface ChildCount {
  readonly specs: number
  readonly active: number
  readonly workers: number
  readonly supervisors: number
}

/**
 * A restart tolerance: more than `intensity` restarts within `period` and the supervisor gives up.
 *
 * @since 1.0.0
 * @category models
 */
export interface Tolerance {
  readonly intensity: number
  readonly period: Duration.Input
}

/** Every child specification is made by this module. */
const spec = (child: ChildSpecification<any, any>): internal.ChildSpecImpl => child as internal.ChildSpecImpl

/**
 * A combinator that sets one field of a child specification to a `V`, data-first or data-last.
 *
 * @since 1.0.0
 * @category models
 */
export interface Setting<in V> {
  (value: V): <D, R>(self: ChildSpecification<D, R>) => ChildSpecification<D, R>
  <D, R>(self: ChildSpecification<D, R>, value: V): ChildSpecification<D, R>
}

const setting = <K extends "restart" | "significant" | "shutdown" | "label">(
  field: K
): Setting<internal.ChildSpecImpl[K]> =>
  dual(
    2,
    (self: ChildSpecification<unknown, unknown>, value: internal.ChildSpecImpl[K]) =>
      spec(self).with({ [field]: value })
  )

/**
 * A worker child: permanent, 5 seconds to shut down. `start` is how to start it, usually `Actor.start(builder)`;
 * it runs inside the supervisor, in a `Scope` of the child's own.
 *
 * @since 1.0.0
 * @category constructors
 */
export const worker = <D, E extends StartError, R>(
  start: Effect.Effect<Started<D>, E, R>
): ChildSpecification<D, Exclude<R, Scope.Scope>> => internal.worker(start)

/**
 * A supervisor child: permanent, as long as it needs to shut down (its own children stop first).
 * `StaticSupervisor.supervised` and `FactorySupervisor.supervised` build these.
 *
 * @since 1.0.0
 * @category constructors
 */
export const supervisor = <D, E extends StartError, R>(
  start: Effect.Effect<Started<D>, E, R>
): ChildSpecification<D, Exclude<R, Scope.Scope>> => internal.supervisor(start)

/**
 * Sets when the child is restarted.
 *
 * @since 1.0.0
 * @category combinators
 */
export const restart: Setting<Restart> = setting("restart")

/**
 * Marks the child significant (Erlang's `significant`): when it ends for good (not to be restarted), a supervisor
 * with `autoShutdown` `AnySignificant` stops, or with `AllSignificant` stops once every significant child has.
 * Only transient and temporary children can be significant, and only under a supervisor whose autoShutdown is not
 * `Never`: `start` rejects the other combinations.
 *
 * @since 1.0.0
 * @category combinators
 */
export const significant: Setting<boolean> = setting("significant")

/**
 * Sets how long the child may take to stop after `Shutdown` before it is killed.
 *
 * @since 1.0.0
 * @category combinators
 */
export const shutdown: Setting<Shutdown> = setting("shutdown")

/**
 * Names the child in the supervisor's reports and start errors (Erlang's child id, as a string): `child accounts
 * failed to start`, `child accounts terminated`. `Actor.toLayer` and `FactorySupervisor.toLayer` label their child
 * with their tag's key. An unlabelled child is called by the name its process registered, else by its position.
 *
 * @since 1.0.0
 * @category combinators
 */
export const label: Setting<string> = setting("label")

/**
 * Transforms the data the child's start returns.
 *
 * @since 1.0.0
 * @category combinators
 */
export const mapData: {
  <D, D2>(f: (data: D) => D2): <R>(self: ChildSpecification<D, R>) => ChildSpecification<D2, R>
  <D, R, D2>(self: ChildSpecification<D, R>, f: (data: D) => D2): ChildSpecification<D2, R>
} = dual(
  2,
  <D, R, D2>(self: ChildSpecification<D, R>, f: (data: D) => D2): ChildSpecification<D2, R> =>
    spec(self).with({
      start: Effect.map(spec(self).start, (started) => ({ pid: started.pid, data: f(started.data) }))
    })
)

/**
 * Erlang's restart intensity as a `Schedule`: each step is one restart; it goes on (with no delay) while at most
 * `intensity` restarts happened within the last `period`, and ends when there are more. Every supervisor applies
 * its own (`restartTolerance`, 2 restarts in 5 seconds by default); use this one to combine the window with other
 * schedules, for example `Schedule.intersect(Supervision.intensityWindow({ intensity: 3, period: "1 minute" }),
 * Schedule.exponential("1 second"))`. The output is the number of restarts in the window.
 *
 * An invalid tolerance (a negative or fractional intensity, a period that is not positive) is a defect.
 *
 * @since 1.0.0
 * @category restart policy
 */
export const intensityWindow = (tolerance: Tolerance): Schedule.Schedule<number, unknown> => {
  const period = policy.validateTolerance(tolerance)
  if (typeof period === "number") return policy.intensityWindow(tolerance.intensity, period)
  // A programmer mistake: the schedule dies with it when it runs.
  return Schedule.fromStep(Effect.die(new TypeError(`Supervision.intensityWindow: ${period.message}`)))
}

// ---------------------------------------------------------------------------------------------------------------
// Children as Layers
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 1.0.0
 * @category symbols
 */
export const ChildLayerTypeId: typeof layers.ChildLayerTypeId = layers.ChildLayerTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type ChildLayerTypeId = typeof ChildLayerTypeId

/**
 * What a child layer contributes to a supervisor: the child to supervise, and the services the rest of the program
 * reaches it by (stable across the child's restarts, such as a named subject).
 *
 * @since 1.0.0
 * @category layers
 */
export interface SupervisedChild<ROut> {
  readonly child: ChildSpecification<unknown, unknown>
  readonly context: Context.Context<ROut>
}

/**
 * A Layer that is also a supervisor's child: `Actor.toLayer`, `StaticSupervisor.layer`, `FactorySupervisor.toLayer`
 * make these. Built on its own, it starts the child in the layer's scope (unsupervised); given to
 * `StaticSupervisor.layer`, it becomes a supervised child of that supervisor, restarted by its rules, while the
 * services it provides keep working across restarts.
 *
 * @since 1.0.0
 * @category layers
 */
export interface ChildLayer<in ROut, out E = never, out RIn = never> extends Layer.Layer<ROut, E, RIn> {
  readonly [ChildLayerTypeId]: Effect.Effect<SupervisedChild<ROut>, E, RIn>
}

/**
 * Makes a child layer from an effect that, each time the layer is built, describes the child and the services it
 * provides. The child's start runs with the context the description was made in (minus its `Scope`), so it sees
 * the services of the siblings before it.
 *
 * @since 1.0.0
 * @category layers
 */
export const childLayer: <ROut, E, RIn>(
  describe: Effect.Effect<SupervisedChild<ROut>, E, RIn>
) => ChildLayer<ROut, E | StartError, Exclude<RIn, Scope.Scope>> = layers.childLayer

// ---------------------------------------------------------------------------------------------------------------
// The live tree
// ---------------------------------------------------------------------------------------------------------------

/**
 * A supervisor and its children, as `tree` reports them: supervisor children carry their own subtree.
 *
 * @since 1.0.0
 * @category introspection
 */
export interface Tree {
  readonly pid: Pid
  readonly children: ReadonlyArray<ChildInfo & { readonly children?: ReadonlyArray<Tree["children"][number]> }>
}

/**
 * The live supervision tree under the supervisor running as `pid` (static or factory): its children with pids,
 * restart types and restart counts, and, for children that are supervisors, their own children, recursively.
 * A supervisor child that does not answer within `timeout` (5 seconds by default) is reported without children.
 *
 * @since 1.0.0
 * @category introspection
 */
export const tree = (pid: Pid, timeout: Duration.Input = "5 seconds"): Effect.Effect<Tree, CallError> =>
  Effect.suspend(() => {
    const millis = decodeTimeout(timeout, "Supervision.tree timeout")
    const children = (of: Pid): Effect.Effect<Tree["children"], CallError> =>
      Effect.flatMap(
        request<ReadonlyArray<ChildInfo>>(handleOf(of), (replyTo) => ({ _tag: "WhichChildren", replyTo }), millis),
        (infos) =>
          Effect.forEach(infos, (info) =>
            info.type === "supervisor" && info.pid._tag === "Some" ?
              Effect.map(
                Effect.result(children(info.pid.value)),
                (nested) => nested._tag === "Success" ? { ...info, children: nested.success } : info
              ) :
              Effect.succeed(info))
      )
    return Effect.map(children(pid), (list) => ({ pid, children: list }))
  })
