/**
 * Per-child backoff (`Supervision.backoff`, `FactorySupervisor.backoff`): each child waits the steps of its own
 * schedule before its restarts, whatever its siblings do, and its schedule starts over after a stable run (Akka's
 * `BackoffSupervisor`). Erlang has no restart delay at all; what Erlang does with a child waiting for a restart
 * (its `restarting` state, while a failed restart is retried) was checked on OTP 25 with `test/erlang/restarting.erl`:
 * `which_children` shows no pid, `terminate_child` is `ok` and cancels the retry, `restart_child` answers
 * `{error, restarting}` (here it starts the child at once).
 *
 * Every delay is asserted to the millisecond on the TestClock: not restarted 1 ms before, restarted at the time.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Exit, Option, Schedule, Scope } from "effect"
import { TestClock } from "effect/testing"
import { Actor, FactorySupervisor, Process, StaticSupervisor, Subject, Supervision, Testing } from "../src/index.js"
import { tracking } from "../src/internal/timer.js"
import type { Command } from "./fixtures.js"
import { expectLog, expectQuiet, invalidSpecification, obey } from "./fixtures.js"

afterEach(Testing.leakCheck())

// ---------------------------------------------------------------------------------------------------------------
// Children that log their starts
// ---------------------------------------------------------------------------------------------------------------

/** An actor that logs `start <id>` when it starts, and crashes on "Crash". */
const actor = (log: Subject.Subject<string>, id: string | number) =>
  Actor.start(
    Actor.newWithInitialiser(
      "1 second",
      (_self: Subject.Subject<Command>) =>
        Effect.as(Subject.send(log, `start ${id}`), Actor.initialised<string | number, Command>(id))
    ).pipe(Actor.onMessage(obey<string | number>))
  )

const worker = (log: Subject.Subject<string>, id: number) => Supervision.worker(actor(log, id))

/** Child `id`'s pid, when it runs (a factory supervisor answers the same `whichChildren` request). */
const pidOf = (sup: StaticSupervisor.Supervisor | FactorySupervisor.FactorySupervisor<any, any>, id: number) =>
  Effect.map(
    StaticSupervisor.whichChildren(sup as StaticSupervisor.Supervisor),
    (children) => Option.flatMap(Option.fromUndefinedOr(children.find((child) => child.id === id)), (c) => c.pid)
  )

/** Kills child `id` (an untrappable crash: every restart type but Temporary restarts it). */
const crash = (sup: StaticSupervisor.Supervisor | FactorySupervisor.FactorySupervisor<any, any>, id: number) =>
  Effect.flatMap(pidOf(sup, id), (pid) => Process.kill(Option.getOrThrow(pid)))

/** Child `id` is restarted exactly `millis` after now (TestClock time): not one millisecond earlier. */
const restartsAfter = (
  sup: StaticSupervisor.Supervisor | FactorySupervisor.FactorySupervisor<any, any>,
  id: number,
  millis: number
) =>
  Effect.gen(function*() {
    const from = yield* Clock.currentTimeMillis
    if (millis > 0) {
      const early = yield* Effect.flip(Testing.awaitRestart(sup, id, millis - 1))
      assert.strictEqual(early._tag, "WaitTimeout", `child ${id} restarted before ${millis} ms`)
    }
    yield* Testing.awaitRestart(sup, id, millis > 0 ? 1 : 0)
    assert.strictEqual((yield* Clock.currentTimeMillis) - from, millis, `child ${id} restarted after ${millis} ms`)
  })

/** Crashes child `id` and sees it restarted after each of `delays`, one crash per delay. */
const crashesWaiting = (
  sup: StaticSupervisor.Supervisor | FactorySupervisor.FactorySupervisor<any, any>,
  id: number,
  delays: ReadonlyArray<number>
) => Effect.forEach(delays, (delay) => Effect.andThen(crash(sup, id), restartsAfter(sup, id, delay)), { discard: true })

/** A supervisor builder that tolerates many restarts, so that only the delays are at stake. */
const tolerant = (strategy: StaticSupervisor.Strategy = "OneForOne") =>
  StaticSupervisor.new(strategy).pipe(StaticSupervisor.restartTolerance({ intensity: 100, period: "1 minute" }))

/** `builder` with children 0..n-1, child `id` given `backoffs[id]` when there is one; started, all logged. */
const startWith = (
  builder: StaticSupervisor.Builder,
  backoffs: ReadonlyArray<Schedule.Schedule<unknown, Process.ExitReason> | undefined>,
  options?: Supervision.BackoffOptions
) =>
  Effect.gen(function*() {
    const log = yield* Subject.make<string>()
    const children = backoffs.map((schedule, id) =>
      schedule === undefined ? worker(log, id) : Supervision.backoff(worker(log, id), schedule, options)
    )
    const sup = yield* children.reduce((b, child) => StaticSupervisor.add(b, child), builder).pipe(
      StaticSupervisor.start
    )
    yield* expectLog(log, backoffs.map((_, id) => `start ${id}`))
    return { log, sup: sup.data, pid: sup.pid } as const
  })

const exponential = (millis: number) => Schedule.exponential(millis)
const spaced = (millis: number) => Schedule.spaced(millis)

// ---------------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------------

describe("Supervision.backoff", () => {
  describe("the delays belong to each child", () => {
    it.effect("the bug it fixes: with the supervisor's schedule, a child's first crash waits 400 ms after a sibling's two", () =>
      Effect.gen(function*() {
        // The supervisor-wide schedule has one state for all children: it is the third restart, so the third delay.
        const { sup } = yield* startWith(tolerant().pipe(StaticSupervisor.restartSchedule(exponential(100))), [
          undefined,
          undefined
        ])
        yield* crashesWaiting(sup, 0, [100, 200])
        yield* crashesWaiting(sup, 1, [400])
      }))

    it.effect("with a backoff per child, a child's first crash waits its first delay, however often a sibling crashed", () =>
      Effect.gen(function*() {
        const { sup } = yield* startWith(tolerant(), [exponential(100), exponential(100)])
        yield* crashesWaiting(sup, 0, [100, 200])
        yield* crashesWaiting(sup, 1, [100])
        yield* crashesWaiting(sup, 0, [400])
        yield* crashesWaiting(sup, 1, [200])
      }))

    it.effect("each child steps its own schedule: exponential 10, 20, 40 ms for one, spaced 30 ms for another", () =>
      Effect.gen(function*() {
        const { sup } = yield* startWith(tolerant(), [exponential(10), spaced(30), undefined])
        yield* crashesWaiting(sup, 0, [10, 20, 40])
        yield* crashesWaiting(sup, 1, [30, 30])
        // A child without a backoff (and no supervisor schedule) restarts at once.
        yield* crashesWaiting(sup, 2, [0, 0])
      }))

    it.effect("while a child waits, the supervisor serves and restarts the others at once; it shows no pid", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startWith(tolerant(), [spaced(1000), undefined])
        yield* crash(sup, 0)
        yield* Testing.settle()
        assert.isTrue(Option.isNone(yield* pidOf(sup, 0)), "no pid while it waits (Erlang's `restarting`)")
        assert.strictEqual((yield* StaticSupervisor.countChildren(sup)).active, 1)
        const tree = yield* Supervision.tree(sup)
        assert.deepStrictEqual(tree.children.map((child) => child.status), ["restarting", "running"])
        yield* crash(sup, 1)
        yield* expectLog(log, ["start 1"])
        yield* TestClock.adjust("999 millis")
        yield* expectQuiet(log)
        yield* TestClock.adjust("1 millis")
        yield* expectLog(log, ["start 0"])
        assert.isTrue(Option.isSome(yield* pidOf(sup, 0)))
      }))
  })

  describe("reset after a stable run (resetAfter)", () => {
    it.effect("a child that ran resetAfter without exiting starts again from the first delay; 1 ms less is not enough", () =>
      Effect.gen(function*() {
        const { sup } = yield* startWith(tolerant(), [exponential(10)], { resetAfter: "1 second" })
        yield* crashesWaiting(sup, 0, [10, 20])
        // It runs 999 ms: not stable yet, the backoff goes on.
        yield* TestClock.adjust("999 millis")
        yield* crashesWaiting(sup, 0, [40])
        // It runs 1 s: stable, the backoff starts over.
        yield* TestClock.adjust("1 second")
        yield* crashesWaiting(sup, 0, [10, 20])
      }))

    it.effect("by default it resets after the supervisor's tolerance period", () =>
      Effect.gen(function*() {
        const { sup } = yield* startWith(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.restartTolerance({ intensity: 10, period: "2 seconds" })
          ),
          [exponential(10)]
        )
        yield* crashesWaiting(sup, 0, [10, 20])
        yield* TestClock.adjust("1999 millis")
        yield* crashesWaiting(sup, 0, [40])
        yield* TestClock.adjust("2 seconds")
        yield* crashesWaiting(sup, 0, [10])
      }))

    it.effect("a failed restart attempt is one more step, and a start that failed never ran: no reset", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        let starts = 0
        // The 2nd start fails (a start that fails is not a run, however long the child ran before).
        const flaky = Effect.suspend(() =>
          ++starts === 2 ? Effect.fail(new Actor.InitFailed({ reason: "not yet" })) : actor(log, 0)
        )
        const sup = yield* tolerant().pipe(
          StaticSupervisor.add(
            Supervision.worker(flaky).pipe(Supervision.backoff(exponential(10), { resetAfter: "1 second" }))
          ),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0"])
        yield* TestClock.adjust("1 minute")
        // Crash: it ran a minute, so its backoff starts over (10 ms); the attempt at 10 ms fails: 20 ms more.
        yield* crash(sup.data, 0)
        yield* restartsAfter(sup.data, 0, 30)
        yield* expectLog(log, ["start 0"])
        assert.strictEqual(starts, 3)
        // The backoff went on from there: 40 ms.
        yield* crashesWaiting(sup.data, 0, [40])
      }))
  })

  describe("with the restart intensity and the supervisor's schedule", () => {
    it.effect("intensity counts every restart: the 3rd within 5 s gives up, however long the backoff waits", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        // 2 in 5 s (the default); child 0 waits 1 s, 2 s..., child 1 has no backoff: their restarts count together.
        const { log, pid, sup } = yield* startWith(StaticSupervisor.new("OneForOne"), [exponential(1000), undefined])
        yield* crashesWaiting(sup, 0, [1000])
        yield* crashesWaiting(sup, 1, [0])
        const sibling = Option.getOrThrow(yield* pidOf(sup, 1))
        yield* crash(sup, 0)
        assert.strictEqual((yield* Testing.awaitExit(pid, 0))._tag, "Shutdown")
        assert.isFalse(yield* Process.isAlive(sibling))
        yield* expectLog(log, ["start 0", "start 1"]) // the two restarts, and no more
        yield* expectQuiet(log)
      }))

    it.effect("a backoff that ends makes the supervisor give up: it stops its children and exits Shutdown", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        // One restart, then the schedule ends (Akka's maxNrOfRetries); the tolerance would allow many more.
        const { log, pid, sup } = yield* startWith(tolerant(), [
          Schedule.max([spaced(10), Schedule.recurs(1)]),
          undefined
        ])
        yield* crashesWaiting(sup, 0, [10])
        yield* crashesWaiting(sup, 1, [0, 0])
        const sibling = Option.getOrThrow(yield* pidOf(sup, 1))
        yield* crash(sup, 0)
        assert.strictEqual((yield* Testing.awaitExit(pid, 0))._tag, "Shutdown")
        assert.isFalse(yield* Process.isAlive(sibling))
        yield* expectLog(log, ["start 0", "start 1", "start 1"]) // the three restarts, and no more
        yield* expectQuiet(log)
      }))

    it.effect("a child's backoff replaces the supervisor's schedule for that child, even when it is shorter", () =>
      Effect.gen(function*() {
        const { sup } = yield* startWith(tolerant().pipe(StaticSupervisor.restartSchedule(spaced(1000))), [
          spaced(10),
          undefined,
          spaced(3000)
        ])
        yield* crashesWaiting(sup, 0, [10])
        yield* crashesWaiting(sup, 1, [1000])
        yield* crashesWaiting(sup, 2, [3000])
      }))

    it.effect("the supervisor's schedule is stepped only by the children without a backoff", () =>
      Effect.gen(function*() {
        const { sup } = yield* startWith(tolerant().pipe(StaticSupervisor.restartSchedule(exponential(100))), [
          spaced(10),
          undefined
        ])
        yield* crashesWaiting(sup, 0, [10, 10, 10])
        // The supervisor's schedule is at its first step still.
        yield* crashesWaiting(sup, 1, [100, 200])
      }))
  })

  describe("strategies: the group restart waits for the backoff of the child that exited", () => {
    it.effect("OneForAll: child 0's exits wait 10, 20, 40 ms; child 1's first exit waits its own first delay, 100 ms", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startWith(tolerant("OneForAll"), [exponential(10), exponential(100)])
        // While child 0 waits, child 1 runs (as with the supervisor's restartSchedule); then both start again.
        const one = yield* pidOf(sup, 1)
        yield* crash(sup, 0)
        yield* TestClock.adjust("9 millis")
        assert.deepStrictEqual(yield* pidOf(sup, 1), one)
        yield* restartsAfter(sup, 0, 1)
        assert.notDeepEqual(yield* pidOf(sup, 1), one)
        yield* expectLog(log, ["start 0", "start 1"])
        yield* crashesWaiting(sup, 0, [20])
        yield* expectLog(log, ["start 0", "start 1"])
        // Child 1 was stopped and started twice with the group, not for a failure of its own: its schedule is fresh.
        yield* crashesWaiting(sup, 1, [100])
        yield* expectLog(log, ["start 0", "start 1"])
        yield* crashesWaiting(sup, 0, [40])
      }))

    it.effect("RestForOne: child 1's exit waits its backoff, then 1 and 2 start again; 0 is left alone", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startWith(tolerant("RestForOne"), [spaced(10), spaced(50), spaced(500)])
        const zero = yield* pidOf(sup, 0)
        yield* crashesWaiting(sup, 1, [50])
        yield* expectLog(log, ["start 1", "start 2"])
        assert.deepStrictEqual(yield* pidOf(sup, 0), zero)
        yield* crashesWaiting(sup, 0, [10])
        yield* expectLog(log, ["start 0", "start 1", "start 2"])
      }))
  })

  describe("requests and shutdown while a child waits", () => {
    it.effect("terminateChild cancels the wait and its timer; the child stays stopped (as Erlang's terminate_child)", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startWith(tolerant(), [spaced(1000)])
        const before = tracking.pending.size
        yield* crash(sup, 0)
        yield* Testing.settle()
        assert.strictEqual(tracking.pending.size, before + 1, "the restart timer")
        yield* StaticSupervisor.terminateChild(sup, 0)
        assert.strictEqual(tracking.pending.size, before, "no timer left")
        yield* TestClock.adjust("1 hour")
        yield* expectQuiet(log)
        assert.isTrue(Option.isNone(yield* pidOf(sup, 0)))
      }))

    it.effect("restartChild starts a waiting child at once (Erlang: {error, restarting}); its backoff goes on", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startWith(tolerant(), [exponential(100)])
        yield* crashesWaiting(sup, 0, [100])
        yield* crash(sup, 0)
        yield* Testing.settle()
        const pid = yield* StaticSupervisor.restartChild(sup, 0)
        yield* expectLog(log, ["start 0", "start 0"]) // the restart after 100 ms, then restartChild's
        assert.deepStrictEqual(yield* pidOf(sup, 0), Option.some(pid))
        // The cancelled wait (200 ms) starts nothing.
        yield* TestClock.adjust("1 second")
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* pidOf(sup, 0), Option.some(pid))
        // A manual start is not a step: the next crash waits the next delay, 400 ms, unless it ran resetAfter.
        yield* crashesWaiting(sup, 0, [400])
      }))

    it.effect("OneForAll: the wait restartChild ended restarts no sibling when it falls due", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startWith(tolerant("OneForAll"), [exponential(100), undefined])
        const one = yield* pidOf(sup, 1)
        yield* crash(sup, 0)
        yield* Testing.settle()
        yield* StaticSupervisor.restartChild(sup, 0)
        yield* expectLog(log, ["start 0"])
        yield* TestClock.adjust("1 second")
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* pidOf(sup, 1), one)
      }))

    it.effect("a supervisor that stops while a child waits stops at once, and leaves no timer", () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const { log, pid, sup } = yield* startWith(tolerant(), [spaced(3_600_000), undefined]).pipe(
          Scope.provide(scope)
        )
        yield* crash(sup, 0)
        yield* Testing.settle()
        assert.isAbove(tracking.pending.size, 0)
        // No clock moves: closing the scope does not wait for the hour.
        yield* Scope.close(scope, Exit.void)
        assert.isFalse(yield* Process.isAlive(pid))
        yield* expectQuiet(log)
        assert.strictEqual(tracking.pending.size, 0)
      }))
  })

  describe("FactorySupervisor.backoff", () => {
    it.effect("each factory child has its own backoff: b's first crash waits 10 ms after a's 10, 20, 40", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* FactorySupervisor.workerChild((id: string) => actor(log, id)).pipe(
          FactorySupervisor.restartStrategy("Permanent"),
          FactorySupervisor.restartTolerance({ intensity: 100, period: "1 minute" }),
          FactorySupervisor.restartSchedule(spaced(5000)),
          FactorySupervisor.backoff(exponential(10), { resetAfter: "1 second" }),
          FactorySupervisor.start
        )
        yield* FactorySupervisor.startChild(sup.data, "a")
        yield* FactorySupervisor.startChild(sup.data, "b")
        yield* expectLog(log, ["start a", "start b"])
        yield* crashesWaiting(sup.data, 0, [10, 20, 40])
        yield* crashesWaiting(sup.data, 1, [10])
        yield* TestClock.adjust("1 second")
        yield* crashesWaiting(sup.data, 0, [10])
      }))
  })

  describe("bad input", () => {
    it.effect("a backoff that is not a Schedule, or a resetAfter that is not a duration, is an invalid spec", () =>
      Effect.gen(function*() {
        const child = Supervision.worker(Actor.start(Actor.new(0)))
        const notASchedule = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(Supervision.backoff(child, "1 second" as never)),
            StaticSupervisor.start
          )
        )
        invalidSpecification(notASchedule, "children[0].backoff.schedule")
        const badReset = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(Supervision.backoff(child, spaced(10), { resetAfter: "soon" as never })),
            StaticSupervisor.start
          )
        )
        invalidSpecification(badReset, "children[0].backoff.resetAfter")
        const factory = yield* Effect.flip(
          FactorySupervisor.workerChild(() => Actor.start(Actor.new(0))).pipe(
            FactorySupervisor.backoff(spaced(10), { resetAfter: -1 }),
            FactorySupervisor.start
          )
        )
        invalidSpecification(factory, "backoff.resetAfter")
      }))

    it("Supervision.backoff is dual, and keeps the rest of the specification", () => {
      const child = Supervision.worker(Actor.start(Actor.new(0))).pipe(Supervision.restart("Transient"))
      const schedule = spaced(10)
      const dataFirst = Supervision.backoff(child, schedule, { resetAfter: "1 second" })
      const dataLast = child.pipe(Supervision.backoff(schedule, { resetAfter: "1 second" }))
      for (const spec of [dataFirst, dataLast]) {
        assert.strictEqual(spec.restart, "Transient")
        assert.strictEqual(spec.backoff?.schedule, schedule)
        assert.strictEqual(spec.backoff?.resetAfter, "1 second")
      }
      assert.strictEqual(child.pipe(Supervision.backoff(schedule)).backoff?.resetAfter, undefined)
      assert.strictEqual(child.backoff, undefined)
    })
  })
})
