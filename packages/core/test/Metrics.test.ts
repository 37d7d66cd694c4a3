/**
 * The library's metrics: off by default; on, each one moves with what it counts, labelled by actor name, supervisor
 * and child, or reason.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Metric, Option } from "effect"
import { TestClock } from "effect/testing"
import { Actor, Metrics, Name, Process, StaticSupervisor, Subject, Supervision, System, Testing } from "../src/index.js"

afterEach(Testing.leakCheck())

type Msg =
  | { readonly _tag: "Add"; readonly n: number }
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }
  | { readonly _tag: "Slow"; readonly replyTo: Subject.Subject<number> }

const counter = Actor.new(0).pipe(Actor.onMessage((count: number, msg: Msg) => {
  switch (msg._tag) {
    case "Add":
      return Effect.succeed(Actor.continue(count + msg.n))
    case "Get":
      return Effect.as(Subject.send(msg.replyTo, count), Actor.continue(count))
    case "Slow":
      // Answers after 250 ms of the TestClock.
      return Effect.as(
        Effect.andThen(Effect.sleep("250 millis"), Subject.send(msg.replyTo, count)),
        Actor.continue(count)
      )
  }
}))

/** A fresh registry per test, so that each reads only its own series. */
const isolated = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Metric.MetricRegistry, new Map())

const valueOf = <S>(metric: Metric.Metric<number, S>, attributes: Record<string, string>) =>
  Metric.value(Metric.withAttributes(metric, attributes))

/** The library's series in the registry. */
const otpSeries = Effect.map(Metric.snapshot, (all) => all.filter((m) => m.id.startsWith("otp_")))

describe("Metrics", () => {
  it.effect("off by default: nothing is recorded", () =>
    isolated(Effect.gen(function*() {
      const name = Name.make<Msg>("quiet")
      const started = yield* Actor.start(counter.pipe(Actor.named(name)))
      yield* Subject.send(started.data, { _tag: "Add", n: 1 })
      yield* Subject.call(started.data, (replyTo: Subject.Subject<number>): Msg => ({ _tag: "Get", replyTo }))
      assert.deepStrictEqual(yield* otpSeries, [])
    })).pipe(Effect.scoped))

  it.effect("on: messages handled, call latency and mailbox, labelled with the actor's name", () =>
    isolated(
      Metrics.enable(Effect.gen(function*() {
        // Every call timed (by default one in 8 is).
        const name = Name.make<Msg>("counter")
        const started = yield* Actor.start(counter.pipe(Actor.named(name)))
        for (let i = 0; i < 3; i++) yield* Subject.send(started.data, { _tag: "Add", n: 1 })
        const get = (replyTo: Subject.Subject<number>): Msg => ({ _tag: "Get", replyTo })
        assert.strictEqual(yield* Subject.call(started.data, get), 3)
        const slow = yield* Effect.forkChild(
          Subject.call(started.data, (replyTo: Subject.Subject<number>): Msg => ({ _tag: "Slow", replyTo }))
        )
        yield* Testing.settle()
        yield* TestClock.adjust("250 millis")
        yield* Fiber.await(slow)

        // Labelled with the name's prefix, the same from one run to the next.
        const actor = { actor: "counter" }
        assert.strictEqual((yield* valueOf(Metrics.messagesHandled, actor)).count, 5)
        const calls = yield* valueOf(Metrics.callDuration, actor)
        assert.strictEqual(calls.count, 2)
        // Read from the caller's Clock: the slow call took 250 ms of the TestClock, the other none.
        assert.strictEqual(calls.max, 0.25)
        assert.strictEqual(calls.min, 0)
        // The mailbox gauge is read from the mailbox: suspended, the counter keeps what it is sent.
        assert.strictEqual((yield* valueOf(Metrics.mailboxLength, actor)).value, 0)
        yield* System.suspend(started.pid)
        for (let i = 0; i < 3; i++) yield* Subject.send(started.data, { _tag: "Add", n: 1 })
        assert.strictEqual((yield* valueOf(Metrics.mailboxLength, actor)).value, 3)
        yield* System.resume(started.pid)
        // Gone with the actor.
        yield* Process.trapExits(true)
        yield* Process.kill(started.pid)
        yield* Process.awaitExit(started.pid)
        assert.isFalse((yield* otpSeries).some((m) => m.id === "otp_actor_mailbox_length"))
      })).pipe(Effect.provideService(Metrics.CallSampling, 1))
    ).pipe(Effect.scoped))

  it.effect("call latency is sampled: one call in 8 per caller by default", () =>
    isolated(Metrics.enable(Effect.gen(function*() {
      const name = Name.make<Msg>("sampled")
      const started = yield* Actor.start(counter.pipe(Actor.named(name)))
      const get = (replyTo: Subject.Subject<number>): Msg => ({ _tag: "Get", replyTo })
      for (let i = 0; i < 24; i++) yield* Subject.call(started.data, get)
      assert.strictEqual((yield* valueOf(Metrics.callDuration, { actor: "sampled" })).count, 3)
      assert.strictEqual((yield* valueOf(Metrics.messagesHandled, { actor: "sampled" })).count, 24)
      // Counted across the program, not per caller: 24 calls from 24 fresh contexts (spans) also time 3.
      for (let i = 0; i < 24; i++) yield* Effect.withSpan(Subject.call(started.data, get), "call")
      assert.strictEqual((yield* valueOf(Metrics.callDuration, { actor: "sampled" })).count, 6)
    }))).pipe(Effect.scoped))

  it.effect("on: restarts by supervisor and child, crashes by reason, live processes", () =>
    isolated(Metrics.enable(Effect.gen(function*() {
      const supName = Name.make<StaticSupervisor.Message>("sup")
      const workerName = Name.make<Msg>("worker")
      yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.named(supName),
        StaticSupervisor.add(
          Supervision.worker(Actor.start(counter.pipe(Actor.named(workerName)))).pipe(
            Supervision.label("worker")
          )
        ),
        StaticSupervisor.start
      )
      const live = (yield* Metric.value(Metrics.processes)).value
      assert.isAtLeast(live, 2)
      for (let i = 0; i < 2; i++) {
        yield* Process.kill(Option.getOrThrow(yield* Process.whereis(workerName)))
        yield* Testing.settle()
      }
      assert.strictEqual(
        (yield* valueOf(Metrics.restarts, { supervisor: "sup", child: "worker" })).count,
        2
      )
      assert.strictEqual((yield* valueOf(Metrics.crashes, { reason: "Killed" })).count, 2)
      // Two ended, two started: as many live processes as before.
      assert.strictEqual((yield* Metric.value(Metrics.processes)).value, live)
      // Read from the process table: code outside any process that came and went is not left counted.
      for (let i = 0; i < 5; i++) yield* Effect.promise(() => Effect.runPromise(Process.self))
      assert.strictEqual((yield* Metric.value(Metrics.processes)).value, (yield* Process.list).length)
    }))).pipe(Effect.scoped))
})
