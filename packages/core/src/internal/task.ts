/**
 * Tasks: an effect computed in a linked process owned by the caller, its result handed back as a message (Gleam's
 * `gleam/otp/task`, Elixir's `Task`).
 *
 * The owner monitors the task with the task's reply tag, so the result and the task's death arrive under the same
 * tag, in order: `await` is a selective receive of the first of the two.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import { TaskExited, TaskTimeout } from "../Errors.js"
import type { Pid } from "../Process.js"
import type * as Task from "../Task.js"
import { killed, shutdown as shutdownReason } from "./exitReason.js"
import { Identity } from "./identity.js"
import type { MonitorImpl } from "./pid.js"
import type { ProcessState } from "./process.js"
import { CalleeExited, monitor, shutdownProcess, unlink, unmonitor, withSelf } from "./process.js"
import { receiveMatching } from "./receive.js"
import { spawn } from "./spawn.js"
import { describeMillis, matchTag, Tag } from "./subject.js"
import { clockOf } from "./timer.js"

/** @internal */
export const TaskTypeId: unique symbol = Symbol.for("@effect-otp/core/Task")

const variance = { _A: (_: never) => _, _E: (_: never) => _ }

/** Every `Task` is made by `async` below. @internal */
export const taskImpl = <A, E>(task: Task.Task<A, E>): TaskImpl<A, E> => task as TaskImpl<A, E>

/** What a wait for the outcome gets when its timeout passes. */
const TIMED_OUT = Symbol.for("@effect-otp/core/Task/timedOut")

/** What the owner's other waiting fibers get when one of them took the task's outcome. */
const SETTLED = Symbol.for("@effect-otp/core/Task/settled")

/** The outcome of a task once known: its exit (value or typed failure), or how it died without one. */
type Outcome<A, E> = Exit.Exit<A, E> | TaskExited

/** @internal */
export class TaskImpl<A, E> extends Identity implements Task.Task<A, E> {
  readonly [TaskTypeId] = variance
  outcome: Outcome<A, E> | undefined = undefined
  constructor(
    readonly process: ProcessState,
    readonly owner: ProcessState,
    readonly tag: Tag,
    readonly ref: MonitorImpl
  ) {
    super()
  }
  get pid(): Pid {
    return this.process.pid
  }
  toString() {
    return `Task(${this.process.pid.toString()})`
  }
  toJSON() {
    return { _id: "Task", pid: this.process.pid.toString() }
  }

  /**
   * Records the outcome (the first one wins), forgets the monitor and whatever it left in the owner's mailbox,
   * and wakes the owner's other fibers waiting for this task: they read the recorded outcome.
   */
  settle(outcome: Outcome<A, E>): Outcome<A, E> {
    if (this.outcome !== undefined) return this.outcome
    this.outcome = outcome
    this.unwatch()
    this.owner.mailbox.offerToWaiters(this.tag, SETTLED)
    this.release()
    return outcome
  }

  /** Stops watching the task: no more results or downs under its tag, and none left in the owner's mailbox. */
  unwatch(): void {
    this.tag.active = false
    unmonitor(this.ref)
    if (this.owner.mailbox.length > 0) this.owner.mailbox.removeWhere((envelope) => envelope.tag === this.tag)
  }

  /** Set by `async`: closes the task's own scope entry once the task no longer needs watching. */
  release: () => void = () => {}

  fromMessage(value: unknown): Outcome<A, E> {
    if (value === SETTLED) return this.outcome!
    if (value instanceof CalleeExited) return this.settle(new TaskExited({ reason: value.reason }))
    return this.settle(value as Exit.Exit<A, E>)
  }
}

/**
 * What a task's process runs: `effect`, its outcome handed to `owner` under `tag` (unless the owner stopped
 * watching, or is gone). A typed failure is a result: the task hands it over and exits Normal. A defect or an
 * interruption is a crash: the process ends Abnormal (or Killed), which travels through its links and monitors.
 * @internal
 */
export const replying = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  owner: ProcessState,
  tag: Tag
): Effect.Effect<void, E, R> => {
  const deliver = (exit: Exit.Exit<A, E>) =>
    Effect.sync(() => {
      if (tag.active && owner.alive) owner.mailbox.deliver(tag, exit)
    })
  return Effect.matchCauseEffect(effect, {
    onSuccess: (value) => deliver(Exit.succeed(value)),
    onFailure: (cause) =>
      Cause.hasFails(cause) && !Cause.hasDies(cause) && !Cause.hasInterrupts(cause) ?
        deliver(Exit.failCause(cause)) :
        Effect.failCause(cause)
  })
}

/** @internal */
export const async = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly linked: boolean }
): Effect.Effect<TaskImpl<A, E>, never, Scope.Scope | Exclude<R, Scope.Scope>> =>
  withSelf((owner) => {
    const tag = new Tag()
    const body = replying(effect, owner, tag)
    // The task lives in a scope of its own, forked from the caller's: when the caller's scope closes first, the
    // task is stopped and then forgotten (no monitor left, nothing left in the owner's mailbox); once the task has
    // an outcome, that scope is released, so a long-lived owner does not collect one finalizer per task.
    return Effect.flatMap(Scope.Scope, (scope) =>
      Effect.flatMap(Scope.fork(scope), (own) => {
        let task: TaskImpl<A, E> | undefined
        const forget = Effect.sync(() => {
          if (task !== undefined && task.outcome === undefined) {
            task.unwatch()
          }
        })
        return Effect.andThen(
          Scope.addFinalizer(own, forget),
          Effect.map(
            Effect.provideService(spawn(body, options), Scope.Scope, own),
            (child) => {
              task = new TaskImpl<A, E>(child, owner, tag, monitor(owner, child, tag))
              task.release = () => {
                const close = () => {
                  Effect.runFork(Scope.close(own, Exit.void))
                }
                // Closing the scope while the task still runs would signal it: wait for its end.
                if (child.reason !== undefined) {
                  close()
                } else {
                  if (child.exitHooks === undefined) {
                    child.exitHooks = new Set()
                  }
                  child.exitHooks.add(close)
                }
              }
              return task
            }
          )
        )
      }))
  })

const ownerOnly = <A, E, X, Y>(
  task: TaskImpl<A, E>,
  what: string,
  f: (self: ProcessState) => Effect.Effect<X, Y>
): Effect.Effect<X, Y> =>
  withSelf((self) => {
    if (self !== task.owner) {
      return Effect.die(
        new Error(
          `${what}: only the owner of ${task.toString()} (${task.owner.pid.toString()}) may do this, ` +
            `not ${self.pid.toString()}`
        )
      )
    }
    return f(self)
  })

/** Waits up to `millis` for the outcome; `undefined` on timeout. @internal */
export const outcome = <A, E>(task: TaskImpl<A, E>, millis: number, what: string) =>
  ownerOnly(task, what, (self) => {
    if (task.outcome !== undefined) return Effect.succeed<Outcome<A, E> | undefined>(task.outcome)
    return Effect.map(
      receiveMatching<unknown, never>(self, millis, matchTag(task.tag), () => Effect.succeed(TIMED_OUT)),
      (value) => value === TIMED_OUT ? undefined : task.fromMessage(value)
    )
  })

const toEffect = <A, E>(outcome: Outcome<A, E>): Effect.Effect<A, E | TaskExited> =>
  outcome instanceof TaskExited ? Effect.fail(outcome) : outcome

/** @internal */
export const await_ = <A, E>(task: TaskImpl<A, E>, millis: number): Effect.Effect<A, E | TaskTimeout | TaskExited> =>
  Effect.flatMap(
    outcome(task, millis, "Task.await"),
    (result): Effect.Effect<A, E | TaskTimeout | TaskExited> =>
      result === undefined ? Effect.fail(new TaskTimeout({ timeout: describeMillis(millis) })) : toEffect(result)
  )

/** @internal */
export const awaitAll = <A, E>(
  tasks: Iterable<TaskImpl<A, E>>,
  millis: number
): Effect.Effect<ReadonlyArray<Result.Result<A, E | TaskTimeout | TaskExited>>> =>
  withSelf((_, fiber) => {
    const clock = clockOf(fiber)
    const deadline = clock.currentTimeMillisUnsafe() + millis
    return Effect.forEach(tasks, (task) =>
      Effect.suspend(() => {
        const left = Math.max(0, deadline - clock.currentTimeMillisUnsafe())
        return Effect.result(
          Effect.flatMap(
            outcome(task, left, "Task.awaitAll"),
            (result): Effect.Effect<A, E | TaskTimeout | TaskExited> =>
              result === undefined
                ? Effect.fail(new TaskTimeout({ timeout: describeMillis(millis) }))
                : toEffect(result)
          )
        )
      }))
  })

const toExit = <A, E>(outcome: Outcome<A, E>): Exit.Exit<A, E> =>
  outcome instanceof TaskExited ? Exit.die(outcome) : outcome

/** @internal */
export const yield_ = <A, E>(task: TaskImpl<A, E>, millis: number): Effect.Effect<Option.Option<Exit.Exit<A, E>>> =>
  Effect.map(
    outcome(task, millis, "Task.yield"),
    (result) => result === undefined ? Option.none() : Option.some(toExit(result))
  )

/**
 * Stops the task (unlinked first, so the owner is not signalled): `Shutdown` then kill after `millis`, or a kill at
 * once when `millis` is negative (BrutalKill). Returns the outcome if the task had one before it was stopped.
 * @internal
 */
export const shutdown = <A, E>(task: TaskImpl<A, E>, millis: number): Effect.Effect<Option.Option<Exit.Exit<A, E>>> =>
  ownerOnly(task, "Task.shutdown", (self) =>
    Effect.suspend(() => {
      if (task.outcome !== undefined) return Effect.succeed(Option.some(toExit(task.outcome)))
      const child = task.process
      const ended = !child.alive
      unlink(self, child)
      const stop: Effect.Effect<unknown> = ended ? Effect.void : shutdownProcess(self, child, shutdownReason, millis)
      return Effect.map(stop, () => {
        const found = self.mailbox.takeTag(task.tag)
        if (found === undefined) {
          task.settle(new TaskExited({ reason: child.reason ?? killed }))
          return Option.none()
        }
        const result = task.fromMessage(found.value)
        // A death we caused is not an outcome of the task; one it met before is.
        if (result instanceof TaskExited && !ended) return Option.none()
        return Option.some(toExit(result))
      })
    }))
