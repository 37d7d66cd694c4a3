import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Equal } from "effect"
import { TestClock } from "effect/testing"
import { Actor, Process, Subject, System, Testing } from "../src/index.js"

afterEach(Testing.leakCheck())

type Message = { readonly _tag: "Append"; readonly text: string } | {
  readonly _tag: "Read"
  readonly replyTo: Subject.Subject<string>
}

const appender = (initial: string) =>
  Actor.new(initial).pipe(
    Actor.onMessage((state: string, message: Message) =>
      message._tag === "Append" ?
        Effect.succeed(Actor.continue(state + message.text)) :
        Effect.as(Subject.send(message.replyTo, state), Actor.continue(state))
    ),
    Actor.start
  )

describe("System", () => {
  it.effect("getState returns the state", () =>
    Effect.gen(function*() {
      const actor = yield* appender("Test state")
      assert.strictEqual(yield* System.getState(actor.pid), "Test state")
    }))

  it.effect("getStatus gives pid, mode, state and mailbox length", () =>
    Effect.gen(function*() {
      const actor = yield* appender("s")
      const status = yield* System.getStatus(actor.pid)
      assert.isTrue(Equal.equals(status.pid, actor.pid))
      assert.strictEqual(status.mode, "running")
      assert.strictEqual(status.state, "s")
      assert.strictEqual(status.messageQueueLength, 0)
    }))

  it.effect("suspend queues user messages, system messages are still answered, resume handles the queue", () =>
    Effect.gen(function*() {
      const actor = yield* appender("a")
      yield* System.suspend(actor.pid)
      yield* Actor.send(actor.data, { _tag: "Append", text: "b" })
      yield* Actor.send(actor.data, { _tag: "Append", text: "c" })
      // answered while suspended, state unchanged, both messages queued
      assert.strictEqual(yield* System.getState(actor.pid), "a")
      const status = yield* System.getStatus(actor.pid)
      assert.strictEqual(status.mode, "suspended")
      assert.strictEqual(status.messageQueueLength, 2)
      yield* System.resume(actor.pid)
      const read = yield* Actor.call(actor.data, (replyTo): Message => ({ _tag: "Read", replyTo }), "1 second")
      assert.strictEqual(read, "abc")
      assert.strictEqual((yield* System.getStatus(actor.pid)).mode, "running")
    }))

  it.effect("replaceState replaces the state; a throwing function leaves it unchanged and fails", () =>
    Effect.gen(function*() {
      const actor = yield* appender("x")
      assert.strictEqual(yield* System.replaceState(actor.pid, (s) => `${s}y`), "xy")
      const error = yield* Effect.flip(System.replaceState(actor.pid, () => {
        throw new Error("bad update")
      }))
      assert.strictEqual(error._tag, "CallbackFailed")
      assert.include(error.message, "bad update")
      assert.strictEqual(yield* System.getState(actor.pid), "xy")
      assert.isTrue(yield* Process.isAlive(actor.pid))
    }))

  it.effect("statistics count messages in and out and give the start time", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour")
      const actor = yield* appender("")
      yield* Actor.send(actor.data, { _tag: "Append", text: "1" })
      yield* Actor.call(actor.data, (replyTo): Message => ({ _tag: "Read", replyTo }), "1 second")
      const stats = yield* System.statistics(actor.pid)
      // Append, Read and this statistics request came in; the Read reply went out
      assert.strictEqual(stats.messagesIn, 3)
      assert.strictEqual(stats.messagesOut, 1)
      assert.strictEqual(stats.startedAt, 3_600_000)
    }))

  it.effect("system requests to a dead actor fail with NoProcess", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const actor = yield* Actor.start(Actor.new(0))
      yield* Process.kill(actor.pid)
      yield* Process.awaitExit(actor.pid)
      assert.strictEqual((yield* Effect.flip(System.getState(actor.pid)))._tag, "NoProcess")
      assert.strictEqual((yield* Effect.flip(System.suspend(actor.pid)))._tag, "NoProcess")
    }))
})
