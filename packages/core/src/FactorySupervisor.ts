/**
 * Factory supervisors: children started on demand from one template (Erlang's `simple_one_for_one`, Elixir's
 * `DynamicSupervisor`, Gleam's `factory_supervisor`).
 *
 * The supervisor starts with no children; `startChild(supervisor, arg)` starts one more from `template(arg)`,
 * inside the supervisor, linked to it. Children are restarted one for one with the argument they were started
 * with: by default they are `Transient` (restarted unless they exit `Normal` or `Shutdown`); a child that ends for
 * good is forgotten. Restart intensity applies as for static supervisors; when the supervisor stops, all its
 * children are stopped at once, each with the template's shutdown time.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Actor, FactorySupervisor } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const sessions = yield* FactorySupervisor.workerChild((user: string) => Actor.start(Actor.new({ user }))).pipe(
 *     FactorySupervisor.maxChildren(1000),
 *     FactorySupervisor.start
 *   )
 *   const alice = yield* FactorySupervisor.startChild(sessions.data, "alice")
 *   return alice.pid
 * })
 * ```
 *
 * @since 1.0.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { Started } from "./Actor.js"
import type { CallError, ChildNotFound, MaxChildren, StartError } from "./Errors.js"
import { Immutable } from "./internal/builder.js"
import type { NameImpl } from "./internal/name.js"
import { checked, make as makeName } from "./internal/name.js"
import { DEFAULT_SHUTDOWN } from "./internal/process.js"
import type { SubjectImpl } from "./internal/subject.js"
import { named as namedSubject } from "./internal/subject.js"
import type { Request } from "./internal/supervisor/core.js"
import { childLayer } from "./internal/supervisor/layer.js"
import { DEFAULT_TOLERANCE } from "./internal/supervisor/policy.js"
import { supervisor as supervisorSpec } from "./internal/supervisor/spec.js"
import * as internal from "./internal/supervisor/start.js"
import type { Name } from "./Name.js"
import type { ExitReason, Pid } from "./Process.js"
import type * as Supervision from "./Supervision.js"

export {
  /**
   * `startChild` on a factory supervisor that already has `maxChildren` children.
   *
   * @since 1.0.0
   * @category errors
   */
  MaxChildren
} from "./Errors.js"

/**
 * @since 1.0.0
 * @category symbols
 */
export const TypeId: typeof internal.FactorySupervisorTypeId = internal.FactorySupervisorTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * A running factory supervisor that starts children from an argument `A`, each returning data `D`.
 *
 * @since 1.0.0
 * @category models
 */
export interface FactorySupervisor<in A, out D> {
  readonly [TypeId]: { readonly _A: (_: A) => void; readonly _D: (_: never) => D }
}

/**
 * The messages a factory supervisor receives, for typing its `Name` (`Name.make<FactorySupervisor.Message<A, D>>`).
 *
 * @since 1.0.0
 * @category models
 */
export interface Message<in A, out D> {
  readonly [TypeId]: { readonly _A: (_: A) => void; readonly _D: (_: never) => D }
}

/**
 * @since 1.0.0
 * @category symbols
 */
export const BuilderTypeId: unique symbol = Symbol.for("@effect-otp/core/FactorySupervisor/Builder")

/**
 * @since 1.0.0
 * @category symbols
 */
export type BuilderTypeId = typeof BuilderTypeId

/**
 * The description of a factory supervisor: how to start a child from an argument `A` (returning data `D`, needing
 * `R`), and the supervisor's policy.
 *
 * @since 1.0.0
 * @category models
 */
export interface Builder<in A, out D, out R = never> extends Pipeable {
  readonly [BuilderTypeId]: { readonly _A: (_: A) => void; readonly _D: (_: never) => D; readonly _R: (_: never) => R }
}

interface BuilderFields<A, R> extends internal.FactoryFields {
  readonly start: (arg: A) => Effect.Effect<Started<unknown>, StartError, unknown>
  readonly name: NameImpl<any> | undefined
  readonly _R?: R
}

const variance = { _A: (_: unknown) => {}, _D: (_: never) => _, _R: (_: never) => _ }

class BuilderImpl<A, D, R> extends Immutable<BuilderFields<A, R>> implements Builder<A, D, R> {
  readonly [BuilderTypeId] = variance
  declare readonly start: (arg: A) => Effect.Effect<Started<unknown>, StartError, unknown>
  declare readonly type: Supervision.ChildType
  declare readonly restart: Supervision.Restart
  declare readonly shutdown: Supervision.Shutdown
  declare readonly tolerance: Supervision.Tolerance
  declare readonly schedule: Schedule.Schedule<unknown, ExitReason> | undefined
  declare readonly backoff: Supervision.Backoff | undefined
  declare readonly maxChildren: number
  declare readonly name: NameImpl<any> | undefined
}

/** Every builder is made by this module. */
const impl = <A, D, R>(builder: Builder<A, D, R>): BuilderImpl<A, D, R> => builder as BuilderImpl<A, D, R>

/** A builder whose children are `type`, started by `start(arg)`, with the defaults of a factory supervisor. */
const builder = <A, D, R>(
  type: Supervision.ChildType,
  shutdown: Supervision.Shutdown,
  start: (arg: A) => Effect.Effect<Started<D>, StartError, unknown>
): BuilderImpl<A, D, R> =>
  new BuilderImpl({
    start,
    type,
    restart: "Transient",
    shutdown,
    tolerance: DEFAULT_TOLERANCE,
    schedule: undefined,
    backoff: undefined,
    maxChildren: Infinity,
    name: undefined
  })

/**
 * A combinator that sets one field of a builder to a `V`, data-first or data-last.
 *
 * @since 1.0.0
 * @category models
 */
export interface Setting<in V> {
  (value: V): <A, D, R>(self: Builder<A, D, R>) => Builder<A, D, R>
  <A, D, R>(self: Builder<A, D, R>, value: V): Builder<A, D, R>
}

/** A setting of the builder, as a dual function. */
const setting = <K extends "restart" | "shutdown" | "tolerance" | "schedule" | "maxChildren" | "name">(field: K) =>
  dual(
    2,
    <A, D, R>(self: Builder<A, D, R>, value: BuilderFields<A, R>[K]): Builder<A, D, R> =>
      impl(self).with({ [field]: value } as Partial<BuilderFields<A, R>>)
  )

/**
 * A factory supervisor of workers: each child is `template(arg)`, usually `Actor.start(...)`. Children are
 * `Transient` and have 5 seconds to shut down; the tolerance is 2 restarts in 5 seconds; there is no limit on
 * the number of children.
 *
 * @since 1.0.0
 * @category constructors
 */
export const workerChild = <A, D, E extends StartError, R>(
  template: (arg: A) => Effect.Effect<Started<D>, E, R>
): Builder<A, D, Exclude<R, Scope.Scope>> => builder("worker", DEFAULT_SHUTDOWN, template)

/**
 * A factory supervisor of supervisors: each child is a supervisor (`StaticSupervisor.start(...)`), given as long
 * as it needs to shut down.
 *
 * @since 1.0.0
 * @category constructors
 */
export const supervisorChild = <A, D, E extends StartError, R>(
  template: (arg: A) => Effect.Effect<Started<D>, E, R>
): Builder<A, D, Exclude<R, Scope.Scope>> => builder("supervisor", "Infinity", template)

/**
 * Registers the supervisor under a name when it starts, so `getByName(name)` reaches it, also after it was
 * restarted. Starting it while the name is taken fails with `InitFailed`.
 *
 * @since 1.0.0
 * @category combinators
 */
export const named: {
  <A, D>(name: Name<Message<A, D>>): <R>(self: Builder<A, D, R>) => Builder<A, D, R>
  <A, D, R>(self: Builder<A, D, R>, name: Name<Message<A, D>>): Builder<A, D, R>
} = setting("name")

/**
 * Sets the restart intensity (see `StaticSupervisor.restartTolerance`).
 *
 * @since 1.0.0
 * @category combinators
 */
export const restartTolerance: Setting<Supervision.Tolerance> = setting("tolerance")

/**
 * Spaces restarts with a `Schedule` (see `StaticSupervisor.restartSchedule`): one schedule for all the children,
 * stepped by each restart. `backoff` gives each child a schedule of its own instead.
 *
 * @since 1.0.0
 * @category combinators
 */
export const restartSchedule: Setting<Schedule.Schedule<unknown, ExitReason>> = setting("schedule")

/**
 * Gives every child a restart backoff of its own (see `Supervision.backoff`): each child's restarts wait the steps of
 * its own copy of `schedule`, which starts over once the child has run for `resetAfter` without exiting (the
 * tolerance period by default). A child with a backoff waits for it instead of the supervisor's `restartSchedule`;
 * intensity counts every restart; a schedule that ends makes the supervisor give up.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { Actor, FactorySupervisor } from "@effect-otp/core"
 *
 * // One connection per host: a host that keeps failing waits longer and longer, the others are not slowed down.
 * const connections = FactorySupervisor.workerChild((host: string) => Actor.start(Actor.new({ host }))).pipe(
 *   FactorySupervisor.restartTolerance({ intensity: 20, period: "1 minute" }),
 *   FactorySupervisor.backoff(Schedule.exponential("200 millis"), { resetAfter: "30 seconds" })
 * )
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const backoff: {
  (
    schedule: Schedule.Schedule<unknown, ExitReason>,
    options?: Supervision.BackoffOptions
  ): <A, D, R>(self: Builder<A, D, R>) => Builder<A, D, R>
  <A, D, R>(
    self: Builder<A, D, R>,
    schedule: Schedule.Schedule<unknown, ExitReason>,
    options?: Supervision.BackoffOptions
  ): Builder<A, D, R>
} = dual(
  (args) => isBuilder(args[0]),
  <A, D, R>(
    self: Builder<A, D, R>,
    schedule: Schedule.Schedule<unknown, ExitReason>,
    options?: Supervision.BackoffOptions
  ): Builder<A, D, R> => impl(self).with({ backoff: { schedule, resetAfter: options?.resetAfter } })
)

const isBuilder = (u: unknown): u is Builder<unknown, unknown, unknown> =>
  typeof u === "object" && u !== null && BuilderTypeId in u

/**
 * Sets the restart type of every child (`Transient` by default).
 *
 * @since 1.0.0
 * @category combinators
 */
export const restartStrategy: Setting<Supervision.Restart> = setting("restart")

/**
 * Sets how long each child may take to stop after `Shutdown` before it is killed (`"BrutalKill"`, `"Infinity"`
 * or a duration).
 *
 * @since 1.0.0
 * @category combinators
 */
export const timeout: Setting<Supervision.Shutdown | Duration.Input> = setting("shutdown")

/**
 * Limits the number of children (Elixir's `max_children`): `startChild` beyond it fails with `MaxChildren`.
 * It must be a whole number, 1 or more (or `Infinity`).
 *
 * @since 1.0.0
 * @category combinators
 */
export const maxChildren: Setting<number> = setting("maxChildren")

/**
 * Starts the factory supervisor in the current `Scope`, linked to the caller, with no children. An invalid
 * configuration (maxChildren below 1, a bad tolerance or timeout) fails with `InitFailed` whose reason is an
 * `InvalidSpecification` naming the field; a taken name fails with `InitFailed` too.
 *
 * @since 1.0.0
 * @category running
 */
export const start = <A, D, R>(
  builder: Builder<A, D, R>
): Effect.Effect<Started<FactorySupervisor<A, D>>, StartError, Scope.Scope | R> =>
  Effect.suspend(() => {
    const { name } = impl(builder)
    return internal.start(internal.configureFactory(impl(builder)), name === undefined ? undefined : checked(name))
  })

/**
 * The factory supervisor as a child of another supervisor.
 *
 * @since 1.0.0
 * @category running
 */
export const supervised = <A, D, R>(
  builder: Builder<A, D, R>
): Supervision.ChildSpecification<FactorySupervisor<A, D>, R> =>
  supervisorSpec(start(builder)).with({ label: impl(builder).name?.key })

/**
 * The factory supervisor registered under `name`, resolved at each request: it keeps working after the supervisor
 * was restarted, and requests fail with `NoProcess` while nobody is registered.
 *
 * @since 1.0.0
 * @category constructors
 */
export const getByName = <A, D>(name: Name<Message<A, D>>): FactorySupervisor<A, D> =>
  // A `Message` name reaches a supervisor's request subject: both are the supervisor's name.
  new internal.SupervisorHandle(namedSubject(name as Name<unknown>) as SubjectImpl<Request>)

/**
 * Starts a child from `template(arg)` inside the supervisor and returns it once it has initialised. Fails with the
 * child's `StartError` (the caller gets no exit signal), `MaxChildren` when the supervisor is full, or a
 * `CallError` when the supervisor is not there.
 *
 * @since 1.0.0
 * @category children
 */
export const startChild: {
  <A>(
    arg: A
  ): <D>(self: FactorySupervisor<A, D>) => Effect.Effect<Started<D>, StartError | MaxChildren | CallError>
  <A, D>(
    self: FactorySupervisor<A, D>,
    arg: A
  ): Effect.Effect<Started<D>, StartError | MaxChildren | CallError>
} = dual(
  2,
  <A, D>(
    self: FactorySupervisor<A, D>,
    arg: A
  ): Effect.Effect<Started<D>, StartError | MaxChildren | CallError> =>
    internal.requestOrFail(self, (replyTo) => ({ _tag: "StartChild", arg, replyTo }))
)

/**
 * The number of children, running children, workers and supervisors.
 *
 * @since 1.0.0
 * @category introspection
 */
export const countChildren = (
  self: FactorySupervisor<any, any>
): Effect.Effect<Supervision.ChildCount, CallError> =>
  internal.request(self, (replyTo) => ({ _tag: "CountChildren", replyTo }))

/**
 * Every child, in start order (ids are a start sequence number).
 *
 * @since 1.0.0
 * @category introspection
 */
export const whichChildren = (
  self: FactorySupervisor<any, any>
): Effect.Effect<ReadonlyArray<Supervision.ChildInfo>, CallError> =>
  internal.request(self, (replyTo) => ({ _tag: "WhichChildren", replyTo }))

/**
 * Stops the child with this pid (its shutdown protocol) and forgets it; it is not restarted.
 *
 * @since 1.0.0
 * @category children
 */
export const terminateChild: {
  (pid: Pid): (self: FactorySupervisor<any, any>) => Effect.Effect<void, CallError | ChildNotFound>
  (self: FactorySupervisor<any, any>, pid: Pid): Effect.Effect<void, CallError | ChildNotFound>
} = dual(
  2,
  (self: FactorySupervisor<any, any>, pid: Pid): Effect.Effect<void, CallError | ChildNotFound> =>
    internal.requestOrFail(self, (replyTo) => ({ _tag: "TerminateChild", child: pid, replyTo }))
)

/**
 * The factory supervisor as a Layer (and a child layer for `StaticSupervisor.layer`) providing its handle under
 * `tag`. The supervisor is named (with the builder's name, or a fresh one), so the handle keeps working when the
 * supervisor is restarted.
 *
 * @since 1.0.0
 * @category layers
 */
export const toLayer = <I, A, D, R>(
  tag: Context.Key<I, FactorySupervisor<A, D>>,
  builder: Builder<A, D, R>
): Supervision.ChildLayer<I, StartError, Exclude<R, Scope.Scope>> =>
  childLayer(
    Effect.sync(() => {
      const name: NameImpl<Message<A, D>> = impl(builder).name ?? makeName(tag.key)
      return {
        child: supervisorSpec(start(impl(builder).with({ name }))).with({ label: tag.key }),
        context: Context.make(tag, getByName(name))
      }
    })
  )
