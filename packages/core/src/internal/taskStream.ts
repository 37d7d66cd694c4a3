/**
 * Concurrent maps through tasks (Elixir's `Task.async_stream` and `Task.Supervisor.async_stream[_nolink]`): each
 * item runs in a task of its own, at most `maxConcurrency` at a time, each awaited with the per-item timeout. Where
 * the tasks run (the caller's scope, a task supervisor) and what an item's failure does to the stream (fail it, or
 * become the item's result) are the caller's; the rest is here.
 *
 * @internal
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { TaskExited, TaskTimeout } from "../Errors.js"
import { CurrentProcess, withSelf } from "./process.js"
import type { TaskImpl } from "./task.js"
import { await_, shutdown } from "./task.js"
import { decodeTimeout } from "./timer.js"

/** The options every async stream takes. @internal */
export interface StreamOptions {
  readonly maxConcurrency?: number | undefined
  readonly ordered?: boolean | undefined
  readonly timeout?: Duration.Input | undefined
  readonly onTimeout?: "exit" | "killTask" | undefined
}

let cpus: number | undefined

/** The number of CPUs the OS reports (navigator.hardwareConcurrency, else Node's os), at least 1. */
const cpuCount: Effect.Effect<number> = Effect.suspend(() => {
  if (cpus !== undefined) return Effect.succeed(cpus)
  const navigator = (globalThis as { readonly navigator?: { readonly hardwareConcurrency?: number } }).navigator
  if (typeof navigator?.hardwareConcurrency === "number" && navigator.hardwareConcurrency > 0) {
    cpus = navigator.hardwareConcurrency
    return Effect.succeed(cpus)
  }
  const os = "node:os"
  return Effect.tryPromise(() =>
    import(/* @vite-ignore */ os) as Promise<
      { availableParallelism?: () => number; cpus: () => ReadonlyArray<unknown> }
    >
  ).pipe(
    Effect.map((module) => Math.max(1, module.availableParallelism?.() ?? module.cpus().length)),
    Effect.orElseSucceed(() => 1),
    Effect.tap((n) => Effect.sync(() => (cpus = n)))
  )
})

/**
 * What becomes of one item's outcome: its value, or its failure (the task's typed error, `TaskTimeout` after the
 * task was killed, `TaskExited`); `None` skips the item. @internal
 */
export type Collect<A, E, B, F> = (
  outcome: Result.Result<A, E | TaskTimeout | TaskExited>,
  killTask: boolean
) => Effect.Effect<Option.Option<B>, F>

/**
 * `Task.asyncStream` and `TaskSupervisor.asyncStream`: a typed failure fails the stream; a crash is a defect (a
 * linked task has crashed a non-trapping caller already); a timeout fails the stream, or skips the item with
 * `killTask`. @internal
 */
export const collectLinked = <A, E>(
  outcome: Result.Result<A, E | TaskTimeout | TaskExited>,
  killTask: boolean
): Effect.Effect<Option.Option<A>, E | TaskTimeout> => {
  if (Result.isSuccess(outcome)) return Effect.succeed(Option.some(outcome.success))
  const error = outcome.failure
  if (error instanceof TaskExited) return Effect.die(error)
  if (error instanceof TaskTimeout && killTask) return Effect.succeed(Option.none())
  return Effect.fail(error as E | TaskTimeout)
}

/**
 * `TaskSupervisor.asyncStreamNolink`: every item's outcome is a result (Elixir's `{:ok, value}` / `{:exit,
 * reason}`), its typed failure and its crash included; only a timeout with `onTimeout: "exit"` fails the stream.
 * @internal
 */
export const collectNolink = <A, E>(
  outcome: Result.Result<A, E | TaskTimeout | TaskExited>,
  killTask: boolean
): Effect.Effect<Option.Option<Result.Result<A, E | TaskTimeout | TaskExited>>, TaskTimeout> =>
  Result.isFailure(outcome) && outcome.failure instanceof TaskTimeout && !killTask ?
    Effect.fail(outcome.failure) :
    Effect.succeed(Option.some(outcome))

/**
 * Maps each item through a task started by `start` (in the process that runs the stream, its owner), awaits it up
 * to the timeout, and emits what `collect` makes of the outcome. A task still running when its item is done with
 * (timed out, or the stream stopped early or failed) is killed: no task outlives the stream.
 * @internal
 */
export const asyncStream = <I, A, E, R, X, B, F>(
  what: string,
  items: Iterable<I>,
  start: (item: I) => Effect.Effect<TaskImpl<A, E>, X, R>,
  collect: Collect<A, E, B, F>,
  options: StreamOptions | undefined
): Stream.Stream<B, X | F, Exclude<R, Scope.Scope>> =>
  Stream.unwrap(
    withSelf((owner) =>
      Effect.map(
        options?.maxConcurrency === undefined
          ? Effect.map(cpuCount, (n) => 2 * n)
          : Effect.succeed(options.maxConcurrency),
        (maxConcurrency) => {
          if (!(maxConcurrency === Infinity || (Number.isInteger(maxConcurrency) && maxConcurrency >= 1))) {
            throw new TypeError(`${what}: maxConcurrency must be a whole number, 1 or more, got ${maxConcurrency}`)
          }
          const millis = decodeTimeout(options?.timeout ?? "5 seconds", `${what} timeout`)
          const killTask = options?.onTimeout === "killTask"
          // The stream's fibers run the tasks on behalf of the process that made the stream: they belong to it (as
          // fibers forked inside a process do), so that it owns the tasks, and no fiber becomes a process of its own.
          const run = (item: I): Effect.Effect<Option.Option<B>, X | F, Exclude<R, Scope.Scope>> =>
            Effect.provideService(CurrentProcess, owner)(Effect.scoped(
              Effect.acquireUseRelease(
                start(item),
                (task) => Effect.flatMap(Effect.result(await_(task, millis)), (outcome) => collect(outcome, killTask)),
                // Done with the item: a task without an outcome (late, or the stream stopped) is killed.
                (task) => task.outcome === undefined ? shutdown(task, -1) : Effect.void
              )
            ) as Effect.Effect<Option.Option<B>, X | F, Exclude<R, Scope.Scope>>)
          return Stream.fromIterable(items).pipe(
            Stream.mapEffect(run, {
              concurrency: maxConcurrency === Infinity ? "unbounded" : maxConcurrency,
              unordered: options?.ordered === false
            }),
            Stream.filter(Option.isSome),
            Stream.map((result) => result.value)
          )
        }
      )
    )
  )
