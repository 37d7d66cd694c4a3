/**
 * Visible failures: the reports supervisors and actors write through Effect's `Logger` (Erlang's supervisor and
 * crash reports, at Erlang's levels), start errors that name their children, and a main program ended by an exit
 * signal failing with the reason instead of looking interrupted.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Fiber, Layer, Logger, Option, References, Schedule, Scope } from "effect"
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
  Testing
} from "../src/index.js"
import type { Command } from "./fixtures.js"
import { obey } from "./fixtures.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

interface Entry {
  readonly level: string
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
  readonly cause: Cause.Cause<unknown>
}

/**
 * Runs `f` with a logger that keeps every entry in place of the default one. Processes inherit their spawner's
 * loggers, so the entries include theirs.
 */
const capturing = <A, E, R>(f: (entries: ReadonlyArray<Entry>) => Effect.Effect<A, E, R>) => {
  const entries: Array<Entry> = []
  const logger = Logger.make<unknown, void>(({ cause, fiber, logLevel, message }) => {
    const parts = Array.isArray(message) ? message : [message]
    entries.push({
      level: logLevel,
      message: parts.map(String).join(" "),
      annotations: fiber.getRef(References.CurrentLogAnnotations),
      cause
    })
  })
  return Effect.provideService(f(entries), Logger.CurrentLoggers, new Set([logger]))
}

/** An actor obeying `Command`s, its state its id, named so that the test reaches it across restarts. */
const commanded = (id: string, name: Name.Name<Command>) =>
  Actor.new(id).pipe(Actor.onMessage(obey<string>), Actor.named(name))

const whereis = (name: Name.Name<Command>) => Effect.map(Process.whereis(name), Option.getOrThrow)
const pidOf = (name: Name.Name<Command>) => Effect.map(whereis(name), String)

/** The trapped exit of `pid`. */
const exitOf = (pid: Process.Pid) =>
  Selector.receive(
    Selector.make<Process.ExitReason>().pipe(
      Selector.selectTrappedExits((exit) => exit.pid === pid ? exit.reason : ExitReason.Normal())
    ),
    "1 second"
  )

describe("supervisor and crash reports", () => {
  it.effect("a crashed child: the actor's crash report, the supervisor's report, then the restart", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        const name = Name.make<Command>("worker")
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(
            Supervision.worker(Actor.start(commanded("w", name))).pipe(Supervision.label("accounts"))
          ),
          StaticSupervisor.start
        )
        const first = yield* pidOf(name)
        yield* Subject.send(Subject.named(name), "Crash")
        yield* Testing.settle()
        const second = yield* pidOf(name)
        assert.notStrictEqual(second, first)

        assert.deepStrictEqual(entries.map((entry) => [entry.level, entry.message]), [
          ["Error", `actor ${name.key} terminating: Abnormal(w crashed)`],
          ["Error", `child accounts (${first}) terminated: Abnormal(w crashed)`],
          ["Info", `child accounts restarted as ${second}`]
        ])
        const [crash, terminated, restarted] = entries
        // The crash report: who (the actor's own annotations), why, and the last message; no state unless allowed.
        assert.strictEqual(crash.annotations.pid, first)
        assert.strictEqual(crash.annotations.reason, "Abnormal(w crashed)")
        assert.strictEqual(crash.annotations.last_message, "Crash")
        assert.isFalse("state" in crash.annotations)
        // Its cause goes with it, for the logger to print.
        assert.deepStrictEqual(Cause.squash(crash.cause), "w crashed")

        assert.deepInclude(terminated.annotations, {
          supervisor: sup.pid.toString(),
          child: "accounts",
          child_id: 0,
          child_pid: first,
          reason: "Abnormal(w crashed)",
          restart_type: "Permanent",
          restarts: 0
        })
        assert.deepInclude(restarted.annotations, { child: "accounts", child_pid: second, restarts: 1 })
      })
    ).pipe(Effect.scoped))

  it.effect("the crash report shows the state only when the actor allows it, as its format presents it", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const secret = yield* Actor.new({ user: "ada", password: "hunter2" }).pipe(
          Actor.onMessage((_state, _: "Crash") => Effect.die(new Error("boom"))),
          Actor.reportState((state) => ({ user: state.user })),
          Actor.start
        )
        yield* Subject.send(secret.data, "Crash")
        yield* exitOf(secret.pid)
        const [crash] = entries
        assert.strictEqual(crash.level, "Error")
        assert.strictEqual(crash.message, `actor ${secret.pid} terminating: Abnormal(Error: boom)`)
        assert.deepStrictEqual(crash.annotations.state, { user: "ada" })
        assert.notInclude(JSON.stringify(crash.annotations), "hunter2")
      })
    ).pipe(Effect.scoped))

  it.effect("a plain process that dies of a defect is reported; one that fails with a typed error exits with it, unreported", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const failed = yield* Process.spawn(Effect.fail("a typed reason"))
        yield* exitOf(failed)
        const killed = yield* Process.spawn(Effect.never)
        yield* Process.kill(killed)
        yield* exitOf(killed)
        assert.deepStrictEqual(entries, [])
        const died = yield* Process.spawn(Effect.die(new TypeError("undefined is not a function")))
        yield* exitOf(died)
        assert.deepStrictEqual(entries.map((entry) => [entry.level, entry.annotations.otp_report, entry.message]), [
          ["Error", "crash_report", `process ${died} crashed: Abnormal(TypeError: undefined is not a function)`]
        ])
        assert.instanceOf(Cause.squash(entries[0].cause), TypeError)
      })
    ).pipe(Effect.scoped))

  it.effect("expected exits are not reported: a transient child's Normal or Shutdown; a permanent child's every exit is", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        const transient = Name.make<Command>("transient")
        const permanent = Name.make<Command>("permanent")
        yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance({ intensity: 10, period: "5 seconds" }),
          StaticSupervisor.add(
            Supervision.worker(Actor.start(commanded("t", transient))).pipe(
              Supervision.restart("Transient"),
              Supervision.label("t")
            )
          ),
          StaticSupervisor.add(Supervision.worker(Actor.start(commanded("p", permanent))).pipe(Supervision.label("p"))),
          StaticSupervisor.start
        )
        yield* Subject.send(Subject.named(transient), "Stop")
        yield* Testing.settle()
        assert.deepStrictEqual(entries, [], "a transient child's Normal exit is no error")
        const pid = yield* pidOf(permanent)
        yield* Subject.send(Subject.named(permanent), "Shutdown")
        yield* Testing.settle()
        // Erlang reports a permanent child's exit whatever the reason (it was not supposed to end), and restarts it;
        // the actor itself reports nothing: Shutdown is no crash.
        assert.deepStrictEqual(entries.map((entry) => [entry.level, entry.message]), [
          ["Error", `child p (${pid}) terminated: Shutdown`],
          ["Info", `child p restarted as ${yield* pidOf(permanent)}`]
        ])
      })
    ).pipe(Effect.scoped))

  it.effect("a child killed from outside: no crash report of its own (it ran no code), the supervisor's says Killed", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        const name = Name.make<Command>("victim")
        yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(Supervision.worker(Actor.start(commanded("v", name)))),
          StaticSupervisor.start
        )
        const pid = yield* whereis(name)
        yield* Process.kill(pid)
        yield* Testing.settle()
        // Unlabelled, the child is called by the name its process registered.
        assert.deepStrictEqual(entries.map((entry) => [entry.level, entry.message]), [
          ["Error", `child ${name.key} (${pid}) terminated: Killed`],
          ["Info", `child ${name.key} restarted as ${yield* pidOf(name)}`]
        ])
      })
    ).pipe(Effect.scoped))

  it.effect("a factory supervisor's child is called by its argument when that is a string", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        const accounts = yield* FactorySupervisor.workerChild((_id: string) => Actor.start(Actor.new(0))).pipe(
          FactorySupervisor.start
        )
        const alice = yield* FactorySupervisor.startChild(accounts.data, "alice")
        yield* Process.kill(alice.pid)
        yield* Testing.settle()
        assert.deepStrictEqual(entries.map((entry) => [entry.level, entry.message]), [
          ["Error", `child alice (${alice.pid}) terminated: Killed`],
          [
            "Info",
            `child alice restarted as ${
              (yield* FactorySupervisor.whichChildren(accounts.data))[0].pid.pipe(Option.getOrThrow)
            }`
          ]
        ])
      })
    ).pipe(Effect.scoped))

  /**
   * A supervisor tolerating `intensity` restarts in 5 s, with one child `configure`d, an actor `id` that is told to
   * crash twice (the test traps exits); returns once the supervisor exited `Shutdown`.
   */
  const crashedTwice = (
    id: string,
    intensity: number,
    configure: (
      child: Supervision.ChildSpecification<Subject.Subject<Command>>
    ) => Supervision.ChildSpecification<unknown>
  ) =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const name = Name.make<Command>(id)
      const sup = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.restartTolerance({ intensity, period: "5 seconds" }),
        StaticSupervisor.add(configure(Supervision.worker(Actor.start(commanded(id, name))))),
        StaticSupervisor.start
      )
      yield* Subject.send(Subject.named(name), "Crash")
      yield* Testing.settle()
      yield* Subject.send(Subject.named(name), "Crash")
      assert.strictEqual((yield* exitOf(sup.pid))._tag, "Shutdown")
      return sup
    })

  it.effect("a supervisor that gives up says so, with its window's figures, and exits Shutdown", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        const sup = yield* crashedTwice("f", 1, Supervision.label("flaky"))
        const gaveUp = entries[entries.length - 1]
        assert.strictEqual(gaveUp.level, "Error")
        assert.strictEqual(
          gaveUp.message,
          `supervisor ${sup.pid} gave up: reached its restart intensity: 2 restarts within 5s, more than the 1 allowed;` +
            ` the last was child flaky (Abnormal(f crashed)). It stops its children and exits Shutdown`
        )
        assert.deepInclude(gaveUp.annotations, {
          supervisor: sup.pid.toString(),
          child: "flaky",
          intensity: 1,
          period_ms: 5000,
          restarts_in_period: 2
        })
        assert.deepStrictEqual(
          entries.filter((entry) => entry.message.startsWith("child flaky (")).length,
          2,
          "each crash reported once"
        )
      })
    ).pipe(Effect.scoped))

  it.effect("a supervisor whose child's backoff ended says which child's backoff it was", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        const sup = yield* crashedTwice(
          "r",
          10,
          (child) => child.pipe(Supervision.label("retried"), Supervision.backoff(Schedule.recurs(1)))
        )
        assert.strictEqual(
          entries[entries.length - 1].message,
          `supervisor ${sup.pid} gave up: the backoff of child retried ended (2 restarts within 5s);` +
            ` the last was child retried (Abnormal(r crashed)). It stops its children and exits Shutdown`
        )
      })
    ).pipe(Effect.scoped))

  it.effect("a child that fails to restart is reported, and the failed attempt counts towards the intensity", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const name = Name.make<Command>("db")
        let starts = 0
        const start = Effect.suspend(() =>
          starts++ === 0
            ? Actor.start(commanded("db", name))
            : Effect.fail(new Actor.InitFailed({ reason: "no database" }))
        )
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance({ intensity: 1, period: "5 seconds" }),
          StaticSupervisor.add(Supervision.worker(start).pipe(Supervision.label("db"))),
          StaticSupervisor.start
        )
        yield* Subject.send(Subject.named(name), "Crash")
        assert.strictEqual((yield* exitOf(sup.pid))._tag, "Shutdown")
        const messages = entries.map((entry) => `${entry.level} ${entry.message.replace(/<0\.\d+>/g, "<pid>")}`)
        assert.deepStrictEqual(messages.slice(1), [
          "Error child db (<pid>) terminated: Abnormal(db crashed)",
          "Error child db failed to restart: InitFailed: initialisation failed: no database",
          "Error supervisor <pid> gave up: reached its restart intensity: 2 restarts within 5s, more than the 1 allowed;" +
          " the last was child db (Abnormal(InitFailed: initialisation failed: no database)). It stops its children and exits Shutdown"
        ])
      })
    ).pipe(Effect.scoped))

  it.effect("reports are filtered and turned off with Effect's own logging configuration", () =>
    Effect.gen(function*() {
      let formatted = 0
      const crashOnce = (entries: ReadonlyArray<Entry>) =>
        Effect.gen(function*() {
          const name = Name.make<Command>("w")
          const builder = commanded("w", name).pipe(Actor.reportState((state) => {
            formatted++
            return state
          }))
          yield* StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(Supervision.worker(Actor.start(builder))),
            StaticSupervisor.start
          )
          yield* Subject.send(Subject.named(name), "Crash")
          yield* Testing.settle()
          return entries.map((entry) => entry.level)
        }).pipe(Effect.scoped)
      assert.deepStrictEqual(yield* capturing(crashOnce), ["Error", "Error", "Info"])
      assert.strictEqual(formatted, 1)
      // Errors only: the restart (Info) is filtered out by the minimum log level.
      assert.deepStrictEqual(
        yield* capturing(crashOnce).pipe(Effect.provideService(References.MinimumLogLevel, "Warn")),
        ["Error", "Error"]
      )
      // Off: no level lets them through.
      assert.deepStrictEqual(
        yield* capturing(crashOnce).pipe(Effect.provideService(References.MinimumLogLevel, "None")),
        []
      )
      // A report filtered out is not even made: the state was not formatted again.
      assert.strictEqual(formatted, 2)
    }))

  it.effect("each report says its kind in `otp_report`, for a logger to keep or drop the library's reports", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const name = Name.make<Command>("k")
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance({ intensity: 1, period: "5 seconds" }),
          StaticSupervisor.add(Supervision.worker(Actor.start(commanded("k", name)))),
          StaticSupervisor.start
        )
        yield* Subject.send(Subject.named(name), "Crash")
        yield* Testing.settle()
        yield* Subject.send(Subject.named(name), "Crash")
        yield* exitOf(sup.pid)
        assert.deepStrictEqual(entries.map((entry) => entry.annotations.otp_report), [
          "crash_report",
          "child_terminated",
          "progress",
          "crash_report",
          "child_terminated",
          "shutdown"
        ])
      })
    ).pipe(Effect.scoped))

  it.effect("a child that does not stop with Shutdown when its supervisor stops it is reported (shutdown_error)", () =>
    capturing((entries) =>
      Effect.gen(function*() {
        // It traps exits (onTerminate) and takes 10 seconds to stop; it is given 1.
        const stubborn = Actor.new(0).pipe(Actor.onTerminate(() => Effect.sleep("10 seconds")))
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(
            Supervision.worker(Actor.start(stubborn)).pipe(Supervision.shutdown("1 second"), Supervision.label("slow"))
          ),
          StaticSupervisor.add(Supervision.worker(Actor.start(Actor.new(0))).pipe(Supervision.label("quick"))),
          StaticSupervisor.start
        )
        const [slow] = yield* StaticSupervisor.whichChildren(sup.data)
        const stopping = yield* Effect.forkChild(StaticSupervisor.terminateChild(sup.data, 0))
        yield* Testing.settle()
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(stopping)
        yield* StaticSupervisor.terminateChild(sup.data, 1)
        // The slow one was killed after its shutdown time; the quick one stopped with Shutdown and is not reported.
        assert.deepStrictEqual(entries.map((entry) => [entry.level, entry.annotations.otp_report, entry.message]), [
          [
            "Error",
            "shutdown_error",
            `child slow (${Option.getOrThrow(slow.pid)}) ended with Killed when stopped, not Shutdown`
          ]
        ])
      })
    ).pipe(Effect.scoped))

  const throwing = Logger.make(() => {
    throw new Error("the log disk is full")
  })

  it.effect("a logger that throws loses the report, not the process: the crash is still handled and restarted", () =>
    Effect.gen(function*() {
      const name = Name.make<Command>("t")
      const sup = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(Supervision.worker(Actor.start(commanded("t", name)))),
        StaticSupervisor.start
      )
      const first = yield* whereis(name)
      yield* Subject.send(Subject.named(name), "Crash")
      yield* Testing.settle()
      assert.isFalse(yield* Process.isAlive(first))
      const second = yield* whereis(name)
      assert.notStrictEqual(second.toString(), first.toString())
      assert.strictEqual((yield* StaticSupervisor.whichChildren(sup.data))[0].restarts, 1)
    }).pipe(Effect.provideService(Logger.CurrentLoggers, new Set([throwing])), Effect.scoped))
})

describe("start errors name their children", () => {
  it.effect("by label, once per level of a nested tree", () =>
    Effect.gen(function*() {
      const inner = StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(Supervision.worker(Actor.start(Actor.new(0)))),
        StaticSupervisor.add(
          Supervision.worker(Effect.fail(new Actor.InitFailed({ reason: new Error("no database") }))).pipe(
            Supervision.label("db")
          )
        )
      )
      const error = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(StaticSupervisor.supervised(inner).pipe(Supervision.label("storage"))),
        StaticSupervisor.start,
        Effect.flip
      )
      assert.strictEqual(
        error.message,
        "initialisation failed: child storage failed to start: child db failed to start: no database"
      )
      const reason = (error as Actor.InitFailed).reason as Supervision.ChildFailedToStart
      assert.strictEqual(reason._tag, "ChildFailedToStart")
      assert.strictEqual(reason.child, "storage")
      assert.strictEqual(reason.id, 0)
    }).pipe(Effect.scoped))

  it.effect("by the layer's tag for a child layer, by position when nothing names it", () =>
    Effect.gen(function*() {
      class Db extends Context.Service<Db, Subject.Subject<number>>()("app/Db") {}
      const DbLive = Actor.toLayer(
        Db,
        Actor.newWithInitialiser("1 second", () => Effect.fail("connection refused"))
      )
      const error = yield* Layer.build(StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), DbLive)).pipe(
        Effect.flip
      )
      assert.strictEqual(error.message, "initialisation failed: child app/Db failed to start: connection refused")

      const unnamed = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(Supervision.worker(Effect.fail(new Actor.InitFailed({ reason: "nope" })))),
        StaticSupervisor.start,
        Effect.flip
      )
      assert.strictEqual(unnamed.message, "initialisation failed: child 0 failed to start: nope")
    }).pipe(Effect.scoped))
})

describe("a main program ended by an exit signal fails with the reason", () => {
  /** Runs `program` as a main program of its own (a root fiber outside any process), as `runMain` would. */
  const runAsMain = <A, E>(program: Effect.Effect<A, E, Scope.Scope>) =>
    Effect.promise(() => Effect.runPromiseExit(capturing(() => Effect.scoped(program))))

  it.effect("a linked crash: the program's exit is the ExitSignal defect with the crash's reason, not an interruption", () =>
    Effect.gen(function*() {
      let crashed = ""
      const exit = yield* runAsMain(Effect.gen(function*() {
        const pid = yield* Process.spawn(Effect.die(new Error("boom")))
        crashed = pid.toString()
        return yield* Effect.never
      }))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isSuccess(exit)) return
      assert.isFalse(Cause.hasInterruptsOnly(exit.cause))
      const error = Cause.squash(exit.cause) as Process.ExitSignal
      assert.strictEqual(error._tag, "ExitSignal")
      assert.strictEqual(error.from, crashed)
      assert.strictEqual(error.reason._tag, "Abnormal")
      assert.match(
        error.message,
        new RegExp(`^<0\\.\\d+> was ended by an exit signal from ${crashed}: Abnormal\\(Error: boom`)
      )
      // `runPromise` rejects with it, not with "All fibers interrupted without errors".
      const rejected = yield* Effect.promise(() =>
        Effect.runPromise(
          capturing(() => Effect.scoped(Effect.andThen(Process.spawn(Effect.die(new Error("boom"))), Effect.never)))
        )
          .then(() => undefined, (error: unknown) => error)
      )
      assert.strictEqual((rejected as Process.ExitSignal)._tag, "ExitSignal")
    }))

  it.effect("Layer.launch of a tree whose root gives up fails with its Shutdown, after the give-up report", () =>
    Effect.gen(function*() {
      class Worker extends Context.Service<Worker, Subject.Subject<Command>>()("app/Worker") {}
      // Crashes as soon as it is started: the root gives up at its third crash.
      const WorkerLive = Actor.toLayer(
        Worker,
        Actor.newWithInitialiser(
          "1 second",
          (self: Subject.Subject<Command>) =>
            Effect.as(Subject.send(self, "Crash"), Actor.initialised<string, Command>("w"))
        ).pipe(
          Actor.onMessage(obey<string>)
        )
      )
      const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), WorkerLive)
      const entries: Array<Entry> = []
      const exit = yield* Effect.promise(() =>
        Effect.runPromiseExit(
          capturing((logged) => Effect.ensuring(Layer.launch(AppLive), Effect.sync(() => entries.push(...logged))))
        )
      )
      assert.isTrue(Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause))
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) as Process.ExitSignal : undefined
      assert.strictEqual(error?._tag, "ExitSignal")
      assert.strictEqual(error?.reason._tag, "Shutdown")
      const gaveUp = entries.findIndex((entry) => entry.message.includes(" gave up: reached its restart intensity"))
      assert.isAtLeast(gaveUp, 0)
      assert.include(entries[gaveUp].message, "child app/Worker")
      // The supervisor that gave up is the one the ExitSignal names; the program's end is logged last.
      assert.strictEqual(error?.from, entries[gaveUp].annotations.supervisor)
      assert.strictEqual(entries[entries.length - 1].message, error?.message)
    }))

  it.effect("a scope closed by another fiber does not fail that fiber, and a long-lived scope keeps one finalizer", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      // Many short-lived root fibers (say, request handlers) spawn into one long-lived scope: it keeps one finalizer
      // for them, not one per fiber.
      for (let i = 0; i < 100; i++) {
        yield* Effect.promise(() => Effect.runPromise(Process.spawnUnlinked(Effect.void).pipe(Scope.provide(scope))))
      }
      const state = scope.state
      assert.isAtMost(state._tag === "Open" ? state.finalizers?.size ?? 0 : 0, 3)
      // One of them is ended by a linked crash. The scope is closed later, by someone else, who is not failed by it.
      const exit = yield* runAsMain(Effect.gen(function*() {
        yield* Process.spawn(Effect.die(new Error("boom"))).pipe(Scope.provide(scope))
        return yield* Effect.never
      }))
      assert.isTrue(Exit.isFailure(exit))
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(Scope.close(scope, Exit.void))))
    }))

  it.effect("an ExitSignal caught inside the program is raised again by the next scope it closes", () =>
    Effect.gen(function*() {
      const exit = yield* runAsMain(Effect.gen(function*() {
        yield* Process.spawn(Effect.void) // the outer scope, where the program spawned too
        yield* Effect.scoped(Effect.andThen(Process.spawn(Effect.die(new Error("boom"))), Effect.never)).pipe(
          Effect.catchCause(() => Effect.void)
        )
      }))
      assert.isTrue(Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause))
      assert.strictEqual(
        Exit.isFailure(exit) ? (Cause.squash(exit.cause) as Process.ExitSignal)._tag : "",
        "ExitSignal"
      )
    }))

  it.effect("a program stopped on purpose stays an interruption", () =>
    Effect.gen(function*() {
      class Worker extends Context.Service<Worker, Subject.Subject<number>>()("app/Quiet") {}
      const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), Actor.toLayer(Worker, Actor.new(0)))
      const exit = yield* Effect.promise(() => {
        const fiber = Effect.runFork(capturing(() => Layer.launch(AppLive)))
        return Effect.runPromise(Effect.andThen(Effect.yieldNow, Fiber.interrupt(fiber))).then(() =>
          Effect.runPromise(Fiber.await(fiber))
        )
      })
      assert.isTrue(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause))
    }))
})
