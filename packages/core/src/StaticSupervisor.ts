/**
 * Static supervisors: Erlang's `supervisor` with a fixed list of children, Gleam's `static_supervisor`.
 *
 * A supervisor is a process that starts its children in order, one after the other, watches them through links
 * (it traps exits), and restarts those that end according to their restart type and its strategy:
 *
 * - `OneForOne`: only the child that ended is restarted;
 * - `OneForAll`: all children are stopped (in reverse start order) and started again (in order);
 * - `RestForOne`: the child that ended and those started after it are stopped and started again.
 *
 * If restarts come too often (more than `intensity` within `period`, 2 in 5 seconds by default) the supervisor
 * gives up: it stops its children in reverse order and exits `Shutdown`, which its own supervisor sees and handles
 * by its rules, so failures escalate up the tree until some level can heal them.
 *
 * Restarts can wait (beyond Erlang, which restarts at once). `restartSchedule` spaces the supervisor's restarts with
 * any Effect `Schedule` (exponential backoff with jitter, say): one schedule for all the children, so its delays
 * grow with every restart, whichever child needs it. `Supervision.backoff` gives one child a schedule of its own,
 * stepped only by that child's restarts and started over once it ran long enough (Akka's `BackoffSupervisor`): that
 * child waits for its own schedule instead of the supervisor's. With `OneForAll` and `RestForOne`, the group restart
 * waits for the schedule of the child that exited. Either way the supervisor keeps serving and restarting other
 * children while one waits, the intensity limit counts every restart, and a schedule that ends makes the supervisor
 * give up.
 *
 * Stopping a supervisor (its scope closes, its parent exits, its own supervisor stops it) stops its children in
 * reverse start order, each with its own shutdown time, then the supervisor itself.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Actor, StaticSupervisor, Supervision } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const started = yield* StaticSupervisor.new("OneForOne").pipe(
 *     StaticSupervisor.add(Supervision.worker(Actor.start(Actor.new(0)))),
 *     StaticSupervisor.add(Supervision.worker(Actor.start(Actor.new("idle")))),
 *     StaticSupervisor.start
 *   )
 *   return yield* StaticSupervisor.countChildren(started.data) // { specs: 2, active: 2, workers: 2, supervisors: 0 }
 * })
 * ```
 *
 * @since 1.0.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { Started } from "./Actor.js"
import type { CallError, ChildNotFound, ChildRunning, StartError } from "./Errors.js"
import { Immutable } from "./internal/builder.js"
import type { NameImpl } from "./internal/name.js"
import { checked } from "./internal/name.js"
import type { SubjectImpl } from "./internal/subject.js"
import { named as namedSubject } from "./internal/subject.js"
import type { Request } from "./internal/supervisor/core.js"
import { childLayer, ChildLayerTypeId } from "./internal/supervisor/layer.js"
import { DEFAULT_TOLERANCE } from "./internal/supervisor/policy.js"
import { supervisor as supervisorSpec } from "./internal/supervisor/spec.js"
import type { StaticFields } from "./internal/supervisor/start.js"
import * as internal from "./internal/supervisor/start.js"
import type { Name } from "./Name.js"
import type { ExitReason, Pid } from "./Process.js"
import type * as Supervision from "./Supervision.js"

/**
 * How a supervisor restarts children when one ends.
 *
 * @since 1.0.0
 * @category models
 */
export type Strategy = "OneForOne" | "OneForAll" | "RestForOne"

/**
 * When a supervisor stops by itself because significant children ended (Erlang's `auto_shutdown`): `Never`,
 * when any significant child ended for good (`AnySignificant`), or when all of them have (`AllSignificant`).
 *
 * @since 1.0.0
 * @category models
 */
export type AutoShutdown = "Never" | "AnySignificant" | "AllSignificant"

/**
 * @since 1.0.0
 * @category symbols
 */
export const BuilderTypeId: unique symbol = Symbol.for("@effect-otp/core/StaticSupervisor/Builder")

/**
 * @since 1.0.0
 * @category symbols
 */
export type BuilderTypeId = typeof BuilderTypeId

/**
 * The description of a static supervisor; `R` is what starting its children requires.
 *
 * @since 1.0.0
 * @category models
 */
export interface Builder<out R = never> extends Pipeable {
  readonly [BuilderTypeId]: { readonly _R: (_: never) => R }
  readonly strategy: Strategy
  readonly tolerance: Supervision.Tolerance
  readonly autoShutdown: AutoShutdown
  readonly children: ReadonlyArray<Supervision.ChildSpecification<unknown, R>>
}

/**
 * A running static supervisor, for introspection (`whichChildren`, `countChildren`, `terminateChild`,
 * `restartChild`).
 *
 * @since 1.0.0
 * @category models
 */
export interface Supervisor {
  /** Its pid; for a handle from `getByName`, the pid holding the name right now. */
  readonly pid: Pid
}

interface BuilderFields<R> extends StaticFields {
  readonly children: ReadonlyArray<Supervision.ChildSpecification<unknown, R>>
  readonly name: NameImpl<any> | undefined
}

const variance = { _R: (_: never) => _ }

class BuilderImpl<R> extends Immutable<BuilderFields<R>> implements Builder<R> {
  readonly [BuilderTypeId] = variance
  declare readonly strategy: Strategy
  declare readonly tolerance: Supervision.Tolerance
  declare readonly schedule: Schedule.Schedule<unknown, ExitReason> | undefined
  declare readonly autoShutdown: AutoShutdown
  declare readonly children: ReadonlyArray<Supervision.ChildSpecification<unknown, R>>
  declare readonly name: NameImpl<any> | undefined
}

/** Every builder is made by this module. */
const impl = <R>(builder: Builder<R>): BuilderImpl<R> => builder as BuilderImpl<R>

const new_ = (strategy: Strategy): Builder =>
  new BuilderImpl<never>({
    strategy,
    tolerance: DEFAULT_TOLERANCE,
    schedule: undefined,
    autoShutdown: "Never",
    children: [],
    name: undefined
  })

export {
  /**
   * A static supervisor with a strategy, no children yet, a tolerance of 2 restarts in 5 seconds, no restart delay
   * and autoShutdown `Never`.
   *
   * @since 1.0.0
   * @category constructors
   */
  new_ as new
}

/**
 * Sets the restart intensity: more than `intensity` restarts within `period` and the supervisor gives up (stops its
 * children, exits `Shutdown`). An intensity of 0 means no restart at all.
 *
 * @since 1.0.0
 * @category combinators
 */
export const restartTolerance: {
  (tolerance: Supervision.Tolerance): <R>(self: Builder<R>) => Builder<R>
  <R>(self: Builder<R>, tolerance: Supervision.Tolerance): Builder<R>
} = dual(2, <R>(self: Builder<R>, tolerance: Supervision.Tolerance): Builder<R> => impl(self).with({ tolerance }))

/**
 * Spaces restarts with a `Schedule` fed with the exit reason of each child that is restarted: the delay of each step
 * is how long the supervisor waits before restarting (it keeps serving meanwhile), and a schedule that ends makes
 * the supervisor give up as if its intensity were exceeded. The restart tolerance still applies on top. A failed
 * restart attempt is one more step.
 *
 * The schedule's state is the supervisor's: every restart steps it, whichever child it is, and it never starts
 * over. Children with a `Supervision.backoff` of their own wait for theirs instead, and do not step this one.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { StaticSupervisor } from "@effect-otp/core"
 *
 * // 100 ms, 200 ms, 400 ms... with jitter, never more than 5 s apart (the shorter of the two delays).
 * const backoff = Schedule.min([
 *   Schedule.exponential("100 millis").pipe(Schedule.jittered),
 *   Schedule.spaced("5 seconds")
 * ])
 * const builder = StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartSchedule(backoff))
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const restartSchedule: {
  (schedule: Schedule.Schedule<unknown, ExitReason>): <R>(self: Builder<R>) => Builder<R>
  <R>(self: Builder<R>, schedule: Schedule.Schedule<unknown, ExitReason>): Builder<R>
} = dual(
  2,
  <R>(self: Builder<R>, schedule: Schedule.Schedule<unknown, ExitReason>): Builder<R> => impl(self).with({ schedule })
)

/**
 * Sets when significant children make the supervisor stop (Erlang's `auto_shutdown`).
 *
 * @since 1.0.0
 * @category combinators
 */
export const autoShutdown: {
  (autoShutdown: AutoShutdown): <R>(self: Builder<R>) => Builder<R>
  <R>(self: Builder<R>, autoShutdown: AutoShutdown): Builder<R>
} = dual(2, <R>(self: Builder<R>, autoShutdown: AutoShutdown): Builder<R> => impl(self).with({ autoShutdown }))

/**
 * The messages a static supervisor receives, for typing its `Name` (`Name.make<StaticSupervisor.Message>`).
 *
 * @since 1.0.0
 * @category models
 */
export interface Message {
  readonly [BuilderTypeId]: "StaticSupervisor.Message"
}

/**
 * Registers the supervisor under a name when it starts (Erlang's `supervisor:start_link({local, Name}, ...)`), so
 * `getByName(name)` reaches it (for introspection) also after its own supervisor restarted it. Starting it while
 * the name is taken fails with `InitFailed`.
 *
 * @since 1.0.0
 * @category combinators
 */
export const named: {
  (name: Name<Message>): <R>(self: Builder<R>) => Builder<R>
  <R>(self: Builder<R>, name: Name<Message>): Builder<R>
} = dual(
  2,
  <R>(self: Builder<R>, name: Name<Message>): Builder<R> => impl(self).with({ name: name as NameImpl<Message> })
)

/**
 * The supervisor registered under `name`, resolved at each request (`NoProcess` while nobody holds the name).
 *
 * @since 1.0.0
 * @category constructors
 */
export const getByName = (name: Name<Message>): Supervisor =>
  // A `Message` name reaches a supervisor's request subject: both are the supervisor's name.
  new internal.SupervisorHandle(namedSubject(name as Name<unknown>) as SubjectImpl<Request>)

/**
 * Adds a child. Children start in the order they were added; their ids are their positions, from 0.
 *
 * @since 1.0.0
 * @category combinators
 */
export const add: {
  <D, R2>(child: Supervision.ChildSpecification<D, R2>): <R>(self: Builder<R>) => Builder<R | R2>
  <R, D, R2>(self: Builder<R>, child: Supervision.ChildSpecification<D, R2>): Builder<R | R2>
} = dual(
  2,
  <R, D, R2>(self: Builder<R>, child: Supervision.ChildSpecification<D, R2>): Builder<R | R2> =>
    new BuilderImpl<R | R2>({ ...impl(self), children: [...impl(self).children, child] })
)

/**
 * Starts the supervisor in the current `Scope`, linked to the caller: it starts its children in order and returns
 * once they all started. If one fails to start, those already started are stopped in reverse order and `start`
 * fails with `InitFailed` whose reason is a `ChildFailedToStart` (which child, and its own error). An invalid
 * specification fails with `InitFailed` whose reason is an `InvalidSpecification` naming the field.
 *
 * @since 1.0.0
 * @category running
 */
export const start = <R>(builder: Builder<R>): Effect.Effect<Started<Supervisor>, StartError, Scope.Scope | R> =>
  Effect.suspend(() => {
    const { name } = impl(builder)
    return internal.start(internal.configureStatic(impl(builder)), name === undefined ? undefined : checked(name))
  })

/**
 * The supervisor as a child of another supervisor (a supervisor child: `Infinity` to shut down, so it stops its own
 * children first).
 *
 * @since 1.0.0
 * @category running
 */
export const supervised = <R>(builder: Builder<R>): Supervision.ChildSpecification<Supervisor, R> =>
  supervisorSpec(start(builder)).with({ label: impl(builder).name?.key })

/**
 * Erlang's `which_children`: every child, in start order, with its id, pid (when running), restart type and kind.
 *
 * @since 1.0.0
 * @category introspection
 */
export const whichChildren = (supervisor: Supervisor): Effect.Effect<ReadonlyArray<Supervision.ChildInfo>, CallError> =>
  internal.request(supervisor, (replyTo) => ({ _tag: "WhichChildren", replyTo }))

/**
 * Erlang's `count_children`.
 *
 * @since 1.0.0
 * @category introspection
 */
export const countChildren = (supervisor: Supervisor): Effect.Effect<Supervision.ChildCount, CallError> =>
  internal.request(supervisor, (replyTo) => ({ _tag: "CountChildren", replyTo }))

/**
 * Stops a child (its shutdown protocol) without restarting it; its specification stays, so `restartChild` can start
 * it again (a temporary child is forgotten instead). This is not a restart: it does not count towards intensity.
 *
 * @since 1.0.0
 * @category introspection
 */
export const terminateChild: {
  (id: number): (supervisor: Supervisor) => Effect.Effect<void, CallError | ChildNotFound>
  (supervisor: Supervisor, id: number): Effect.Effect<void, CallError | ChildNotFound>
} = dual(
  2,
  (supervisor: Supervisor, id: number): Effect.Effect<void, CallError | ChildNotFound> =>
    internal.requestOrFail(supervisor, (replyTo) => ({ _tag: "TerminateChild", child: id, replyTo }))
)

/**
 * Starts again a child that `terminateChild` stopped (or that ended and was not restarted); returns its new pid.
 * Fails with `ChildRunning` if it runs, `ChildNotFound` for an unknown id, or the child's `StartError`.
 *
 * @since 1.0.0
 * @category introspection
 */
export const restartChild: {
  (id: number): (
    supervisor: Supervisor
  ) => Effect.Effect<Pid, CallError | StartError | ChildNotFound | ChildRunning>
  (
    supervisor: Supervisor,
    id: number
  ): Effect.Effect<Pid, CallError | StartError | ChildNotFound | ChildRunning>
} = dual(
  2,
  (
    supervisor: Supervisor,
    id: number
  ): Effect.Effect<Pid, CallError | StartError | ChildNotFound | ChildRunning> =>
    internal.requestOrFail(supervisor, (replyTo) => ({ _tag: "RestartChild", id, replyTo }))
)

// ---------------------------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------------------------

type LayerOut<L> = L extends Supervision.ChildLayer<infer ROut, infer _E, infer _RIn> ? ROut : never
type LayerError<L> = L extends Supervision.ChildLayer<infer _ROut, infer E, infer _RIn> ? E : never
type LayerIn<L> = L extends Supervision.ChildLayer<infer _ROut, infer _E, infer RIn> ? RIn : never
/** What child layers need from outside, in order: each may use the services of the ones before it. */
type RequiredInOrder<Children extends ReadonlyArray<unknown>, Provided = never> = Children extends
  readonly [infer Head, ...infer Tail] ?
  Exclude<LayerIn<Head>, Provided> | RequiredInOrder<Tail, Provided | LayerOut<Head>>
  : Children extends readonly [] ? never
  : Exclude<LayerIn<Children[number]>, LayerOut<Children[number]>>

/**
 * A supervisor as a Layer whose children are child layers (`Actor.toLayer`, `FactorySupervisor.toLayer`, nested
 * `StaticSupervisor.layer`s): building it starts the supervisor with the builder's own children and then one child
 * per layer, in order, and provides every service the child layers provide. Those services are stable (named
 * subjects, named supervisors), so they keep working when the supervisor restarts the children behind them. A child
 * layer may use the services of the child layers before it. Closing the layer's scope stops the tree in reverse
 * order. The result is itself a child layer, so supervisors nest.
 *
 * @example
 * ```ts
 * import { Context, Effect, Layer } from "effect"
 * import { Actor, StaticSupervisor, Subject } from "@effect-otp/core"
 *
 * class Counter extends Context.Service<Counter, Subject.Subject<number>>()("app/Counter") {}
 *
 * const CounterLive = Actor.toLayer(Counter, Actor.new(0).pipe(Actor.onMessage((n, k: number) => Effect.succeed(Actor.continue(n + k)))))
 * const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), CounterLive)
 *
 * const main = Effect.gen(function*() {
 *   const counter = yield* Counter
 *   yield* Subject.send(counter, 1)
 * })
 * Effect.runPromise(main.pipe(Effect.provide(AppLive), Effect.scoped))
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = <R, const Children extends ReadonlyArray<Supervision.ChildLayer<never, any, any>>>(
  builder: Builder<R>,
  ...children: Children
): Supervision.ChildLayer<
  LayerOut<Children[number]>,
  LayerError<Children[number]> | StartError,
  RequiredInOrder<Children> | Exclude<R, Scope.Scope>
> =>
  // The services the tree provides, the errors and requirements are its children's, as the signature computes them
  // from their layers; the description below sees them only as `unknown`.
  childLayer(
    Effect.gen(function*() {
      let context = Context.empty() as Context.Context<unknown>
      let withChildren: BuilderImpl<unknown> = impl(builder)
      for (const child of children) {
        const described = yield* Effect.provideContext(child[ChildLayerTypeId], context)
        withChildren = withChildren.with({ children: [...withChildren.children, described.child] })
        context = Context.merge(context, described.context)
      }
      return { child: supervised(withChildren), context }
    })
  ) as unknown as Supervision.ChildLayer<
    LayerOut<Children[number]>,
    LayerError<Children[number]> | StartError,
    RequiredInOrder<Children> | Exclude<R, Scope.Scope>
  >
