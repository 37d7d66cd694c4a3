/**
 * The test kit itself: settling, probes on TestClock time, waits for supervision, and the leak check.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Exit, Option, Schedule, Scope } from "effect"
import { Actor, Name, Process, Registry, StaticSupervisor, Subject, Supervision, Testing } from "../src/index.js"
import { withBudget } from "./fixtures.js"

afterEach(Testing.leakCheck())

const now = Clock.currentTimeMillis

describe("Testing.settle", () => {
  it.effect("runs what is runnable, time standing still", () =>
    Effect.gen(function*() {
      const probe = yield* Testing.makeProbe<number>()
      // A chain of three actors, each forwarding to the next: all of it runs within one settle.
      const last = yield* Actor.new(null).pipe(
        Actor.onMessage((s, n: number) => Effect.as(Subject.send(probe.subject, n * 10), Actor.continue(s))),
        Actor.start
      )
      const first = yield* Actor.new(null).pipe(
        Actor.onMessage((s, n: number) => Effect.as(Subject.send(last.data, n + 1), Actor.continue(s))),
        Actor.start
      )
      yield* Subject.send(first.data, 1)
      yield* Testing.settle()
      assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 1)
      assert.strictEqual(yield* now, 0)
      assert.strictEqual(yield* probe.expectMessage("0 millis"), 20)
    }).pipe(Effect.scoped))

  it.effect("waits for resumptions still deferred in the run queue, even those that change no mailbox", () =>
    Effect.gen(function*() {
      // Every wake deferred to a macrotask, a few at a time: 100 processes start over many turns of the event loop,
      // and starting changes no mailbox nor message count; only the run queue says that work is left.
      yield* withBudget(-1)
      let started = 0
      for (let i = 0; i < 100; i++) {
        yield* Process.spawnUnlinked(Effect.andThen(Effect.sync(() => started++), Effect.never))
      }
      yield* Testing.settle()
      assert.strictEqual(started, 100)
    }).pipe(Effect.scoped))

  it.effect("never hangs: two actors playing ping-pong for ever fail it with NotSettled, naming them", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const ping = yield* Actor.new<Subject.Subject<string> | undefined, Subject.Subject<string>>(undefined).pipe(
        Actor.onMessage((_peer, peer: Subject.Subject<string>) =>
          Effect.as(Subject.send(peer, "ball"), Actor.continue(peer))
        ),
        Actor.start
      )
      const pong = yield* Actor.new(null).pipe(
        Actor.onMessage((s, _ball: string) => Effect.as(Subject.send(ping.data, pongSubject!), Actor.continue(s))),
        Actor.start
      )
      const pongSubject: Subject.Subject<string> | undefined = pong.data
      yield* Subject.send(ping.data, pong.data)
      const error = yield* Effect.flip(Testing.settle({ maxTurns: 50 }))
      assert.strictEqual(error._tag, "NotSettled")
      assert.include(error.message, String(ping.pid))
      yield* Process.kill(ping.pid)
      yield* Process.kill(pong.pid)
    }).pipe(Effect.scoped))
})

describe("TestProbe", () => {
  it.effect("sees a message due at 100 ms at exactly 100 ms of TestClock time, and not at 99", () =>
    Effect.gen(function*() {
      const probe = yield* Testing.makeProbe<string>()
      yield* Subject.sendAfter(probe.subject, "100 millis", "tick")
      yield* probe.expectNoMessage("99 millis")
      assert.strictEqual(yield* now, 99)
      assert.strictEqual(yield* probe.expectMessage("1 second"), "tick")
      assert.strictEqual(yield* now, 100, "the wait stopped as soon as the message arrived")
    }))

  it.effect("expectNoMessage advances by exactly its duration, and says what arrived", () =>
    Effect.gen(function*() {
      const probe = yield* Testing.makeProbe<string>()
      yield* Subject.sendAfter(probe.subject, "3 seconds", "late")
      yield* probe.expectNoMessage("2 seconds")
      assert.strictEqual(yield* now, 2_000)
      const error = yield* Effect.flip(probe.expectNoMessage("2 seconds"))
      assert.strictEqual(error._tag, "UnexpectedMessage")
      assert.deepStrictEqual((error as Testing.UnexpectedMessage).received, ["late"])
    }))

  it.effect("expectMessage with a predicate leaves the others queued; its timeout lists what arrived", () =>
    Effect.gen(function*() {
      const probe = yield* Testing.makeProbe<number>()
      for (const n of [1, 2, 3]) yield* Subject.send(probe.subject, n)
      assert.strictEqual(yield* probe.expectMessage((n) => n === 2, "1 second"), 2)
      const error = yield* Effect.flip(probe.expectMessage((n) => n > 10, "500 millis"))
      assert.strictEqual(error._tag, "WaitTimeout")
      assert.deepStrictEqual((error as Testing.WaitTimeout).received, [1, 3])
      assert.include(error.message, "did not happen within 500ms: arrived instead: 1, 3")
      assert.deepStrictEqual(yield* probe.receiveN(2, "0 millis"), [1, 3])
    }))

  it.effect("receiveN waits for n in order; fishForMessage drops what comes before its catch", () =>
    Effect.gen(function*() {
      const probe = yield* Testing.makeProbe<string>()
      yield* Subject.sendAfter(probe.subject, "10 millis", "a")
      yield* Subject.sendAfter(probe.subject, "20 millis", "b")
      assert.deepStrictEqual(yield* probe.receiveN(2, "1 second"), ["a", "b"])
      assert.strictEqual(yield* now, 20)
      for (const m of ["x", "y", "wanted", "z"]) yield* Subject.send(probe.subject, m)
      assert.strictEqual(yield* probe.fishForMessage((m) => m === "wanted", "1 second"), "wanted")
      assert.strictEqual(yield* probe.expectMessage("0 millis"), "z")
    }))
})

describe("waiting for supervision", () => {
  it.effect("awaitRestart follows an exponential backoff exactly: 100 ms, then 200 ms; not at 99", () =>
    Effect.gen(function*() {
      const name = Name.make<string>("worker")
      const sup = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.restartSchedule(Schedule.exponential("100 millis")),
        StaticSupervisor.restartTolerance({ intensity: 10, period: "1 minute" }),
        StaticSupervisor.add(Supervision.worker(Actor.start(Actor.new(0).pipe(Actor.named(name))))),
        StaticSupervisor.start
      )
      const kill = Effect.flatMap(Process.whereis(name), (pid) => Process.kill(Option.getOrThrow(pid)))
      yield* kill
      const early = yield* Effect.flip(Testing.awaitRestart(sup.data, 0, "99 millis"))
      assert.strictEqual(early._tag, "WaitTimeout")
      yield* Testing.awaitRestart(sup.data, 0, "1 millis")
      assert.strictEqual(yield* now, 100)
      yield* kill
      yield* Testing.awaitRestart(sup.data, 0, "1 second")
      assert.strictEqual(yield* now, 300, "the second restart came 200 ms after the second crash")
    }).pipe(Effect.scoped))

  it.effect("awaitExit returns the reason, and fails when it is not the one expected", () =>
    Effect.gen(function*() {
      const pid = yield* Process.spawnUnlinked(Effect.sleep("1 second"))
      assert.strictEqual((yield* Testing.awaitExit(pid, "2 seconds"))._tag, "Normal")
      assert.strictEqual(yield* now, 1_000)
      const crash = yield* Process.spawnUnlinked(Effect.fail("boom"))
      const error = yield* Effect.flip(Testing.awaitExit(crash, "1 second", (reason) => reason._tag === "Normal"))
      assert.strictEqual(error._tag, "UnexpectedExit")
    }).pipe(Effect.scoped))

  it.effect("awaitRegistered waits for a key to be registered by a live process", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make<string, number>({ keys: "unique" })
      const pid = yield* Process.spawnUnlinked(
        Effect.andThen(Effect.sleep("50 millis"), Effect.andThen(Registry.register(registry, "alice", 1), Effect.never))
      )
      assert.strictEqual(String(yield* Testing.awaitRegistered(registry, "alice", "1 second")), String(pid))
      assert.strictEqual(yield* now, 50)
    }).pipe(Effect.scoped))
})

describe("Testing.checkNoProcessLeft", () => {
  it.effect("names what a test left behind: a process, with its spawner", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const leaked = yield* Process.spawnUnlinked(Effect.never).pipe(Scope.provide(scope))
      const error = yield* Effect.flip(Testing.checkNoProcessLeft)
      assert.strictEqual(error._tag, "ProcessesLeft")
      assert.isTrue(error.processes.some((p) => p.startsWith(String(leaked))), error.message)
      yield* Scope.close(scope, Exit.void)
      yield* Testing.settle()
    }))

  it.effect("names a registry whose scope did not close, with its entries", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const registry = yield* Registry.make<string, number>({ keys: "unique" }).pipe(Scope.provide(scope))
      yield* Registry.register(registry, "me", 1)
      const error = yield* Effect.flip(Testing.checkNoProcessLeft)
      assert.deepStrictEqual(error.registries, [`${registry} still open (its scope did not close), 1 entry`])
      assert.deepStrictEqual(error.processes, [], "the calling code is not counted")
      yield* Scope.close(scope, Exit.void)
    }))
})
