/**
 * The task supervision example (`examples/task-supervisor.ts`), on the TestClock: the report of the imports, and the
 * summary's second attempt.
 */
import { Process, TaskSupervisor, Testing } from "@effect-otp/core"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Logger, Ref } from "effect"
import { TestClock } from "effect/testing"
import { files, importAll, sendSummary } from "../task-supervisor.js"

afterEach(Testing.leakCheck())

describe("task supervision (examples/task-supervisor.ts)", () => {
  it.effect("a crash, a missing file and a slow file are failed items; the caller, trapping nothing, goes on", () =>
    Effect.gen(function*() {
      const tasks = yield* TaskSupervisor.start()
      const importing = yield* Effect.forkChild(importAll(tasks.data, files))
      yield* Testing.settle()
      yield* TestClock.adjust("1 second")
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(importing), [
        ["orders.csv", "100 rows"],
        ["corrupt.csv", "crashed (Abnormal)"],
        ["customers.csv", "130 rows"],
        ["missing.csv", "not found"],
        ["huge.csv", "too slow, killed"]
      ])
      assert.isTrue(yield* Process.isAlive(yield* Process.self))
      assert.deepStrictEqual(yield* TaskSupervisor.children(tasks.data), [])
    }).pipe(Effect.provide(Logger.layer([])))) // the crash reports are expected here

  it.effect("the summary is sent on the second attempt: the Transient task is run again by the supervisor", () =>
    Effect.gen(function*() {
      const tasks = yield* TaskSupervisor.start()
      const attempts = yield* Ref.make(0)
      const first = yield* sendSummary(tasks.data, attempts, "2 imported")
      yield* Process.awaitExit(first)
      yield* Testing.settle()
      assert.strictEqual(yield* Ref.get(attempts), 2)
      assert.deepStrictEqual(yield* TaskSupervisor.children(tasks.data), [])
    }).pipe(Effect.provide(Logger.layer([]))))
})
