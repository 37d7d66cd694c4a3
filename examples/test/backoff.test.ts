/**
 * "Testing your actors" (README): a supervised worker with exponential backoff, tested with the kit. Every wait is
 * in TestClock time and stops as soon as what it waits for happened, so the delays are asserted exactly.
 */
import { Process, StaticSupervisor, Testing } from "@effect-otp/core"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Option } from "effect"
import { startSupervised } from "../backoff.js"

afterEach(Testing.leakCheck())

describe("a worker restarted with exponential backoff", () => {
  it.effect("comes back 100 ms after its first crash and 200 ms after its second, not a millisecond earlier", () =>
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
    }).pipe(Effect.scoped))
})
