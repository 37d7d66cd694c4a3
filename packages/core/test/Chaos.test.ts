/**
 * Chaos: a supervision tree of 1,000 actors (static groups and a factory) reached through a Registry by 100
 * clients, while a chaos process kills actors and supervisors. See `chaos/tree.ts` for the tree, the load and the
 * invariants. Deterministic: a seeded generator decides every client's and the chaos's moves, the TestClock is the
 * only clock (advanced between epochs), and waiting is done by event-loop turns, never by real sleeps. The seed is
 * `CHAOS_SEED` when set; it is printed with the failures.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Process, Testing } from "../src/index.js"
import * as Chaos from "./chaos/tree.js"
import { withBudget } from "./fixtures.js"

afterEach(Testing.leakCheck())

const seed = Number.isInteger(Number(process.env.CHAOS_SEED || "x")) ? Number(process.env.CHAOS_SEED) : 20_250_907

/** TestClock time advanced after each epoch: beyond every slow reply and slow-call timeout. */
const EPOCH = Duration.millis(100)
const EPOCHS = 24

const config: Chaos.ChaosConfig = {
  ...Chaos.sharedTree,
  seed,
  opsPerEpoch: 5,
  // Regular calls are never slow, and the TestClock never reaches their timeout (24 epochs of 100 ms): a timer
  // the TestClock has to wake costs milliseconds, even cancelled, so only the slow calls' timers expire.
  callTimeout: "10 seconds",
  initTimeout: "1 minute",
  introspectionTimeout: "1 minute",
  callDeadlineSlack: 0,
  keepSequences: true
}

const hooks: Chaos.ChaosHooks = {
  runEpoch: (epoch) => Effect.succeed(epoch < EPOCHS),
  afterEpoch: TestClock.adjust(EPOCH),
  turn: Testing.eventLoopTurn,
  // Thousands of turns in a row without any progress: everything waits, for a clock that will not move.
  stalled: (idleTurns) => idleTurns >= 3000
}

describe("Chaos", () => {
  it.effect(
    "1,000 supervised actors behind a Registry, 100 clients, random kills: no hang, no loss, healed, nothing left",
    () =>
      Effect.gen(function*() {
        const started = Date.now()
        // No fairness budget: it is measured in real time, and a wake it defers to a macrotask is not one the
        // TestClock waits for before it moves on, so a call's timeout could be seen late depending on the machine's
        // load. (The budget has its own tests, in Fairness.test.ts, and the soak runs with it on the live clock.)
        yield* withBudget(Infinity)
        // In a fiber of its own, so that its implicit process ends with it and the table can be checked empty.
        const result = yield* Fiber.join(yield* Effect.forkChild(Effect.scoped(Chaos.run(config, hooks))))
        const summary = Chaos.summary(result)
        if (result.failureCount > 0 || process.env.CHAOS_VERBOSE !== undefined) {
          console.log(`${summary}\nreal time ${Date.now() - started} ms`)
        }
        assert.deepStrictEqual(result.failures, [], `chaos seed ${seed} (CHAOS_SEED=${seed} to reproduce)\n${summary}`)
        // The load really happened, and the chaos really struck.
        const s = result.stats
        assert.strictEqual(s.epochs, EPOCHS, `seed ${seed}`)
        assert.strictEqual(s.ops, EPOCHS * config.clients * config.opsPerEpoch, `seed ${seed}`)
        assert.strictEqual(
          s.replies + s.callTimeouts + s.calleeDowns + s.noProcesses + s.slowReplies + s.slowCallTimeouts,
          s.calls + s.slowCalls,
          `seed ${seed}: every call ended`
        )
        assert.isAbove(s.actorKills + s.actorExits + s.actorCrashes, 100, `seed ${seed}`)
        assert.isAbove(s.survivors, 20, `seed ${seed}: actors alive throughout`)
        assert.isAbove(s.slowCallTimeouts, 0, `seed ${seed}: some slow calls timed out`)
        assert.strictEqual(result.registryAfterClose, 0)
        assert.deepStrictEqual(result.processesAfterClose, [])
        assert.deepStrictEqual((yield* Process.list).map(String), [], `seed ${seed}: processes left`)
      }),
    120_000
  )
})
