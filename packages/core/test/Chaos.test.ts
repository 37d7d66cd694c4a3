/**
 * Chaos: a supervision tree of 1,000 actors (static groups and a factory) reached through a Registry by 100
 * clients, while a chaos process kills actors and supervisors. See `chaos/tree.ts` for the tree, the load and the
 * invariants. Deterministic: a seeded generator decides every client's and the chaos's moves, the TestClock is the
 * only clock (advanced between epochs), and waiting is done by event-loop turns, never by real sleeps. The seed is
 * `CHAOS_SEED` when set; it is printed with the failures.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Actor, Process, Subject } from "../src/index.js"
import * as Chaos from "./chaos/tree.js"
import { checkNoProcessLeft } from "./utils.js"

checkNoProcessLeft()

const seed = Number.isInteger(Number(process.env.CHAOS_SEED || "x")) ? Number(process.env.CHAOS_SEED) : 20_250_907

/** TestClock time advanced after each epoch: beyond every slow reply and slow-call timeout. */
const EPOCH = Duration.millis(100)
const EPOCHS = 24

const config: Chaos.ChaosConfig = {
  ...Chaos.issueTree,
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

/** One event-loop turn: lets every runnable fiber run, without reading any clock. */
const turn = Effect.callback<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

const hooks: Chaos.ChaosHooks = {
  runEpoch: (epoch) => Effect.succeed(epoch < EPOCHS),
  afterEpoch: TestClock.adjust(EPOCH),
  turn,
  // Thousands of turns in a row without any progress: everything waits, for a clock that will not move.
  stalled: (idleTurns) => idleTurns >= 3000
}

describe("Chaos", () => {
  it.effect(
    "1,000 supervised actors behind a Registry, 100 clients, random kills: no hang, no loss, healed, nothing left",
    () =>
      Effect.gen(function*() {
        const started = Date.now()
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

describe("found by the chaos soak", () => {
  /**
   * On the live clock, timers must fire while processes keep exchanging messages. Effect 3's scheduler only yielded
   * to the macrotask queue (where `setTimeout` callbacks run) when one fiber's drain depth reached 2048, and a
   * hand-off between processes wakes a different fiber each time; so, before the fairness budget
   * (`internal/fairness.ts`), a 50 ms call timeout waited for the calling loop to end. Effect 4 resumes a woken fiber
   * inline, nested in its waker, so the hazard remains.
   */
  it.live("a call's live-clock timeout fires while another process keeps calling an actor", () =>
    Effect.gen(function*() {
      type Ping = { readonly replyTo: Subject.Subject<number> }
      const echo = yield* Actor.new(0).pipe(
        Actor.onMessage((n: number, ping: Ping) => Effect.as(Subject.send(ping.replyTo, n), Actor.continue(n + 1))),
        Actor.start
      )
      const silent = yield* Actor.new(0).pipe(
        Actor.onMessage((n: number, _: Ping) => Effect.succeed(Actor.continue(n))),
        Actor.start
      )
      // Busy for one second of real time, by the wall clock (no timer involved).
      const busyUntil = Date.now() + 1000
      const busy = yield* Process.spawn(Effect.gen(function*() {
        while (Date.now() < busyUntil) {
          yield* Subject.call(echo.data, (replyTo: Subject.Subject<number>): Ping => ({ replyTo }), "5 seconds")
        }
      }))
      const started = Date.now()
      const error = yield* Effect.flip(
        Subject.call(silent.data, (replyTo: Subject.Subject<number>): Ping => ({ replyTo }), "50 millis")
      )
      const took = Date.now() - started
      yield* Process.awaitExit(busy)
      assert.strictEqual(error._tag, "CallTimeout")
      assert.isBelow(took, 500, `a 50 ms call timeout fired after ${took} ms`)
    }))
})
