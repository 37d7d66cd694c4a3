import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Schedule, Scope } from "effect"
import { TestClock } from "effect/testing"
import {
  Actor,
  FactorySupervisor,
  Name,
  Process,
  Selector,
  StaticSupervisor,
  Subject,
  Supervision,
  System,
  Testing
} from "../src/index.js"
import { noExitMessage, nothingMore, onlySelfLeft, poll, trapped } from "./fixtures.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

type ChildMsg =
  | { readonly _tag: "Arg"; readonly replyTo: Subject.Subject<string> }
  | { readonly _tag: "Stop" }
  | { readonly _tag: "Crash" }
  | { readonly _tag: "Shutdown" }

type Started = readonly [arg: string, pid: Process.Pid]

/**
 * gleam_otp's `init_notifier_child`: a child that tells the test its argument and pid while it initialises, so the
 * test sees every (re)start. Its state is its argument.
 */
const notifier = (log: Subject.Subject<Started>) => (arg: string) =>
  Actor.newWithInitialiser("1 second", (self: Subject.Subject<ChildMsg>) =>
    Effect.gen(function*() {
      yield* Subject.send(log, [arg, yield* Process.self] as const)
      return Actor.initialised<string, ChildMsg>(arg).pipe(Actor.returning(self))
    })).pipe(
      Actor.onMessage((state: string, message: ChildMsg) => {
        switch (message._tag) {
          case "Arg":
            return Effect.as(Subject.send(message.replyTo, state), Actor.continue(state))
          case "Stop":
            return Effect.succeed(Actor.stop())
          case "Crash":
            return Effect.succeed(Actor.stopAbnormal("crash"))
          case "Shutdown":
            return Effect.succeed(Actor.stopWith(ExitReason.Shutdown()))
        }
      }),
      Actor.start
    )

const argOf = (child: Subject.Subject<ChildMsg>) =>
  Subject.call(child, (replyTo: Subject.Subject<string>): ChildMsg => ({ _tag: "Arg", replyTo }), "1 second")

type Notifiers = FactorySupervisor.Builder<string, Subject.Subject<ChildMsg>>

/** A log, and a factory supervisor of `notifier`s logging to it, built with the combinators `options`. */
const startNotifiers = (...options: ReadonlyArray<(builder: Notifiers) => Notifiers>) =>
  Effect.gen(function*() {
    const log = yield* Subject.make<Started>()
    const builder = options.reduce((b, option) => option(b), FactorySupervisor.workerChild(notifier(log)))
    const sup = yield* FactorySupervisor.start(builder)
    return { log, sup } as const
  })

/** Starts one child per argument, in order, and takes their notifications: each its argument and its pid. */
const startChildren = (
  sup: FactorySupervisor.FactorySupervisor<string, Subject.Subject<ChildMsg>>,
  log: Subject.Subject<Started>,
  args: ReadonlyArray<string>
) =>
  Effect.gen(function*() {
    const children = yield* Effect.forEach(args, (arg) => FactorySupervisor.startChild(sup, arg))
    for (const [i, child] of children.entries()) {
      assert.deepStrictEqual(yield* Subject.receive(log, "1 second"), [args[i], child.pid])
    }
    return children
  })

const pids = (children: ReadonlyArray<Supervision.ChildInfo>) => children.map((child) => Option.getOrThrow(child.pid))

describe("FactorySupervisor", () => {
  describe("restart strategies (gleam_otp factory_supervisor_test)", () => {
    /** Room for every restart these tests make. */
    const generous = FactorySupervisor.restartTolerance({ intensity: 10, period: "5 seconds" })

    it.effect("transient (the default): abnormal exits restart the child with its argument, Normal ends it", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startNotifiers()
        const [c1, c2, c3] = yield* startChildren(sup.data, log, ["1", "2", "3"])
        yield* nothingMore(log)

        // killed: restarted, with the same argument, and only that child
        yield* Process.kill(c1.pid)
        const [arg1, p1] = yield* Subject.receive(log, "1 second")
        assert.strictEqual(arg1, "1")
        assert.notStrictEqual(String(p1), String(c1.pid))
        assert.deepStrictEqual(pids(yield* FactorySupervisor.whichChildren(sup.data)), [p1, c2.pid, c3.pid])
        yield* nothingMore(log)
        assert.isFalse(yield* Process.isAlive(c1.pid))
        assert.isTrue(yield* Process.isAlive(p1))

        // stopAbnormal: restarted too; the new child answers with its argument
        yield* Subject.send(c2.data, { _tag: "Crash" })
        const [arg2, p2] = yield* Subject.receive(log, "1 second")
        assert.strictEqual(arg2, "2")
        const children = yield* FactorySupervisor.whichChildren(sup.data)
        assert.deepStrictEqual(pids(children), [p1, p2, c3.pid])
        yield* nothingMore(log)
        // the restarted children were given their own argument again (it is their state)
        assert.strictEqual(yield* System.getState(p1), "1")
        assert.strictEqual(yield* System.getState(p2), "2")
        assert.strictEqual(yield* argOf(c3.data), "3")

        // Normal: not restarted, forgotten
        yield* Subject.send(c3.data, { _tag: "Stop" })
        assert.deepStrictEqual(yield* Process.awaitExit(c3.pid), ExitReason.Normal())
        assert.deepStrictEqual(pids(yield* FactorySupervisor.whichChildren(sup.data)), [p1, p2])
        const counts = yield* FactorySupervisor.countChildren(sup.data)
        assert.deepStrictEqual(counts, { specs: 2, active: 2, workers: 2, supervisors: 0 })
        yield* nothingMore(log)

        // Shutdown: not restarted either (Erlang's transient), forgotten
        const c4 = yield* FactorySupervisor.startChild(sup.data, "4")
        yield* Subject.receive(log, "1 second")
        yield* Subject.send(c4.data, { _tag: "Shutdown" })
        assert.deepStrictEqual(yield* Process.awaitExit(c4.pid), ExitReason.Shutdown())
        assert.deepStrictEqual(pids(yield* FactorySupervisor.whichChildren(sup.data)), [p1, p2])
        yield* nothingMore(log)
        assert.isTrue(yield* Process.isAlive(sup.pid))
      }))

    it.effect("transient: a restarted child keeps its argument (state) across several restarts", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startNotifiers(generous)
        yield* FactorySupervisor.startChild(sup.data, "alice")
        let [, pid] = yield* Subject.receive(log, "1 second")
        for (let i = 0; i < 3; i++) {
          yield* Process.kill(pid)
          const [arg, next] = yield* Subject.receive(log, "1 second")
          assert.strictEqual(arg, "alice")
          pid = next
        }
        const [child] = yield* FactorySupervisor.whichChildren(sup.data)
        assert.deepStrictEqual(child.pid, Option.some(pid))
        assert.strictEqual(child.id, 0, "a restart keeps the child's id")
      }))

    it.effect("temporary: never restarted, whatever the exit", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startNotifiers(FactorySupervisor.restartStrategy("Temporary"), generous)
        const [c1, c2, c3, c4] = yield* startChildren(sup.data, log, ["1", "2", "3", "4"])

        yield* Process.kill(c1.pid)
        yield* Process.awaitExit(c1.pid)
        yield* Subject.send(c2.data, { _tag: "Crash" })
        yield* Process.awaitExit(c2.pid)
        yield* Subject.send(c3.data, { _tag: "Stop" })
        yield* Process.awaitExit(c3.pid)

        const children = yield* FactorySupervisor.whichChildren(sup.data)
        assert.deepStrictEqual(pids(children), [c4.pid])
        assert.strictEqual(children[0].restart, "Temporary")
        yield* nothingMore(log)
        assert.isTrue(yield* Process.isAlive(c4.pid))
        assert.isTrue(yield* Process.isAlive(sup.pid))
      }))

    it.effect("permanent: restarted even after a Normal exit", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startNotifiers(FactorySupervisor.restartStrategy("Permanent"), generous)
        const [c1, c2, c3] = yield* startChildren(sup.data, log, ["1", "2", "3"])

        yield* Process.kill(c1.pid)
        const [arg1, p1] = yield* Subject.receive(log, "1 second")
        assert.strictEqual(arg1, "1")
        yield* Subject.send(c2.data, { _tag: "Crash" })
        const [arg2, p2] = yield* Subject.receive(log, "1 second")
        assert.strictEqual(arg2, "2")
        yield* Subject.send(c3.data, { _tag: "Stop" })
        const [arg3, p3] = yield* Subject.receive(log, "1 second")
        assert.strictEqual(arg3, "3")

        const children = yield* FactorySupervisor.whichChildren(sup.data)
        assert.deepStrictEqual(pids(children), [p1, p2, p3])
        assert.isTrue(children.every((child) => child.restart === "Permanent"))
        yield* nothingMore(log)
      }))
  })

  it.effect("the same argument three times gives three distinct children", () =>
    Effect.gen(function*() {
      const { log, sup } = yield* startNotifiers()
      const [a, b, c] = yield* startChildren(sup.data, log, ["same", "same", "same"])
      assert.strictEqual(new Set([a.pid, b.pid, c.pid].map(String)).size, 3)
      assert.strictEqual(yield* argOf(b.data), "same")
      const children = yield* FactorySupervisor.whichChildren(sup.data)
      assert.deepStrictEqual(pids(children), [a.pid, b.pid, c.pid])
      assert.strictEqual(new Set(children.map((child) => child.id)).size, 3)
    }))

  describe("named", () => {
    it.effect("startChild through getByName; a second start under the same name fails and leaves the first", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<Started>()
        const name = Name.make<FactorySupervisor.Message<string, Subject.Subject<ChildMsg>>>("sessions")
        const byName = FactorySupervisor.getByName(name)
        // nobody registered yet
        assert.strictEqual((yield* Effect.flip(FactorySupervisor.startChild(byName, "early")))._tag, "NoProcess")

        const builder = FactorySupervisor.workerChild(notifier(log)).pipe(FactorySupervisor.named(name))
        const sup = yield* FactorySupervisor.start(builder)
        assert.deepStrictEqual(yield* Process.whereis(name), Option.some(sup.pid))
        const alice = yield* FactorySupervisor.startChild(byName, "alice")
        assert.deepStrictEqual(yield* Subject.receive(log, "1 second"), ["alice", alice.pid])
        assert.strictEqual(yield* argOf(alice.data), "alice")

        yield* Process.trapExits(true)
        const error = yield* Effect.flip(FactorySupervisor.start(builder))
        assert.strictEqual(error._tag, "InitFailed")
        // no exit signal for the failed start
        yield* noExitMessage

        // the first one still works, and still owns the name
        assert.deepStrictEqual(yield* Process.whereis(name), Option.some(sup.pid))
        const bob = yield* FactorySupervisor.startChild(byName, "bob")
        assert.strictEqual(yield* argOf(bob.data), "bob")
        const counts = yield* FactorySupervisor.countChildren(byName)
        assert.deepStrictEqual(counts, { specs: 2, active: 2, workers: 2, supervisors: 0 })
        assert.deepStrictEqual(pids(yield* FactorySupervisor.whichChildren(sup.data)), [alice.pid, bob.pid])
      }))
  })

  describe("maxChildren", () => {
    it.effect("startChild beyond the maximum fails with MaxChildren; terminating one makes room", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startNotifiers(FactorySupervisor.maxChildren(2))
        const a = yield* FactorySupervisor.startChild(sup.data, "a")
        yield* FactorySupervisor.startChild(sup.data, "b")
        const error = yield* Effect.flip(FactorySupervisor.startChild(sup.data, "c"))
        assert.strictEqual(error._tag, "MaxChildren")
        assert.isTrue(error._tag === "MaxChildren" && error.max === 2)
        // the refused child was never started
        yield* Subject.receive(log, "1 second")
        yield* Subject.receive(log, "1 second")
        yield* nothingMore(log)
        assert.strictEqual((yield* FactorySupervisor.countChildren(sup.data)).specs, 2)

        yield* FactorySupervisor.terminateChild(sup.data, a.pid)
        const d = yield* FactorySupervisor.startChild(sup.data, "d")
        assert.deepStrictEqual(yield* Subject.receive(log, "1 second"), ["d", d.pid])
        assert.strictEqual((yield* Effect.flip(FactorySupervisor.startChild(sup.data, "e")))._tag, "MaxChildren")
      }))

    it.effect("a child that ended Normal makes room too", () =>
      Effect.gen(function*() {
        const { sup } = yield* startNotifiers(FactorySupervisor.maxChildren(1))
        const a = yield* FactorySupervisor.startChild(sup.data, "a")
        assert.strictEqual((yield* Effect.flip(FactorySupervisor.startChild(sup.data, "b")))._tag, "MaxChildren")
        yield* Subject.send(a.data, { _tag: "Stop" })
        yield* Process.awaitExit(a.pid)
        const c = yield* FactorySupervisor.startChild(sup.data, "c")
        assert.strictEqual(yield* argOf(c.data), "c")
      }))

    it.effect("maxChildren(0) and maxChildren(1.5) are rejected at start: InitFailed(InvalidSpecification)", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<Started>()
        for (const max of [0, 1.5, -1, Number.NaN]) {
          const error = yield* Effect.flip(
            FactorySupervisor.workerChild(notifier(log)).pipe(
              FactorySupervisor.maxChildren(max),
              FactorySupervisor.start
            )
          )
          assert.strictEqual(error._tag, "InitFailed")
          const reason = error._tag === "InitFailed" ? error.reason : undefined
          assert.instanceOf(reason, Supervision.InvalidSpecification)
          assert.strictEqual((reason as Supervision.InvalidSpecification).field, "maxChildren")
          assert.include(error.message, "maxChildren")
        }
        // Infinity is the default and valid
        yield* FactorySupervisor.workerChild(notifier(log)).pipe(
          FactorySupervisor.maxChildren(Infinity),
          FactorySupervisor.start
        )
      }))
  })

  describe("a child that fails to start", () => {
    type Child = "ok" | "refuse" | "die" | "template dies"
    const template = (arg: Child) =>
      arg === "template dies" ?
        Effect.die("no template") :
        Actor.newWithInitialiser("1 second", (self: Subject.Subject<ChildMsg>) => {
          switch (arg) {
            case "ok":
              return Effect.succeed(Actor.initialised<string, ChildMsg>(arg).pipe(Actor.returning(self)))
            case "refuse":
              return Effect.fail("refused")
            case "die":
              return Effect.die("init died")
          }
        }).pipe(Actor.start)

    it.effect("startChild fails with the child's StartError, no exit signal, no child recorded", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const sup = yield* FactorySupervisor.workerChild(template).pipe(FactorySupervisor.start)
        yield* FactorySupervisor.startChild(sup.data, "ok")
        const before = yield* FactorySupervisor.countChildren(sup.data)

        const refused = yield* Effect.flip(FactorySupervisor.startChild(sup.data, "refuse"))
        assert.strictEqual(refused._tag, "InitFailed")
        assert.isTrue(refused._tag === "InitFailed" && refused.reason === "refused")

        const died = yield* Effect.flip(FactorySupervisor.startChild(sup.data, "die"))
        assert.strictEqual(died._tag, "InitExited")

        const templateDied = yield* Effect.flip(FactorySupervisor.startChild(sup.data, "template dies"))
        assert.strictEqual(templateDied._tag, "InitFailed")

        assert.deepStrictEqual(yield* FactorySupervisor.countChildren(sup.data), before)
        assert.strictEqual((yield* FactorySupervisor.whichChildren(sup.data)).length, 1)
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* noExitMessage
        // a failed start is not a restart: the supervisor does not count it towards its intensity
        for (let i = 0; i < 5; i++) yield* Effect.flip(FactorySupervisor.startChild(sup.data, "refuse"))
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* noExitMessage
      }))
  })

  it.effect("a child whose init times out: startChild fails with InitTimeout, the child is killed, nothing recorded", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const pids = yield* Subject.make<Process.Pid>()
      const slow = (_: string) =>
        Actor.newWithInitialiser(
          "100 millis",
          (_: Subject.Subject<never>) =>
            Effect.andThen(Effect.flatMap(Process.self, (pid) => Subject.send(pids, pid)), Effect.never)
        ).pipe(
          Actor.start
        )
      const sup = yield* FactorySupervisor.workerChild(slow).pipe(FactorySupervisor.start)
      const starting = yield* Effect.forkChild(Effect.flip(FactorySupervisor.startChild(sup.data, "slow")))
      const pid = yield* Subject.receive(pids, "1 second")
      yield* TestClock.adjust("100 millis")
      const error = yield* Fiber.join(starting)
      assert.strictEqual(error._tag, "InitTimeout")
      assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Killed())
      assert.strictEqual((yield* FactorySupervisor.countChildren(sup.data)).specs, 0)
      assert.isTrue(yield* Process.isAlive(sup.pid))
      yield* noExitMessage
    }).pipe(Effect.scoped))

  it.effect("many concurrent startChild calls from fibers of one process: each gets its own child; the max holds", () =>
    Effect.gen(function*() {
      const { sup } = yield* startNotifiers(FactorySupervisor.maxChildren(40))
      const results = yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => `user${i}`),
        (user) =>
          Effect.result(
            Effect.flatMap(FactorySupervisor.startChild(sup.data, user), (started) => argOf(started.data))
          ),
        { concurrency: "unbounded" }
      )
      const started = results.filter((result) => result._tag === "Success")
      const refused = results.filter((result) => result._tag === "Failure")
      assert.strictEqual(started.length, 40)
      assert.isTrue(refused.every((result) => result._tag === "Failure" && result.failure._tag === "MaxChildren"))
      // every caller got the child started with its own argument
      results.forEach((result, i) => {
        if (result._tag === "Success") assert.strictEqual(result.success, `user${i}`)
      })
      assert.strictEqual((yield* FactorySupervisor.countChildren(sup.data)).active, 40)
    }))

  describe("terminateChild", () => {
    it.effect("stops the child with Shutdown, does not restart it, forgets it; an unknown pid is ChildNotFound", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startNotifiers(FactorySupervisor.restartStrategy("Permanent"))
        const [a, b] = yield* startChildren(sup.data, log, ["a", "b"])

        yield* FactorySupervisor.terminateChild(sup.data, a.pid)
        assert.isFalse(yield* Process.isAlive(a.pid))
        assert.deepStrictEqual(yield* Process.awaitExit(a.pid), ExitReason.Shutdown())
        assert.deepStrictEqual(pids(yield* FactorySupervisor.whichChildren(sup.data)), [b.pid])
        yield* nothingMore(log)

        const again = yield* Effect.flip(FactorySupervisor.terminateChild(sup.data, a.pid))
        assert.strictEqual(again._tag, "ChildNotFound")
        const stranger = yield* Effect.flip(FactorySupervisor.terminateChild(sup.data, yield* Process.self))
        assert.strictEqual(stranger._tag, "ChildNotFound")
        assert.isTrue(yield* Process.isAlive(b.pid))
      }))

    it.effect("a child that does not stop in time is killed after the template's timeout", () =>
      Effect.gen(function*() {
        const stubborn = (_: string) =>
          Actor.new(0).pipe(
            // traps exits (onTerminate) and takes forever to stop
            Actor.onTerminate(() => Effect.never),
            Actor.start
          )
        const sup = yield* FactorySupervisor.workerChild(stubborn).pipe(
          FactorySupervisor.timeout("2 seconds"),
          FactorySupervisor.start
        )
        const a = yield* FactorySupervisor.startChild(sup.data, "a")
        const terminating = yield* Effect.forkChild(FactorySupervisor.terminateChild(sup.data, a.pid))
        yield* TestClock.adjust("1 second")
        assert.isTrue(yield* Process.isAlive(a.pid))
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(terminating)
        assert.deepStrictEqual(yield* Process.awaitExit(a.pid), ExitReason.Killed())
        assert.strictEqual((yield* FactorySupervisor.countChildren(sup.data)).specs, 0)
      }))
  })

  describe("shutdown", () => {
    it.effect("closing the supervisor's scope stops every child, all at once, and leaves no process", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const slow = (arg: string) =>
          Actor.new(arg).pipe(
            Actor.onTerminate((state, reason) =>
              Effect.gen(function*() {
                yield* Subject.send(log, `stopping ${state}`)
                yield* Effect.sleep("1 second")
                yield* Subject.send(log, `stopped ${state} ${reason._tag}`)
              })
            ),
            Actor.start
          )
        const scope = yield* Scope.make()
        const sup = yield* FactorySupervisor.workerChild(slow).pipe(FactorySupervisor.start, Scope.provide(scope))
        const children = [
          yield* FactorySupervisor.startChild(sup.data, "a"),
          yield* FactorySupervisor.startChild(sup.data, "b"),
          yield* FactorySupervisor.startChild(sup.data, "c")
        ]
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
        const stopping = [
          yield* Subject.receive(log, "10 seconds"),
          yield* Subject.receive(log, "10 seconds"),
          yield* Subject.receive(log, "10 seconds")
        ]
        assert.sameMembers(stopping, ["stopping a", "stopping b", "stopping c"])
        // all three are in their onTerminate at the same time; one second is enough for all of them
        yield* TestClock.adjust("1 second")
        const stopped = [
          yield* Subject.receive(log, "10 seconds"),
          yield* Subject.receive(log, "10 seconds"),
          yield* Subject.receive(log, "10 seconds")
        ]
        assert.sameMembers(stopped, ["stopped a Shutdown", "stopped b Shutdown", "stopped c Shutdown"])
        yield* Fiber.join(closing)
        for (const child of children) {
          assert.deepStrictEqual(yield* Process.awaitExit(child.pid), ExitReason.Shutdown())
        }
        assert.deepStrictEqual(yield* Process.awaitExit(sup.pid), ExitReason.Shutdown())
        yield* onlySelfLeft
        // and the supervisor's shutdown did not signal its owner
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
      }))

    it.effect("when the supervisor is stopped, so are its children, and a child waiting to restart stays stopped", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<Started>()
        const scope = yield* Scope.make()
        const sup = yield* FactorySupervisor.workerChild(notifier(log)).pipe(
          // each restart waits 10 seconds
          FactorySupervisor.restartSchedule(Schedule.spaced("10 seconds")),
          FactorySupervisor.start,
          Scope.provide(scope)
        )
        const [a, b] = yield* startChildren(sup.data, log, ["a", "b"])
        yield* Process.kill(a.pid)
        yield* Process.awaitExit(a.pid)
        // a is waiting for its restart: known, not running
        const waiting = yield* FactorySupervisor.whichChildren(sup.data)
        assert.deepStrictEqual(waiting.map((child) => child.pid), [Option.none(), Option.some(b.pid)])
        const counts = yield* FactorySupervisor.countChildren(sup.data)
        assert.deepStrictEqual(counts, { specs: 2, active: 1, workers: 2, supervisors: 0 })
        yield* Scope.close(scope, Exit.void)
        assert.isFalse(yield* Process.isAlive(sup.pid))
        assert.deepStrictEqual(yield* Process.awaitExit(b.pid), ExitReason.Shutdown())
        yield* TestClock.adjust("20 seconds")
        yield* nothingMore(log)
        yield* onlySelfLeft
      }))

    it.effect("a restart delayed by restartSchedule happens after the delay, with the same argument", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startNotifiers(FactorySupervisor.restartSchedule(Schedule.spaced("10 seconds")))
        const a = yield* FactorySupervisor.startChild(sup.data, "a")
        yield* Subject.receive(log, "1 second")
        yield* Process.kill(a.pid)
        yield* Process.awaitExit(a.pid)
        yield* TestClock.adjust("9 seconds")
        yield* FactorySupervisor.countChildren(sup.data)
        yield* nothingMore(log)
        yield* TestClock.adjust("1 second")
        const [arg, pid] = yield* Subject.receive(log, "1 second")
        assert.strictEqual(arg, "a")
        assert.deepStrictEqual(pids(yield* FactorySupervisor.whichChildren(sup.data)), [pid])
      }))
  })

  describe("kill", () => {
    it.effect("a killed factory supervisor is down at once and its children get Killed through their links", () =>
      Effect.gen(function*() {
        // Erlang (checked with OTP): after exit(Sup, kill) the supervisor is DOWN with `killed` at once; a child
        // that does not trap exits goes down with `killed`; a trapping one gets {'EXIT', Sup, killed}.
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const template = (kind: "plain" | "lingering") =>
          kind === "plain" ?
            Actor.new(0).pipe(Actor.start) :
            Actor.new(0).pipe(
              Actor.onTerminate((_, reason) =>
                Effect.andThen(Subject.send(log, `terminating ${reason._tag}`), Effect.sleep("1 second"))
              ),
              Actor.start
            )
        const sup = yield* FactorySupervisor.workerChild(template).pipe(FactorySupervisor.start)
        const plain = yield* FactorySupervisor.startChild(sup.data, "plain")
        const lingering = yield* FactorySupervisor.startChild(sup.data, "lingering")

        yield* Process.kill(sup.pid)
        const supExit = yield* Effect.forkChild(Process.awaitExit(sup.pid))
        const plainExit = yield* Effect.forkChild(Process.awaitExit(plain.pid))
        yield* Testing.settle()
        // observe before the clock moves...
        const supDownAtOnce = yield* poll(supExit)
        const plainDownAtOnce = yield* poll(plainExit)
        // ...then let whatever lingers finish, so that a failure below does not hang the test
        yield* TestClock.adjust("10 seconds")
        const lingeringReason = yield* Subject.receive(log, "1 second")

        assert.deepStrictEqual(yield* Fiber.join(supExit), ExitReason.Killed())
        assert.isTrue(Option.isSome(supDownAtOnce), "the killed supervisor waited for its children to stop")
        assert.isTrue(Option.isSome(plainDownAtOnce), "the non-trapping child was not stopped at once")
        assert.deepStrictEqual(yield* Fiber.join(plainExit), ExitReason.Killed())
        assert.strictEqual(lingeringReason, "terminating Killed")
        assert.deepStrictEqual(yield* Process.awaitExit(lingering.pid), ExitReason.Killed())
      }))
  })

  describe("restart intensity", () => {
    it.effect("more restarts than the tolerance within the period: the supervisor stops its children, exits Shutdown", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startNotifiers()
        const [other, crashy] = yield* startChildren(sup.data, log, ["other", "crashy"])
        let pid = crashy.pid
        // default tolerance: 2 restarts in 5 seconds
        for (let i = 0; i < 2; i++) {
          yield* Process.kill(pid)
          const [arg, next] = yield* Subject.receive(log, "1 second")
          assert.strictEqual(arg, "crashy")
          pid = next
        }
        yield* Process.kill(pid)
        const exit = yield* Selector.receive(trapped, "1 second")
        assert.deepStrictEqual(exit.pid, sup.pid)
        assert.deepStrictEqual(exit.reason, ExitReason.Shutdown())
        assert.deepStrictEqual(yield* Process.awaitExit(other.pid), ExitReason.Shutdown())
        yield* nothingMore(log)
        // introspecting a dead supervisor fails with a CallError
        assert.strictEqual((yield* Effect.flip(FactorySupervisor.countChildren(sup.data)))._tag, "NoProcess")
      }))

    it.effect("restarts spread over more than the period are tolerated (sliding window)", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startNotifiers(
          FactorySupervisor.restartTolerance({ intensity: 1, period: "10 seconds" })
        )
        yield* FactorySupervisor.startChild(sup.data, "x")
        let [, pid] = yield* Subject.receive(log, "1 second")
        for (let i = 0; i < 4; i++) {
          yield* Process.kill(pid)
          pid = (yield* Subject.receive(log, "1 second"))[1]
          yield* TestClock.adjust("11 seconds")
        }
        assert.isTrue(yield* Process.isAlive(sup.pid))
        // two within the period is one too many
        yield* Process.kill(pid)
        pid = (yield* Subject.receive(log, "1 second"))[1]
        yield* Process.kill(pid)
        const exit = yield* Selector.receive(trapped, "1 second")
        assert.deepStrictEqual(exit.reason, ExitReason.Shutdown())
      }))

    it.effect("a child exiting Normal (transient) or being terminated does not count towards intensity", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { sup } = yield* startNotifiers(
          FactorySupervisor.restartTolerance({ intensity: 0, period: "5 seconds" })
        )
        for (let i = 0; i < 3; i++) {
          const child = yield* FactorySupervisor.startChild(sup.data, `n${i}`)
          yield* Subject.send(child.data, { _tag: "Stop" })
          yield* Process.awaitExit(child.pid)
          const other = yield* FactorySupervisor.startChild(sup.data, `t${i}`)
          yield* FactorySupervisor.terminateChild(sup.data, other.pid)
        }
        const counts = yield* FactorySupervisor.countChildren(sup.data)
        assert.deepStrictEqual(counts, { specs: 0, active: 0, workers: 0, supervisors: 0 })
        yield* noExitMessage
      }))
  })

  it.effect("a failed restart counts towards intensity: a child that cannot start again makes the supervisor give up", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const log = yield* Subject.make<Started>()
      let starts = 0
      const once = (arg: string) =>
        Effect.suspend(() =>
          starts++ === 0 ? notifier(log)(arg) : Effect.fail(new Actor.InitFailed({ reason: "cannot start again" }))
        )
      const sup = yield* FactorySupervisor.workerChild(once).pipe(FactorySupervisor.start)
      const child = yield* FactorySupervisor.startChild(sup.data, "a")
      yield* Subject.receive(log, "1 second")
      yield* Process.kill(child.pid)
      const exit = yield* Selector.receive(trapped, "1 second")
      assert.deepStrictEqual(exit.pid, sup.pid)
      assert.deepStrictEqual(exit.reason, ExitReason.Shutdown())
      // as in Erlang: the crash is restart 1 (attempt fails), the retry is restart 2 (attempt fails), the next
      // retry is restart 3 > intensity 2: give up. One start and two attempts.
      assert.strictEqual(starts, 3)
    }))

  describe("introspection", () => {
    it.effect("countChildren and whichChildren of workers", () =>
      Effect.gen(function*() {
        const { sup } = yield* startNotifiers()
        const before = yield* FactorySupervisor.countChildren(sup.data)
        assert.deepStrictEqual(before, { specs: 0, active: 0, workers: 0, supervisors: 0 })
        assert.deepStrictEqual(yield* FactorySupervisor.whichChildren(sup.data), [])
        const a = yield* FactorySupervisor.startChild(sup.data, "a")
        const b = yield* FactorySupervisor.startChild(sup.data, "b")
        const children = yield* FactorySupervisor.whichChildren(sup.data)
        assert.strictEqual(children.length, 2)
        assert.deepStrictEqual(children.map(({ pid, restart, type }) => ({ pid, restart, type })), [
          { pid: Option.some(a.pid), restart: "Transient", type: "worker" },
          { pid: Option.some(b.pid), restart: "Transient", type: "worker" }
        ])
        assert.isTrue(children[0].id < children[1].id, "ids are a start sequence")
        const counts = yield* FactorySupervisor.countChildren(sup.data)
        assert.deepStrictEqual(counts, { specs: 2, active: 2, workers: 2, supervisors: 0 })
      }))

    it.effect("supervisorChild: children are supervisors, introspected as such", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<Started>()
        const sup = yield* FactorySupervisor.supervisorChild((arg: string) =>
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(Supervision.worker(notifier(log)(arg))),
            StaticSupervisor.start
          )
        ).pipe(FactorySupervisor.start)
        const team = yield* FactorySupervisor.startChild(sup.data, "team")
        assert.strictEqual((yield* Subject.receive(log, "1 second"))[0], "team")
        const teamCounts = yield* StaticSupervisor.countChildren(team.data)
        assert.deepStrictEqual(teamCounts, { specs: 1, active: 1, workers: 1, supervisors: 0 })
        const [child] = yield* FactorySupervisor.whichChildren(sup.data)
        assert.deepStrictEqual(child.pid, Option.some(team.pid))
        assert.strictEqual(child.type, "supervisor")
        const counts = yield* FactorySupervisor.countChildren(sup.data)
        assert.deepStrictEqual(counts, { specs: 1, active: 1, workers: 0, supervisors: 1 })
      }))
  })
})
