import { afterEach, assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Context, Data, Duration, Effect, Equal, Exit, Fiber, Option, Ref, Result, Stream } from "effect"
import { TestClock } from "effect/testing"
import { Process, Selector, Subject, Task, Testing } from "../src/index.js"
import { downs, noExitMessage, onlySelfLeft, othersAlive, poll, trapped } from "./fixtures.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

/** The defects of a cause, in order. */
const defectsIn = (cause: Cause.Cause<unknown>): ReadonlyArray<unknown> =>
  cause.reasons.filter(Cause.isDieReason).map((reason) => reason.defect)

const defectsOf = (reason: Process.ExitReason): ReadonlyArray<unknown> =>
  reason._tag === "Abnormal" && Cause.isCause(reason.reason) ? defectsIn(reason.reason) : []

const isSuccessWith = <A>(exit: Option.Option<Exit.Exit<A, unknown>>, value: A): boolean =>
  Option.isSome(exit) && Exit.isSuccess(exit.value) && Equal.equals(exit.value.value, value)

/** Advances the clock in `step`s until `fiber` is done, then joins it. */
const drive = <A, E>(fiber: Fiber.Fiber<A, E>, step: Duration.Input = "10 millis", max = 10_000) =>
  Effect.gen(function*() {
    for (let i = 0; i < max && Option.isNone(yield* poll(fiber)); i++) {
      yield* TestClock.adjust(step)
    }
    return yield* Fiber.join(fiber)
  })

/** A task that traps exits, then runs `body`: returned once it traps them. */
const trappingTask = <A, E>(body: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const ready = yield* Subject.make<void>()
    const task = yield* Task.async(Effect.gen(function*() {
      yield* Process.trapExits(true)
      yield* Subject.send(ready, undefined)
      return yield* body
    }))
    yield* Subject.receive(ready, "1 second")
    return task
  })

/** Counts the live runs of an effect: how many at once at most, and how many processes existed meanwhile. */
const makeProbe = Effect.gen(function*() {
  const live = yield* Ref.make(0)
  const maxLive = yield* Ref.make(0)
  const maxProcesses = yield* Ref.make(0)
  const track = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.gen(function*() {
      const n = yield* Ref.updateAndGet(live, (n) => n + 1)
      yield* Ref.update(maxLive, (max) => Math.max(max, n))
      const processes = (yield* Process.list).length
      yield* Ref.update(maxProcesses, (max) => Math.max(max, processes))
      return yield* effect
    }).pipe(Effect.ensuring(Ref.update(live, (n) => n - 1)))
  return { live, maxLive, maxProcesses, track } as const
})

class NotFound extends Data.TaggedError("NotFound")<{ readonly id: number }> {}

describe("Task", () => {
  describe("await", () => {
    it.effect("gives the task's value, computed in another process", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        const task = yield* Task.async(Effect.map(Process.self, (pid) => [6 * 7, pid] as const))
        const [value, pid] = yield* Task.await(task, "1 second")
        assert.strictEqual(value, 42)
        assert.isTrue(Equal.equals(pid, task.pid))
        assert.isFalse(Equal.equals(pid, me))
        // awaiting again gives the same outcome
        assert.strictEqual((yield* Task.await(task, "1 second"))[0], 42)
        assert.deepStrictEqual(yield* Process.awaitExit(task.pid), ExitReason.Normal())
        assert.strictEqual(yield* Process.messageQueueLength(me), 0)
      }))

    it.effect("a timeout gives TaskTimeout and leaves the task running; shutdown stops it, no exit signal", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const task = yield* Task.async(Effect.as(Effect.sleep("10 seconds"), 1))
        const waiting = yield* Effect.forkChild(Effect.flip(Task.await(task, "1 second")))
        yield* TestClock.adjust("1 second")
        const error = yield* Fiber.join(waiting)
        assert.instanceOf(error, Task.TaskTimeout)
        assert.strictEqual(error._tag, "TaskTimeout")
        assert.isTrue(yield* Process.isAlive(task.pid))
        const result = yield* Task.shutdown(task, "1 second")
        assert.isTrue(Option.isNone(result))
        assert.isFalse(yield* Process.isAlive(task.pid))
        assert.deepStrictEqual(yield* Process.awaitExit(task.pid), ExitReason.Shutdown())
        yield* noExitMessage
        assert.deepStrictEqual(yield* othersAlive, [])
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 0)
      }))

    it.effect("a crash (defect) is TaskExited for await, and an exit message for the trapping owner", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const boom = new Error("boom")
        const task = yield* Task.async(Effect.die(boom))
        const error = yield* Effect.flip(Task.await(task, "1 second"))
        assert.instanceOf(error, Task.TaskExited)
        assert.isTrue(error._tag === "TaskExited")
        const reason = (error as Task.TaskExited).reason
        assert.strictEqual(reason._tag, "Abnormal")
        assert.deepStrictEqual(defectsOf(reason), [boom])
        assert.include(error.message, "boom")
        // the link: the owner traps exits, so it got an exit message with the same reason
        const message = yield* Selector.receive(trapped, "1 second")
        assert.isTrue(Equal.equals(message.pid, task.pid))
        assert.isTrue(Equal.equals(message.reason, reason))
        assert.isTrue(Equal.equals(yield* Process.awaitExit(task.pid), reason))
        // awaiting again gives the same
        const again = yield* Effect.flip(Task.await(task, "1 second"))
        assert.strictEqual(again, error)
      }))

    it.effect("a crash kills a non-trapping owner with the same reason", () =>
      Effect.gen(function*() {
        const boom = new Error("boom")
        const report = yield* Subject.make<Process.Pid>()
        const owner = yield* Process.spawnUnlinked(Effect.gen(function*() {
          const task = yield* Task.async(Effect.andThen(Effect.sleep("1 second"), Effect.die(boom)))
          yield* Subject.send(report, task.pid)
          return yield* Task.awaitForever(task)
        }))
        const monitor = yield* Process.monitor(owner)
        const taskPid = yield* Subject.receive(report, "1 second")
        yield* TestClock.adjust("1 second")
        const down = yield* Selector.receive(downs, "1 second")
        assert.isTrue(Equal.equals(down.monitor, monitor))
        assert.isTrue(Equal.equals(down.pid, owner))
        const taskReason = yield* Process.awaitExit(taskPid)
        assert.deepStrictEqual(defectsOf(taskReason), [boom])
        assert.isTrue(Equal.equals(down.reason, taskReason))
        assert.isTrue(Equal.equals(yield* Process.awaitExit(owner), taskReason))
      }))

    it.effect("a typed failure reaches await as the error, and the task exits Normal", () =>
      Effect.gen(function*() {
        const task = yield* Task.async(Effect.fail(new NotFound({ id: 7 })))
        const error = yield* Effect.flip(Task.await(task, "1 second"))
        assert.instanceOf(error, NotFound)
        assert.deepStrictEqual(error, new NotFound({ id: 7 }))
        assert.deepStrictEqual(yield* Process.awaitExit(task.pid), ExitReason.Normal())
        // the owner (not trapping) is alive: a typed failure is not a crash
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
      }))

    it.effect("a typed failure sends no crash to a trapping owner (at most a Normal exit message)", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const task = yield* Task.async(Effect.fail("bad" as const))
        assert.strictEqual(yield* Effect.flip(Task.await(task, "1 second")), "bad")
        yield* Process.awaitExit(task.pid)
        const message = yield* Effect.option(Selector.receive(trapped, 0))
        assert.isTrue(Option.isNone(message) || message.value.reason._tag === "Normal")
      }))

    it.effect("awaiting from a process that is not the owner is a defect", () =>
      Effect.gen(function*() {
        const task = yield* Task.async(Effect.as(Effect.sleep("1 second"), "value"))
        // with Effect.exit inside the other process, sent back
        const results = yield* Subject.make<Exit.Exit<string, unknown>>()
        yield* Process.spawnUnlinked(
          Effect.flatMap(Effect.exit(Task.await(task, "1 second")), (exit) => Subject.send(results, exit))
        )
        const exit = yield* Subject.receive(results, "1 second")
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
        // or the other process just crashes with the defect
        for (
          const body of [
            Task.await(task, "1 second"),
            Task.awaitForever(task),
            Task.yield(task, "1 second"),
            Task.shutdown(task, "BrutalKill"),
            Task.awaitAll([task], "1 second")
          ] as const
        ) {
          const other = yield* Process.spawnUnlinked(body as Effect.Effect<unknown, unknown>)
          const reason = yield* Process.awaitExit(other)
          assert.strictEqual(reason._tag, "Abnormal")
          assert.strictEqual(defectsOf(reason).length, 1)
        }
        // the owner still gets the value
        assert.isTrue(yield* Process.isAlive(task.pid))
        const value = yield* Effect.forkChild(Task.await(task, "2 seconds"))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* Fiber.join(value), "value")
      }))
    it.effect("two fibers of the owner awaiting the same task both get its outcome", () =>
      Effect.gen(function*() {
        const task = yield* Task.async(Effect.as(Effect.sleep("1 second"), "shared"))
        const first = yield* Effect.forkChild(Effect.result(Task.await(task, "5 seconds")))
        const second = yield* Effect.forkChild(Effect.result(Task.await(task, "5 seconds")))
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* Fiber.join(first), Result.succeed("shared"))
        yield* Testing.settle()
        // the outcome is known: the second waiter must not sit until its timeout
        assert.isTrue(Option.isSome(yield* poll(second)), "the second await is still waiting")
        assert.deepStrictEqual(yield* Fiber.join(second), Result.succeed("shared"))
        // and the recorded outcome is still the value
        assert.deepStrictEqual(yield* Effect.result(Task.await(task, 0)), Result.succeed("shared"))
      }))
  })

  describe("awaitForever", () => {
    it.effect("waits as long as it takes", () =>
      Effect.gen(function*() {
        const task = yield* Task.async(Effect.as(Effect.sleep("1 hour"), "late"))
        const waiting = yield* Effect.forkChild(Task.awaitForever(task))
        yield* TestClock.adjust("59 minutes")
        assert.isTrue(Option.isNone(yield* poll(waiting)))
        yield* TestClock.adjust("1 minute")
        assert.strictEqual(yield* Fiber.join(waiting), "late")
      }))

    it.effect("gives the typed failure, or TaskExited for a crash", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const failing = yield* Task.async(Effect.fail("bad" as const))
        assert.strictEqual(yield* Effect.flip(Task.awaitForever(failing)), "bad")
        const crashing = yield* Task.async(Effect.die(new Error("crash")))
        const error = yield* Effect.flip(Task.awaitForever(crashing))
        assert.instanceOf(error, Task.TaskExited)
        const killed = yield* Task.async(Effect.never)
        yield* Process.kill(killed.pid)
        const killedError = yield* Effect.flip(Task.awaitForever(killed))
        assert.instanceOf(killedError, Task.TaskExited)
        assert.deepStrictEqual((killedError as Task.TaskExited).reason, ExitReason.Killed())
      }))
  })

  describe("awaitAll", () => {
    it.effect("fast, slow and failing tasks share one deadline; results in order", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const started = yield* Subject.make<number>()
        const task = <A, E>(id: number, effect: Effect.Effect<A, E>) =>
          Task.async(Effect.andThen(Subject.send(started, id), effect))
        const tasks = [
          yield* task(0, Effect.succeed<string | number>(1)),
          yield* task(1, Effect.as(Effect.sleep("10 seconds"), 2)),
          yield* task(2, Effect.fail("bad")),
          yield* task(3, Effect.as(Effect.sleep("500 millis"), 4)),
          yield* task(4, Effect.die(new Error("crash"))),
          yield* task(5, Effect.as(Effect.sleep("1500 millis"), 6)),
          yield* task(6, Effect.as(Effect.sleep("999 millis"), 7))
        ]
        for (let i = 0; i < tasks.length; i++) yield* Subject.receive(started, "1 second")
        const waiting = yield* Effect.forkChild(Task.awaitAll(tasks, "1 second"))
        yield* TestClock.adjust("1 second")
        const results = yield* Fiber.join(waiting)
        assert.strictEqual(results.length, 7)
        assert.deepStrictEqual(results[0], Result.succeed(1))
        assert.isTrue(Result.isFailure(results[1]) && results[1].failure instanceof Task.TaskTimeout)
        assert.deepStrictEqual(results[2], Result.fail("bad"))
        assert.deepStrictEqual(results[3], Result.succeed(4))
        assert.isTrue(Result.isFailure(results[4]) && results[4].failure instanceof Task.TaskExited)
        assert.isTrue(Result.isFailure(results[5]) && results[5].failure instanceof Task.TaskTimeout)
        assert.deepStrictEqual(results[6], Result.succeed(7))
        // the deadline is shared: the whole wait took the timeout, not one per task
        assert.strictEqual(yield* Clock.currentTimeMillis, 1000)
        // the slow ones are still running
        assert.isTrue(yield* Process.isAlive(tasks[1].pid))
        assert.isTrue(yield* Process.isAlive(tasks[5].pid))
        yield* Task.shutdown(tasks[1], "BrutalKill")
        yield* Task.shutdown(tasks[5], "BrutalKill")
      }))

    it.effect("an empty list gives an empty array", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* Task.awaitAll([], "1 second"), [])
      }))
  })

  describe("yield", () => {
    it.effect("None while running (the task keeps running), Some(exit) once done", () =>
      Effect.gen(function*() {
        const task = yield* Task.async(Effect.as(Effect.sleep("1 second"), "done"))
        assert.isTrue(Option.isNone(yield* Task.yield(task, 0)))
        const early = yield* Effect.forkChild(Task.yield(task, "500 millis"))
        yield* TestClock.adjust("500 millis")
        assert.isTrue(Option.isNone(yield* Fiber.join(early)))
        assert.isTrue(yield* Process.isAlive(task.pid))
        const late = yield* Effect.forkChild(Task.yield(task, "1 second"))
        yield* TestClock.adjust("500 millis")
        const result = yield* Fiber.join(late)
        assert.isTrue(isSuccessWith(result, "done"))
        // again: the same outcome, at once
        assert.isTrue(isSuccessWith(yield* Task.yield(task, 0), "done"))
        assert.isTrue(isSuccessWith(yield* Task.shutdown(task, "BrutalKill"), "done"))
      }))

    it.effect("a typed failure is a failed Exit; a crash is a defect holding TaskExited", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const failing = yield* Task.async(Effect.fail("bad" as const))
        const failed = yield* Task.yield(failing, "1 second")
        assert.isTrue(Option.isSome(failed) && Exit.isFailure(failed.value))
        assert.deepStrictEqual(
          Option.flatMap(failed, (exit) => Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()),
          Option.some("bad")
        )
        const crashing = yield* Task.async(Effect.die(new Error("crash")))
        const crashed = yield* Task.yield(crashing, "1 second")
        assert.isTrue(Option.isSome(crashed) && Exit.isFailure(crashed.value))
        const defects = Option.isSome(crashed) && Exit.isFailure(crashed.value) ?
          defectsIn(crashed.value.cause) :
          []
        assert.strictEqual(defects.length, 1)
        assert.instanceOf(defects[0], Task.TaskExited)
      }))
  })

  describe("shutdown", () => {
    it.effect("a task that traps exits and ignores Shutdown is killed after the timeout", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const task = yield* trappingTask(Effect.never)
        const stopping = yield* Effect.forkChild(Task.shutdown(task, "2 seconds"))
        yield* TestClock.adjust("1 second")
        assert.isTrue(yield* Process.isAlive(task.pid))
        assert.isTrue(Option.isNone(yield* poll(stopping)))
        yield* TestClock.adjust("1 second")
        assert.isTrue(Option.isNone(yield* Fiber.join(stopping)))
        assert.deepStrictEqual(yield* Process.awaitExit(task.pid), ExitReason.Killed())
        yield* noExitMessage
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 0)
      }))

    it.effect("a task that ends at once on Shutdown: None, no kill, no exit signal", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const task = yield* Task.async(Effect.never)
        const stopping = yield* Effect.forkChild(Task.shutdown(task, "5 seconds"))
        assert.isTrue(Option.isNone(yield* Fiber.join(stopping)))
        assert.deepStrictEqual(yield* Process.awaitExit(task.pid), ExitReason.Shutdown())
        assert.strictEqual(yield* Clock.currentTimeMillis, 0)
        yield* noExitMessage
      }))

    it.effect("a trapping task that replies while shutting down gives its reply (Elixir's {:ok, reply})", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const task = yield* trappingTask(
          Effect.map(Selector.receiveForever(trapped), (exit) => `cleaned up after ${exit.reason._tag}`)
        )
        const result = yield* Task.shutdown(task, "1 second")
        assert.isTrue(isSuccessWith(result, "cleaned up after Shutdown"))
        yield* noExitMessage
      }))

    it.effect("BrutalKill kills at once; no exit signal reaches the owner", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const task = yield* Task.async(Effect.as(Effect.sleep("10 seconds"), 1))
        assert.isTrue(Option.isNone(yield* Task.shutdown(task, "BrutalKill")))
        assert.isFalse(yield* Process.isAlive(task.pid))
        assert.deepStrictEqual(yield* Process.awaitExit(task.pid), ExitReason.Killed())
        yield* noExitMessage
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 0)
        // awaiting a task that was shut down: it exited without a result
        const error = yield* Effect.flip(Task.await(task, 0))
        assert.instanceOf(error, Task.TaskExited)
      }))

    it.effect("a task that finished before shutdown gives its outcome", () =>
      Effect.gen(function*() {
        const task = yield* Task.async(Effect.succeed("early"))
        yield* Process.awaitExit(task.pid)
        assert.isTrue(isSuccessWith(yield* Task.shutdown(task, "1 second"), "early"))
        const failing = yield* Task.async(Effect.fail("bad" as const))
        yield* Process.awaitExit(failing.pid)
        const failed = yield* Task.shutdown(failing, "BrutalKill")
        assert.isTrue(Option.isSome(failed) && Exit.isFailure(failed.value))
      }))

    it.effect("a task that crashed by itself before shutdown gives Some(defect TaskExited)", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const task = yield* Task.async(Effect.die(new Error("crash")))
        yield* Process.awaitExit(task.pid)
        const result = yield* Task.shutdown(task, "1 second")
        assert.isTrue(Option.isSome(result) && Exit.isFailure(result.value))
        const defects = Option.isSome(result) && Exit.isFailure(result.value) ?
          defectsIn(result.value.cause) :
          []
        assert.instanceOf(defects[0], Task.TaskExited)
      }))

    it.effect("a task stopped by the closing of its scope leaves nothing in the owner's mailbox", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        const pid = yield* Effect.scoped(Effect.map(Task.async(Effect.never), (task) => task.pid))
        assert.isFalse(yield* Process.isAlive(pid))
        assert.strictEqual(yield* Process.messageQueueLength(me), 0)
      }))
  })

  describe("asyncStream", () => {
    const items = Array.from({ length: 12 }, (_, i) => i + 1)
    // item i takes (13 - i) × 10 ms: later items finish sooner
    const duration = (i: number) => Duration.millis((13 - i) * 10)

    for (const ordered of [true, false]) {
      for (const maxConcurrency of [1, 4, Infinity]) {
        it.effect(`${ordered ? "ordered" : "unordered"}, maxConcurrency ${maxConcurrency}: never more tasks alive than the limit`, () =>
          Effect.gen(function*() {
            const probe = yield* makeProbe
            const limit = Math.min(maxConcurrency, items.length)
            const stream = Task.asyncStream(
              items,
              (i) => probe.track(Effect.as(Effect.sleep(duration(i)), i * 2)),
              { maxConcurrency, ordered }
            )
            const running = yield* Effect.forkChild(Stream.runCollect(stream))
            // all the first `limit` tasks are running before the clock moves
            yield* Testing.settle()
            assert.strictEqual(yield* Ref.get(probe.live), limit)
            const results = yield* drive(running)
            const expected = items.map((i) => i * 2)
            if (ordered || maxConcurrency === 1) {
              assert.deepStrictEqual(results, expected)
            } else {
              assert.deepStrictEqual([...results].sort((a, b) => a - b), expected)
            }
            if (!ordered && maxConcurrency === Infinity) {
              // all started together: they complete (and are emitted) shortest first
              assert.deepStrictEqual(results, [...expected].reverse())
            }
            assert.strictEqual(yield* Ref.get(probe.maxLive), limit)
            // the test's own process plus at most `limit` tasks
            assert.isAtMost(yield* Ref.get(probe.maxProcesses), limit + 1)
            assert.strictEqual(yield* Ref.get(probe.live), 0)
            assert.deepStrictEqual(yield* othersAlive, [])
          }))
      }
    }

    it.effect("the default maxConcurrency runs the items, in order", () =>
      Effect.gen(function*() {
        const results = yield* Stream.runCollect(Task.asyncStream([1, 2, 3, 4, 5], (n) => Effect.succeed(n * n)))
        assert.deepStrictEqual(results, [1, 4, 9, 16, 25])
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("each item runs in its own task process", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        const pids = yield* Stream.runCollect(Task.asyncStream([1, 2, 3], () => Process.self, { maxConcurrency: 3 }))
        assert.strictEqual(pids.length, 3)
        for (const pid of pids) assert.isFalse(Equal.equals(pid, me))
        assert.strictEqual(new Set(pids.map(String)).size, 3)
      }))

    it.effect("onTimeout \"exit\" (the default): a task over the timeout fails the stream with TaskTimeout", () =>
      Effect.gen(function*() {
        const probe = yield* makeProbe
        const stream = Task.asyncStream(
          [1, 2, 3, 4],
          (i) => probe.track(Effect.as(Effect.sleep(i === 2 ? "10 seconds" : "100 millis"), i)),
          { timeout: "1 second", maxConcurrency: 2 }
        )
        const running = yield* Effect.forkChild(Effect.result(Stream.runCollect(stream)))
        const result = yield* drive(running, "50 millis")
        assert.isTrue(Result.isFailure(result))
        assert.instanceOf(Result.isFailure(result) ? result.failure : undefined, Task.TaskTimeout)
        assert.isAtMost(yield* Clock.currentTimeMillis, 1200)
        assert.strictEqual(yield* Ref.get(probe.live), 0)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("the default per-item timeout is 5 seconds", () =>
      Effect.gen(function*() {
        const stream = Task.asyncStream([4900, 5100], (ms) => Effect.as(Effect.sleep(Duration.millis(ms)), ms))
        const running = yield* Effect.forkChild(Effect.result(Stream.runCollect(stream)))
        const result = yield* drive(running, "100 millis")
        assert.isTrue(Result.isFailure(result) && result.failure instanceof Task.TaskTimeout)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("takes a lazy, infinite iterable", () =>
      Effect.gen(function*() {
        let pulled = 0
        const naturals = {
          *[Symbol.iterator]() {
            for (let i = 1;; i++) {
              pulled++
              yield i
            }
          }
        }
        const results = yield* Stream.runCollect(
          Stream.take(Task.asyncStream(naturals, (i) => Effect.succeed(i * 10), { maxConcurrency: 2 }), 3)
        )
        assert.deepStrictEqual(results, [10, 20, 30])
        assert.isAbove(pulled, 2)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("onTimeout \"killTask\": the item is skipped, the rest goes on", () =>
      Effect.gen(function*() {
        const probe = yield* makeProbe
        const pids = yield* Ref.make<ReadonlyArray<Process.Pid>>([])
        const stream = Task.asyncStream(
          [1, 2, 3, 4],
          (i) =>
            probe.track(
              Effect.andThen(
                Effect.flatMap(Process.self, (pid) => Ref.update(pids, (all) => [...all, pid])),
                Effect.as(Effect.sleep(i === 2 ? "10 seconds" : "100 millis"), i)
              )
            ),
          { timeout: "1 second", onTimeout: "killTask", maxConcurrency: 2 }
        )
        const running = yield* Effect.forkChild(Stream.runCollect(stream))
        const results = yield* drive(running, "50 millis")
        assert.deepStrictEqual(results, [1, 3, 4])
        assert.strictEqual(yield* Ref.get(probe.live), 0)
        assert.deepStrictEqual(yield* othersAlive, [])
        // the task of item 2 was killed
        const all = yield* Ref.get(pids)
        assert.strictEqual(all.length, 4)
        const reasons = yield* Effect.forEach(all, Process.awaitExit)
        assert.strictEqual(reasons.filter((reason) => reason._tag === "Killed").length, 1)
      }))

    for (const options of [{ maxConcurrency: 10 }, { maxConcurrency: Infinity, ordered: false }] as const) {
      it.effect(`an early stop of the consumer leaves no task alive (${JSON.stringify(options)})`, () =>
        Effect.gen(function*() {
          const probe = yield* makeProbe
          const items = Array.from({ length: 100 }, (_, i) => i + 1)
          const stream = Task.asyncStream(
            items,
            (i) => probe.track(Effect.as(Effect.sleep(Duration.millis(100 + i)), i)),
            options
          )
          const running = yield* Effect.forkChild(Stream.runCollect(Stream.take(stream, 2)))
          const results = yield* drive(running)
          assert.deepStrictEqual(results, [1, 2])
          assert.strictEqual(yield* Ref.get(probe.live), 0)
          assert.deepStrictEqual(yield* othersAlive, [])
          yield* onlySelfLeft
        }))
    }

    it.effect("a stream stopped early leaves nothing in the owner's mailbox", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        const stream = Task.asyncStream(
          Array.from({ length: 20 }, (_, i) => i + 1),
          (i) => Effect.as(Effect.sleep(Duration.millis(100 * i)), i),
          { maxConcurrency: 5 }
        )
        const running = yield* Effect.forkChild(Stream.runCollect(Stream.take(stream, 2)))
        assert.deepStrictEqual(yield* drive(running), [1, 2])
        assert.deepStrictEqual(yield* othersAlive, [])
        assert.strictEqual(yield* Process.messageQueueLength(me), 0)
        // a stream failing on a timeout leaves nothing either
        const timingOut = Task.asyncStream(
          [1, 2, 3, 4],
          (i) => Effect.as(Effect.sleep(i === 1 ? "10 seconds" : "100 millis"), i),
          { maxConcurrency: 4, timeout: "1 second" }
        )
        const failing = yield* Effect.forkChild(Effect.result(Stream.runCollect(timingOut)))
        assert.isTrue(Result.isFailure(yield* drive(failing)))
        assert.deepStrictEqual(yield* othersAlive, [])
        assert.strictEqual(yield* Process.messageQueueLength(me), 0)
      }))

    it.effect("a typed failure of f fails the stream", () =>
      Effect.gen(function*() {
        const probe = yield* makeProbe
        const stream = Task.asyncStream(
          [1, 2, 3, 4, 5],
          (i) => probe.track(i === 3 ? Effect.fail(new NotFound({ id: i })) : Effect.succeed(i)),
          { maxConcurrency: 2 }
        )
        const result = yield* Effect.result(Stream.runCollect(stream))
        assert.deepStrictEqual(result, Result.fail(new NotFound({ id: 3 })))
        assert.strictEqual(yield* Ref.get(probe.live), 0)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a crash of f crashes a non-trapping caller, as a linked task does", () =>
      Effect.gen(function*() {
        const owner = yield* Process.spawnUnlinked(
          Stream.runCollect(
            Task.asyncStream([1, 2, 3], (i) => i === 2 ? Effect.die(new Error("crash")) : Effect.succeed(i))
          )
        )
        const reason = yield* Process.awaitExit(owner)
        assert.strictEqual(reason._tag, "Abnormal")
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a crash of f is a defect (TaskExited) of the stream for a trapping caller", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const exit = yield* Effect.exit(
          Stream.runCollect(
            Task.asyncStream([1, 2, 3], (i) => i === 2 ? Effect.die(new Error("crash")) : Effect.succeed(i))
          )
        )
        assert.isTrue(Exit.isFailure(exit))
        const defects = Exit.isFailure(exit) ? defectsIn(exit.cause) : []
        assert.instanceOf(defects[0], Task.TaskExited)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))
  })

  describe("toLayer", () => {
    class Config
      extends Context.Service<Config, { readonly port: number; readonly by: Process.Pid }>()("test/Task/Config")
    {}

    it.effect("provides a service computed in a task", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        const layer = Task.toLayer(Config, Effect.map(Process.self, (by) => ({ port: 8080, by })), "1 second")
        const config = yield* Effect.provide(Effect.service(Config), layer)
        assert.strictEqual(config.port, 8080)
        assert.isFalse(Equal.equals(config.by, me))
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("fails with the task's typed error", () =>
      Effect.gen(function*() {
        const layer = Task.toLayer(Config, Effect.fail(new NotFound({ id: 1 })), "1 second")
        const error = yield* Effect.flip(Effect.provide(Effect.service(Config), layer))
        assert.deepStrictEqual(error, new NotFound({ id: 1 }))
      }))

    it.effect("fails with TaskTimeout when the task takes too long, and stops it", () =>
      Effect.gen(function*() {
        const pids = yield* Subject.make<Process.Pid>()
        const layer = Task.toLayer(
          Config,
          Effect.flatMap(Process.self, (by) =>
            Effect.andThen(Subject.send(pids, by), Effect.as(Effect.sleep("10 seconds"), { port: 1, by }))),
          "1 second"
        )
        const building = yield* Effect.forkChild(Effect.flip(Effect.provide(Effect.service(Config), layer)))
        const pid = yield* Subject.receive(pids, "1 second")
        yield* TestClock.adjust("1 second")
        const error = yield* Fiber.join(building)
        assert.instanceOf(error, Task.TaskTimeout)
        assert.isFalse(yield* Process.isAlive(pid))
        assert.deepStrictEqual(yield* othersAlive, [])
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
      }))

    it.effect("fails with TaskExited when the task crashes, and the builder survives", () =>
      Effect.gen(function*() {
        const layer = Task.toLayer(Config, Effect.die(new Error("no config")), "1 second")
        const error = yield* Effect.flip(Effect.provide(Effect.service(Config), layer))
        assert.instanceOf(error, Task.TaskExited)
        assert.strictEqual((error as Task.TaskExited).reason._tag, "Abnormal")
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
      }))
  })
})
