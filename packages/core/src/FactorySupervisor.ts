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
import { pipeArguments } from "effect/Pipeable"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { Started } from "./Actor.js"
import type { StartError } from "./internal/errors.js"
import { InitFailed } from "./internal/errors.js"
import type { ExitReason } from "./internal/exitReason.js"
import * as name_ from "./internal/name.js"
import type { NameImpl } from "./internal/name.js"
import { servicesOf } from "./internal/process.js"
import * as subject from "./internal/subject.js"
import * as internal from "./internal/supervisor.js"
import type { Name } from "./Name.js"
import type { Pid } from "./Process.js"
import type { CallError } from "./Subject.js"
import type * as Supervision from "./Supervision.js"
import { childLayer } from "./Supervision.js"

export {
  /**
   * `startChild` on a factory supervisor that already has `maxChildren` children.
   *
   * @since 1.0.0
   * @category errors
   */
  MaxChildren
} from "./internal/supervisor.js"

/**
 * @since 1.0.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@effect-otp/core/FactorySupervisor")

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

class BuilderImpl {
  readonly [BuilderTypeId] = { _A: (_: unknown) => {}, _D: (_: never) => _, _R: (_: never) => _ }
  constructor(
    readonly template: (arg: unknown) => Effect.Effect<Started<unknown>, StartError, any>,
    readonly type: Supervision.ChildType,
    readonly restart: Supervision.Restart,
    readonly shutdown: Supervision.Shutdown,
    readonly tolerance: Supervision.Tolerance,
    readonly schedule: Schedule.Schedule<unknown, ExitReason> | undefined,
    readonly maxChildren: number,
    readonly name: NameImpl<any> | undefined
  ) {}
  with(
    fields: Partial<
      Pick<BuilderImpl, "restart" | "shutdown" | "tolerance" | "schedule" | "maxChildren" | "name">
    >
  ): BuilderImpl {
    return new BuilderImpl(
      this.template,
      this.type,
      fields.restart ?? this.restart,
      fields.shutdown ?? this.shutdown,
      fields.tolerance ?? this.tolerance,
      "schedule" in fields ? fields.schedule : this.schedule,
      fields.maxChildren ?? this.maxChildren,
      "name" in fields ? fields.name : this.name
    )
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

const impl = (builder: Builder<any, any, any>): BuilderImpl => builder as unknown as BuilderImpl

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
): Builder<A, D, Exclude<R, Scope.Scope>> =>
  new BuilderImpl(
    template as any,
    "worker",
    "Transient",
    "5 seconds",
    internal.DEFAULT_TOLERANCE,
    undefined,
    Infinity,
    undefined
  ) as any

/**
 * A factory supervisor of supervisors: each child is a supervisor (`StaticSupervisor.start(...)`), given as long
 * as it needs to shut down.
 *
 * @since 1.0.0
 * @category constructors
 */
export const supervisorChild = <A, D, E extends StartError, R>(
  template: (arg: A) => Effect.Effect<Started<D>, E, R>
): Builder<A, D, Exclude<R, Scope.Scope>> =>
  new BuilderImpl(
    template as any,
    "supervisor",
    "Transient",
    "Infinity",
    internal.DEFAULT_TOLERANCE,
    undefined,
    Infinity,
    undefined
  ) as any

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
} = dual(
  2,
  <A, D, R>(self: Builder<A, D, R>, name: Name<Message<A, D>>): Builder<A, D, R> =>
    impl(self).with({ name: name as unknown as NameImpl<any> }) as any
)

/**
 * Sets the restart intensity (see `StaticSupervisor.restartTolerance`).
 *
 * @since 1.0.0
 * @category combinators
 */
export const restartTolerance: {
  (tolerance: Supervision.Tolerance): <A, D, R>(self: Builder<A, D, R>) => Builder<A, D, R>
  <A, D, R>(self: Builder<A, D, R>, tolerance: Supervision.Tolerance): Builder<A, D, R>
} = dual(
  2,
  <A, D, R>(self: Builder<A, D, R>, tolerance: Supervision.Tolerance): Builder<A, D, R> =>
    impl(self).with({ tolerance }) as any
)

/**
 * Spaces restarts with a `Schedule` (see `StaticSupervisor.restartSchedule`).
 *
 * @since 1.0.0
 * @category combinators
 */
export const restartSchedule: {
  (schedule: Schedule.Schedule<unknown, ExitReason>): <A, D, R>(self: Builder<A, D, R>) => Builder<A, D, R>
  <A, D, R>(self: Builder<A, D, R>, schedule: Schedule.Schedule<unknown, ExitReason>): Builder<A, D, R>
} = dual(
  2,
  <A, D, R>(self: Builder<A, D, R>, schedule: Schedule.Schedule<unknown, ExitReason>): Builder<A, D, R> =>
    impl(self).with({ schedule }) as any
)

/**
 * Sets the restart type of every child (`Transient` by default).
 *
 * @since 1.0.0
 * @category combinators
 */
export const restartStrategy: {
  (restart: Supervision.Restart): <A, D, R>(self: Builder<A, D, R>) => Builder<A, D, R>
  <A, D, R>(self: Builder<A, D, R>, restart: Supervision.Restart): Builder<A, D, R>
} = dual(
  2,
  <A, D, R>(self: Builder<A, D, R>, restart: Supervision.Restart): Builder<A, D, R> =>
    impl(self).with({ restart }) as any
)

/**
 * Sets how long each child may take to stop after `Shutdown` before it is killed (`"BrutalKill"`, `"Infinity"`
 * or a duration).
 *
 * @since 1.0.0
 * @category combinators
 */
export const timeout: {
  (shutdown: Supervision.Shutdown | Duration.Input): <A, D, R>(self: Builder<A, D, R>) => Builder<A, D, R>
  <A, D, R>(self: Builder<A, D, R>, shutdown: Supervision.Shutdown | Duration.Input): Builder<A, D, R>
} = dual(
  2,
  <A, D, R>(self: Builder<A, D, R>, shutdown: Supervision.Shutdown): Builder<A, D, R> =>
    impl(self).with({ shutdown }) as any
)

/**
 * Limits the number of children (Elixir's `max_children`): `startChild` beyond it fails with `MaxChildren`.
 * It must be a whole number, 1 or more (or `Infinity`).
 *
 * @since 1.0.0
 * @category combinators
 */
export const maxChildren: {
  (max: number): <A, D, R>(self: Builder<A, D, R>) => Builder<A, D, R>
  <A, D, R>(self: Builder<A, D, R>, max: number): Builder<A, D, R>
} = dual(
  2,
  <A, D, R>(self: Builder<A, D, R>, max: number): Builder<A, D, R> => impl(self).with({ maxChildren: max }) as any
)

const restarts: ReadonlyArray<Supervision.Restart> = ["Permanent", "Transient", "Temporary"]

const configure = (
  builder: BuilderImpl,
  context: Context.Context<never>
): internal.Config | internal.InvalidSpecification => {
  const period = internal.validateTolerance(builder.tolerance)
  if (typeof period !== "number") return period
  const max = builder.maxChildren
  if (typeof max !== "number" || !(max === Infinity || (Number.isInteger(max) && max >= 1))) {
    return new internal.InvalidSpecification({
      field: "maxChildren",
      detail: `${String(max)} is not a whole number of children, 1 or more`
    })
  }
  if (!restarts.includes(builder.restart)) {
    return new internal.InvalidSpecification({
      field: "restartStrategy",
      detail: `${String(builder.restart)} is not Permanent, Transient or Temporary`
    })
  }
  const probe = new internal.ChildSpecImpl(Effect.never, builder.type, builder.restart, false, builder.shutdown)
  const shutdown = internal.validateChild(probe, "timeout", "Never")
  if (typeof shutdown !== "number") return shutdown
  return {
    kind: "factory",
    strategy: "OneForOne",
    schedule: internal.restartPolicy(builder.tolerance, period, builder.schedule),
    autoShutdown: "Never",
    children: [],
    context,
    template: (arg) =>
      new internal.ChildSpecImpl(builder.template(arg) as any, builder.type, builder.restart, false, builder.shutdown),
    templateShutdown: shutdown,
    maxChildren: max
  }
}

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
  Effect.flatMap(Effect.context<R>(), (context) => {
    const config = configure(impl(builder), servicesOf(context) as Context.Context<never>)
    if (config instanceof internal.InvalidSpecification) return Effect.fail(new InitFailed({ reason: config }))
    return internal.start(config, impl(builder).name) as any
  })

/**
 * The factory supervisor as a child of another supervisor.
 *
 * @since 1.0.0
 * @category running
 */
export const supervised = <A, D, R>(
  builder: Builder<A, D, R>
): Supervision.ChildSpecification<FactorySupervisor<A, D>, R> => internal.supervisor(start(builder) as any) as any

/**
 * The factory supervisor registered under `name`, resolved at each request: it keeps working after the supervisor
 * was restarted, and requests fail with `NoProcess` while nobody is registered.
 *
 * @since 1.0.0
 * @category constructors
 */
export const getByName = <A, D>(name: Name<Message<A, D>>): FactorySupervisor<A, D> =>
  new internal.SupervisorHandle(undefined, subject.named(name as unknown as NameImpl<internal.Request>)) as any

const handle = (supervisor: FactorySupervisor<any, any>): internal.SupervisorHandle =>
  supervisor as unknown as internal.SupervisorHandle

const request = <A>(
  supervisor: FactorySupervisor<any, any>,
  make: (replyTo: subject.SubjectImpl<any>) => internal.Request
): Effect.Effect<A, CallError> =>
  subject.call(handle(supervisor).subject, make, Infinity) as Effect.Effect<A, CallError>

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
  ): <D>(self: FactorySupervisor<A, D>) => Effect.Effect<Started<D>, StartError | internal.MaxChildren | CallError>
  <A, D>(
    self: FactorySupervisor<A, D>,
    arg: A
  ): Effect.Effect<Started<D>, StartError | internal.MaxChildren | CallError>
} = dual(
  2,
  <A, D>(
    self: FactorySupervisor<A, D>,
    arg: A
  ): Effect.Effect<Started<D>, StartError | internal.MaxChildren | CallError> =>
    Effect.flatMap(
      request<internal.Reply<Started<D>>>(self, (replyTo) => ({ _tag: "StartChild", arg, replyTo })),
      internal.failOnError
    )
)

/**
 * The number of children, running children, workers and supervisors.
 *
 * @since 1.0.0
 * @category introspection
 */
export const countChildren = (
  self: FactorySupervisor<any, any>
): Effect.Effect<Supervision.ChildCount, CallError> => request(self, (replyTo) => ({ _tag: "CountChildren", replyTo }))

/**
 * Every child, in start order (ids are a start sequence number).
 *
 * @since 1.0.0
 * @category introspection
 */
export const whichChildren = (
  self: FactorySupervisor<any, any>
): Effect.Effect<ReadonlyArray<Supervision.ChildInfo>, CallError> =>
  request(self, (replyTo) => ({ _tag: "WhichChildren", replyTo }))

/**
 * Stops the child with this pid (its shutdown protocol) and forgets it; it is not restarted.
 *
 * @since 1.0.0
 * @category children
 */
export const terminateChild: {
  (pid: Pid): (self: FactorySupervisor<any, any>) => Effect.Effect<void, CallError | internal.ChildNotFound>
  (self: FactorySupervisor<any, any>, pid: Pid): Effect.Effect<void, CallError | internal.ChildNotFound>
} = dual(
  2,
  (self: FactorySupervisor<any, any>, pid: Pid): Effect.Effect<void, CallError | internal.ChildNotFound> =>
    Effect.flatMap(
      request<internal.Reply<void>>(self, (replyTo) => ({ _tag: "TerminateChild", child: pid, replyTo })),
      internal.failOnError
    )
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
      const name = impl(builder).name ?? name_.make<any>(tag.key)
      return {
        child: supervised(impl(builder).with({ name }) as any) as Supervision.ChildSpecification<unknown>,
        context: Context.make(tag, getByName(name))
      }
    })
  ) as any
