/**
 * What the TaskSupervisor tests share: tasks that announce themselves or trap exits, and readers of what a task's
 * end looks like from its owner (`TaskExited`, a crash in `Task.yield`'s outcome).
 */
import { assert } from "@effect/vitest"
import { Cause, Data, Effect, Equal, Exit, Option } from "effect"
import { TestClock } from "effect/testing"
import { Process, Subject, Task, TaskSupervisor, Testing } from "../src/index.js"

const { ExitReason } = Process

export class NotFound extends Data.TaggedError("NotFound")<{ readonly id: number }> {}

export const boom = new Error("boom")

/** The defects an Abnormal exit reason carries. */
export const defectsOf = (reason: Process.ExitReason): ReadonlyArray<unknown> =>
  reason._tag === "Abnormal" && Cause.isCause(reason.reason) ?
    reason.reason.reasons.filter(Cause.isDieReason).map((r) => r.defect) :
    []

/** The exit reason `TaskExited` carries, from a failed await. */
export const exitedWith = (error: unknown): Process.ExitReason => {
  assert.instanceOf(error, Task.TaskExited)
  return (error as Task.TaskExited).reason
}

/** The reason of a `Task.yield`/`Task.shutdown` outcome that is a crash (a defect holding `TaskExited`). */
export const crashOf = (outcome: Option.Option<Exit.Exit<unknown, unknown>>): Process.ExitReason => {
  assert.isTrue(Option.isSome(outcome) && Exit.isFailure(outcome.value), "expected a crash")
  const exit = (outcome as Option.Some<Exit.Failure<unknown, unknown>>).value
  return exitedWith(exit.cause.reasons.filter(Cause.isDieReason).map((r) => r.defect)[0])
}

export const isValue = <A>(outcome: Option.Option<Exit.Exit<A, unknown>>, value: A): boolean =>
  Option.isSome(outcome) && Exit.isSuccess(outcome.value) && Equal.equals(outcome.value.value, value)

/** A task body that traps exits, says so on `ready`, then runs `body`. */
export const trapping = <A, E>(ready: Subject.Subject<Process.Pid>, body: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    yield* Process.trapExits(true)
    yield* Subject.send(ready, yield* Process.self)
    return yield* body
  })

/** A task body that says it runs on `ready`, then runs `body`. */
export const announced = <A, E>(ready: Subject.Subject<Process.Pid>, body: Effect.Effect<A, E>) =>
  Effect.andThen(Effect.flatMap(Process.self, (pid) => Subject.send(ready, pid)), body)

/** Once everything has settled, the supervisor has no task left. */
export const noTaskLeft = (sup: TaskSupervisor.TaskSupervisor) =>
  Effect.gen(function*() {
    yield* Testing.settle()
    assert.deepStrictEqual(yield* TaskSupervisor.children(sup), [])
  })

/** A task that outlived its owner: still alive, then done after its 1 second, ending Normal. */
export const runsToItsEnd = (taskPid: Process.Pid, done: Subject.Subject<string>) =>
  Effect.gen(function*() {
    assert.isTrue(yield* Process.isAlive(taskPid))
    yield* TestClock.adjust("1 second")
    assert.strictEqual(yield* Subject.receive(done, "1 second"), "done")
    assert.deepStrictEqual(yield* Process.awaitExit(taskPid), ExitReason.Normal())
  })

export const started = (builder?: TaskSupervisor.Builder) => Effect.map(TaskSupervisor.start(builder), (s) => s.data)
