/**
 * "Testing your actors" (README): a supervised worker with an exponential backoff of its own, tested with the kit.
 * Every wait is in TestClock time and stops as soon as what it waits for happened, so the delays are asserted exactly.
 */
import { Process, StaticSupervisor, Testing } from "@effect-otp/core"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import { startSupervised } from "../backoff.js"

afterEach(Testing.leakCheck())

describe("a worker restarted with a backoff of its own", () => {
  it.effect("comes back 100 ms after its first crash, 200 ms after its second, 100 ms again once it was stable", () =>
    Effect.gen(function*() {
      const events = yield* Testing.makeProbe<string>()
      const sup = yield* startSupervised(events.subject)
      assert.strictEqual(yield* events.expectMessage("0 millis"), "connected")

      // The connection drops: the worker is killed (as an untrappable crash would end it).
      const crash = Effect.gen(function*() {
        const [child] = yield* StaticSupervisor.whichChildren(sup.data)
        yield* Process.kill(Option.getOrThrow(child.pid))
      })
      yield* crash
      // 99 ms after the crash: not back yet.
      const early = yield* Effect.flip(Testing.awaitRestart(sup.data, 0, "99 millis"))
      assert.strictEqual(early._tag, "WaitTimeout")
      yield* events.expectNoMessage("0 millis")
      // At 100 ms exactly.
      yield* Testing.awaitRestart(sup.data, 0, "1 millis")
      assert.strictEqual(yield* Clock.currentTimeMillis, 100)
      assert.strictEqual(yield* events.expectMessage("0 millis"), "connected")

      yield* crash
      yield* events.expectNoMessage("199 millis")
      assert.strictEqual(yield* events.expectMessage("1 millis"), "connected")
      assert.strictEqual(yield* Clock.currentTimeMillis, 300)

      // Connected for 10 seconds: the backoff starts over.
      yield* TestClock.adjust("10 seconds")
      yield* crash
      yield* events.expectNoMessage("99 millis")
      assert.strictEqual(yield* events.expectMessage("1 millis"), "connected")
    }).pipe(Effect.scoped))

  it.effect("its backoff is its own: after the cache crashed twice, its first crash still waits 100 ms", () =>
    Effect.gen(function*() {
      const events = yield* Testing.makeProbe<string>()
      const sup = yield* startSupervised(events.subject)
      assert.strictEqual(yield* events.expectMessage("0 millis"), "connected")
      const kill = (id: number) =>
        Effect.gen(function*() {
          const children = yield* StaticSupervisor.whichChildren(sup.data)
          yield* Process.kill(Option.getOrThrow(children[id].pid))
        })

      // The cache crashes twice and comes back at once each time.
      yield* kill(1)
      yield* Testing.awaitRestart(sup.data, 1, "0 millis")
      yield* kill(1)
      yield* Testing.awaitRestart(sup.data, 1, "0 millis")
      // The worker's first crash: 100 ms (a supervisor-wide schedule would be at its third step, 400 ms).
      yield* kill(0)
      yield* events.expectNoMessage("99 millis")
      assert.strictEqual(yield* events.expectMessage("1 millis"), "connected")
      assert.strictEqual(yield* Clock.currentTimeMillis, 100)
    }).pipe(Effect.scoped))
})
