import { Actor, Process, Subject } from "@effect-otp/core"
import { afterEach, assert, describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import { startPeriodic, ticksSoFar } from "../periodic.js"
import { pop, startStack } from "../stack.js"

afterEach(async () => {
  const left = await Effect.runPromise(Process.list)
  expect(left.map(String), "processes left alive after the test").toEqual([])
})

describe("examples", () => {
  it.effect("the stack pops Robert, Mike, Joe, then nothing", () =>
    Effect.gen(function*() {
      const stack = yield* startStack<string>()
      for (const name of ["Joe", "Mike", "Robert"]) yield* Actor.send(stack, { _tag: "Push", value: name })
      const popped = [yield* pop(stack), yield* pop(stack), yield* pop(stack), yield* pop(stack)]
      assert.deepStrictEqual(popped, [Option.some("Robert"), Option.some("Mike"), Option.some("Joe"), Option.none()])
    }))

  it.effect("the periodic actor ticks once per interval of the TestClock", () =>
    Effect.gen(function*() {
      const log = yield* Subject.make<number>()
      const periodic = yield* startPeriodic("1 minute", (n) => Subject.send(log, n))
      assert.strictEqual(yield* ticksSoFar(periodic.data), 0)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* Subject.receive(log, "1 second"), 1)
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(yield* ticksSoFar(periodic.data), 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Subject.receive(log, "1 second"), 2)
      yield* TestClock.adjust("3 minutes")
      assert.strictEqual(yield* ticksSoFar(periodic.data), 5)
    }).pipe(Effect.scoped))
})
