/**
 * TaskSupervisor against Elixir's Task.Supervisor. Each behaviour below was first run on Elixir 1.14 (OTP 25) by
 * `test/elixir/task_supervisor.exs`, whose output is kept beside it (`task_supervisor.out`); the numbers in the test
 * names ("Elixir 3b") are its scenarios. This file: the supervisor itself (`startChild`,
 * limits, children, its shutdown, its place in a tree); `TaskSupervisor.test.ts`: tasks with an owner.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Context, Effect, Equal, Exit, Option, Ref } from "effect"
import { TestClock } from "effect/testing"
import type { Supervision } from "../src/index.js"
import { Name, Process, Selector, StaticSupervisor, Subject, Task, TaskSupervisor, Testing } from "../src/index.js"
import { invalidSpecification, trapped } from "./fixtures.js"
import { announced, boom, crashOf, defectsOf, NotFound, started, trapping } from "./tasks.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

describe("TaskSupervisor: the supervisor and its children", () => {
  describe("startChild: fire-and-forget", () => {
    it.effect("runs at once for nobody; not linked to the caller, whose services it gets", () =>
      Effect.gen(function*() {
        class Greeting extends Context.Service<Greeting, string>()("test/TaskSupervisor/Greeting") {}
        const sup = yield* started()
        const ran = yield* Subject.make<string>()
        const pid = yield* TaskSupervisor.startChild(
          sup,
          Effect.andThen(
            Effect.flatMap(Effect.service(Greeting), (greeting) => Subject.send(ran, greeting)),
            Effect.die(boom)
          )
        ).pipe(Effect.provideService(Greeting, "hello"))
        assert.strictEqual(yield* Subject.receive(ran, "1 second"), "hello")
        assert.deepStrictEqual(defectsOf(yield* Process.awaitExit(pid)), [boom])
        // no link: the caller (not trapping) lives on
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
      }))

    it.effect("Temporary (the default): crashes are not restarted and do not count, even at intensity 0 (Elixir 5)", () =>
      Effect.gen(function*() {
        const sup = yield* TaskSupervisor.start(
          TaskSupervisor.make().pipe(TaskSupervisor.restartTolerance({ intensity: 0, period: "5 seconds" }))
        )
        const runs = yield* Subject.make<Process.Pid>()
        for (let i = 0; i < 3; i++) {
          const pid = yield* TaskSupervisor.startChild(sup.data, announced(runs, Effect.die(boom)))
          yield* Process.awaitExit(pid)
        }
        yield* Testing.settle()
        assert.isTrue(yield* Process.isAlive(sup.pid))
        assert.deepStrictEqual(yield* TaskSupervisor.children(sup.data), [])
        // each ran once
        for (let i = 0; i < 3; i++) yield* Subject.receive(runs, "1 second")
        assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(runs, 0))))
      }))

    it.effect("Transient: restarted after a failure (a crash or a typed failure), not after Normal (Elixir 5b)", () =>
      Effect.gen(function*() {
        const sup = yield* started(
          TaskSupervisor.make().pipe(TaskSupervisor.restartTolerance({ intensity: 3, period: "5 seconds" }))
        )
        const runs = yield* Subject.make<Process.Pid>()
        const count = yield* Ref.make(0)
        const first = yield* TaskSupervisor.startChild(
          sup,
          announced(
            runs,
            Effect.flatMap(
              Ref.getAndUpdate(count, (n) => n + 1),
              (n) => n === 0 ? Effect.die(boom) : n === 1 ? Effect.fail(new NotFound({ id: n })) : Effect.void
            )
          ),
          { restart: "Transient" }
        )
        const pids = [
          yield* Subject.receive(runs, "1 second"),
          yield* Subject.receive(runs, "1 second"),
          yield* Subject.receive(runs, "1 second")
        ]
        assert.isTrue(Equal.equals(pids[0], first))
        assert.strictEqual(new Set(pids.map(String)).size, 3)
        yield* Testing.settle()
        assert.strictEqual(yield* Ref.get(count), 3)
        assert.deepStrictEqual(yield* TaskSupervisor.children(sup), [])
      }))

    it.effect("Transient past the tolerance: the supervisor gives up and exits Shutdown (Elixir 5c)", () =>
      Effect.gen(function*() {
        const sup = yield* TaskSupervisor.start(
          TaskSupervisor.make().pipe(
            TaskSupervisor.restartTolerance({ intensity: 0, period: "5 seconds" }),
            TaskSupervisor.restartStrategy("Transient")
          )
        )
        yield* Process.unlink(sup.pid)
        yield* TaskSupervisor.startChild(sup.data, Effect.die(boom))
        assert.deepStrictEqual(yield* Process.awaitExit(sup.pid), ExitReason.Shutdown())
      }))

    it.effect("Permanent: restarted after Normal too, until past the tolerance (Elixir 5d: 3 runs at intensity 2)", () =>
      Effect.gen(function*() {
        const sup = yield* TaskSupervisor.start()
        yield* Process.unlink(sup.pid)
        const runs = yield* Subject.make<Process.Pid>()
        yield* TaskSupervisor.startChild(sup.data, announced(runs, Effect.void), { restart: "Permanent" })
        assert.deepStrictEqual(yield* Process.awaitExit(sup.pid), ExitReason.Shutdown())
        for (let i = 0; i < 3; i++) yield* Subject.receive(runs, "1 second")
        assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(runs, 0))))
      }))

    it.effect("an invalid restart or shutdown option is a defect", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const restart = yield* Effect.exit(
          TaskSupervisor.startChild(sup, Effect.void, { restart: "Sometimes" as Supervision.Restart })
        )
        assert.isTrue(Exit.isFailure(restart) && Cause.hasDies(restart.cause))
        const shutdown = yield* Effect.exit(TaskSupervisor.async(sup, Effect.void, { shutdown: -1 }))
        assert.isTrue(Exit.isFailure(shutdown) && Cause.hasDies(shutdown.cause))
        assert.deepStrictEqual(yield* TaskSupervisor.children(sup), [])
      }))
  })

  describe("maxChildren, children, terminateChild", () => {
    it.effect("a full supervisor: MaxChildren for startChild, async and asyncNolink; a freed slot is taken (Elixir 6)", () =>
      Effect.gen(function*() {
        const sup = yield* started(TaskSupervisor.make().pipe(TaskSupervisor.maxChildren(1)))
        const first = yield* TaskSupervisor.startChild(sup, Effect.never)
        assert.deepStrictEqual(
          yield* Effect.flip(TaskSupervisor.startChild(sup, Effect.void)),
          new TaskSupervisor.MaxChildren({ max: 1 })
        )
        assert.instanceOf(yield* Effect.flip(TaskSupervisor.async(sup, Effect.void)), TaskSupervisor.MaxChildren)
        assert.instanceOf(yield* Effect.flip(TaskSupervisor.asyncNolink(sup, Effect.void)), TaskSupervisor.MaxChildren)
        yield* TaskSupervisor.terminateChild(sup, first)
        const error = yield* Effect.flip(TaskSupervisor.terminateChild(sup, first))
        assert.strictEqual(error._tag, "ChildNotFound")
        assert.deepStrictEqual(yield* TaskSupervisor.children(sup), [])
        const task = yield* TaskSupervisor.async(sup, Effect.succeed(1))
        assert.strictEqual(yield* Task.await(task, "1 second"), 1)
      }))

    it.effect("children lists the running tasks in start order; terminateChild stops one with Shutdown (Elixir 10)", () =>
      Effect.gen(function*() {
        const sup = yield* started()
        const a = yield* TaskSupervisor.startChild(sup, Effect.never)
        const b = yield* TaskSupervisor.asyncNolink(sup, Effect.never)
        const c = yield* TaskSupervisor.startChild(sup, Effect.sleep("1 second"))
        assert.deepStrictEqual(yield* TaskSupervisor.children(sup), [a, b.pid, c])
        yield* TestClock.adjust("1 second")
        yield* Process.awaitExit(c)
        yield* Testing.settle()
        assert.deepStrictEqual(yield* TaskSupervisor.children(sup), [a, b.pid])
        yield* TaskSupervisor.terminateChild(sup, b.pid)
        assert.deepStrictEqual(crashOf(yield* Task.yield(b, 0)), ExitReason.Shutdown())
        assert.deepStrictEqual(yield* TaskSupervisor.children(sup), [a])
      }))

    it.effect("a supervisor that is gone: CallError for each request (Elixir 12: the caller exits noproc)", () =>
      Effect.gen(function*() {
        const sup = yield* TaskSupervisor.start()
        yield* Process.unlink(sup.pid)
        yield* Process.kill(sup.pid)
        yield* Process.awaitExit(sup.pid)
        for (
          const request of [
            TaskSupervisor.async(sup.data, Effect.void),
            TaskSupervisor.asyncNolink(sup.data, Effect.void),
            TaskSupervisor.startChild(sup.data, Effect.void),
            TaskSupervisor.children(sup.data)
          ] as const
        ) {
          const error = yield* Effect.flip(request as Effect.Effect<unknown, { readonly _tag: string }>)
          assert.include(["NoProcess", "CalleeDown"], error._tag)
        }
      }))
  })

  describe("the supervisor's shutdown", () => {
    for (
      const [label, options, millis] of [
        ["the default 5 seconds", {}, 5000],
        ["its own 300 ms", { shutdown: 300 }, 300],
        ["BrutalKill: at once", { shutdown: "BrutalKill" }, 0]
      ] as const
    ) {
      it.effect(`a task that traps exits gets Shutdown, and is killed after ${label} (Elixir 4)`, () =>
        Effect.gen(function*() {
          const sup = yield* TaskSupervisor.start()
          yield* Process.unlink(sup.pid)
          const ready = yield* Subject.make<Process.Pid>()
          const got = yield* Subject.make<string>()
          const task = yield* TaskSupervisor.asyncNolink(
            sup.data,
            trapping(
              ready,
              Effect.andThen(
                Effect.flatMap(Selector.receiveForever(trapped), (exit) => Subject.send(got, exit.reason._tag)),
                Effect.never
              )
            ),
            options
          )
          yield* Subject.receive(ready, "1 second")
          yield* Process.exit(sup.pid, ExitReason.Shutdown())
          yield* Testing.settle()
          if (millis > 0) {
            assert.strictEqual(yield* Subject.receive(got, "1 second"), "Shutdown")
            yield* TestClock.adjust(millis - 1)
            assert.isTrue(yield* Process.isAlive(task.pid))
            yield* TestClock.adjust(1)
          }
          assert.deepStrictEqual(crashOf(yield* Task.yield(task, "1 second")), ExitReason.Killed())
          assert.deepStrictEqual(yield* Process.awaitExit(sup.pid), ExitReason.Shutdown())
          assert.strictEqual(yield* Clock.currentTimeMillis, millis)
        }))
    }

    it.effect("tasks are stopped together: two trapping tasks of 300 ms each take 300 ms (Elixir 4b)", () =>
      Effect.gen(function*() {
        const sup = yield* TaskSupervisor.start(TaskSupervisor.make().pipe(TaskSupervisor.timeout("300 millis")))
        yield* Process.unlink(sup.pid)
        const ready = yield* Subject.make<Process.Pid>()
        const pids = [
          yield* TaskSupervisor.startChild(sup.data, trapping(ready, Effect.never)),
          yield* TaskSupervisor.startChild(sup.data, trapping(ready, Effect.never))
        ]
        for (const _ of pids) yield* Subject.receive(ready, "1 second")
        yield* Process.exit(sup.pid, ExitReason.Shutdown())
        yield* Testing.settle()
        yield* TestClock.adjust("300 millis")
        assert.deepStrictEqual(yield* Process.awaitExit(sup.pid), ExitReason.Shutdown())
        assert.strictEqual(yield* Clock.currentTimeMillis, 300)
        for (const pid of pids) assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Killed())
      }))
  })

  describe("in a supervision tree", () => {
    class Tasks extends Context.Service<Tasks, TaskSupervisor.TaskSupervisor>()("test/TaskSupervisor/Tasks") {}

    it.effect("toLayer under StaticSupervisor.layer provides the handle to the program", () =>
      Effect.gen(function*() {
        const program = Effect.gen(function*() {
          const tasks = yield* Tasks
          const pid = yield* TaskSupervisor.startChild(tasks, Effect.never)
          assert.deepStrictEqual(yield* TaskSupervisor.children(tasks), [pid])
          return yield* Task.await(yield* TaskSupervisor.async(tasks, Effect.succeed(2)), "1 second")
        })
        const app = StaticSupervisor.layer(
          StaticSupervisor.new("OneForOne"),
          TaskSupervisor.toLayer(Tasks, TaskSupervisor.make())
        )
        assert.strictEqual(yield* Effect.provide(program, app), 2)
      }))

    it.effect("supervised: a child of a static supervisor, reached by name; getByName", () =>
      Effect.gen(function*() {
        const name = Name.make<TaskSupervisor.Message>("tasks")
        yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(TaskSupervisor.supervised(TaskSupervisor.make().pipe(TaskSupervisor.named(name)))),
          StaticSupervisor.start
        )
        const tasks = TaskSupervisor.getByName(name)
        const first = Option.getOrThrow(yield* Process.whereis(name))
        assert.strictEqual(yield* Task.await(yield* TaskSupervisor.async(tasks, Effect.succeed("a")), "1 second"), "a")
        // restarted by its parent: the name reaches the new one
        yield* Process.kill(first)
        yield* Testing.settle()
        const second = Option.getOrThrow(yield* Process.whereis(name))
        assert.isFalse(Equal.equals(first, second))
        assert.strictEqual(yield* Task.await(yield* TaskSupervisor.async(tasks, Effect.succeed("b")), "1 second"), "b")
      }))

    it.effect("an invalid configuration fails start with InitFailed(InvalidSpecification) naming the field", () =>
      Effect.gen(function*() {
        for (
          const [builder, field] of [
            [TaskSupervisor.make().pipe(TaskSupervisor.maxChildren(0)), "maxChildren"],
            [
              TaskSupervisor.make().pipe(TaskSupervisor.restartStrategy("Always" as Supervision.Restart)),
              "restartStrategy"
            ],
            [TaskSupervisor.make().pipe(TaskSupervisor.timeout(-5)), "timeout"],
            [
              TaskSupervisor.make().pipe(TaskSupervisor.restartTolerance({ intensity: -1, period: "1 second" })),
              "restartTolerance.intensity"
            ]
          ] as const
        ) {
          const error = yield* Effect.flip(TaskSupervisor.start(builder))
          invalidSpecification(error, field)
        }
      }))
  })
})
