import { afterEach, assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { Actor, Process, Subject, Testing } from "../src/index.js"
import { withBudget } from "./fixtures.js"

afterEach(Testing.leakCheck())

type Message =
  | { readonly _tag: "Add"; readonly from: number; readonly n: number }
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<ReadonlyArray<string>> }

const recorder = Actor.new<ReadonlyArray<string>>([]).pipe(
  Actor.onMessage((seen: ReadonlyArray<string>, message: Message) =>
    message._tag === "Add" ?
      Effect.succeed(Actor.continue([...seen, `${message.from}:${message.n}`])) :
      Effect.as(Subject.send(message.replyTo, seen), Actor.continue(seen))
  ),
  Actor.start
)

describe("fairness: message passing does not hold the event loop", () => {
  it.effect("a long exchange between two processes lets a macrotask run before it ends", () =>
    Effect.gen(function*() {
      const echo = yield* Actor.new(0).pipe(
        Actor.onMessage((n: number, replyTo: Subject.Subject<number>) =>
          Effect.as(Subject.send(replyTo, n), Actor.continue(n + 1))
        ),
        Actor.start
      )
      let macrotaskRan = false
      setImmediate(() => void (macrotaskRan = true))
      let callsBeforeMacrotask = 0
      // 20,000 round trips take far longer than the 4 ms budget on any machine.
      for (let i = 0; i < 20_000; i++) {
        yield* Actor.call(echo.data, (replyTo: Subject.Subject<number>) => replyTo, Duration.infinity)
        if (!macrotaskRan) callsBeforeMacrotask++
      }
      assert.isTrue(macrotaskRan)
      assert.isBelow(callsBeforeMacrotask, 20_000)
    }))

  it.effect("with every wake deferred, calls answer and each sender's messages arrive in order", () =>
    Effect.gen(function*() {
      yield* withBudget(-1)
      const actor = yield* recorder
      const senders = yield* Effect.forEach(
        [1, 2, 3],
        (from) =>
          Process.spawn(Effect.forEach([1, 2, 3, 4, 5], (n) => Subject.send(actor.data, { _tag: "Add", from, n })))
      )
      yield* Effect.forEach(senders, Process.awaitExit)
      const seen = yield* Actor.call(
        actor.data,
        (replyTo: Subject.Subject<ReadonlyArray<string>>): Message => ({ _tag: "Get", replyTo }),
        "1 second"
      )
      assert.strictEqual(seen.length, 15)
      for (const from of [1, 2, 3]) {
        assert.deepStrictEqual(seen.filter((s) => s.startsWith(`${from}:`)), [1, 2, 3, 4, 5].map((n) => `${from}:${n}`))
      }
    }))

  it.effect("a receive interrupted while its wake was deferred gives the message back, in its place", () =>
    Effect.gen(function*() {
      yield* withBudget(-1)
      const subject = yield* Subject.make<number>()
      // Another fiber of this process parks on the subject, takes the first message (its wake deferred), and is
      // interrupted before the wake reaches it.
      const receiver = yield* Effect.forkChild(Subject.receiveForever(subject))
      yield* Effect.yieldNow
      yield* Subject.send(subject, 1)
      yield* Fiber.interrupt(receiver)
      yield* Subject.send(subject, 2)
      const first = yield* Subject.receive(subject, 0)
      const second = yield* Subject.receive(subject, 0)
      assert.deepStrictEqual([first, second], [1, 2])
    }))

  it.effect("a call answered while its caller's resumption is deferred leaves nothing behind when the callee then exits", () =>
    Effect.gen(function*() {
      yield* withBudget(-1)
      // The call settles when its reply arrives, not when its caller resumes: the callee's exit that comes in between
      // is not queued under the call's tag in the caller's mailbox (it would stay there for good).
      const once = yield* Actor.new(0).pipe(
        Actor.onMessage((n: number, replyTo: Subject.Subject<number>) =>
          Effect.as(Subject.send(replyTo, n), Actor.stop())
        ),
        Actor.start
      )
      const reply = yield* Actor.call(once.data, (replyTo: Subject.Subject<number>) => replyTo, "1 second")
      assert.strictEqual(reply, 0)
      yield* Process.awaitExit(once.pid)
      assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 0)
    }))
})

describe("live-clock timers", () => {
  const refdTimeouts = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length

  it.live("calls answered in time leave no host timer keeping the program alive", () =>
    Effect.gen(function*() {
      const before = refdTimeouts()
      const echo = yield* Actor.new(0).pipe(
        Actor.onMessage((n: number, replyTo: Subject.Subject<number>) =>
          Effect.as(Subject.send(replyTo, n), Actor.continue(n + 1))
        ),
        Actor.start
      )
      // One timer list per duration: the calls share one host timer, which stays armed (not referenced) once
      // every call has been answered.
      for (let i = 0; i < 1_000; i++) {
        yield* Actor.call(
          echo.data,
          (replyTo: Subject.Subject<number>) => replyTo,
          i % 2 === 0 ? "5 seconds" : "1 hour"
        )
      }
      assert.isAtMost(refdTimeouts(), before)
    }))

  it.live("a receive timeout on the live clock still fires, after earlier ones of the same duration were cancelled", () =>
    Effect.gen(function*() {
      const subject = yield* Subject.make<number>()
      for (let i = 0; i < 100; i++) {
        yield* Subject.send(subject, i)
        assert.strictEqual(yield* Subject.receive(subject, "20 millis"), i)
      }
      const error = yield* Effect.flip(Subject.receive(subject, "20 millis"))
      assert.strictEqual(error._tag, "ReceiveTimeout")
    }))

  /**
   * On the live clock, timers must fire while processes keep exchanging messages. Effect yields to the macrotask
   * queue (where `setTimeout` callbacks run) after one fiber has run 2,048 operations in a row, but a hand-off between
   * processes runs a different fiber each time; the run queue (`internal/scheduler.ts`) yields once message passing
   * has held the event loop for its budget, so a 50 ms call timeout fires while another process keeps calling.
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
