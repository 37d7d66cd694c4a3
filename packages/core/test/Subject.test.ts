import { afterEach, assert, describe, it } from "@effect/vitest"
import { Cause, Duration, Effect, Equal, Exit, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import { Name, Process, Subject, Testing } from "../src/index.js"
import { idle, spawnWithSubject } from "./fixtures.js"

afterEach(Testing.leakCheck())

type Request = { readonly n: number; readonly replyTo: Subject.Subject<number> }

/** A process that answers each request with n + 1, or never answers when n < 0, or crashes when n === 13. */
const adder = spawnWithSubject<Request, string, never>((requests) =>
  Effect.forever(Effect.gen(function*() {
    const { n, replyTo } = yield* Subject.receiveForever(requests)
    if (n === 13) return yield* Effect.fail("unlucky")
    if (n >= 0) yield* Subject.send(replyTo, n + 1)
  })), { linked: false })

describe("Subject", () => {
  describe("send and receive", () => {
    it.effect("the owner of a new subject is the calling process", () =>
      Effect.gen(function*() {
        const subject = yield* Subject.make<number>()
        const owner = yield* Subject.owner(subject)
        assert.isTrue(Option.isSome(owner) && Equal.equals(owner.value, yield* Process.self))
      }))

    it.effect("receives in order, from self and from another process", () =>
      Effect.gen(function*() {
        const subject = yield* Subject.make<number>()
        yield* Subject.send(subject, 0)
        yield* Process.spawn(Effect.andThen(Subject.send(subject, 1), Subject.send(subject, 2)))
        assert.strictEqual(yield* Subject.receive(subject, 0), 0)
        assert.strictEqual(yield* Subject.receive(subject, "50 millis"), 1)
        assert.strictEqual(yield* Subject.receive(subject, "50 millis"), 2)
        const empty = yield* Effect.result(Subject.receive(subject, 0))
        assert.isTrue(empty._tag === "Failure" && empty.failure._tag === "ReceiveTimeout")
      }))

    it.effect("messages from one sender arrive in the order sent, across subjects", () =>
      Effect.gen(function*() {
        const numbers = yield* Subject.make<number>()
        const done = yield* Subject.make<"done">()
        yield* Process.spawn(Effect.gen(function*() {
          for (let i = 0; i < 10_000; i++) yield* Subject.send(numbers, i)
          yield* Subject.send(done, "done")
        }))
        yield* Subject.receive(done, "1 second")
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 10_000)
        for (let i = 0; i < 10_000; i++) assert.strictEqual(yield* Subject.receive(numbers, 0), i)
      }))

    it.effect("a receiver waiting for one subject is woken by it and not by another", () =>
      Effect.gen(function*() {
        const wanted = yield* Subject.make<string>()
        const other = yield* Subject.make<string>()
        const waiting = yield* Effect.forkChild(Subject.receive(wanted, "1 second"))
        yield* Effect.yieldNow
        yield* Subject.send(other, "not this")
        yield* Subject.send(wanted, "this")
        assert.strictEqual(yield* Fiber.join(waiting), "this")
        assert.strictEqual(yield* Subject.receive(other, 0), "not this")
      }))

    it.effect("a receive with a timeout fails with ReceiveTimeout when the clock passes it", () =>
      Effect.gen(function*() {
        const subject = yield* Subject.make<string>()
        const waiting = yield* Effect.forkChild(Effect.result(Subject.receive(subject, "100 millis")))
        yield* TestClock.adjust("99 millis")
        assert.isUndefined(waiting.pollUnsafe())
        yield* TestClock.adjust("1 millis")
        const result = yield* Fiber.join(waiting)
        assert.isTrue(result._tag === "Failure" && result.failure._tag === "ReceiveTimeout")
        // The timed-out receiver left no waiter behind: a later message is queued, not lost.
        yield* Subject.send(subject, "later")
        assert.strictEqual(yield* Subject.receive(subject, 0), "later")
      }))

    it.effect("receiving from a subject owned by another process is a defect", () =>
      Effect.gen(function*() {
        const { subject } = yield* spawnWithSubject<string, never, never>(() => idle)
        const exit = yield* Effect.exit(Subject.receive(subject, 0))
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
        assert.include(String(Exit.isFailure(exit) && Cause.squash(exit.cause)), "not owned by the receiving process")
      }))

    it.effect("send to a dead owner is lost without failing; trySend says NoProcess", () =>
      Effect.gen(function*() {
        const { pid, subject } = yield* spawnWithSubject<string, never, never>(() => Effect.void)
        yield* Process.awaitExit(pid)
        yield* Subject.send(subject, "lost")
        const result = yield* Effect.result(Subject.trySend(subject, "lost"))
        assert.isTrue(result._tag === "Failure" && result.failure._tag === "NoProcess")
        assert.include(result._tag === "Failure" ? result.failure.message : "", String(pid))
        const { subject: live } = yield* spawnWithSubject<string, never, never>(() => idle)
        yield* Subject.trySend(live, "delivered")
      }))

    it.effect("invalid timeouts are defects that name the argument", () =>
      Effect.gen(function*() {
        const subject = yield* Subject.make<string>()
        for (const timeout of [-1, Number.NaN]) {
          const exit = yield* Effect.exit(Subject.receive(subject, timeout))
          assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
          assert.include(String(Exit.isFailure(exit) && Cause.squash(exit.cause)), "Subject.receive timeout")
        }
      }))
  })

  describe("call", () => {
    it.effect("gets the reply", () =>
      Effect.gen(function*() {
        const { subject } = yield* adder
        assert.strictEqual(yield* Subject.call(subject, (replyTo) => ({ n: 1, replyTo }), "1 second"), 2)
        // data-last, default timeout
        assert.strictEqual(
          yield* subject.pipe(Subject.call((replyTo: Subject.Subject<number>) => ({ n: 41, replyTo }))),
          42
        )
      }))

    it.effect("times out with CallTimeout, and the late reply is discarded", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        const replies = yield* Subject.make<Subject.Subject<number>>()
        const { subject } = yield* spawnWithSubject<{ readonly replyTo: Subject.Subject<number> }, never, never>(
          (requests) =>
            Effect.gen(function*() {
              const { replyTo } = yield* Subject.receiveForever(requests)
              yield* Subject.send(replies, replyTo)
              return yield* idle
            })
        )
        const calling = yield* Effect.forkChild(
          Effect.result(Subject.call(subject, (replyTo) => ({ replyTo }), "1 second"))
        )
        const replyTo = yield* Subject.receive(replies, "1 second")
        yield* TestClock.adjust("1 second")
        const result = yield* Fiber.join(calling)
        assert.isTrue(result._tag === "Failure" && result.failure._tag === "CallTimeout")
        yield* Subject.send(replyTo, 99)
        assert.strictEqual(yield* Process.messageQueueLength(me), 0)
        const tried = yield* Effect.result(Subject.trySend(replyTo, 100))
        assert.isTrue(tried._tag === "Failure" && tried.failure._tag === "NoProcess")
      }))

    it.effect("a callee that dies mid-call gives CalleeDown with its exit reason", () =>
      Effect.gen(function*() {
        const { subject } = yield* adder
        const result = yield* Effect.result(Subject.call(subject, (replyTo) => ({ n: 13, replyTo }), "1 second"))
        assert.isTrue(result._tag === "Failure" && result.failure._tag === "CalleeDown")
        const reason = result._tag === "Failure" && result.failure._tag === "CalleeDown"
          ? result.failure.reason
          : undefined
        assert.strictEqual(reason?._tag, "Abnormal")
        assert.deepStrictEqual(
          reason?._tag === "Abnormal" ? Cause.findErrorOption(reason.reason as Cause.Cause<string>) : undefined,
          Option.some("unlucky")
        )
      }))

    it.effect("a call to a dead process or to an unregistered name fails with NoProcess", () =>
      Effect.gen(function*() {
        const { pid, subject } = yield* adder
        yield* Process.kill(pid)
        const dead = yield* Effect.result(Subject.call(subject, (replyTo) => ({ n: 1, replyTo }), "1 second"))
        assert.isTrue(dead._tag === "Failure" && dead._tag === "Failure" && dead.failure._tag === "NoProcess")
        const nobody = Subject.named(Name.make<Request>("nobody"))
        const unregistered = yield* Effect.result(Subject.call(nobody, (replyTo) => ({ n: 1, replyTo }), "1 second"))
        assert.isTrue(unregistered._tag === "Failure" && unregistered.failure._tag === "NoProcess")
      }))

    it.effect("calling a subject you own fails with CallingSelf instead of deadlocking", () =>
      Effect.gen(function*() {
        const mine = yield* Subject.make<Request>()
        const result = yield* Effect.result(Subject.call(mine, (replyTo) => ({ n: 1, replyTo }), "1 second"))
        assert.isTrue(result._tag === "Failure" && result.failure._tag === "CallingSelf")
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 0)
      }))

    it.effect("many sequential calls leave no monitor and no message behind", () =>
      Effect.gen(function*() {
        const { subject } = yield* adder
        for (let i = 0; i < 1_000; i++) {
          assert.strictEqual(yield* Subject.call(subject, (replyTo) => ({ n: 2 * i, replyTo }), "1 second"), 2 * i + 1)
        }
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 0)
      }))
  })

  describe("timers", () => {
    it.effect("sendAfter 0 is received at once; 5 ms later after 5 ms of the clock", () =>
      Effect.gen(function*() {
        const subject = yield* Subject.make<string>()
        yield* Subject.sendAfter(subject, 0, "a")
        assert.strictEqual(yield* Subject.receive(subject, "5 millis"), "a")
        yield* Subject.sendAfter(subject, "5 millis", "b")
        assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(subject, 0))))
        yield* TestClock.adjust("4 millis")
        assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(subject, 0))))
        yield* TestClock.adjust("1 millis")
        assert.strictEqual(yield* Subject.receive(subject, 0), "b")
      }))

    it.effect("cancelTimer before firing gives the time left, and nothing arrives", () =>
      Effect.gen(function*() {
        const subject = yield* Subject.make<string>()
        const timer = yield* Subject.sendAfter(subject, "5 millis", "a")
        yield* TestClock.adjust("2 millis")
        const cancelled = yield* Subject.cancelTimer(timer)
        assert.strictEqual(cancelled._tag, "Cancelled")
        assert.isTrue(cancelled._tag === "Cancelled" && Duration.equals(cancelled.remaining, Duration.millis(3)))
        yield* TestClock.adjust("10 millis")
        assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(subject, 0))))
        assert.strictEqual((yield* Subject.cancelTimer(timer))._tag, "TimerNotFound")
      }))

    it.effect("cancelTimer after firing gives TimerNotFound", () =>
      Effect.gen(function*() {
        const subject = yield* Subject.make<string>()
        const immediate = yield* Subject.sendAfter(subject, 0, "a")
        yield* Subject.receive(subject, "5 millis")
        assert.strictEqual((yield* Subject.cancelTimer(immediate))._tag, "TimerNotFound")
        const later = yield* Subject.sendAfter(subject, "5 millis", "b")
        yield* TestClock.adjust("5 millis")
        assert.strictEqual(yield* Subject.receive(subject, 0), "b")
        assert.strictEqual((yield* Subject.cancelTimer(later))._tag, "TimerNotFound")
      }))

    it.effect("a timer to a process is cancelled when the process dies", () =>
      Effect.gen(function*() {
        const timers = yield* Subject.make<Subject.Timer>()
        const pid = yield* Process.spawn(Effect.gen(function*() {
          const own = yield* Subject.make<string>()
          yield* Subject.send(timers, yield* Subject.sendAfter(own, "1 second", "tick"))
        }))
        const timer = yield* Subject.receive(timers, "1 second")
        yield* Process.awaitExit(pid)
        assert.strictEqual((yield* Subject.cancelTimer(timer))._tag, "TimerNotFound")
      }))
  })
})
