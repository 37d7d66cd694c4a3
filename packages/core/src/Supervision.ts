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
 * - Backoff, beyond Erlang, at two levels. The supervisor's `restartSchedule` has one state for all its children:
 *   the nth restart waits the nth delay, whichever child it is (a child's first crash waits 400 ms because a sibling
 *   crashed twice). A child's own `backoff` has one state per child, started over after a stable run: its restarts
 *   wait its delays, and the supervisor's schedule is not stepped for it. Which applies when: a child with a
 *   `backoff` waits for its own schedule only; the others wait for the supervisor's `restartSchedule`, or not at all
 *   without one; with `OneForAll` and `RestForOne`, the group restart waits for the child that exited. Intensity
 *   counts every restart either way, and any schedule that ends makes the supervisor give up.
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
import type * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { Started } from "./Actor.js"
import type { CallError, NotASupervisor, StartError } from "./Errors.js"
import type * as FactorySupervisor from "./FactorySupervisor.js"
import * as layers from "./internal/supervisor/layer.js"
import * as policy from "./internal/supervisor/policy.js"
import * as internal from "./internal/supervisor/spec.js"
import * as supervisionTree from "./internal/supervisor/tree.js"
import type { Name } from "./Name.js"
import type * as Process from "./Process.js"
import type { Pid } from "./Process.js"
import type * as StaticSupervisor from "./StaticSupervisor.js"

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
  InvalidSpecification,
  /**
   * `Supervision.tree` was given a process that is not a supervisor.
   *
   * @since 1.0.0
   * @category errors
   */
  NotASupervisor
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
  /** The child's own restart backoff (`backoff`); none by default: the supervisor's `restartSchedule` applies. */
  readonly backoff: Backoff | undefined
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
  readonly pid: Option.Option<Pid>
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
export const restart: Setting<Restart> = internal.setting("restart")

/**
 * Marks the child significant (Erlang's `significant`): when it ends for good (not to be restarted), a supervisor
 * with `autoShutdown` `AnySignificant` stops, or with `AllSignificant` stops once every significant child has.
 * Only transient and temporary children can be significant, and only under a supervisor whose autoShutdown is not
 * `Never`: `start` rejects the other combinations.
 *
 * @since 1.0.0
 * @category combinators
 */
export const significant: Setting<boolean> = internal.setting("significant")

/**
 * Sets how long the child may take to stop after `Shutdown` before it is killed.
 *
 * @since 1.0.0
 * @category combinators
 */
export const shutdown: Setting<Shutdown> = internal.setting("shutdown")

/**
 * Names the child in the supervisor's reports and start errors (Erlang's child id, as a string): `child accounts
 * failed to start`, `child accounts terminated`. `Actor.toLayer` and `FactorySupervisor.toLayer` label their child
 * with their tag's key. An unlabelled child is called by the name its process registered, else by its position.
 *
 * @since 1.0.0
 * @category combinators
 */
export const label: Setting<string> = internal.setting("label")

/**
 * A child's own restart delays (`Supervision.backoff`): its `schedule`, stepped once per restart of this child only
 * (fed with its exit reason), and how long it must run without exiting for the schedule to start over
 * (`resetAfter`; the supervisor's tolerance period when not given).
 *
 * @since 1.0.0
 * @category models
 */
export interface Backoff {
  readonly schedule: Schedule.Schedule<unknown, Process.ExitReason>
  readonly resetAfter: Duration.Input | undefined
}

/**
 * Options of `Supervision.backoff`: `resetAfter`, how long the child must run without exiting for its backoff to
 * start over from its first delay (Akka's reset of a `BackoffSupervisor`). The supervisor's tolerance period by
 * default: a child that ran that long has left the intensity window too.
 *
 * @since 1.0.0
 * @category models
 */
export interface BackoffOptions {
  readonly resetAfter?: Duration.Input | undefined
}

/**
 * Gives the child a restart backoff of its own (Akka's `BackoffSupervisor`, per child): each restart of this child
 * waits the next delay of `schedule`, whose state belongs to this child alone, so a sibling's crashes never lengthen
 * its waits. The schedule starts over once the child has run for `resetAfter` without exiting (the supervisor's
 * tolerance period by default).
 *
 * How it combines with the rest of the restart policy:
 * - the supervisor's restart intensity counts every restart, with or without a backoff, and gives up as always;
 * - a child with a backoff waits for its own schedule **instead of** the supervisor's `restartSchedule`, which stays
 *   the default for the children without one (and is not stepped by this child's restarts);
 * - with `OneForAll` or `RestForOne`, the group restart waits for the backoff of the child that exited (the
 *   siblings run until then, are stopped and started again with it, and their own schedules do not move: they did
 *   not fail); a child whose restart attempt fails waits for its own;
 * - a schedule that ends makes the supervisor give up, as its own `restartSchedule` ending or its intensity does:
 *   it stops its children and exits `Shutdown`, so the failure escalates (Akka's `BackoffSupervisor` stops itself
 *   after `maxNrOfRetries` the same way). `Schedule.max([schedule, Schedule.recurs(n)])` is such a limit.
 *
 * While the child waits, the supervisor serves requests and restarts its other children; `whichChildren` shows the
 * child with no pid, `Supervision.tree` as `restarting`; `terminateChild` cancels the wait, `restartChild` starts it
 * at once (its backoff keeps its state); and a supervisor that stops meanwhile stops at once, leaving no timer.
 * A `Temporary` child is never restarted, so its backoff never applies.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { Actor, StaticSupervisor, Supervision } from "@effect-otp/core"
 *
 * // This child waits 100 ms, 200 ms, 400 ms... (at most 10 s) before each restart, whatever its siblings do; after
 * // a minute without a crash it starts again from 100 ms.
 * const connection = Supervision.worker(Actor.start(Actor.new("idle"))).pipe(
 *   Supervision.backoff(
 *     Schedule.min([Schedule.exponential("100 millis"), Schedule.spaced("10 seconds")]),
 *     { resetAfter: "1 minute" }
 *   )
 * )
 * const tree = StaticSupervisor.new("OneForOne").pipe(
 *   StaticSupervisor.restartTolerance({ intensity: 10, period: "1 minute" }),
 *   StaticSupervisor.add(connection)
 * )
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const backoff: {
  (
    schedule: Schedule.Schedule<unknown, Process.ExitReason>,
    options?: BackoffOptions
  ): <D, R>(self: ChildSpecification<D, R>) => ChildSpecification<D, R>
  <D, R>(
    self: ChildSpecification<D, R>,
    schedule: Schedule.Schedule<unknown, Process.ExitReason>,
    options?: BackoffOptions
  ): ChildSpecification<D, R>
} = dual((args) => internal.isChildSpec(args[0]), internal.backoff)

/**
 * Transforms the data the child's start returns.
 *
 * @since 1.0.0
 * @category combinators
 */
export const mapData: {
  <D, D2>(f: (data: D) => D2): <R>(self: ChildSpecification<D, R>) => ChildSpecification<D2, R>
  <D, R, D2>(self: ChildSpecification<D, R>, f: (data: D) => D2): ChildSpecification<D2, R>
} = dual(2, internal.mapData)

/**
 * Erlang's restart intensity as a `Schedule`: each step is one restart; it goes on (with no delay) while at most
 * `intensity` restarts happened within the last `period`, and ends when there are more. Every supervisor applies
 * its own (`restartTolerance`, 2 restarts in 5 seconds by default); use this one to combine the window with other
 * schedules, for example `Schedule.max([Supervision.intensityWindow({ intensity: 3, period: "1 minute" }),
 * Schedule.exponential("1 second")])`. The output is the number of restarts in the window.
 *
 * An invalid tolerance (a negative or fractional intensity, a period that is not positive) is a defect.
 *
 * @since 1.0.0
 * @category restart policy
 */
export const intensityWindow = (tolerance: Tolerance): Schedule.Schedule<number, unknown> =>
  policy.toleranceWindow(tolerance)

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
 * Effect's `Layer` combinators (`Layer.unwrap`, `Layer.provide`, ...) return plain layers, no longer children: use
 * `childLayerFrom` (a child layer made by an effect, such as one reading `Config`), `provideChild` and `mapChild`.
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

/**
 * The child layer an effect makes: `Layer.unwrap` for child layers, which keeps what makes a layer a supervisor's
 * child (Effect's own `Layer.unwrap`, `Layer.provide` and the like return plain layers, which `StaticSupervisor.layer`
 * does not take). The effect runs each time the layer is built, before the child is described: a tree can read its
 * shape (how many children, their names, restart types) from `Config`, or take it from a service.
 *
 * @example
 * ```ts
 * import { Config, Context, Effect } from "effect"
 * import { Actor, StaticSupervisor, Subject, Supervision } from "@effect-otp/core"
 *
 * class Counter extends Context.Service<Counter, Subject.Subject<number>>()("app/Counter") {}
 *
 * const CounterLive = Supervision.childLayerFrom(Effect.gen(function*() {
 *   const start = yield* Config.Int("COUNTER_START")
 *   const restart = yield* Config.Literals(["Permanent", "Transient", "Temporary"], "COUNTER_RESTART")
 *   return Actor.toLayer(Counter, Actor.new(start).pipe(Actor.onMessage((n, k: number) => Effect.succeed(Actor.continue(n + k)))))
 *     .pipe(Supervision.mapChild(Supervision.restart(restart)))
 * }))
 * const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), CounterLive) // fails with ConfigError too
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const childLayerFrom: <ROut, E1, RIn, E, R>(
  effect: Effect.Effect<ChildLayer<ROut, E1, RIn>, E, R>
) => ChildLayer<ROut, E | E1, RIn | Exclude<R, Scope.Scope>> = layers.childLayerFrom

/**
 * The same child layer with its child specification changed by `f`: its restart type, shutdown, significance or
 * label (`Supervision.restart("Transient")`, ...), which `Actor.toLayer` and the other child layers set to their
 * defaults.
 *
 * @since 1.0.0
 * @category layers
 */
export const mapChild: {
  (
    f: (child: ChildSpecification<unknown, unknown>) => ChildSpecification<unknown, unknown>
  ): <ROut, E, RIn>(self: ChildLayer<ROut, E, RIn>) => ChildLayer<ROut, E, RIn>
  <ROut, E, RIn>(
    self: ChildLayer<ROut, E, RIn>,
    f: (child: ChildSpecification<unknown, unknown>) => ChildSpecification<unknown, unknown>
  ): ChildLayer<ROut, E, RIn>
} = dual(2, layers.mapChild)

/**
 * `Layer.provide` for child layers: feeds the child layer's requirements with the services of `layer`, and stays a
 * child layer. `layer` is built once, in the scope of the tree (or of the child layer built on its own), so what it
 * provides outlives the child's restarts.
 *
 * @since 1.0.0
 * @category layers
 */
export const provideChild: {
  <ROut2, E2, RIn2>(
    layer: Layer.Layer<ROut2, E2, RIn2>
  ): <ROut, E, RIn>(self: ChildLayer<ROut, E, RIn>) => ChildLayer<ROut, E | E2, Exclude<RIn, ROut2> | RIn2>
  <ROut, E, RIn, ROut2, E2, RIn2>(
    self: ChildLayer<ROut, E, RIn>,
    layer: Layer.Layer<ROut2, E2, RIn2>
  ): ChildLayer<ROut, E | E2, Exclude<RIn, ROut2> | RIn2>
} = dual(2, layers.provideChild)

// ---------------------------------------------------------------------------------------------------------------
// The live tree
// ---------------------------------------------------------------------------------------------------------------

/**
 * A child as `Supervision.tree` shows it: `whichChildren`'s fields, plus what a person watching the system wants to
 * see: its label (`Supervision.label`, a layer's tag), the name its process registered, whether it is running,
 * waiting for a restart or stopped for good, and its mailbox length; for a supervisor child, its own children.
 *
 * @since 1.0.0
 * @category introspection
 */
export interface TreeNode extends ChildInfo {
  readonly label: Option.Option<string>
  readonly name: Option.Option<string>
  readonly status: "running" | "restarting" | "stopped"
  readonly messageQueueLength: number
  /** A supervisor child's children (none when it did not answer in time, or is not running). */
  readonly children?: ReadonlyArray<TreeNode>
}

/**
 * The live supervision tree under one supervisor: the root's pid, registered name, kind and mailbox, and its
 * children, recursively.
 *
 * @since 1.0.0
 * @category introspection
 */
export interface Tree {
  readonly pid: Pid
  readonly name: Option.Option<string>
  readonly kind: "static" | "factory"
  readonly messageQueueLength: number
  readonly children: ReadonlyArray<TreeNode>
}

/**
 * What `Supervision.tree` starts from: a supervisor's pid, its handle (`StaticSupervisor.start`'s data, the service
 * of `FactorySupervisor.toLayer`), or the name it is registered under (`StaticSupervisor.named`, which is how a tree
 * built with `StaticSupervisor.layer` is reached from outside).
 *
 * @since 1.0.0
 * @category introspection
 */
export type TreeRoot =
  | Pid
  | StaticSupervisor.Supervisor
  | FactorySupervisor.FactorySupervisor<any, any>
  | Name<StaticSupervisor.Message>
  | Name<FactorySupervisor.Message<any, any>>

/**
 * The live supervision tree under a supervisor (static or factory), given by pid, handle or name: its children with
 * pids, labels, registered names, status, restart types, restart counts and mailbox lengths, and, for children that
 * are supervisors, their own children, recursively. It fails at once with `NoProcess` when nobody is there (a dead
 * pid, a free name) and with `NotASupervisor` when the process runs something else. A supervisor child that does
 * not answer within `timeout` (5 seconds by default) is shown without children.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Name, StaticSupervisor, Supervision } from "@effect-otp/core"
 *
 * const root = Name.make<StaticSupervisor.Message>("app/root")
 * // StaticSupervisor.layer(StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.named(root)), ...children)
 * const show = Effect.map(Supervision.tree(root), (tree) => tree.children.map((child) => child.label))
 * ```
 *
 * @since 1.0.0
 * @category introspection
 */
export const tree = (
  root: TreeRoot,
  timeout: Duration.Input = "5 seconds"
): Effect.Effect<Tree, CallError | NotASupervisor> => supervisionTree.tree(root, timeout)
