/**
 * TaskSupervisor against Elixir's Task.Supervisor. Each behaviour below was first run on Elixir 1.14 (OTP 25) by
 * `test/elixir/task_supervisor.exs`, whose output is kept beside it (`task_supervisor.out`); the numbers in the test
 * names ("Elixir 3b") are its scenarios. This file: tasks with an owner (`async`, `asyncNolink`, the streams); `TaskSupervisorChildren.test.ts`: the
 * supervisor itself (`startChild`, limits, its shutdown, its place in a tree).
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Equal, Fiber, Option, pipe, Ref, Result, Stream } from "effect"
import { TestClock } from "effect/testing"
import { Process, Selector, Subject, Task, TaskSupervisor, Testing } from "../src/index.js"
import { downs, noExitMessage, trapped } from "./fixtures.js"
import {
  announced,
  boom,
  crashOf,
  defectsOf,
  exitedWith,
  isValue,
  noTaskLeft,
  NotFound,
  runsToItsEnd,
  started,
  trapping
} from "./tasks.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

describe("TaskSupervisor: tasks with an owner", () => {
  describe("async: linked to the caller", () => {
    it.effect("gives the value; the task is a child of the supervisor, and leaves it when done", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const me = yield* Process.self
        const ready = yield* Subject.make<Process.Pid>()
        const task = yield* TaskSupervisor.async(sup, announced(ready, Effect.as(Effect.sleep("1 second"), 42)))
        assert.isTrue(Equal.equals(yield* Subject.receive(ready, "1 second"), task.pid))
        assert.isFalse(Equal.equals(task.pid, me))
        assert.deepStrictEqual(yield* TaskSupervisor.children(sup), [task.pid])
        const waiting = yield* Effect.forkChild(Task.await(task, "5 seconds"))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* Fiber.join(waiting), 42)
        assert.deepStrictEqual(yield* Process.awaitExit(task.pid), ExitReason.Normal())
        yield* noTaskLeft(sup)
        assert.strictEqual(yield* Process.messageQueueLength(me), 0)
      }))

    it.effect("a typed failure is a result: await gives it, the task exits Normal, the caller is not signalled", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const sup = yield* started()
        const task = yield* TaskSupervisor.async(sup, Effect.fail(new NotFound({ id: 7 })))
        assert.deepStrictEqual(yield* Effect.flip(Task.await(task, "1 second")), new NotFound({ id: 7 }))
        assert.deepStrictEqual(yield* Process.awaitExit(task.pid), ExitReason.Normal())
        const message = yield* Effect.option(Selector.receive(trapped, 0))
        assert.isTrue(Option.isNone(message) || message.value.reason._tag === "Normal")
      }))

    it.effect("a crash kills a caller that does not trap exits, with the task's reason (Elixir 9c, as Task.async)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const pids = yield* Subject.make<Process.Pid>()
        const owner = yield* Process.spawnUnlinked(Effect.gen(function*() {
          const task = yield* TaskSupervisor.async(sup, Effect.andThen(Effect.sleep("1 second"), Effect.die(boom)))
          yield* Subject.send(pids, task.pid)
          return yield* Task.awaitForever(task)
        }))
        const taskPid = yield* Subject.receive(pids, "1 second")
        yield* TestClock.adjust("1 second")
        const reason = yield* Process.awaitExit(owner)
        assert.deepStrictEqual(defectsOf(reason), [boom])
        assert.isTrue(Equal.equals(reason, yield* Process.awaitExit(taskPid)))
        // the supervisor is not affected: a temporary child that crashed is forgotten
        assert.deepStrictEqual(yield* TaskSupervisor.children(sup), [])
      }))

    it.effect("a crash is TaskExited for await, and an ExitMessage for a caller that traps exits", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const sup = yield* started()
        const task = yield* TaskSupervisor.async(sup, Effect.die(boom))
        const reason = exitedWith(yield* Effect.flip(Task.await(task, "1 second")))
        assert.deepStrictEqual(defectsOf(reason), [boom])
        const message = yield* Selector.receive(trapped, "1 second")
        assert.isTrue(Equal.equals(message.pid, task.pid))
        assert.isTrue(Equal.equals(message.reason, reason))
      }))

    it.effect("the owner crashing takes its task with it (Elixir 7: the linked task ends with the owner's reason)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const pids = yield* Subject.make<Process.Pid>()
        const owner = yield* Process.spawnUnlinked(Effect.gen(function*() {
          const task = yield* TaskSupervisor.async(sup, Effect.never)
          yield* Subject.send(pids, task.pid)
          return yield* Effect.andThen(Effect.sleep("1 second"), Effect.die(boom))
        }))
        const taskPid = yield* Subject.receive(pids, "1 second")
        yield* TestClock.adjust("1 second")
        const ownerReason = yield* Process.awaitExit(owner)
        assert.isTrue(Equal.equals(yield* Process.awaitExit(taskPid), ownerReason))
        yield* noTaskLeft(sup)
      }))

    it.effect("an owner that ends Normal leaves its task running to its end (Elixir 7b)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const pids = yield* Subject.make<Process.Pid>()
        const done = yield* Subject.make<string>()
        const owner = yield* Process.spawnUnlinked(Effect.flatMap(
          TaskSupervisor.async(sup, Effect.andThen(Effect.sleep("1 second"), Subject.send(done, "done"))),
          (task) => Subject.send(pids, task.pid)
        ))
        const taskPid = yield* Subject.receive(pids, "1 second")
        assert.deepStrictEqual(yield* Process.awaitExit(owner), ExitReason.Normal())
        yield* runsToItsEnd(taskPid, done)
      }))

    it.effect("Task.shutdown unlinks first: the caller, not trapping, is not signalled; the supervisor forgets it", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const task = yield* TaskSupervisor.async(sup, Effect.never)
        assert.isTrue(Option.isNone(yield* Task.shutdown(task, "1 second")))
        assert.deepStrictEqual(yield* Process.awaitExit(task.pid), ExitReason.Shutdown())
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
        yield* noTaskLeft(sup)
      }))

    it.effect("data-last in pipe, and Task.awaitAll over tasks of both kinds", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const tasks = [
          yield* pipe(sup, TaskSupervisor.async(Effect.succeed<string | number>(1))),
          yield* pipe(sup, TaskSupervisor.asyncNolink(Effect.fail("bad"))),
          yield* pipe(sup, TaskSupervisor.asyncNolink(Effect.die(boom), { shutdown: "BrutalKill" }))
        ]
        const results = yield* Task.awaitAll(tasks, "1 second")
        assert.deepStrictEqual(results.slice(0, 2), [Result.succeed(1), Result.fail("bad")])
        assert.isTrue(Result.isFailure(results[2]) && results[2].failure instanceof Task.TaskExited)
        const pid = yield* pipe(sup, TaskSupervisor.startChild(Effect.never))
        yield* pipe(sup, TaskSupervisor.terminateChild(pid))
        yield* noTaskLeft(sup)
      }))

    it.effect("the supervisor stopping ends the task, and its Shutdown kills a caller that does not trap (Elixir 3c)", () =>
      Effect.gen(function*() {
        const results = yield* Subject.make<Process.Pid>()
        const owner = yield* Process.spawnUnlinked(Effect.scoped(Effect.gen(function*() {
          const sup = yield* TaskSupervisor.start()
          const task = yield* TaskSupervisor.async(sup.data, Effect.never)
          yield* Subject.send(results, sup.pid)
          return yield* Task.awaitForever(task)
        })))
        const supPid = yield* Subject.receive(results, "1 second")
        yield* Process.exit(supPid, ExitReason.Shutdown())
        assert.deepStrictEqual(yield* Process.awaitExit(owner), ExitReason.Shutdown())
      }))

    it.effect("the supervisor stopping: a trapping caller gets ExitMessage(Shutdown), await TaskExited (Elixir 3d)", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const sup = yield* TaskSupervisor.start()
        const task = yield* TaskSupervisor.async(sup.data, Effect.never)
        yield* Process.unlink(sup.pid)
        yield* Process.exit(sup.pid, ExitReason.Shutdown())
        assert.deepStrictEqual(exitedWith(yield* Effect.flip(Task.await(task, "1 second"))), ExitReason.Shutdown())
        const message = yield* Selector.receive(trapped, "1 second")
        assert.isTrue(Equal.equals(message.pid, task.pid))
        assert.deepStrictEqual(message.reason, ExitReason.Shutdown())
        assert.deepStrictEqual(yield* Process.awaitExit(sup.pid), ExitReason.Shutdown())
      }))
  })

  describe("asyncNolink: a crash is a result", () => {
    it.effect("a crash is TaskExited for yield and await; no exit signal, the caller traps nothing (Elixir 1, 1b)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const crashing = yield* TaskSupervisor.asyncNolink(sup, Effect.die(boom))
        assert.deepStrictEqual(defectsOf(crashOf(yield* Task.yield(crashing, "1 second"))), [boom])
        const exiting = yield* TaskSupervisor.asyncNolink(
          sup,
          Effect.andThen(Effect.sleep("1 second"), Effect.die(boom))
        )
        const waiting = yield* Effect.forkChild(Effect.flip(Task.await(exiting, "5 seconds")))
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(defectsOf(exitedWith(yield* Fiber.join(waiting))), [boom])
        // the caller, which does not trap exits, is alive, and nothing is left in its mailbox
        const me = yield* Process.self
        assert.isTrue(yield* Process.isAlive(me))
        assert.strictEqual(yield* Process.messageQueueLength(me), 0)
      }))

    it.effect("a typed failure stays a result (the task exits Normal); a value is a value", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const failing = yield* TaskSupervisor.asyncNolink(sup, Effect.fail(new NotFound({ id: 1 })))
        assert.deepStrictEqual(yield* Effect.flip(Task.await(failing, "1 second")), new NotFound({ id: 1 }))
        assert.deepStrictEqual(yield* Process.awaitExit(failing.pid), ExitReason.Normal())
        const succeeding = yield* TaskSupervisor.asyncNolink(sup, Effect.succeed("ok"))
        assert.strictEqual(yield* Task.await(succeeding, "1 second"), "ok")
      }))

    it.effect("a killed task is TaskExited(Killed) (Elixir 2)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const task = yield* TaskSupervisor.asyncNolink(sup, Effect.never)
        yield* Process.kill(task.pid)
        assert.deepStrictEqual(crashOf(yield* Task.yield(task, "1 second")), ExitReason.Killed())
        yield* noExitMessage
      }))

    it.effect("the supervisor killed: TaskExited(Killed) (Elixir 3); stopped: TaskExited(Shutdown) (Elixir 3b)", () =>
      Effect.gen(function*() {
        for (const [end, expected] of [["kill", ExitReason.Killed()], ["stop", ExitReason.Shutdown()]] as const) {
          const sup = yield* TaskSupervisor.start()
          yield* Process.unlink(sup.pid)
          const task = yield* TaskSupervisor.asyncNolink(sup.data, Effect.never)
          yield* end === "kill" ? Process.kill(sup.pid) : Process.exit(sup.pid, ExitReason.Shutdown())
          assert.deepStrictEqual(crashOf(yield* Task.yield(task, "1 second")), expected, end)
        }
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
      }))

    it.effect("the owner's death does not end the task: it runs to its end, its result is dropped (Elixir 7)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const pids = yield* Subject.make<Process.Pid>()
        const done = yield* Subject.make<string>()
        const owner = yield* Process.spawnUnlinked(Effect.gen(function*() {
          const task = yield* TaskSupervisor.asyncNolink(
            sup,
            Effect.andThen(Effect.sleep("1 second"), Effect.as(Subject.send(done, "done"), "result"))
          )
          yield* Subject.send(pids, task.pid)
          return yield* Effect.die(boom)
        }))
        const taskPid = yield* Subject.receive(pids, "1 second")
        assert.strictEqual((yield* Process.awaitExit(owner))._tag, "Abnormal")
        yield* runsToItsEnd(taskPid, done)
      }))

    it.effect("yield: None while it runs, then its value (Elixir 8)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const task = yield* TaskSupervisor.asyncNolink(sup, Effect.as(Effect.sleep("200 millis"), "done"))
        const early = yield* Effect.forkChild(Task.yield(task, "10 millis"))
        yield* TestClock.adjust("10 millis")
        assert.isTrue(Option.isNone(yield* Fiber.join(early)))
        const late = yield* Effect.forkChild(Task.yield(task, "1 second"))
        yield* TestClock.adjust("190 millis")
        assert.isTrue(isValue(yield* Fiber.join(late), "done"))
      }))

    it.effect("shutdown: None when it stopped it, its value when done first, its crash when it crashed first (Elixir 8)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const running = yield* TaskSupervisor.asyncNolink(sup, Effect.never)
        assert.isTrue(Option.isNone(yield* Task.shutdown(running, "5 seconds")))
        assert.deepStrictEqual(yield* Process.awaitExit(running.pid), ExitReason.Shutdown())
        const early = yield* TaskSupervisor.asyncNolink(sup, Effect.succeed("early"))
        yield* Process.awaitExit(early.pid)
        assert.isTrue(isValue(yield* Task.shutdown(early, "5 seconds"), "early"))
        const crashed = yield* TaskSupervisor.asyncNolink(sup, Effect.die(boom))
        yield* Process.awaitExit(crashed.pid)
        assert.deepStrictEqual(defectsOf(crashOf(yield* Task.shutdown(crashed, "BrutalKill"))), [boom])
        yield* noTaskLeft(sup)
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 0)
      }))

    it.effect("only the owner may await it (a defect elsewhere)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const task = yield* TaskSupervisor.asyncNolink(sup, Effect.never)
        const other = yield* Process.spawnUnlinked(Task.await(task, "1 second"))
        const reason = yield* Process.awaitExit(other)
        assert.strictEqual(defectsOf(reason).length, 1)
        yield* Task.shutdown(task, "BrutalKill")
      }))
  })

  describe("the owner's side of the start", () => {
    it.effect("an owner interrupted while the supervisor is busy: the task, once spawned, never runs its effect", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const ready = yield* Subject.make<Process.Pid>()
        // keep the supervisor busy: stopping a trapping task takes its 5 seconds
        const slow = yield* TaskSupervisor.startChild(sup, trapping(ready, Effect.never))
        yield* Subject.receive(ready, "1 second")
        const stopping = yield* Effect.forkChild(TaskSupervisor.terminateChild(sup, slow))
        yield* Testing.settle()
        const ran = yield* Ref.make(false)
        const asking = yield* Effect.forkChild(TaskSupervisor.async(sup, Ref.set(ran, true)))
        yield* Testing.settle()
        yield* Fiber.interrupt(asking)
        yield* TestClock.adjust("5 seconds")
        yield* Fiber.join(stopping)
        yield* Testing.settle()
        assert.isFalse(yield* Ref.get(ran))
        assert.deepStrictEqual(yield* TaskSupervisor.children(sup), [])
        yield* noExitMessage
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 0)
      }))

    it.effect("the owner monitors the task before it runs: a task that ends at once still reports to its owner", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const task = yield* TaskSupervisor.asyncNolink(sup, Effect.die(boom))
        yield* Process.awaitExit(task.pid)
        // its Down (with the real reason, not noproc) is there
        assert.deepStrictEqual(defectsOf(exitedWith(yield* Effect.flip(Task.await(task, 0)))), [boom])
        const monitor = yield* Process.monitor(task.pid)
        const down = yield* Selector.receive(downs, "1 second")
        assert.isTrue(Equal.equals(down.monitor, monitor))
      }))
  })

  describe("asyncStream: tasks under the supervisor, linked to the caller", () => {
    it.effect("maps the items in order, each in a task of the supervisor; none is left after", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const seen = yield* Ref.make<ReadonlyArray<number>>([])
        const results = yield* Stream.runCollect(
          TaskSupervisor.asyncStream(sup, [1, 2, 3, 4], (n) =>
            Effect.gen(function*() {
              const children = yield* TaskSupervisor.children(sup)
              const self = yield* Process.self
              yield* Ref.update(seen, (all) => [...all, children.some((pid) => Equal.equals(pid, self)) ? 1 : 0])
              return n * n
            }), { maxConcurrency: 2 })
        )
        assert.deepStrictEqual(results, [1, 4, 9, 16])
        assert.deepStrictEqual(yield* Ref.get(seen), [1, 1, 1, 1])
        yield* noTaskLeft(sup)
      }))

    it.effect("a typed failure fails the stream; a crash kills a caller that does not trap (Elixir 9c)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const failing = TaskSupervisor.asyncStream(
          sup,
          [1, 2, 3],
          (n) => n === 2 ? Effect.fail(new NotFound({ id: n })) : Effect.succeed(n)
        )
        assert.deepStrictEqual(yield* Effect.flip(Stream.runCollect(failing)), new NotFound({ id: 2 }))
        const owner = yield* Process.spawnUnlinked(Stream.runCollect(
          TaskSupervisor.asyncStream(sup, [1, 2, 3], (n) => n === 2 ? Effect.die(boom) : Effect.succeed(n))
        ))
        assert.deepStrictEqual(defectsOf(yield* Process.awaitExit(owner)), [boom])
        yield* noTaskLeft(sup)
      }))

    it.effect("a supervisor with fewer slots than the stream's concurrency fails it with MaxChildren", () =>
      Effect.gen(function*() {
        const sup = yield* started(TaskSupervisor.make().pipe(TaskSupervisor.maxChildren(2)))
        const stream = TaskSupervisor.asyncStream(sup, [1, 2, 3], (n) => Effect.as(Effect.sleep("1 second"), n), {
          maxConcurrency: 3
        })
        assert.instanceOf(yield* Effect.flip(Stream.runCollect(stream)), TaskSupervisor.MaxChildren)
        yield* noTaskLeft(sup)
      }))
  })

  describe("asyncStreamNolink: one Result per item", () => {
    it.effect("a crash and a killed late task are items, not signals (Elixir 9: [ok: 1, exit: :bad, exit: :timeout, ok: 4])", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const stream = TaskSupervisor.asyncStreamNolink(
          sup,
          [1, 2, 3, 4, 5],
          (n) =>
            n === 2 ?
              Effect.die(boom) :
              n === 3 ?
              Effect.as(Effect.sleep("1 second"), n) :
              n === 5 ?
              Effect.fail(new NotFound({ id: n })) :
              Effect.succeed(n),
          { timeout: "100 millis", onTimeout: "killTask", maxConcurrency: 5 }
        )
        const collecting = yield* Effect.forkChild(Stream.runCollect(stream))
        yield* Testing.settle()
        yield* TestClock.adjust("100 millis")
        const results = yield* Fiber.join(collecting)
        assert.strictEqual(results.length, 5)
        assert.deepStrictEqual(results[0], Result.succeed(1))
        assert.isTrue(Result.isFailure(results[1]))
        assert.deepStrictEqual(defectsOf(exitedWith(Result.isFailure(results[1]) ? results[1].failure : undefined)), [
          boom
        ])
        assert.isTrue(Result.isFailure(results[2]) && results[2].failure instanceof Task.TaskTimeout)
        assert.deepStrictEqual(results[3], Result.succeed(4))
        assert.deepStrictEqual(results[4], Result.fail(new NotFound({ id: 5 })))
        yield* noExitMessage
        yield* noTaskLeft(sup)
      }))

    it.effect("onTimeout \"exit\" (the default): a late task fails the stream with TaskTimeout (Elixir 9b)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const stream = TaskSupervisor.asyncStreamNolink(
          sup,
          [1, 2],
          (n) => Effect.as(Effect.sleep(n * 100), n),
          { timeout: "150 millis" }
        )
        const collecting = yield* Effect.forkChild(Effect.flip(Stream.runCollect(stream)))
        yield* Testing.settle()
        yield* TestClock.adjust("100 millis")
        yield* TestClock.adjust("50 millis")
        assert.instanceOf(yield* Fiber.join(collecting), Task.TaskTimeout)
        yield* noTaskLeft(sup)
      }))

    it.effect("a stream stopped early stops its running tasks (Elixir 9d)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const stream = TaskSupervisor.asyncStreamNolink(
          sup,
          Array.from({ length: 10 }, (_, i) => i + 1),
          (n) => Effect.as(Effect.sleep(n * 50), n),
          { maxConcurrency: 5 }
        )
        const collecting = yield* Effect.forkChild(Stream.runCollect(Stream.take(stream, 2)))
        yield* Testing.settle()
        assert.strictEqual((yield* TaskSupervisor.children(sup)).length, 5)
        yield* TestClock.adjust("50 millis")
        yield* Testing.settle()
        yield* TestClock.adjust("50 millis")
        assert.deepStrictEqual(yield* Fiber.join(collecting), [Result.succeed(1), Result.succeed(2)])
        yield* noTaskLeft(sup)
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 0)
      }))
  })
})
