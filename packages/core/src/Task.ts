/**
 * Tasks: compute a value in another process and hand it back (gleam_otp 0.x's `gleam/otp/task`, Elixir's `Task`).
 *
 * `async(effect)` spawns the effect as a process linked to the caller, its owner, living in the caller's `Scope`.
 * The owner collects the result with `await` (with a timeout), `awaitForever`, `awaitAll`, `yield` (which does not
 * fail on timeout), or stops the task with `shutdown`.
 *
 * - A typed failure of the effect is a result: it reaches `await` in the error channel and the task exits
 *   `Normal`. A defect, an interruption or a kill is a crash: it travels through the link by Erlang's rules (a
 *   non-trapping owner dies with it) and `await` gives `TaskExited` with the task's exit reason.
 * - Only the owner may await a task (anything else is a programmer mistake: a defect).
 * - A timeout leaves the task running (`TaskTimeout`); `shutdown` stops it, unlinked first so the owner is not
 *   signalled.
 *
 * `asyncStream` maps the items of an iterable through tasks with bounded concurrency, as Elixir's
 * `Task.async_stream`; `toLayer` computes a service at startup.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Task } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const slow = yield* Task.async(Effect.succeed(6 * 7))
 *   return yield* Task.await(slow, "1 second") // 42
 * })
 * Effect.runPromise(Effect.scoped(program))
 * ```
 *
 * @since 1.0.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { TaskExited } from "./Errors.js"
import { TaskTimeout } from "./Errors.js"
import * as internal from "./internal/task.js"
import * as stream from "./internal/taskStream.js"
import { decodeTimeout } from "./internal/timer.js"
import type { Pid } from "./Process.js"

export {
  /**
   * The task ended without a result: it crashed, was killed, or exited otherwise; `reason` is its exit reason.
   *
   * @since 1.0.0
   * @category errors
   */
  TaskExited,
  /**
   * The task did not finish in time. It is still running: `shutdown` stops it.
   *
   * @since 1.0.0
   * @category errors
   */
  TaskTimeout
} from "./Errors.js"

/**
 * @since 1.0.0
 * @category symbols
 */
export const TypeId: typeof internal.TaskTypeId = internal.TaskTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * A running task that computes an `A` or fails with an `E`.
 *
 * @since 1.0.0
 * @category models
 */
export interface Task<out A, out E = never> {
  readonly [TypeId]: { readonly _A: (_: never) => A; readonly _E: (_: never) => E }
  readonly pid: Pid
}

const impl = internal.taskImpl

/**
 * Runs `effect` in a new process linked to the caller (its owner), in the caller's `Scope`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const async = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<Task<A, E>, never, Scope.Scope | Exclude<R, Scope.Scope>> => internal.async(effect, { linked: true })

/**
 * Waits up to `timeout` for the task's result: its value, its typed failure, `TaskTimeout` (the task keeps running)
 * or `TaskExited` (it crashed or was killed). Awaiting a task that already gave its outcome gives it again.
 *
 * @since 1.0.0
 * @category awaiting
 */
export const await_: {
  (
    timeout: Duration.Input
  ): <A, E>(task: Task<A, E>) => Effect.Effect<A, E | TaskTimeout | TaskExited>
  <A, E>(
    task: Task<A, E>,
    timeout: Duration.Input
  ): Effect.Effect<A, E | TaskTimeout | TaskExited>
} = dual(
  2,
  <A, E>(
    task: Task<A, E>,
    timeout: Duration.Input
  ): Effect.Effect<A, E | TaskTimeout | TaskExited> =>
    Effect.suspend(() => internal.await_(impl(task), decodeTimeout(timeout, "Task.await timeout")))
)

export {
  /**
   * @since 1.0.0
   * @category awaiting
   */
  await_ as await
}

/**
 * Waits as long as it takes for the task's result.
 *
 * @since 1.0.0
 * @category awaiting
 */
export const awaitForever = <A, E>(task: Task<A, E>): Effect.Effect<A, E | TaskExited> =>
  // Without a deadline, `await_` never fails with TaskTimeout.
  internal.await_(impl(task), Infinity) as Effect.Effect<A, E | TaskExited>

/**
 * Waits for several tasks with one shared deadline and returns one result per task, in order: the value, or the
 * failure (its typed error, `TaskTimeout` for a task not done by the deadline, `TaskExited`).
 *
 * @since 1.0.0
 * @category awaiting
 */
export const awaitAll: {
  (
    timeout: Duration.Input
  ): <A, E>(
    tasks: Iterable<Task<A, E>>
  ) => Effect.Effect<ReadonlyArray<Result.Result<A, E | TaskTimeout | TaskExited>>>
  <A, E>(
    tasks: Iterable<Task<A, E>>,
    timeout: Duration.Input
  ): Effect.Effect<ReadonlyArray<Result.Result<A, E | TaskTimeout | TaskExited>>>
} = dual(
  2,
  <A, E>(
    tasks: Iterable<Task<A, E>>,
    timeout: Duration.Input
  ): Effect.Effect<ReadonlyArray<Result.Result<A, E | TaskTimeout | TaskExited>>> =>
    Effect.suspend(() =>
      internal.awaitAll(
        Array.from(tasks, (task) => impl(task)),
        decodeTimeout(timeout, "Task.awaitAll timeout")
      )
    )
)

/**
 * Waits up to `timeout` for the task's outcome without failing: `None` if it is not done (it keeps running), else
 * its `Exit` (a crash is a defect holding `TaskExited`).
 *
 * @since 1.0.0
 * @category awaiting
 */
export const yield_: {
  (timeout: Duration.Input): <A, E>(task: Task<A, E>) => Effect.Effect<Option.Option<Exit.Exit<A, E>>>
  <A, E>(task: Task<A, E>, timeout: Duration.Input): Effect.Effect<Option.Option<Exit.Exit<A, E>>>
} = dual(
  2,
  <A, E>(task: Task<A, E>, timeout: Duration.Input): Effect.Effect<Option.Option<Exit.Exit<A, E>>> =>
    Effect.suspend(() => internal.yield_(impl(task), decodeTimeout(timeout, "Task.yield timeout")))
)

export {
  /**
   * @since 1.0.0
   * @category awaiting
   */
  yield_ as yield
}

/**
 * Stops the task: unlinks it (the owner gets no exit signal), sends it `Shutdown` and kills it after `timeout`, or
 * kills it at once with `"BrutalKill"`; returns once it ended. The result is the task's outcome if it had one
 * before it was stopped (it finished meanwhile, or crashed by itself), else `None`.
 *
 * @since 1.0.0
 * @category stopping
 */
export const shutdown: {
  (
    timeout: Duration.Input | "BrutalKill"
  ): <A, E>(task: Task<A, E>) => Effect.Effect<Option.Option<Exit.Exit<A, E>>>
  <A, E>(
    task: Task<A, E>,
    timeout: Duration.Input | "BrutalKill"
  ): Effect.Effect<Option.Option<Exit.Exit<A, E>>>
} = dual(
  2,
  <A, E>(
    task: Task<A, E>,
    timeout: Duration.Input | "BrutalKill"
  ): Effect.Effect<Option.Option<Exit.Exit<A, E>>> =>
    Effect.suspend(() =>
      internal.shutdown(impl(task), timeout === "BrutalKill" ? -1 : decodeTimeout(timeout, "Task.shutdown timeout"))
    )
)

/**
 * Options of `asyncStream`.
 *
 * @since 1.0.0
 * @category models
 */
export interface AsyncStreamOptions {
  /** How many tasks run at once; 2 × the number of CPUs the OS reports by default. */
  readonly maxConcurrency?: number | undefined
  /** Emit results in the order of the items (default) or as they complete. */
  readonly ordered?: boolean | undefined
  /** How long each item's task may take; 5 seconds by default. */
  readonly timeout?: Duration.Input | undefined
  /** On a timeout, fail the stream with `TaskTimeout` (`"exit"`, the default) or kill that task and skip the item. */
  readonly onTimeout?: "exit" | "killTask" | undefined
}

/**
 * Maps each item through `f` in its own task, at most `maxConcurrency` tasks at a time, and streams the results
 * (Elixir's `Task.async_stream`). A typed failure of `f` fails the stream; a task that times out fails it with
 * `TaskTimeout` or, with `onTimeout: "killTask"`, is killed and its item skipped; a task that crashes crashes the
 * caller, as a linked task does. No task outlives the stream: when the stream ends, fails or its consumer stops
 * early, the running tasks are stopped.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Task } from "@effect-otp/core"
 *
 * const squares = Task.asyncStream([1, 2, 3], (n) => Effect.succeed(n * n), { maxConcurrency: 2 })
 * Effect.runPromise(Stream.runCollect(squares)) // Chunk(1, 4, 9)
 * ```
 *
 * @since 1.0.0
 * @category streams
 */
export const asyncStream = <I, A, E, R>(
  items: Iterable<I>,
  f: (item: I) => Effect.Effect<A, E, R>,
  options?: AsyncStreamOptions
): Stream.Stream<A, E | TaskTimeout, Exclude<R, Scope.Scope>> =>
  stream.asyncStream(
    "Task.asyncStream",
    items,
    (item: I) => internal.async(Effect.suspend(() => f(item)), { linked: true }),
    stream.collectLinked<A, E>,
    options
  )

/**
 * A Layer that computes a service at startup in a task and provides it: building the layer fails with the task's
 * typed error, `TaskTimeout` if it takes longer than `timeout` (the task is stopped), or `TaskExited`.
 *
 * @since 1.0.0
 * @category layers
 */
export const toLayer = <I, S, E, R>(
  tag: Context.Key<I, S>,
  effect: Effect.Effect<S, E, R>,
  timeout: Duration.Input
): Layer.Layer<I, E | TaskTimeout | TaskExited, Exclude<R, Scope.Scope>> =>
  Layer.effect(
    tag,
    // Unlinked: a crash of the task is the layer's TaskExited error, not a signal to whoever builds the layer.
    Effect.flatMap(internal.async(effect, { linked: false }), (task) =>
      Effect.tapError(
        Effect.suspend(() => internal.await_(task, decodeTimeout(timeout, "Task.toLayer timeout"))),
        (error) => error instanceof TaskTimeout ? internal.shutdown(task, -1) : Effect.void
      ))
  )
