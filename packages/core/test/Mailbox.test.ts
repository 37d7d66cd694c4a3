/**
 * Bounded mailboxes (`Actor.mailbox`, `Subject.makeBounded`): each overflow policy under a fast producer (which
 * messages survive, in order, and how many were dropped), back-pressure's fairness and its end when the receiver
 * dies, `trySend`'s `MailboxFull`, what never counts (system messages, exits, `Down`s, replies), and the unbounded
 * default.
 *
 * Erlang has no bounded mailboxes (see docs/from-gleam-and-erlang.md); what these tests check is the contract of this
 * library, modelled on Effect's bounded queues and Akka's bounded mailboxes. What Erlang does instead, checked on
 * OTP 25 with a small module (100,000 messages to a process blocked in `receive`; `spawn_opt` with `max_heap_size`
 * 10,000 words and 5,000 messages of 10-element lists; a sender that reads `message_queue_len` before each send):
 * - its mailbox takes everything: `message_queue_len` is 100,000, as the unbounded default here;
 * - `max_heap_size` kills the process (`killed`) when its queue is `on_heap`, and lets an `off_heap` queue grow (the
 *   process stays alive with 5,000 messages): a cap on the process, not on its mailbox;
 * - shedding by `message_queue_len` with a limit of 3 keeps messages 1, 2 and 3 of 10: what `DropNewest` does.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Metric, Option } from "effect"
import { TestClock } from "effect/testing"
import type { Process as P } from "../src/index.js"
import { Actor, Errors, Metrics, Name, Process, Selector, Subject, System, Testing } from "../src/index.js"
import { defectOf, withBudget } from "./fixtures.js"

afterEach(Testing.leakCheck())

/** An actor that keeps every number it handles, in order. */
const collector = Actor.new<ReadonlyArray<number>, number>([]).pipe(
  Actor.onMessage((seen, n) => Effect.succeed(Actor.continue([...seen, n])))
)

const seenBy = (pid: P.Pid) => Effect.map(System.getState(pid), (state) => state as ReadonlyArray<number>)

const droppedBy = (pid: P.Pid) => Effect.map(Process.info(pid), (info) => Option.getOrThrow(info).messagesDropped)

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/**
 * Starts a collector bounded with `overflow` and capacity 3, suspends it (so that nothing it is sent is handled or
 * handed over: everything queues), and sends it 1 to 10 as fast as it can; then resumes it and returns what it
 * handled and how many it dropped.
 */
const floodSuspended = (overflow: Subject.Overflow) =>
  Effect.gen(function*() {
    const started = yield* Actor.start(collector.pipe(Actor.mailbox({ capacity: 3, overflow })))
    yield* System.suspend(started.pid)
    for (const n of range(1, 10)) yield* Subject.send(started.data, n)
    assert.strictEqual(yield* Process.messageQueueLength(started.pid), 3)
    yield* System.resume(started.pid)
    yield* Testing.settle()
    return { seen: yield* seenBy(started.pid), dropped: yield* droppedBy(started.pid), started }
  })

describe("the default mailbox is unbounded, as in Erlang", () => {
  it.effect("10,000 messages to a suspended actor all wait, none is dropped, trySend always succeeds", () =>
    Effect.gen(function*() {
      const started = yield* Actor.start(collector)
      yield* System.suspend(started.pid)
      for (let n = 0; n < 10_000; n++) yield* Subject.trySend(started.data, n)
      assert.strictEqual(yield* Process.messageQueueLength(started.pid), 10_000)
      assert.strictEqual(yield* droppedBy(started.pid), 0)
    }).pipe(Effect.scoped))
})

describe("each overflow policy under a fast producer", () => {
  it.effect("DropNewest keeps the first messages, in order, and counts the others", () =>
    Effect.gen(function*() {
      const { dropped, seen, started } = yield* floodSuspended("DropNewest")
      assert.deepStrictEqual(seen, [1, 2, 3])
      assert.strictEqual(dropped, 7)
      // trySend does not fail: dropping is the receiver's policy (Queue.dropping), and the drop is counted.
      yield* System.suspend(started.pid)
      for (const n of range(11, 14)) yield* Subject.trySend(started.data, n)
      assert.strictEqual(yield* droppedBy(started.pid), 8)
    }).pipe(Effect.scoped))

  it.effect("DropOldest keeps the newest messages, in order, and counts the others", () =>
    Effect.gen(function*() {
      const { dropped, seen } = yield* floodSuspended("DropOldest")
      assert.deepStrictEqual(seen, [8, 9, 10])
      assert.strictEqual(dropped, 7)
    }).pipe(Effect.scoped))

  it.effect("Fail: send drops what does not fit; trySend fails with MailboxFull naming the bound", () =>
    Effect.gen(function*() {
      const { dropped, seen, started } = yield* floodSuspended("Fail")
      assert.deepStrictEqual(seen, [1, 2, 3])
      assert.strictEqual(dropped, 7)
      yield* System.suspend(started.pid)
      for (const n of range(11, 13)) yield* Subject.trySend(started.data, n)
      const error = yield* Effect.flip(Subject.trySend(started.data, 14))
      assert.instanceOf(error, Errors.MailboxFull)
      assert.strictEqual(error._tag, "MailboxFull")
      if (error._tag !== "MailboxFull") return
      assert.strictEqual(error.capacity, 3)
      assert.strictEqual(error.overflow, "Fail")
      assert.isTrue(error.pid === started.pid)
      assert.include(error.message, "capacity 3")
      assert.strictEqual(yield* droppedBy(started.pid), 8)
      yield* System.resume(started.pid)
      yield* Testing.settle()
      assert.deepStrictEqual(yield* seenBy(started.pid), [1, 2, 3, 11, 12, 13])
    }).pipe(Effect.scoped))

  it.effect("BackPressure: the producer waits for room; every message arrives, in order, none is dropped", () =>
    Effect.gen(function*() {
      const started = yield* Actor.start(collector.pipe(Actor.mailbox({ capacity: 3, overflow: "BackPressure" })))
      yield* System.suspend(started.pid)
      const sent = yield* Subject.make<number>()
      const producer = yield* Process.spawn(Effect.gen(function*() {
        for (const n of range(1, 10)) {
          yield* Subject.send(started.data, n)
          yield* Subject.send(sent, n)
        }
      }))
      yield* Testing.settle()
      // Three fit; the fourth send waits.
      assert.strictEqual(yield* Process.messageQueueLength(started.pid), 3)
      assert.isTrue(yield* Process.isAlive(producer))
      const error = yield* Effect.flip(Subject.trySend(started.data, 99))
      assert.strictEqual(error._tag, "MailboxFull")
      yield* System.resume(started.pid)
      yield* Testing.awaitExit(producer, "1 second")
      yield* Testing.settle()
      assert.deepStrictEqual(yield* seenBy(started.pid), range(1, 10))
      // Only trySend's refusal counts.
      assert.strictEqual(yield* droppedBy(started.pid), 1)
    }).pipe(Effect.scoped))

  it.effect("a producer process outrunning a working DropOldest actor: the last message always survives", () =>
    Effect.gen(function*() {
      const started = yield* Actor.start(collector.pipe(Actor.mailbox({ capacity: 16, overflow: "DropOldest" })))
      const producer = yield* Process.spawn(Effect.gen(function*() {
        for (const n of range(1, 1_000)) yield* Subject.send(started.data, n)
      }))
      yield* Testing.awaitExit(producer, "1 second")
      yield* Testing.settle()
      const seen = yield* seenBy(started.pid)
      assert.strictEqual(seen.length + (yield* droppedBy(started.pid)), 1_000)
      assert.isAbove(yield* droppedBy(started.pid), 0)
      assert.strictEqual(seen[seen.length - 1], 1_000)
      for (let i = 1; i < seen.length; i++) assert.isAbove(seen[i], seen[i - 1])
    }).pipe(Effect.scoped))
})

describe("back-pressure", () => {
  /** A suspended BackPressure collector of capacity 1, already full with 0. */
  const full = Effect.gen(function*() {
    const started = yield* Actor.start(collector.pipe(Actor.mailbox({ capacity: 1, overflow: "BackPressure" })))
    yield* System.suspend(started.pid)
    yield* Subject.send(started.data, 0)
    return started
  })

  it.effect("is fair: waiting senders get in in the order they came, one per message taken", () =>
    Effect.gen(function*() {
      const started = yield* full
      const senders: Array<P.Pid> = []
      for (const n of [1, 2, 3]) {
        senders.push(yield* Process.spawn(Subject.send(started.data, n)))
        yield* Testing.settle()
      }
      assert.strictEqual(yield* Process.messageQueueLength(started.pid), 1)
      yield* System.resume(started.pid)
      for (const sender of senders) yield* Testing.awaitExit(sender, "1 second")
      yield* Testing.settle()
      assert.deepStrictEqual(yield* seenBy(started.pid), [0, 1, 2, 3])
    }).pipe(Effect.scoped))

  it.effect("a waiting sender whose receiver dies resumes (no hang), and its message is lost", () =>
    Effect.gen(function*() {
      const started = yield* full
      const sender = yield* Effect.forkChild(Subject.send(started.data, 1))
      yield* Testing.settle()
      assert.isUndefined(sender.pollUnsafe())
      yield* Process.unlink(started.pid)
      yield* Process.kill(started.pid)
      yield* Testing.settle()
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(sender)))
    }).pipe(Effect.scoped))

  it.effect("an interrupted waiting sender leaves the line cleanly: its message is never sent", () =>
    Effect.gen(function*() {
      const started = yield* full
      const first = yield* Effect.forkChild(Subject.send(started.data, 1))
      yield* Testing.settle()
      const second = yield* Effect.forkChild(Subject.send(started.data, 2))
      yield* Testing.settle()
      yield* Fiber.interrupt(first)
      yield* System.resume(started.pid)
      yield* Fiber.join(second)
      yield* Testing.settle()
      assert.deepStrictEqual(yield* seenBy(started.pid), [0, 2])
    }).pipe(Effect.scoped))

  it.effect("the last waiting sender leaving empties the line: the next send finds room, as before anyone waited", () =>
    Effect.gen(function*() {
      const started = yield* full
      const sender = yield* Effect.forkChild(Subject.send(started.data, 1))
      yield* Testing.settle()
      yield* Fiber.interrupt(sender)
      yield* System.resume(started.pid)
      yield* Testing.settle()
      yield* Subject.trySend(started.data, 2)
      yield* Testing.settle()
      assert.deepStrictEqual(yield* seenBy(started.pid), [0, 2])
      assert.strictEqual(yield* droppedBy(started.pid), 0)
    }).pipe(Effect.scoped))

  it.effect("a call's request waits for room within the call's timeout", () =>
    Effect.gen(function*() {
      type Msg = { readonly n: number; readonly replyTo: Subject.Subject<number> }
      const doubler = yield* Actor.start(
        Actor.new<null, Msg>(null).pipe(
          Actor.onMessage((state, msg) => Effect.as(Subject.send(msg.replyTo, msg.n * 2), Actor.continue(state))),
          Actor.mailbox({ capacity: 1, overflow: "BackPressure" })
        )
      )
      yield* System.suspend(doubler.pid)
      const replies = yield* Subject.make<number>()
      yield* Subject.send(doubler.data, { n: 1, replyTo: replies })
      const call = yield* Effect.forkChild(Subject.call(doubler.data, (replyTo) => ({ n: 21, replyTo })))
      yield* Testing.settle()
      assert.strictEqual(yield* Process.messageQueueLength(doubler.pid), 1)
      yield* System.resume(doubler.pid)
      assert.strictEqual(yield* Fiber.join(call), 42)
      assert.strictEqual(yield* Subject.receive(replies, 0), 2)
    }).pipe(Effect.scoped))

  it.effect("a call that times out while its request waits for room leaves the line: the request is never sent", () =>
    Effect.gen(function*() {
      type Msg = { readonly n: number; readonly replyTo: Subject.Subject<number> }
      const doubler = yield* Actor.start(
        Actor.new<ReadonlyArray<number>, Msg>([]).pipe(
          Actor.onMessage((seen, msg) =>
            Effect.as(Subject.send(msg.replyTo, msg.n * 2), Actor.continue([...seen, msg.n]))
          ),
          Actor.mailbox({ capacity: 1, overflow: "BackPressure" })
        )
      )
      yield* System.suspend(doubler.pid)
      const replies = yield* Subject.make<number>()
      yield* Subject.send(doubler.data, { n: 1, replyTo: replies })
      const call = yield* Effect.forkChild(Subject.call(doubler.data, (replyTo) => ({ n: 21, replyTo }), "10 millis"))
      yield* Testing.settle()
      yield* TestClock.adjust("10 millis")
      assert.strictEqual((yield* Effect.flip(Fiber.join(call)))._tag, "CallTimeout")
      yield* System.resume(doubler.pid)
      yield* Testing.settle()
      assert.deepStrictEqual(yield* seenBy(doubler.pid), [1])
    }).pipe(Effect.scoped))

  it.effect("a process's send to its own full subject does not wait for ever: it gets in once there is room", () =>
    Effect.gen(function*() {
      const own = yield* Subject.makeBounded<number>({ capacity: 1, overflow: "BackPressure" })
      yield* Subject.send(own, 1)
      yield* Subject.send(own, 2)
      assert.strictEqual(yield* Subject.receive(own, 0), 1)
      assert.strictEqual(yield* Subject.receive(own, 0), 2)
    }))

  it.effect("a timer's message to a full BackPressure subject waits in line; it is not lost", () =>
    Effect.gen(function*() {
      const own = yield* Subject.makeBounded<number>({ capacity: 1, overflow: "BackPressure" })
      yield* Subject.send(own, 1)
      yield* Subject.sendAfter(own, "10 millis", 2)
      yield* TestClock.adjust("10 millis")
      assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 1)
      assert.strictEqual(yield* Subject.receive(own, 0), 1)
      assert.strictEqual(yield* Subject.receive(own, 0), 2)
    }))
})

describe("what counts", () => {
  it.effect("exit signals, Downs, call replies and other subjects never count, nor are dropped", () =>
    Effect.gen(function*() {
      const bounded = yield* Subject.makeBounded<number>({ capacity: 1, overflow: "Fail" })
      const other = yield* Subject.make<number>()
      yield* Subject.send(bounded, 1)
      yield* Subject.send(bounded, 2) // dropped: full
      for (const n of range(1, 5)) yield* Subject.trySend(other, n)
      yield* Process.trapExits(true)
      const linked = yield* Process.spawn(Effect.fail("boom"))
      const watched = yield* Process.spawnUnlinked(Effect.void)
      yield* Process.monitor(watched)
      const doubler = yield* Actor.start(
        Actor.new<null, { readonly n: number; readonly replyTo: Subject.Subject<number> }>(null).pipe(
          Actor.onMessage((state, msg) => Effect.as(Subject.send(msg.replyTo, msg.n * 2), Actor.continue(state)))
        )
      )
      assert.strictEqual(yield* Subject.call(doubler.data, (replyTo) => ({ n: 4, replyTo })), 8)
      yield* Testing.settle()
      const signals = Selector.make<string>().pipe(
        Selector.selectTrappedExits((exit) => `exit ${exit.pid === linked}`),
        Selector.selectMonitors((down) => `down ${down.pid === watched}`)
      )
      assert.deepStrictEqual(
        [yield* Selector.receive(signals, 0), yield* Selector.receive(signals, 0)].sort(),
        ["down true", "exit true"]
      )
      for (const n of range(1, 5)) assert.strictEqual(yield* Subject.receive(other, 0), n)
      assert.strictEqual(yield* Subject.receive(bounded, 0), 1)
      assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(bounded, 0))))
      assert.strictEqual(Option.getOrThrow(yield* Process.info(yield* Process.self)).messagesDropped, 1)
      yield* Process.trapExits(false)
    }).pipe(Effect.scoped))

  it.effect("system messages reach a full bounded actor, and so does its parent's exit signal", () =>
    Effect.gen(function*() {
      // It traps exits (it has onTerminate): its parent's exit signal is a message in its mailbox.
      const started = yield* Actor.start(collector.pipe(
        Actor.onTerminate(() => Effect.void),
        Actor.mailbox({ capacity: 1, overflow: "BackPressure" })
      ))
      yield* System.suspend(started.pid)
      yield* Subject.send(started.data, 1)
      // Suspended and full: getState, getStatus and resume are system messages, which a bound never holds back.
      assert.deepStrictEqual(yield* seenBy(started.pid), [])
      assert.strictEqual((yield* System.getStatus(started.pid)).messageQueueLength, 1)
      yield* Process.unlink(started.pid)
      yield* Process.exit(started.pid, Process.ExitReason.Shutdown())
      assert.strictEqual((yield* Testing.awaitExit(started.pid, "1 second"))._tag, "Shutdown")
    }).pipe(Effect.scoped))

  it.effect("subjects count separately: one full bounded subject holds back no other", () =>
    Effect.gen(function*() {
      const a = yield* Subject.makeBounded<string>({ capacity: 1, overflow: "DropNewest" })
      const b = yield* Subject.makeBounded<string>({ capacity: 2, overflow: "DropNewest" })
      for (const s of ["a1", "a2"]) yield* Subject.send(a, s)
      for (const s of ["b1", "b2", "b3"]) yield* Subject.send(b, s)
      const both = Selector.make<string>().pipe(Selector.select(a), Selector.select(b))
      const all: Array<string> = []
      for (let i = 0; i < 3; i++) all.push(yield* Selector.receive(both, 0))
      assert.deepStrictEqual(all, ["a1", "b1", "b2"])
      assert.strictEqual(Option.getOrThrow(yield* Process.info(yield* Process.self)).messagesDropped, 2)
    }))

  it.effect("a named bounded actor: sends through its name count against the same bound", () =>
    Effect.gen(function*() {
      const name = Name.make<number>("bounded")
      const started = yield* Actor.start(
        collector.pipe(Actor.named(name), Actor.mailbox({ capacity: 2, overflow: "DropNewest" }))
      )
      yield* System.suspend(started.pid)
      for (const n of range(1, 4)) yield* Subject.send(Subject.named(name), n)
      yield* Subject.send(started.data, 5)
      yield* System.resume(started.pid)
      yield* Testing.settle()
      assert.deepStrictEqual(yield* seenBy(started.pid), [1, 2])
      assert.strictEqual(yield* droppedBy(started.pid), 3)
    }).pipe(Effect.scoped))

  it.effect("a call whose request is dropped ends with CallTimeout, as an ask to a full mailbox does in Akka", () =>
    Effect.gen(function*() {
      const started = yield* Actor.start(
        Actor.new<null, { readonly replyTo: Subject.Subject<number> }>(null).pipe(
          Actor.mailbox({ capacity: 1, overflow: "DropNewest" })
        )
      )
      yield* System.suspend(started.pid)
      const replies = yield* Subject.make<number>()
      yield* Subject.send(started.data, { replyTo: replies })
      const error = yield* Effect.flip(Subject.call(started.data, (replyTo) => ({ replyTo }), 0))
      assert.strictEqual(error._tag, "CallTimeout")
      assert.strictEqual(yield* droppedBy(started.pid), 1)
    }).pipe(Effect.scoped))

  it.effect("a message given back by an interrupted receive counts again: the bound still holds", () =>
    Effect.gen(function*() {
      yield* withBudget(-1)
      const bounded = yield* Subject.makeBounded<number>({ capacity: 1, overflow: "DropNewest" })
      // Another fiber of this process parks on the subject and is handed 1, never queued (it does not count); its
      // wake is deferred, and it is interrupted before it resumes: 1 goes back into the queue, and counts there.
      const receiver = yield* Effect.forkChild(Subject.receiveForever(bounded))
      yield* Effect.yieldNow
      yield* Subject.send(bounded, 1)
      yield* Fiber.interrupt(receiver)
      yield* Subject.send(bounded, 2) // full: dropped
      assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 1)
      assert.strictEqual(yield* Subject.receive(bounded, 0), 1)
      assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(bounded, 0))))
      assert.strictEqual(Option.getOrThrow(yield* Process.info(yield* Process.self)).messagesDropped, 1)
    }).pipe(Effect.scoped))
})

describe("the dropped-messages metric", () => {
  it.effect("otp_mailbox_messages_dropped counts drops, labelled with the actor's name", () =>
    Effect.provideService(
      Metrics.enable(Effect.gen(function*() {
        const name = Name.make<number>("shedder")
        const started = yield* Actor.start(
          collector.pipe(Actor.named(name), Actor.mailbox({ capacity: 3, overflow: "DropOldest" }))
        )
        yield* System.suspend(started.pid)
        for (const n of range(1, 10)) yield* Subject.send(started.data, n)
        const counter = Metric.withAttributes(Metrics.messagesDropped, { actor: "shedder" })
        assert.strictEqual((yield* Metric.value(counter)).count, 7)
      })),
      Metric.MetricRegistry,
      new Map()
    ).pipe(Effect.scoped))
})

describe("invalid bounds are defects naming the field", () => {
  it.effect("Actor.mailbox with capacity 0: start dies naming capacity", () =>
    Effect.gen(function*() {
      const message = yield* defectOf(Actor.start(collector.pipe(Actor.mailbox({ capacity: 0, overflow: "Fail" }))))
      assert.include(message, "Actor.mailbox: capacity must be a positive integer, got 0")
    }).pipe(Effect.scoped))

  it.effect("Subject.makeBounded with a fractional capacity or an unknown overflow", () =>
    Effect.gen(function*() {
      assert.include(
        yield* defectOf(Subject.makeBounded({ capacity: 1.5, overflow: "Fail" })),
        "Subject.makeBounded: capacity must be a positive integer, got 1.5"
      )
      assert.include(
        yield* defectOf(Subject.makeBounded({ capacity: 1, overflow: "Sometimes" as Subject.Overflow })),
        "Subject.makeBounded: overflow must be"
      )
    }))
})
