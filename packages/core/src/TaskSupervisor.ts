/**
 * Task supervisors: tasks started under a supervisor instead of under their caller (Elixir's `Task.Supervisor`).
 *
 * A task supervisor is a factory supervisor (Elixir's `DynamicSupervisor`) whose children are tasks. It starts with
 * none; each call starts one more, inside the supervisor and linked to it, so that every task of a subsystem is
 * found (`children`), stopped with it (each task gets its shutdown time, 5 seconds by default), and capped
 * (`maxChildren`). What the caller has to do with the task depends on how it was started:
 *
 * - `async`: the caller is the task's owner and is linked to it, as with `Task.async`. A crash of the task reaches
 *   `Task.await` as `TaskExited` and travels through the link: a caller that does not trap exits dies with it.
 * - `asyncNolink`: the owner only monitors the task. A crash, a kill, or the supervisor's end is a result,
 *   `TaskExited`, for `Task.await`, `Task.yield` and `Task.shutdown`, never an exit signal: the caller needs no
 *   trapping. This is the one to use for work that may fail, from an actor that must not.
 * - `startChild`: fire-and-forget. Nobody owns the task; its outcome is its exit reason (a typed failure included),
 *   and it can be `Transient` (restarted after a failure) or `Permanent`.
 * - `asyncStream` and `asyncStreamNolink`: `Task.asyncStream` with the tasks under the supervisor; the nolink one
 *   emits one `Result` per item, a crashed item included, as Elixir's `{:exit, reason}` items.
 *
 * Owned tasks are `Task`s: the `Task` module's `await`, `awaitAll`, `yield` and `shutdown` work on them, and a
 * typed failure of the effect is a result there too (the task exits `Normal`). A task does not live in its caller's
 * scope but in the supervisor: when the owner ends, an `asyncNolink` task goes on to its end (its result is lost), and
 * an `async` task goes on too unless the owner ended abnormally (the link then ends it). When the supervisor stops,
 * every task is stopped, and the owner of an `async` task that was still running gets its `Shutdown` through the
 * link, as in Elixir. Its outcome waits in the owner's mailbox until the owner awaits, yields or shuts the task down
 * (Elixir's reply and `:DOWN` messages do too): an owner that lives long should do one of them for every task.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Task, TaskSupervisor } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const tasks = yield* TaskSupervisor.start()
 *   // a crash is a result: the caller needs no trapping
 *   const risky = yield* TaskSupervisor.asyncNolink(tasks.data, Effect.die("bad input"))
 *   const outcome = yield* Effect.result(Task.await(risky, "1 second")) // Failure(TaskExited)
 *   const answer = yield* TaskSupervisor.async(tasks.data, Effect.succeed(42))
 *   return [outcome, yield* Task.await(answer, "1 second")] as const
 * })
 * Effect.runPromise(Effect.scoped(program))
 * ```
 *
 * @since 1.0.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { Started } from "./Actor.js"
import type { CallError, ChildNotFound, MaxChildren, StartError, TaskExited, TaskTimeout } from "./Errors.js"
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
import * as supervisors from "./internal/supervisor/start.js"
import * as stream from "./internal/taskStream.js"
import * as internal from "./internal/taskSupervisor.js"
import type { Name } from "./Name.js"
import type { Pid } from "./Process.js"
import type * as Supervision from "./Supervision.js"
import type { AsyncStreamOptions as TaskStreamOptions, Task } from "./Task.js"

export {
  /**
   * A task asked of a task supervisor that already has `maxChildren` tasks.
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
export const TypeId: typeof internal.TaskSupervisorTypeId = internal.TaskSupervisorTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * A running task supervisor (or one reached by name, `getByName`).
 *
 * @since 1.0.0
 * @category models
 */
export interface TaskSupervisor {
  readonly [TypeId]: TypeId
}

/**
 * Whether a value is a `TaskSupervisor`.
 *
 * @since 1.0.0
 * @category guards
 */
export const isTaskSupervisor: (u: unknown) => u is TaskSupervisor = internal.isTaskSupervisor

/**
 * The messages a task supervisor receives, for typing its `Name` (`Name.make<TaskSupervisor.Message>`).
 *
 * @since 1.0.0
 * @category models
 */
export interface Message {
  readonly [TypeId]: TypeId
}

/**
 * @since 1.0.0
 * @category symbols
 */
export const BuilderTypeId: unique symbol = Symbol.for("@effect-otp/core/TaskSupervisor/Builder")

/**
 * @since 1.0.0
 * @category symbols
 */
export type BuilderTypeId = typeof BuilderTypeId

/**
 * The description of a task supervisor: its name, limits and restart tolerance, and the defaults of its tasks.
 *
 * @since 1.0.0
 * @category models
 */
export interface Builder extends Pipeable {
  readonly [BuilderTypeId]: BuilderTypeId
}

interface BuilderFields extends internal.Fields {
  readonly name: NameImpl<any> | undefined
}

class BuilderImpl extends Immutable<BuilderFields> implements Builder {
  readonly [BuilderTypeId]: BuilderTypeId = BuilderTypeId
  declare readonly restart: Supervision.Restart
  declare readonly shutdown: Supervision.Shutdown
  declare readonly tolerance: Supervision.Tolerance
  declare readonly maxChildren: number
  declare readonly name: NameImpl<any> | undefined
}

const builderImpl = (builder: Builder): BuilderImpl => builder as BuilderImpl

/**
 * A task supervisor with Elixir's defaults: `startChild` tasks are `Temporary`, every task has 5 seconds to stop
 * after `Shutdown`, the tolerance is 2 restarts in 5 seconds (it only matters for `Transient` and `Permanent`
 * tasks), and there is no limit on the number of tasks.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = (): Builder =>
  new BuilderImpl({
    restart: "Temporary",
    shutdown: DEFAULT_SHUTDOWN,
    tolerance: DEFAULT_TOLERANCE,
    maxChildren: Infinity,
    name: undefined
  })

/**
 * A task supervisor with the defaults (alias of `make`, as Gleam names builders).
 *
 * @since 1.0.0
 * @category constructors
 */
export { make as new }

/**
 * A combinator that sets one field of a builder, data-first or data-last.
 *
 * @since 1.0.0
 * @category models
 */
export interface Setting<in V> {
  (value: V): (self: Builder) => Builder
  (self: Builder, value: V): Builder
}

const setting = <K extends keyof BuilderFields>(field: K): Setting<BuilderFields[K]> =>
  dual(2, (self: Builder, value: BuilderFields[K]): Builder => builderImpl(self).with({ [field]: value }))

/**
 * Registers the supervisor under a name when it starts, so `getByName(name)` reaches it, also after it was
 * restarted. Starting it while the name is taken fails with `InitFailed`.
 *
 * @since 1.0.0
 * @category combinators
 */
export const named: Setting<Name<Message>> = setting("name") as Setting<Name<Message>>

/**
 * Limits the number of tasks running at once (Elixir's `max_children`): a task asked beyond it fails with
 * `MaxChildren`. It must be a whole number, 1 or more (or `Infinity`).
 *
 * @since 1.0.0
 * @category combinators
 */
export const maxChildren: Setting<number> = setting("maxChildren")

/**
 * Sets the restart intensity (Elixir's `max_restarts` / `max_seconds`): more restarts of `Transient` or `Permanent`
 * tasks than `intensity` within `period`, and the supervisor stops all its tasks and exits `Shutdown`. Temporary
 * tasks are never restarted and never count.
 *
 * @since 1.0.0
 * @category combinators
 */
export const restartTolerance: Setting<Supervision.Tolerance> = setting("tolerance")

/**
 * The restart type of `startChild` tasks that do not give their own: `Temporary` by default (never restarted),
 * `Transient` (restarted after a failure, a crash or a typed failure, not after `Normal` or `Shutdown`) or
 * `Permanent` (always restarted). Tasks with an owner (`async`, `asyncNolink`, the streams) are always `Temporary`:
 * their owner holds the pid, which a restart would change.
 *
 * @since 1.0.0
 * @category combinators
 */
export const restartStrategy: Setting<Supervision.Restart> = setting("restart")

/**
 * How long each task that does not give its own shutdown may take to stop after `Shutdown` before it is killed
 * (`"BrutalKill"`, `"Infinity"` or a duration; 5 seconds by default). Only a task that traps exits uses the time.
 *
 * @since 1.0.0
 * @category combinators
 */
export const timeout: Setting<Supervision.Shutdown> = setting("shutdown")

const startSupervisor = (builder: BuilderImpl): Effect.Effect<Started<TaskSupervisor>, StartError, Scope.Scope> =>
  Effect.map(
    supervisors.start(internal.configure(builder), builder.name === undefined ? undefined : checked(builder.name)),
    (started) => ({ pid: started.pid, data: new internal.TaskSupervisorImpl(started.data) })
  )

/**
 * Starts a task supervisor (the defaults of `make()` when no builder is given) in the current `Scope`, linked to the
 * caller, with no tasks. An invalid configuration fails with `InitFailed` whose reason is an `InvalidSpecification`
 * naming the field; a taken name fails with `InitFailed` too.
 *
 * @since 1.0.0
 * @category running
 */
export const start = (builder: Builder = make()): Effect.Effect<Started<TaskSupervisor>, StartError, Scope.Scope> =>
  Effect.suspend(() => startSupervisor(builderImpl(builder)))

/**
 * The task supervisor as a child of another supervisor (Elixir's `{Task.Supervisor, opts}` child): a supervisor
 * child, given as long as it needs to stop its tasks.
 *
 * @since 1.0.0
 * @category running
 */
export const supervised = (builder: Builder): Supervision.ChildSpecification<TaskSupervisor> =>
  supervisorSpec(start(builder)).with({ label: builderImpl(builder).name?.key })

/**
 * The task supervisor registered under `name`, resolved at each request: it keeps working after the supervisor was
 * restarted, and requests fail with `NoProcess` while nobody is registered.
 *
 * @since 1.0.0
 * @category constructors
 */
export const getByName = (name: Name<Message>): TaskSupervisor =>
  // A `Message` name reaches a supervisor's request subject: both are the supervisor's name.
  new internal.TaskSupervisorImpl(
    new supervisors.SupervisorHandle(namedSubject(name as Name<unknown>) as SubjectImpl<Request>)
  )

/**
 * The task supervisor as a Layer (and a child layer for `StaticSupervisor.layer`) providing its handle under `tag`.
 * The supervisor is named (with the builder's name, or a fresh one), so the handle keeps working when the supervisor
 * is restarted.
 *
 * @since 1.0.0
 * @category layers
 */
export const toLayer = <I>(
  tag: Context.Key<I, TaskSupervisor>,
  builder: Builder
): Supervision.ChildLayer<I, StartError> =>
  childLayer(
    Effect.sync(() => {
      const name: NameImpl<Message> = builderImpl(builder).name ?? makeName(tag.key)
      return {
        child: supervisorSpec(start(builderImpl(builder).with({ name }))).with({ label: tag.key }),
        context: Context.make(tag, getByName(name))
      }
    })
  )

// ---------------------------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------------------------

/**
 * Options of `async` and `asyncNolink`.
 *
 * @since 1.0.0
 * @category models
 */
export interface AsyncOptions {
  /** How long the task may take to stop when its supervisor stops; the supervisor's `timeout` by default. */
  readonly shutdown?: Supervision.Shutdown | undefined
}

/**
 * Options of `startChild`.
 *
 * @since 1.0.0
 * @category models
 */
export interface StartChildOptions extends AsyncOptions {
  /** The task's restart type; the supervisor's `restartStrategy` (`Temporary` by default) when not given. */
  readonly restart?: Supervision.Restart | undefined
}

/** The functions whose first argument is the supervisor, with options last: data-first when it is one. */
const isDataFirst = (args: IArguments) => internal.isTaskSupervisor(args[0])

type TaskFunction = {
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: AsyncOptions
  ): (self: TaskSupervisor) => Effect.Effect<Task<A, E>, MaxChildren | CallError, Exclude<R, Scope.Scope>>
  <A, E, R>(
    self: TaskSupervisor,
    effect: Effect.Effect<A, E, R>,
    options?: AsyncOptions
  ): Effect.Effect<Task<A, E>, MaxChildren | CallError, Exclude<R, Scope.Scope>>
}

const asyncTask = (linked: boolean): TaskFunction =>
  dual(
    isDataFirst,
    <A, E, R>(self: TaskSupervisor, effect: Effect.Effect<A, E, R>, options?: AsyncOptions) =>
      internal.async(internal.impl(self), effect, { linked, shutdown: options?.shutdown })
  )

/**
 * Runs `effect` in a task under the supervisor, owned by the caller and linked to it (Elixir's
 * `Task.Supervisor.async`): await it with `Task.await`. A crash of the task is `TaskExited` for `await` and an exit
 * signal for the caller, which dies with it unless it traps exits; a typed failure is a result. Fails with
 * `MaxChildren` when the supervisor is full (Elixir raises), or a `CallError` when it is not there.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Task, TaskSupervisor } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const tasks = yield* TaskSupervisor.start()
 *   const task = yield* TaskSupervisor.async(tasks.data, Effect.succeed(6 * 7))
 *   return yield* Task.await(task, "1 second") // 42
 * })
 * ```
 *
 * @since 1.0.0
 * @category tasks
 */
export const async: TaskFunction = asyncTask(true)

/**
 * Runs `effect` in a task under the supervisor, owned by the caller but not linked to it (Elixir's
 * `Task.Supervisor.async_nolink`): the caller only monitors it. Whatever ends the task (a crash, a kill, the
 * supervisor's end) is `TaskExited` for `Task.await` and `Task.yield`, never an exit signal. Fails with
 * `MaxChildren` or a `CallError` as `async` does.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Task, TaskSupervisor } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const tasks = yield* TaskSupervisor.start()
 *   const task = yield* TaskSupervisor.asyncNolink(tasks.data, Effect.die("crash"))
 *   return yield* Effect.flip(Task.await(task, "1 second")) // TaskExited, and the caller is fine
 * })
 * ```
 *
 * @since 1.0.0
 * @category tasks
 */
export const asyncNolink: TaskFunction = asyncTask(false)

/**
 * Starts `effect` in a task under the supervisor and returns its pid, without waiting for it (Elixir's
 * `Task.Supervisor.start_child`). The task is not linked to the caller and nobody gets its result; a failure (typed
 * or a crash) ends it `Abnormal`, which the supervisor reports, and restarts it if it is `Transient` or `Permanent`.
 * Fails with `MaxChildren` or a `CallError`; an invalid option is a defect.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TaskSupervisor } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const tasks = yield* TaskSupervisor.start()
 *   return yield* TaskSupervisor.startChild(tasks.data, Effect.log("sent"), { restart: "Transient" })
 * })
 * ```
 *
 * @since 1.0.0
 * @category tasks
 */
export const startChild: {
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: StartChildOptions
  ): (self: TaskSupervisor) => Effect.Effect<Pid, MaxChildren | CallError, Exclude<R, Scope.Scope>>
  <A, E, R>(
    self: TaskSupervisor,
    effect: Effect.Effect<A, E, R>,
    options?: StartChildOptions
  ): Effect.Effect<Pid, MaxChildren | CallError, Exclude<R, Scope.Scope>>
} = dual(
  isDataFirst,
  <A, E, R>(self: TaskSupervisor, effect: Effect.Effect<A, E, R>, options?: StartChildOptions) =>
    internal.startChild(internal.impl(self), effect, options ?? {})
)

/**
 * The pids of the supervisor's running tasks (Elixir's `Task.Supervisor.children`: not those waiting to be
 * restarted).
 *
 * @since 1.0.0
 * @category introspection
 */
export const children = (self: TaskSupervisor): Effect.Effect<ReadonlyArray<Pid>, CallError> =>
  Effect.map(
    supervisors.request<ReadonlyArray<Supervision.ChildInfo>>(
      internal.impl(self).supervisor,
      (replyTo) => ({ _tag: "WhichChildren", replyTo })
    ),
    (infos) => infos.flatMap((info) => Option.toArray(info.pid))
  )

/**
 * Stops the task with this pid (its shutdown protocol), which is not restarted (Elixir's
 * `Task.Supervisor.terminate_child`). Fails with `ChildNotFound` when it is not a running task of the supervisor.
 * An owner that stops its own task does better with `Task.shutdown`, which also hands back a result that came first.
 *
 * @since 1.0.0
 * @category tasks
 */
export const terminateChild: {
  (pid: Pid): (self: TaskSupervisor) => Effect.Effect<void, CallError | ChildNotFound>
  (self: TaskSupervisor, pid: Pid): Effect.Effect<void, CallError | ChildNotFound>
} = dual(
  2,
  (self: TaskSupervisor, pid: Pid): Effect.Effect<void, CallError | ChildNotFound> =>
    supervisors.requestOrFail(
      internal.impl(self).supervisor,
      (replyTo) => ({ _tag: "TerminateChild", child: pid, replyTo })
    )
)

// ---------------------------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------------------------

/**
 * Options of `asyncStream` and `asyncStreamNolink`: those of `Task.asyncStream`, and the tasks' shutdown.
 *
 * @since 1.0.0
 * @category models
 */
export interface AsyncStreamOptions extends TaskStreamOptions, AsyncOptions {}

/**
 * A stream of tasks under the supervisor, linked to the caller or not, each outcome made into an item by `collect`;
 * data-first when the supervisor comes first. (Typed by the declarations of the two streams below.)
 */
const supervisedStream = (what: string, linked: boolean, collect: stream.Collect<any, any, any, any>) =>
  dual(
    isDataFirst,
    (
      self: TaskSupervisor,
      items: Iterable<unknown>,
      f: (item: unknown) => Effect.Effect<unknown, unknown, unknown>,
      options: AsyncStreamOptions | undefined
    ) =>
      stream.asyncStream(
        what,
        items,
        (item) =>
          internal.async(internal.impl(self), Effect.suspend(() => f(item)), { linked, shutdown: options?.shutdown }),
        collect,
        options
      )
  )

/**
 * `Task.asyncStream` with the tasks under the supervisor, each linked to the caller (Elixir's
 * `Task.Supervisor.async_stream`): a typed failure fails the stream, a crash crashes a caller that does not trap
 * exits (and is a defect, `TaskExited`, of the stream for one that does), a timeout fails the stream with
 * `TaskTimeout` or, with `onTimeout: "killTask"`, kills the task and skips the item. A full supervisor fails the
 * stream with `MaxChildren`. No task outlives the stream.
 *
 * @since 1.0.0
 * @category streams
 */
export const asyncStream: {
  <I, A, E, R>(
    items: Iterable<I>,
    f: (item: I) => Effect.Effect<A, E, R>,
    options?: AsyncStreamOptions
  ): (self: TaskSupervisor) => Stream.Stream<A, E | TaskTimeout | MaxChildren | CallError, Exclude<R, Scope.Scope>>
  <I, A, E, R>(
    self: TaskSupervisor,
    items: Iterable<I>,
    f: (item: I) => Effect.Effect<A, E, R>,
    options?: AsyncStreamOptions
  ): Stream.Stream<A, E | TaskTimeout | MaxChildren | CallError, Exclude<R, Scope.Scope>>
} = supervisedStream("TaskSupervisor.asyncStream", true, stream.collectLinked)

/**
 * `asyncStream` with tasks that are not linked to the caller (Elixir's `Task.Supervisor.async_stream_nolink`): each
 * item's outcome is a `Result`, its value or its failure: the typed error, `TaskExited` for a crash (Elixir's
 * `{:exit, reason}`), or `TaskTimeout` for a task killed with `onTimeout: "killTask"`. Only a timeout with
 * `onTimeout: "exit"` (the default), a full supervisor or a missing one fails the stream.
 *
 * @example
 * ```ts
 * import { Effect, Result, Stream } from "effect"
 * import { TaskSupervisor } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const tasks = yield* TaskSupervisor.start()
 *   const results = TaskSupervisor.asyncStreamNolink(
 *     tasks.data,
 *     [1, 2, 3],
 *     (n) => n === 2 ? Effect.die("two") : Effect.succeed(n * 10)
 *   )
 *   return yield* Stream.runCollect(Stream.filter(results, Result.isSuccess)) // the items 1 and 3
 * })
 * ```
 *
 * @since 1.0.0
 * @category streams
 */
export const asyncStreamNolink: {
  <I, A, E, R>(
    items: Iterable<I>,
    f: (item: I) => Effect.Effect<A, E, R>,
    options?: AsyncStreamOptions
  ): (
    self: TaskSupervisor
  ) => Stream.Stream<
    Result.Result<A, E | TaskExited | TaskTimeout>,
    TaskTimeout | MaxChildren | CallError,
    Exclude<R, Scope.Scope>
  >
  <I, A, E, R>(
    self: TaskSupervisor,
    items: Iterable<I>,
    f: (item: I) => Effect.Effect<A, E, R>,
    options?: AsyncStreamOptions
  ): Stream.Stream<
    Result.Result<A, E | TaskExited | TaskTimeout>,
    TaskTimeout | MaxChildren | CallError,
    Exclude<R, Scope.Scope>
  >
} = supervisedStream("TaskSupervisor.asyncStreamNolink", false, stream.collectNolink)
