import { afterEach, assert, describe, it } from "@effect/vitest"
import type { Duration } from "effect"
import { Context, Effect, Exit, Fiber, Option, Ref, Schedule, Scope } from "effect"
import { TestClock } from "effect/testing"
import {
  Actor,
  Name,
  Process,
  Selector,
  StaticSupervisor,
  Subject,
  Supervision,
  System,
  Testing
} from "../src/index.js"
import type { Command } from "./fixtures.js"
import {
  childFailedToStart,
  downs,
  expectLog,
  expectNoExitMessage,
  expectQuiet,
  invalidSpecification,
  obey,
  othersAlive,
  takeN,
  trapped
} from "./fixtures.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

// ---------------------------------------------------------------------------------------------------------------
// Children that report to a log owned by the test
// ---------------------------------------------------------------------------------------------------------------

interface ChildOptions {
  /** Registers the child under this name, so the test reaches it across restarts with `Subject.named`. */
  readonly name?: Name.Name<Command>
  /** How long `onTerminate` takes (TestClock time) between logging "terminating id" and "stop id". */
  readonly terminateTakes?: Duration.Input
}

/**
 * An actor that logs `start <id>` when its init runs and `stop <id>` when it terminates gracefully (its onTerminate:
 * Normal, Shutdown from its supervisor...; not on kill nor on a crash). With `onTerminate` it traps exits.
 */
const actor = (log: Subject.Subject<string>, id: number, options: ChildOptions = {}) => {
  const builder = Actor.newWithInitialiser(
    "1 second",
    (_self: Subject.Subject<Command>) =>
      Effect.as(Subject.send(log, `start ${id}`), Actor.initialised<number, Command>(id))
  ).pipe(
    Actor.onMessage(obey<number>),
    Actor.onTerminate((n: number) => {
      const takes = options.terminateTakes
      return takes === undefined ?
        Subject.send(log, `stop ${n}`) :
        Effect.gen(function*() {
          yield* Subject.send(log, `terminating ${n}`)
          yield* Effect.sleep(takes)
          yield* Subject.send(log, `stop ${n}`)
        })
    })
  )
  return Actor.start(options.name === undefined ? builder : Actor.named(builder, options.name))
}

/** A worker child spec around `actor`. */
const child = (log: Subject.Subject<string>, id: number, options: ChildOptions = {}) =>
  Supervision.worker(actor(log, id, options))

type Init = (
  self: Subject.Subject<Command>
) => Effect.Effect<Actor.Initialised<number, Command, Actor.SelfSubject>, string>

/** A worker child spec whose init is `init`: it may fail (`InitFailed`), die (`InitExited`) or never end. */
const workerWithInit = (init: Init, onTerminate?: () => Effect.Effect<void>) => {
  const builder = Actor.newWithInitialiser("1 second", init).pipe(Actor.onMessage(obey<number>))
  return Supervision.worker(
    Actor.start(onTerminate === undefined ? builder : Actor.onTerminate(builder, onTerminate))
  )
}

/**
 * An init for child `id` that fails (`InitFailed` with "cannot start") on the starts `fails` picks, counting from 1,
 * after logging `fail <id>`; the other starts log `start <id>`. `starts` counts them all.
 */
const flakyInit = (log: Subject.Subject<string>, id: number, fails: (start: number) => boolean) =>
  Effect.map(Ref.make(0), (starts) => {
    const init: Init = () =>
      Effect.gen(function*() {
        const n = yield* Ref.updateAndGet(starts, (k) => k + 1)
        if (fails(n)) {
          yield* Subject.send(log, `fail ${id}`)
          return yield* Effect.fail("cannot start")
        }
        yield* Subject.send(log, `start ${id}`)
        return Actor.initialised<number, Command>(id)
      })
    return { init, starts } as const
  })

/** A supervisor builder with children `ids`, each an `actor` logging to `log`. */
const withChildren = (
  builder: StaticSupervisor.Builder,
  log: Subject.Subject<string>,
  ids: ReadonlyArray<number>
): StaticSupervisor.Builder => ids.reduce((b, id) => StaticSupervisor.add(b, child(log, id)), builder)

/** A log, and the supervisor `builder` started with children `ids` (`actor`s logging to it), all of them started. */
const startLogged = (builder: StaticSupervisor.Builder, ids: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const log = yield* Subject.make<string>()
    const sup = yield* withChildren(builder, log, ids).pipe(StaticSupervisor.start)
    yield* expectLog(log, ids.map((id) => `start ${id}`))
    return { log, sup } as const
  })

/** A OneForOne builder with this restart tolerance. */
const tolerating = (intensity: number, period: Duration.Input) =>
  StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartTolerance({ intensity, period }))

/** A OneForOne builder whose restarts wait `delay`. */
const restartingAfter = (delay: Duration.Input) =>
  StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartSchedule(Schedule.spaced(delay)))

/**
 * A process that traps exits and ignores them all (so it ignores its supervisor's `Shutdown`), started through a
 * custom start effect. It logs `ready <id>` once it traps exits.
 */
const stubborn = (log: Subject.Subject<string>, id: number) =>
  Effect.map(
    Process.spawn(Effect.gen(function*() {
      yield* Process.trapExits(true)
      yield* Subject.send(log, `ready ${id}`)
      return yield* Effect.never
    })),
    (pid) => ({ pid, data: undefined })
  )

// ---------------------------------------------------------------------------------------------------------------
// Reading the log and the test's mailbox without real time: poll, letting the others run with TestClock.adjust(0)
// ---------------------------------------------------------------------------------------------------------------

/** The log and trapped exits, as one stream of strings (`exit <pid> <reason tag>`), in arrival order. */
const events = (log: Subject.Subject<string>) =>
  Selector.make<string>().pipe(
    Selector.select(log),
    Selector.selectTrappedExits((exit) => `exit ${String(exit.pid)} ${exit.reason._tag}`)
  )

const expectEvents = (log: Subject.Subject<string>, expected: ReadonlyArray<string>) =>
  Effect.flatMap(
    takeN(Selector.receive(events(log), 0), expected.length),
    (got) => Effect.sync(() => assert.deepStrictEqual(got, [...expected]))
  )

/** The event of `sup` exiting `Shutdown` (the test traps exits). */
const shutdownOf = (sup: { readonly pid: Process.Pid }) => `exit ${String(sup.pid)} Shutdown`

/** The next Down in the test's mailbox (the test monitors one process at a time). */
const nextDown = Effect.flatMap(
  takeN(Selector.receive(downs, 0), 1),
  (got) => got.length === 1 ? Effect.succeed(got[0]) : Effect.die(new Error("no Down arrived"))
)

/** The children's pids as strings ("none" when not running), in child order. */
const pidsOf = (sup: StaticSupervisor.Supervisor) =>
  Effect.map(
    StaticSupervisor.whichChildren(sup),
    (children) => children.map((c) => Option.match(c.pid, { onNone: () => "none", onSome: String }))
  )

const pidOf = (sup: StaticSupervisor.Supervisor, id: number) =>
  Effect.map(StaticSupervisor.whichChildren(sup), (children) => {
    const found = children.find((c) => c.id === id)
    if (found === undefined) throw new Error(`no child ${id}`)
    return Option.getOrThrow(found.pid)
  })

/** Kills child `id` of `sup`. */
const killChild = (sup: StaticSupervisor.Supervisor, id: number) => Effect.flatMap(pidOf(sup, id), Process.kill)

/** Monitors child `id` of `sup`, and returns its pid. */
const monitorChild = (sup: StaticSupervisor.Supervisor, id: number) => Effect.tap(pidOf(sup, id), Process.monitor)

/** `cycles` times: kills child 0, lets `wait` pass on the TestClock, and sees child 0 start again. */
const crashLoop = (
  sup: StaticSupervisor.Supervisor,
  log: Subject.Subject<string>,
  cycles: number,
  wait: Duration.Input,
  whileWaiting: Effect.Effect<void, unknown> = Effect.void
) =>
  Effect.gen(function*() {
    for (let cycle = 0; cycle < cycles; cycle++) {
      yield* killChild(sup, 0)
      yield* Testing.settle()
      yield* whileWaiting
      yield* TestClock.adjust(wait)
      yield* expectEvents(log, ["start 0"])
    }
  })

/** Starting the builder `build(log)` fails with InvalidSpecification naming `field`, and nothing is left. */
const rejects = (build: (log: Subject.Subject<string>) => StaticSupervisor.Builder, field: string) =>
  Effect.gen(function*() {
    const log = yield* Subject.make<string>()
    const error = yield* Effect.flip(StaticSupervisor.start(build(log)))
    invalidSpecification(error, field)
    yield* expectQuiet(log) // nothing was started
    assert.deepStrictEqual(yield* othersAlive, [])
  })

// ---------------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------------

describe("StaticSupervisor", () => {
  describe("strategies", () => {
    /** Child `kill` of `ids` is killed: the log that follows, and which children then run with a new pid. */
    const strategyCases: ReadonlyArray<{
      readonly name: string
      readonly strategy: StaticSupervisor.Strategy
      readonly ids: ReadonlyArray<number>
      readonly kill: number
      readonly log: ReadonlyArray<string>
      readonly restarted: ReadonlyArray<number>
    }> = [
      {
        name: "OneForOne: only the killed child restarts",
        strategy: "OneForOne",
        ids: [0, 1, 2],
        kill: 1,
        log: ["start 1"],
        restarted: [1]
      },
      {
        name: "RestForOne: killing child 1 of 0..4 stops 4,3,2 then starts 1,2,3,4; child 0 keeps running",
        strategy: "RestForOne",
        ids: [0, 1, 2, 3, 4],
        kill: 1,
        // Erlang: [{stop,4},{stop,3},{stop,2},{start,1},{start,2},{start,3},{start,4}]
        log: ["stop 4", "stop 3", "stop 2", "start 1", "start 2", "start 3", "start 4"],
        restarted: [1, 2, 3, 4]
      },
      {
        name: "RestForOne: killing the last child restarts only it",
        strategy: "RestForOne",
        ids: [0, 1, 2],
        kill: 2,
        log: ["start 2"],
        restarted: [2]
      },
      {
        name: "OneForAll: killing child 1 stops the others in reverse order and starts all in start order",
        strategy: "OneForAll",
        ids: [0, 1, 2, 3, 4],
        kill: 1,
        log: ["stop 4", "stop 3", "stop 2", "stop 0", "start 0", "start 1", "start 2", "start 3", "start 4"],
        restarted: [0, 1, 2, 3, 4]
      }
    ]

    for (const { ids, kill, log: expected, name, restarted, strategy } of strategyCases) {
      it.effect(name, () =>
        Effect.gen(function*() {
          const { log, sup } = yield* startLogged(StaticSupervisor.new(strategy), ids)
          const before = yield* pidsOf(sup.data)
          yield* killChild(sup.data, kill)
          yield* expectLog(log, expected)
          const after = yield* pidsOf(sup.data)
          for (const id of ids) {
            if (restarted.includes(id)) {
              assert.notStrictEqual(after[id], before[id], `child ${id} has a new pid`)
              assert.notStrictEqual(after[id], "none")
            } else {
              assert.strictEqual(after[id], before[id], `child ${id} keeps its pid`)
            }
          }
          yield* expectQuiet(log)
        }))
    }

    it.effect("OneForAll: a temporary sibling stopped by the strategy is removed, not restarted", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* StaticSupervisor.new("OneForAll").pipe(
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(child(log, 1).pipe(Supervision.restart("Temporary"))),
          StaticSupervisor.add(child(log, 2)),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1", "start 2"])
        yield* killChild(sup.data, 2)
        // Erlang: [{stop,t1},{stop,t0},{start,t0},{start,t2}], which_children without t1
        yield* expectLog(log, ["stop 1", "stop 0", "start 0", "start 2"])
        const children = yield* StaticSupervisor.whichChildren(sup.data)
        assert.deepStrictEqual(children.map((c) => c.id), [0, 2])
        yield* expectQuiet(log)
      }))

    /**
     * Starts a `strategy` supervisor (intensity 1) of children `ids`, and kills children 0 and 1 while it is
     * suspended, so that both exits queue up in its mailbox.
     */
    const killTwoAtOnce = (strategy: StaticSupervisor.Strategy, ids: ReadonlyArray<number>) =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const started = yield* startLogged(
          StaticSupervisor.new(strategy).pipe(StaticSupervisor.restartTolerance({ intensity: 1, period: "5 seconds" })),
          ids
        )
        const pid0 = yield* pidOf(started.sup.data, 0)
        const pid1 = yield* pidOf(started.sup.data, 1)
        yield* System.suspend(started.sup.pid)
        yield* Process.kill(pid0)
        yield* Process.kill(pid1)
        yield* Testing.settle()
        yield* System.resume(started.sup.pid)
        return started
      })

    it.effect("OneForAll: two children dying at once make one restart (the second exit is flushed)", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* killTwoAtOnce("OneForAll", [0, 1, 2])
        // Erlang (intensity 1): alive, [{stop,2},{start,0},{start,1},{start,2}]
        yield* expectEvents(log, ["stop 2", "start 0", "start 1", "start 2"])
        yield* expectQuiet(log)
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    it.effect("OneForOne: two children dying at once are two restarts", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* killTwoAtOnce("OneForOne", [0, 1])
        // Erlang (intensity 1): [{start,0},{stop,0},{'EXIT',Sup,shutdown}]
        yield* expectEvents(log, ["start 0", "stop 0", shutdownOf(sup)])
      }))

    it.effect("OneForAll / RestForOne: a child that ends for good (Temporary, or Transient exiting Normal) restarts nobody", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const first = Name.make<Command>("temporary")
        const second = Name.make<Command>("transient")
        const all = yield* StaticSupervisor.new("OneForAll").pipe(
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(child(log, 1, { name: first }).pipe(Supervision.restart("Temporary"))),
          StaticSupervisor.add(child(log, 2)),
          StaticSupervisor.start
        )
        const rest = yield* StaticSupervisor.new("RestForOne").pipe(
          StaticSupervisor.add(child(log, 10, { name: second }).pipe(Supervision.restart("Transient"))),
          StaticSupervisor.add(child(log, 11)),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1", "start 2", "start 10", "start 11"])
        const allBefore = yield* pidsOf(all.data)
        const restBefore = yield* pidsOf(rest.data)
        yield* Subject.send(Subject.named(first), "Crash")
        yield* Subject.send(Subject.named(second), "Stop")
        yield* expectLog(log, ["stop 10"])
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* pidsOf(all.data), [allBefore[0], allBefore[2]])
        assert.deepStrictEqual(yield* pidsOf(rest.data), ["none", restBefore[1]])
      }))

    it.effect("the same child specification added three times gives three distinct children", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const spec = child(log, 7)
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(spec),
          StaticSupervisor.add(spec),
          StaticSupervisor.add(spec),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 7", "start 7", "start 7"])
        const children = yield* StaticSupervisor.whichChildren(sup.data)
        assert.deepStrictEqual(children.map((c) => c.id), [0, 1, 2])
        const pids = children.map((c) => String(Option.getOrThrow(c.pid)))
        assert.strictEqual(new Set(pids).size, 3)
        for (const c of children) assert.isTrue(yield* Process.isAlive(Option.getOrThrow(c.pid)))
        const counts = yield* StaticSupervisor.countChildren(sup.data)
        assert.deepStrictEqual(counts, { specs: 3, active: 3, workers: 3, supervisors: 0 })
        // they are independent children: killing the middle one restarts only it
        yield* Process.kill(Option.getOrThrow(children[1].pid))
        yield* expectLog(log, ["start 7"])
        const after = yield* pidsOf(sup.data)
        assert.strictEqual(after[0], pids[0])
        assert.notStrictEqual(after[1], pids[1])
        assert.strictEqual(after[2], pids[2])
      }))
  })

  describe("restart types × exit reasons", () => {
    const restartTypes: ReadonlyArray<Supervision.Restart> = ["Permanent", "Transient", "Temporary"]
    const exits = ["Normal", "Shutdown", "Abnormal", "Killed"] as const
    const tell = (command: Command) => (_sup: StaticSupervisor.Supervisor, name: Name.Name<Command>) =>
      Subject.send(Subject.named(name), command)
    /** How the test makes child 0 (registered as `name`) exit with each reason. */
    const exitWith = {
      Normal: tell("Stop"),
      Shutdown: tell("Shutdown"),
      Abnormal: tell("Crash"),
      Killed: (sup: StaticSupervisor.Supervisor) => killChild(sup, 0)
    }
    const restarts = (restart: Supervision.Restart, exit: typeof exits[number]): boolean =>
      restart === "Permanent" || (restart === "Transient" && (exit === "Abnormal" || exit === "Killed"))

    for (const restart of restartTypes) {
      for (const exit of exits) {
        const restarted = restarts(restart, exit)
        it.effect(`${restart} child exiting ${exit} is ${restarted ? "restarted" : "not restarted"}`, () =>
          Effect.gen(function*() {
            const log = yield* Subject.make<string>()
            const name = Name.make<Command>("child")
            const sup = yield* StaticSupervisor.new("OneForOne").pipe(
              StaticSupervisor.add(child(log, 0, { name }).pipe(Supervision.restart(restart))),
              StaticSupervisor.add(child(log, 1)),
              StaticSupervisor.start
            )
            yield* expectLog(log, ["start 0", "start 1"])
            const [pid0, pid1] = yield* pidsOf(sup.data)
            const monitor = yield* Process.monitor(yield* pidOf(sup.data, 0))
            yield* exitWith[exit](sup.data, name)
            const down = yield* nextDown
            assert.strictEqual(down.monitor, monitor)
            assert.strictEqual(down.reason._tag, exit, "the child exited with the reason under test")
            const graceful = exit === "Normal" || exit === "Shutdown"
            yield* expectLog(log, [...(graceful ? ["stop 0"] : []), ...(restarted ? ["start 0"] : [])])
            yield* expectQuiet(log)
            const children = yield* StaticSupervisor.whichChildren(sup.data)
            const pids = yield* pidsOf(sup.data)
            if (restarted) {
              assert.deepStrictEqual(children.map((c) => c.id), [0, 1])
              assert.notStrictEqual(pids[0], "none")
              assert.notStrictEqual(pids[0], pid0)
            } else if (restart === "Temporary") {
              // a temporary child that ended is forgotten
              assert.deepStrictEqual(children.map((c) => c.id), [1])
            } else {
              assert.deepStrictEqual(children.map((c) => c.id), [0, 1])
              assert.strictEqual(pids[0], "none")
            }
            assert.strictEqual(pids[pids.length - 1], pid1, "the sibling is untouched")
            assert.isTrue(yield* Process.isAlive(sup.pid))
          }))
      }
    }
  })

  describe("restart intensity and escalation", () => {
    const strategies: ReadonlyArray<StaticSupervisor.Strategy> = ["OneForOne", "RestForOne", "OneForAll"]
    const restartLog: Record<StaticSupervisor.Strategy, ReadonlyArray<string>> = {
      OneForOne: ["start 1"],
      RestForOne: ["stop 2", "start 1", "start 2"],
      OneForAll: ["stop 2", "stop 0", "start 0", "start 1", "start 2"]
    }

    for (const strategy of strategies) {
      it.effect(
        `${strategy}: a 3rd restart within 5 s (default tolerance) stops the children in reverse and exits Shutdown`,
        () =>
          Effect.gen(function*() {
            yield* Process.trapExits(true)
            const { log, sup } = yield* startLogged(StaticSupervisor.new(strategy), [0, 1, 2])
            for (let i = 0; i < 2; i++) {
              yield* killChild(sup.data, 1)
              yield* expectEvents(log, restartLog[strategy])
            }
            yield* killChild(sup.data, 1)
            // Erlang: the surviving children are stopped, last started first, then the supervisor exits shutdown
            yield* expectEvents(log, ["stop 2", "stop 0", shutdownOf(sup)])
            assert.isFalse(yield* Process.isAlive(sup.pid))
            yield* expectQuiet(log)
            assert.deepStrictEqual(yield* othersAlive, [])
          })
      )
    }

    it.effect("a custom tolerance: 4 restarts within 10 s are fine, the 5th escalates", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startLogged(tolerating(4, "10 seconds"), [0, 1])
        for (let i = 0; i < 4; i++) {
          yield* killChild(sup.data, 0)
          yield* expectEvents(log, ["start 0"])
          yield* TestClock.adjust("2 seconds")
        }
        // the restarts happened at 0, 2, 4, 6 s; now it is 8 s: a 5th within 10 s
        yield* killChild(sup.data, 0)
        yield* expectEvents(log, ["stop 1", shutdownOf(sup)])
      }))

    it.effect("intensity 0: the first crash escalates", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startLogged(tolerating(0, "1 hour"), [0, 1])
        yield* killChild(sup.data, 0)
        yield* expectEvents(log, ["stop 1", shutdownOf(sup)])
      }))

    it.effect("restarts spread out in time stay within the sliding window and never escalate", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startLogged(StaticSupervisor.new("OneForOne"), [0])
        // every 2.6 s: never more than 2 restarts within any 5 s
        for (let i = 0; i < 8; i++) {
          yield* killChild(sup.data, 0)
          yield* expectEvents(log, ["start 0"])
          yield* TestClock.adjust("2600 millis")
        }
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    /** Restarts at t = 0 and t = 1 s, then a third one `third` later: within the default 2 restarts per 5 s? */
    const windowCases = [
      {
        name: "a restart just after the period has passed since the first one does not count it",
        // t = 5.001 s: the one at 0 left the window
        third: "4001 millis",
        escalates: false
      },
      {
        name: "the window is inclusive like Erlang's: a restart exactly `period` after the first still counts it",
        // t = 5 s
        third: "4 seconds",
        escalates: true
      }
    ] as const

    for (const { escalates, name, third } of windowCases) {
      it.effect(name, () =>
        Effect.gen(function*() {
          yield* Process.trapExits(true)
          const { log, sup } = yield* startLogged(StaticSupervisor.new("OneForOne"), [0])
          yield* killChild(sup.data, 0) // t = 0
          yield* expectEvents(log, ["start 0"])
          yield* TestClock.adjust("1 second")
          yield* killChild(sup.data, 0) // t = 1 s
          yield* expectEvents(log, ["start 0"])
          yield* TestClock.adjust(third)
          yield* killChild(sup.data, 0)
          if (escalates) {
            yield* expectEvents(log, [shutdownOf(sup)])
          } else {
            yield* expectEvents(log, ["start 0"])
            assert.isTrue(yield* Process.isAlive(sup.pid))
            yield* expectNoExitMessage
          }
        }))
    }

    it.effect("a failed restart attempt counts towards intensity (init fails from the 2nd start on)", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const { init, starts } = yield* flakyInit(log, 1, (n) => n >= 2)
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(workerWithInit(init)),
          StaticSupervisor.add(child(log, 2)),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1", "start 2"])
        yield* killChild(sup.data, 1)
        // Erlang (intensity 2): [{init_fail,f},{init_fail,f},{stop,c},{stop,a}], then the supervisor exits shutdown
        yield* expectEvents(log, ["fail 1", "fail 1", "stop 2", "stop 0", shutdownOf(sup)])
        assert.strictEqual(yield* Ref.get(starts), 3)
        yield* expectQuiet(log)
      }))

    it.effect("a restart that fails once then succeeds used two restarts: one more crash escalates", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const { init } = yield* flakyInit(log, 0, (n) => n === 2)
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(workerWithInit(init)),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0"])
        yield* killChild(sup.data, 0)
        yield* expectEvents(log, ["fail 0", "start 0"])
        assert.isTrue(yield* Process.isAlive(sup.pid))
        assert.notStrictEqual((yield* pidsOf(sup.data))[0], "none")
        yield* killChild(sup.data, 0)
        yield* expectEvents(log, [shutdownOf(sup)])
      }))

    it.effect("a child that crashes right after every start makes the supervisor give up", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const crashing = workerWithInit((self) =>
          Effect.gen(function*() {
            yield* Subject.send(log, "start 0")
            yield* Subject.send(self, "Crash")
            return Actor.initialised<number, Command>(0)
          })
        )
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(crashing),
          StaticSupervisor.add(child(log, 1)),
          StaticSupervisor.start
        )
        yield* expectEvents(log, ["start 0", "start 1", "start 0", "start 0", "stop 1", shutdownOf(sup)])
      }))

    it.effect("a custom start returning a process that already ended is treated as its exit", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const ended = Effect.gen(function*() {
          const pid = yield* Process.spawnUnlinked(Subject.send(log, "ran"))
          yield* Process.awaitExit(pid)
          return { pid, data: undefined }
        })
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(Supervision.worker(ended).pipe(Supervision.restart("Transient"))),
          StaticSupervisor.add(Supervision.worker(ended)),
          StaticSupervisor.start
        )
        // the Transient one ended Normal: left alone; the Permanent one is restarted until the supervisor gives up
        yield* expectEvents(log, ["start 0", "ran", "ran", "ran", "ran", "stop 0", shutdownOf(sup)])
      }))
  })

  describe("environment", () => {
    class Greeting extends Context.Service<Greeting, string>()("test/Greeting") {}

    it.effect("services provided to start reach the children's start, also on restarts", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const greeter = Supervision.worker(
          Actor.newWithInitialiser("1 second", (_: Subject.Subject<Command>) =>
            Effect.gen(function*() {
              const greeting = yield* Greeting
              yield* Subject.send(log, greeting)
              return Actor.initialised<number, Command>(0)
            })).pipe(Actor.onMessage(obey<number>), Actor.start)
        )
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(greeter),
          StaticSupervisor.start,
          Effect.provideService(Greeting, "hello")
        )
        yield* expectLog(log, ["hello"])
        yield* killChild(sup.data, 0)
        yield* expectLog(log, ["hello"])
      }))
  })

  describe("exit signals reaching the supervisor", () => {
    it.effect("an exit signal from its parent stops the children in reverse order, then the supervisor, same reason", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startLogged(StaticSupervisor.new("OneForOne"), [0, 1, 2])
        yield* Process.exit(sup.pid, ExitReason.Abnormal({ reason: "bye" }))
        // Erlang: sup exit bye, [{stop,2},{stop,1},{stop,0}]
        yield* expectEvents(log, ["stop 2", "stop 1", "stop 0", `exit ${String(sup.pid)} Abnormal`])
        const reason = yield* Process.awaitExit(sup.pid)
        assert.deepStrictEqual(reason, ExitReason.Abnormal({ reason: "bye" }))
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a Normal exit signal from its parent is ignored", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startLogged(StaticSupervisor.new("OneForOne"), [0])
        yield* Process.exit(sup.pid, ExitReason.Normal())
        yield* expectQuiet(log)
        assert.isTrue(yield* Process.isAlive(sup.pid))
        assert.strictEqual((yield* StaticSupervisor.countChildren(sup.data)).active, 1)
      }))

    it.effect("killing the supervisor ends its children too", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { sup } = yield* startLogged(StaticSupervisor.new("OneForOne"), [0, 1])
        yield* Process.kill(sup.pid)
        const exits = yield* takeN(Selector.receive(trapped, 0), 1)
        assert.deepStrictEqual(exits.map((e) => e.reason), [ExitReason.Killed()])
        yield* Testing.settle()
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("escalation climbs the tree: a nested supervisor that gives up is restarted by its parent", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const name = Name.make<Command>("inner-child")
        const inner = StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance({ intensity: 0, period: "5 seconds" }),
          StaticSupervisor.add(child(log, 1, { name })),
          StaticSupervisor.add(child(log, 2))
        )
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(StaticSupervisor.supervised(inner)),
          StaticSupervisor.add(child(log, 3)),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1", "start 2", "start 3"])
        const before = yield* pidsOf(sup.data)
        yield* monitorChild(sup.data, 1)
        yield* Subject.send(Subject.named(name), "Crash")
        // the inner supervisor stops child 2 and exits Shutdown; the outer one restarts it (and so its children)
        yield* expectLog(log, ["stop 2", "start 1", "start 2"])
        assert.strictEqual((yield* nextDown).reason._tag, "Shutdown")
        const after = yield* pidsOf(sup.data)
        assert.strictEqual(after[0], before[0])
        assert.notStrictEqual(after[1], before[1])
        assert.notStrictEqual(after[1], "none")
        assert.strictEqual(after[2], before[2])
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectQuiet(log)
      }))
  })

  describe("order of children", () => {
    it.effect("closing the supervisor's scope stops the children 5,4,3,2,1 (reverse start order)", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* Effect.scoped(startLogged(StaticSupervisor.new("OneForOne"), [1, 2, 3, 4, 5]))
        yield* expectLog(log, ["stop 5", "stop 4", "stop 3", "stop 2", "stop 1"])
        assert.isFalse(yield* Process.isAlive(sup.pid))
        assert.deepStrictEqual(yield* othersAlive, [])
        // the owner of the scope is not signalled by the shutdown it caused
        yield* expectNoExitMessage
      }))

    it.effect("a nested supervisor stops its own children first, in reverse order", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        yield* Effect.scoped(
          Effect.gen(function*() {
            yield* StaticSupervisor.new("OneForOne").pipe(
              StaticSupervisor.add(child(log, 1)),
              StaticSupervisor.add(StaticSupervisor.supervised(withChildren(StaticSupervisor.new("OneForAll"), log, [
                2,
                3
              ]))),
              StaticSupervisor.add(child(log, 4)),
              StaticSupervisor.start
            )
            yield* expectLog(log, ["start 1", "start 2", "start 3", "start 4"])
          })
        )
        yield* expectLog(log, ["stop 4", "stop 3", "stop 2", "stop 1"])
        assert.deepStrictEqual(yield* othersAlive, [])
      }))
  })

  describe("a child fails to start while the supervisor starts", () => {
    it.effect("child 2 of 0..3 fails init: InitFailed(ChildFailedToStart), 1 then 0 stopped, nothing left", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const failing = workerWithInit(() => Effect.andThen(Subject.send(log, "fail 2"), Effect.fail("nope")))
        const error = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(child(log, 0)),
            StaticSupervisor.add(child(log, 1)),
            StaticSupervisor.add(failing),
            StaticSupervisor.add(child(log, 3)),
            StaticSupervisor.start
          )
        )
        const failed = childFailedToStart(error)
        assert.strictEqual(failed.id, 2)
        assert.strictEqual(failed.error._tag, "InitFailed")
        assert.strictEqual((failed.error as Actor.InitFailed).reason, "nope")
        yield* expectLog(log, ["start 0", "start 1", "fail 2", "stop 1", "stop 0"])
        yield* expectQuiet(log)
        yield* expectNoExitMessage
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a child whose init dies: ChildFailedToStart with InitExited, started children stopped", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const dying = workerWithInit(() => Effect.die("init died"))
        const error = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(child(log, 0)),
            StaticSupervisor.add(dying),
            StaticSupervisor.start
          )
        )
        const failed = childFailedToStart(error)
        assert.strictEqual(failed.id, 1)
        assert.strictEqual(failed.error._tag, "InitExited")
        yield* expectLog(log, ["start 0", "stop 0"])
        yield* expectNoExitMessage
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a child whose init times out: ChildFailedToStart with InitTimeout, started children stopped", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const slow = workerWithInit(() => Effect.andThen(Subject.send(log, "init 1"), Effect.never))
        const starting = yield* Effect.forkChild(Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(child(log, 0)),
            StaticSupervisor.add(slow),
            StaticSupervisor.add(child(log, 2)),
            StaticSupervisor.start
          )
        ))
        yield* expectLog(log, ["start 0", "init 1"])
        yield* TestClock.adjust("1 second")
        const failed = childFailedToStart(yield* Fiber.join(starting))
        assert.strictEqual(failed.id, 1)
        assert.strictEqual(failed.error._tag, "InitTimeout")
        yield* expectLog(log, ["stop 0"])
        yield* expectQuiet(log)
        yield* expectNoExitMessage
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("the first child failing to start: nothing to stop, InitFailed for child 0", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const failing = workerWithInit(() => Effect.fail("nope"))
        const error = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(failing),
            StaticSupervisor.add(child(log, 1)),
            StaticSupervisor.start
          )
        )
        assert.strictEqual(childFailedToStart(error).id, 0)
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))
  })

  describe("shutdown times", () => {
    /** Starts `builder` in a scope of its own, closed on demand (or at the end of the test). */
    const startInScope = (builder: StaticSupervisor.Builder) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
        const sup = yield* StaticSupervisor.start(builder).pipe(Scope.provide(scope))
        return { sup, scope } as const
      })

    /** Closes `scope` in a fiber of its own: the test watches the shutdown while it waits. */
    const closing = (scope: Scope.Closeable) => Effect.forkChild(Scope.close(scope, Exit.void))

    /**
     * Under `strategy`, child 0 and a `stubborn` child 1 that gets `shutdown` to stop, in a scope of their own; the
     * test monitors the stubborn one.
     */
    const withStubborn = (strategy: StaticSupervisor.Strategy, shutdown: Duration.Input) =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const { scope, sup } = yield* startInScope(
          StaticSupervisor.new(strategy).pipe(
            StaticSupervisor.add(child(log, 0)),
            StaticSupervisor.add(Supervision.worker(stubborn(log, 1)).pipe(Supervision.shutdown(shutdown)))
          )
        )
        yield* expectLog(log, ["start 0", "ready 1"])
        const stubbornPid = yield* monitorChild(sup.data, 1)
        return { log, scope, stubbornPid, sup } as const
      })

    it.effect("BrutalKill: the child is killed at once, its onTerminate does not run", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const { scope, sup } = yield* startInScope(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(child(log, 0, { terminateTakes: "1 second" }).pipe(Supervision.shutdown("BrutalKill")))
          )
        )
        yield* expectLog(log, ["start 0"])
        yield* monitorChild(sup.data, 0)
        yield* Scope.close(scope, Exit.void)
        assert.strictEqual((yield* nextDown).reason._tag, "Killed")
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a child that traps exits and ignores Shutdown is killed after its shutdown time", () =>
      Effect.gen(function*() {
        const { log, scope, stubbornPid: pid } = yield* withStubborn("OneForOne", "2 seconds")
        const stopping = yield* closing(scope)
        yield* Testing.settle()
        yield* TestClock.adjust("1999 millis")
        yield* Testing.settle()
        assert.isTrue(yield* Process.isAlive(pid), "still alive before its shutdown time")
        assert.isUndefined(stopping.pollUnsafe(), "the supervisor waits for it")
        yield* expectQuiet(log) // child 0 is stopped only after child 1
        yield* TestClock.adjust("1 millis")
        assert.strictEqual((yield* nextDown).reason._tag, "Killed")
        yield* Fiber.join(stopping)
        yield* expectLog(log, ["stop 0"])
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    /** A child whose onTerminate takes longer than its shutdown time (in milliseconds). */
    const outlastingCases = [
      {
        name: "an actor whose onTerminate outlasts its shutdown time is killed when the time is up",
        spec: (log: Subject.Subject<string>) =>
          child(log, 0, { terminateTakes: "10 seconds" }).pipe(Supervision.shutdown("1 second")),
        shutdownMillis: 1000
      },
      {
        name: "a worker's default shutdown time is 5 seconds",
        spec: (log: Subject.Subject<string>) => child(log, 0, { terminateTakes: "1 minute" }),
        shutdownMillis: 5000
      }
    ]

    for (const { name, shutdownMillis, spec } of outlastingCases) {
      it.effect(name, () =>
        Effect.gen(function*() {
          const log = yield* Subject.make<string>()
          const { scope, sup } = yield* startInScope(
            StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.add(spec(log)))
          )
          yield* expectLog(log, ["start 0"])
          const pid = yield* monitorChild(sup.data, 0)
          const stopping = yield* closing(scope)
          yield* expectLog(log, ["terminating 0"])
          yield* TestClock.adjust(shutdownMillis - 1)
          yield* Testing.settle()
          assert.isTrue(yield* Process.isAlive(pid))
          yield* TestClock.adjust("1 millis")
          assert.strictEqual((yield* nextDown).reason._tag, "Killed")
          yield* Fiber.join(stopping)
          yield* expectQuiet(log)
        }))
    }

    it.effect("an Infinity child is waited for, however long it takes", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const { scope, sup } = yield* startInScope(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(child(log, 0)),
            StaticSupervisor.add(child(log, 1, { terminateTakes: "1 hour" }).pipe(Supervision.shutdown("Infinity")))
          )
        )
        yield* expectLog(log, ["start 0", "start 1"])
        const pid = yield* monitorChild(sup.data, 1)
        const stopping = yield* closing(scope)
        yield* expectLog(log, ["terminating 1"])
        yield* TestClock.adjust("59 minutes")
        yield* Testing.settle()
        assert.isTrue(yield* Process.isAlive(pid))
        assert.isUndefined(stopping.pollUnsafe())
        yield* TestClock.adjust("1 minute")
        yield* expectLog(log, ["stop 1", "stop 0"])
        assert.strictEqual((yield* nextDown).reason._tag, "Shutdown")
        yield* Fiber.join(stopping)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a sibling stopped by a OneForAll restart also gets its shutdown time, then is killed", () =>
      Effect.gen(function*() {
        const { log, scope, stubbornPid, sup } = yield* withStubborn("OneForAll", "3 seconds")
        yield* killChild(sup.data, 0)
        yield* Testing.settle()
        yield* TestClock.adjust("2999 millis")
        yield* Testing.settle()
        assert.isTrue(yield* Process.isAlive(stubbornPid))
        yield* expectQuiet(log)
        yield* TestClock.adjust("1 millis")
        assert.strictEqual((yield* nextDown).reason._tag, "Killed")
        yield* expectLog(log, ["start 0", "ready 1"])
        assert.isTrue(yield* Process.isAlive(sup.pid))
        // the new stubborn child takes its 3 seconds again when the supervisor stops
        const stopping = yield* closing(scope)
        yield* Testing.settle()
        yield* TestClock.adjust("3 seconds")
        yield* Fiber.join(stopping)
        yield* expectLog(log, ["stop 0"])
      }))
  })

  describe("significant children", () => {
    /**
     * Under AnySignificant, child 1 of 0..1 is significant with restart type `restart`, and ends through `end`:
     * the events that follow, and whether the supervisor stays.
     */
    const anySignificantCases: ReadonlyArray<{
      readonly name: string
      readonly restart: Supervision.Restart
      readonly end: (sup: StaticSupervisor.Supervisor, child: Subject.Subject<Command>) => Effect.Effect<void, unknown>
      readonly events: (sup: { readonly pid: Process.Pid }) => ReadonlyArray<string>
      readonly stays: boolean
    }> = [
      {
        name: "AnySignificant: a Transient significant child exiting Normal stops the supervisor with Shutdown",
        restart: "Transient",
        end: (_, child) => Subject.send(child, "Stop"),
        // Erlang: shutdown [{stop,g1,normal},{stop,g0,shutdown}]
        events: (sup) => ["stop 1", "stop 0", shutdownOf(sup)],
        stays: false
      },
      {
        name: "AnySignificant: a Transient significant child that crashes is restarted, the supervisor stays",
        restart: "Transient",
        end: (sup) => killChild(sup, 1),
        events: () => ["start 1"],
        stays: true
      },
      {
        name: "AnySignificant: a Temporary significant child ending in any way stops the supervisor",
        restart: "Temporary",
        end: (sup) => killChild(sup, 1),
        events: (sup) => ["stop 0", shutdownOf(sup)],
        stays: false
      },
      {
        name: "terminateChild of a significant child is not an auto shutdown",
        restart: "Transient",
        end: (sup) => StaticSupervisor.terminateChild(sup, 1),
        events: () => ["stop 1"],
        stays: true
      }
    ]

    for (const { end, events, name, restart, stays } of anySignificantCases) {
      it.effect(name, () =>
        Effect.gen(function*() {
          yield* Process.trapExits(true)
          const log = yield* Subject.make<string>()
          const significant = Name.make<Command>("significant")
          const sup = yield* StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.autoShutdown("AnySignificant"),
            StaticSupervisor.add(child(log, 0)),
            StaticSupervisor.add(
              child(log, 1, { name: significant }).pipe(Supervision.restart(restart), Supervision.significant(true))
            ),
            StaticSupervisor.start
          )
          yield* expectLog(log, ["start 0", "start 1"])
          yield* end(sup.data, Subject.named(significant))
          yield* expectEvents(log, events(sup))
          if (stays) {
            assert.isTrue(yield* Process.isAlive(sup.pid))
            yield* expectNoExitMessage
          }
        }))
    }

    it.effect("AllSignificant: the supervisor stops only once every significant child has ended", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const first = Name.make<Command>("first")
        const second = Name.make<Command>("second")
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.autoShutdown("AllSignificant"),
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(
            child(log, 1, { name: first }).pipe(Supervision.restart("Transient"), Supervision.significant(true))
          ),
          StaticSupervisor.add(
            child(log, 2, { name: second }).pipe(Supervision.restart("Temporary"), Supervision.significant(true))
          ),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1", "start 2"])
        yield* Subject.send(Subject.named(first), "Stop")
        yield* expectLog(log, ["stop 1"])
        yield* expectNoExitMessage
        assert.isTrue(yield* Process.isAlive(sup.pid))
        const counts = yield* StaticSupervisor.countChildren(sup.data)
        assert.deepStrictEqual(counts, { specs: 3, active: 2, workers: 3, supervisors: 0 })
        yield* Subject.send(Subject.named(second), "Shutdown")
        yield* expectEvents(log, ["stop 2", "stop 0", shutdownOf(sup)])
      }))

    it.effect("AllSignificant: a significant child waiting for a delayed restart has not ended", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const second = Name.make<Command>("second")
        const sup = yield* restartingAfter("1 second").pipe(
          StaticSupervisor.autoShutdown("AllSignificant"),
          StaticSupervisor.add(child(log, 0).pipe(Supervision.restart("Transient"), Supervision.significant(true))),
          StaticSupervisor.add(
            child(log, 1, { name: second }).pipe(Supervision.restart("Transient"), Supervision.significant(true))
          ),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1"])
        yield* killChild(sup.data, 0) // to be restarted in 1 s
        yield* Testing.settle()
        yield* Subject.send(Subject.named(second), "Stop") // ended for good
        yield* expectLog(log, ["stop 1"])
        yield* expectNoExitMessage
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* TestClock.adjust("1 second")
        yield* expectLog(log, ["start 0"])
        assert.isTrue(yield* Process.isAlive(sup.pid))
      }))

    /** Child 1 is significant where it may not be: a Permanent child, or any child when nothing shuts down. */
    const invalidSignificantCases: ReadonlyArray<{
      readonly name: string
      readonly builder: StaticSupervisor.Builder
      readonly restart?: Supervision.Restart
    }> = [
      {
        name: "a significant Permanent child is rejected at start: InvalidSpecification children[1].significant",
        builder: StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.autoShutdown("AnySignificant"))
      },
      {
        name: "a significant child under autoShutdown Never is rejected at start",
        // autoShutdown Never is the default
        builder: StaticSupervisor.new("OneForOne"),
        restart: "Transient"
      }
    ]

    for (const { builder, name, restart } of invalidSignificantCases) {
      it.effect(name, () =>
        rejects(
          (log) => {
            const significant = child(log, 1).pipe(Supervision.significant(true))
            return builder.pipe(
              StaticSupervisor.add(child(log, 0)),
              StaticSupervisor.add(restart === undefined ? significant : Supervision.restart(significant, restart))
            )
          },
          "children[1].significant"
        ))
    }
  })

  describe("introspection", () => {
    it.effect("whichChildren and countChildren, with a nested supervisor", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const inner = withChildren(StaticSupervisor.new("OneForOne"), log, [10, 11])
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(child(log, 1).pipe(Supervision.restart("Transient"))),
          StaticSupervisor.add(StaticSupervisor.supervised(inner)),
          StaticSupervisor.add(child(log, 3).pipe(Supervision.restart("Temporary"))),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1", "start 10", "start 11", "start 3"])
        const children = yield* StaticSupervisor.whichChildren(sup.data)
        assert.deepStrictEqual(
          children.map(({ id, restart, type }) => ({ id, restart, type })),
          [
            { id: 0, restart: "Permanent", type: "worker" },
            { id: 1, restart: "Transient", type: "worker" },
            { id: 2, restart: "Permanent", type: "supervisor" },
            { id: 3, restart: "Temporary", type: "worker" }
          ]
        )
        for (const c of children) assert.isTrue(yield* Process.isAlive(Option.getOrThrow(c.pid)))
        const counts = yield* StaticSupervisor.countChildren(sup.data)
        assert.deepStrictEqual(counts, { specs: 4, active: 4, workers: 3, supervisors: 1 })
      }))

    it.effect("terminateChild keeps the child stopped without counting a restart; restartChild starts it again", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startLogged(
          // intensity 0: any restart would escalate
          StaticSupervisor.new("OneForAll").pipe(StaticSupervisor.restartTolerance({ intensity: 0, period: "1 hour" })),
          [0, 1]
        )
        for (let round = 0; round < 3; round++) {
          const [before, other] = yield* pidsOf(sup.data)
          yield* StaticSupervisor.terminateChild(sup.data, 0)
          yield* expectLog(log, ["stop 0"])
          yield* expectQuiet(log) // not restarted, and the strategy did not touch its sibling
          assert.deepStrictEqual(yield* pidsOf(sup.data), ["none", other])
          const counts = yield* StaticSupervisor.countChildren(sup.data)
          assert.deepStrictEqual(counts, { specs: 2, active: 1, workers: 2, supervisors: 0 })
          const pid = yield* StaticSupervisor.restartChild(sup.data, 0)
          yield* expectLog(log, ["start 0"])
          assert.notStrictEqual(String(pid), before)
          assert.deepStrictEqual(yield* pidsOf(sup.data), [String(pid), other])
        }
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    it.effect("terminateChild and restartChild of a nested supervisor stop and start its whole subtree, in order", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(
            StaticSupervisor.supervised(withChildren(StaticSupervisor.new("OneForOne"), log, [1, 2]))
          ),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1", "start 2"])
        yield* StaticSupervisor.terminateChild(sup.data, 1)
        yield* expectLog(log, ["stop 2", "stop 1"])
        const counts = yield* StaticSupervisor.countChildren(sup.data)
        assert.deepStrictEqual(counts, { specs: 2, active: 1, workers: 1, supervisors: 1 })
        const pid = yield* StaticSupervisor.restartChild(sup.data, 1)
        yield* expectLog(log, ["start 1", "start 2"])
        assert.isTrue(yield* Process.isAlive(pid))
        assert.strictEqual((yield* StaticSupervisor.countChildren(sup.data)).active, 2)
      }))

    it.effect("restartChild of a Transient child that ended Normal starts it again", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const name = Name.make<Command>("transient")
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(child(log, 0, { name }).pipe(Supervision.restart("Transient"))),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0"])
        yield* Subject.send(Subject.named(name), "Stop")
        yield* expectLog(log, ["stop 0"])
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* pidsOf(sup.data), ["none"])
        const pid = yield* StaticSupervisor.restartChild(sup.data, 0)
        yield* expectLog(log, ["start 0"])
        assert.deepStrictEqual(yield* pidsOf(sup.data), [String(pid)])
      }))

    it.effect("terminateChild of a Temporary child forgets it", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(child(log, 1).pipe(Supervision.restart("Temporary"))),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1"])
        yield* StaticSupervisor.terminateChild(sup.data, 1)
        yield* expectLog(log, ["stop 1"])
        assert.deepStrictEqual((yield* StaticSupervisor.whichChildren(sup.data)).map((c) => c.id), [0])
        const counts = yield* StaticSupervisor.countChildren(sup.data)
        assert.deepStrictEqual(counts, { specs: 1, active: 1, workers: 1, supervisors: 0 })
        const error = yield* Effect.flip(StaticSupervisor.restartChild(sup.data, 1))
        assert.strictEqual(error._tag, "ChildNotFound")
      }))

    it.effect("restartChild of a child whose start fails returns the StartError and counts no restart", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const { init } = yield* flakyInit(log, 0, (n) => n >= 2)
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance({ intensity: 0, period: "1 hour" }),
          StaticSupervisor.add(workerWithInit(init, () => Subject.send(log, "stop 0"))),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0"])
        yield* StaticSupervisor.terminateChild(sup.data, 0)
        yield* expectLog(log, ["stop 0"])
        for (let i = 0; i < 3; i++) {
          const error = yield* Effect.flip(StaticSupervisor.restartChild(sup.data, 0))
          assert.strictEqual(error._tag, "InitFailed")
          assert.strictEqual((error as Actor.InitFailed).reason, "cannot start")
        }
        assert.deepStrictEqual(yield* pidsOf(sup.data), ["none"])
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    it.effect("restartChild of a running child fails with ChildRunning; unknown ids fail with ChildNotFound", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startLogged(StaticSupervisor.new("OneForOne"), [0])
        const running = yield* Effect.flip(StaticSupervisor.restartChild(sup.data, 0))
        assert.strictEqual(running._tag, "ChildRunning")
        assert.isTrue(running instanceof Supervision.ChildRunning)
        const restartUnknown = yield* Effect.flip(StaticSupervisor.restartChild(sup.data, 5))
        assert.strictEqual(restartUnknown._tag, "ChildNotFound")
        assert.isTrue(restartUnknown instanceof Supervision.ChildNotFound)
        const terminateUnknown = yield* Effect.flip(StaticSupervisor.terminateChild(sup.data, -1))
        assert.strictEqual(terminateUnknown._tag, "ChildNotFound")
        yield* expectQuiet(log)
      }))

    it.effect("introspection of a dead supervisor fails with NoProcess", () =>
      Effect.gen(function*() {
        const { sup } = yield* Effect.scoped(startLogged(StaticSupervisor.new("OneForOne"), [0]))
        assert.isFalse(yield* Process.isAlive(sup.pid))
        const which = yield* Effect.flip(StaticSupervisor.whichChildren(sup.data))
        assert.strictEqual(which._tag, "NoProcess")
        const count = yield* Effect.flip(StaticSupervisor.countChildren(sup.data))
        assert.strictEqual(count._tag, "NoProcess")
        const terminate = yield* Effect.flip(StaticSupervisor.terminateChild(sup.data, 0))
        assert.strictEqual(terminate._tag, "NoProcess")
        const restart = yield* Effect.flip(StaticSupervisor.restartChild(sup.data, 0))
        assert.strictEqual(restart._tag, "NoProcess")
      }))
  })

  describe("restartSchedule", () => {
    it.effect("spaced 1 s: the crashed child waits 1 s (pid none meanwhile) before it restarts", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startLogged(restartingAfter("1 second"), [0, 1])
        const [, other] = yield* pidsOf(sup.data)
        yield* killChild(sup.data, 0)
        yield* Testing.settle()
        assert.deepStrictEqual(yield* pidsOf(sup.data), ["none", other])
        assert.strictEqual((yield* StaticSupervisor.countChildren(sup.data)).active, 1)
        yield* TestClock.adjust("999 millis")
        yield* expectQuiet(log)
        assert.deepStrictEqual((yield* pidsOf(sup.data))[0], "none")
        yield* TestClock.adjust("1 millis")
        yield* expectLog(log, ["start 0"])
        const after = yield* pidsOf(sup.data)
        assert.notStrictEqual(after[0], "none")
        assert.strictEqual(after[1], other)
      }))

    it.effect("a crash loop spaced wider than the tolerance allows stays alive (2 per 5 s, spaced 3 s, 10 cycles)", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startLogged(restartingAfter("3 seconds"), [0])
        yield* crashLoop(sup.data, log, 10, "3 seconds")
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    it.effect("a crash loop spaced too tight (1 s) still escalates on the 3rd restart within 5 s", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startLogged(restartingAfter("1 second"), [0])
        yield* crashLoop(sup.data, log, 2, "1 second")
        yield* killChild(sup.data, 0)
        yield* expectEvents(log, [shutdownOf(sup)])
      }))

    it.effect("Supervision.intensityWindow intersected with a backoff adds its own limit", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startLogged(
          // the builder's tolerance alone would allow this crash loop
          tolerating(100, "1 second").pipe(
            StaticSupervisor.restartSchedule(
              Schedule.max([
                Supervision.intensityWindow({ intensity: 2, period: "1 minute" }),
                Schedule.spaced("1 second")
              ])
            )
          ),
          [0]
        )
        yield* crashLoop(
          sup.data,
          log,
          2,
          "10 seconds",
          Effect.map(pidsOf(sup.data), (pids) => assert.strictEqual(pids[0], "none", "the backoff delays the restart"))
        )
        // t = 20 s: a 3rd restart within the minute
        yield* killChild(sup.data, 0)
        yield* expectEvents(log, [shutdownOf(sup)])
      }))

    it.effect("Supervision.intensityWindow on its own: `intensity` steps within the period, never a delay", () =>
      Effect.gen(function*() {
        const runs = yield* Ref.make(0)
        const window = Supervision.intensityWindow({ intensity: 3, period: "1 minute" })
        // the first run is not a step: 1 + 3 runs, all at once (TestClock never moves)
        yield* Effect.repeat(Ref.update(runs, (n) => n + 1), window)
        assert.strictEqual(yield* Ref.get(runs), 4)
        // steps spaced wider than the period never end it
        yield* Ref.set(runs, 0)
        const spaced = Schedule.max([
          Supervision.intensityWindow({ intensity: 1, period: "1 second" }),
          Schedule.spaced("2 seconds")
        ])
        const fiber = yield* Effect.forkChild(
          Effect.repeat(Ref.update(runs, (n) => n + 1), Schedule.max([spaced, Schedule.recurs(5)]))
        )
        yield* TestClock.adjust("1 minute")
        yield* Fiber.join(fiber)
        assert.strictEqual(yield* Ref.get(runs), 6)
      }))

    it.effect("a restart schedule that ends makes the supervisor give up (Schedule.recurs(1))", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const { log, sup } = yield* startLogged(
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartSchedule(Schedule.recurs(1))),
          [0, 1]
        )
        yield* killChild(sup.data, 0)
        yield* expectEvents(log, ["start 0"])
        yield* TestClock.adjust("1 hour")
        yield* killChild(sup.data, 0)
        yield* expectEvents(log, ["stop 1", shutdownOf(sup)])
      }))

    it.effect("the schedule is fed the exit reason of the child to restart", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const name = Name.make<Command>("fed")
        const sup = yield* tolerating(100, "1 second").pipe(
          StaticSupervisor.restartSchedule(
            Schedule.identity<Process.ExitReason>().pipe(Schedule.while(({ input }) => input._tag === "Abnormal"))
          ),
          StaticSupervisor.add(child(log, 0, { name })),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0"])
        yield* Subject.send(Subject.named(name), "Crash")
        yield* expectEvents(log, ["start 0"])
        yield* killChild(sup.data, 0)
        yield* expectEvents(log, [shutdownOf(sup)])
      }))

    it.effect("a pending restart is dropped when the supervisor shuts down", () =>
      Effect.gen(function*() {
        const log = yield* Effect.scoped(
          Effect.gen(function*() {
            const { log, sup } = yield* startLogged(restartingAfter("1 second"), [0, 1])
            yield* killChild(sup.data, 0)
            yield* Testing.settle()
            return log
          })
        )
        yield* expectLog(log, ["stop 1"])
        yield* TestClock.adjust("5 seconds")
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("terminateChild cancels a pending restart", () =>
      Effect.gen(function*() {
        const { log, sup } = yield* startLogged(restartingAfter("1 second"), [0])
        yield* killChild(sup.data, 0)
        yield* Testing.settle()
        yield* StaticSupervisor.terminateChild(sup.data, 0)
        yield* TestClock.adjust("5 seconds")
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* pidsOf(sup.data), ["none"])
      }))
  })

  describe("child specifications", () => {
    it("worker: Permanent, 5 seconds to shut down; supervisor: Permanent, Infinity; combinators set fields", () => {
      const start = Actor.start(Actor.new(0))
      const worker = Supervision.worker(start)
      assert.deepStrictEqual(
        { type: worker.type, restart: worker.restart, shutdown: worker.shutdown, significant: worker.significant },
        { type: "worker", restart: "Permanent", shutdown: "5 seconds", significant: false }
      )
      const sup = StaticSupervisor.supervised(StaticSupervisor.new("OneForOne"))
      assert.deepStrictEqual(
        { type: sup.type, restart: sup.restart, shutdown: sup.shutdown, significant: sup.significant },
        { type: "supervisor", restart: "Permanent", shutdown: "Infinity", significant: false }
      )
      const changed = worker.pipe(
        Supervision.restart("Transient"),
        Supervision.significant(true),
        Supervision.shutdown("BrutalKill")
      )
      assert.deepStrictEqual(
        { restart: changed.restart, shutdown: changed.shutdown, significant: changed.significant },
        { restart: "Transient", shutdown: "BrutalKill", significant: true }
      )
      // specifications are values: the original is unchanged
      assert.strictEqual(worker.restart, "Permanent")
    })
  })

  describe("bad input", () => {
    const invalidCases: ReadonlyArray<{
      readonly name: string
      readonly build: (log: Subject.Subject<string>) => StaticSupervisor.Builder
      readonly field: string
    }> = [
      {
        name: "a negative intensity is rejected: restartTolerance.intensity",
        build: () => tolerating(-1, "5 seconds"),
        field: "restartTolerance.intensity"
      },
      {
        name: "a fractional intensity is rejected: restartTolerance.intensity",
        build: () => tolerating(1.5, "5 seconds"),
        field: "restartTolerance.intensity"
      },
      {
        name: "a zero period is rejected: restartTolerance.period",
        build: () => tolerating(1, 0),
        field: "restartTolerance.period"
      },
      {
        name: "a negative child shutdown time is rejected: children[0].shutdown",
        build: (log) =>
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.add(child(log, 0).pipe(Supervision.shutdown(-5)))),
        field: "children[0].shutdown"
      }
    ]

    for (const { build, field, name } of invalidCases) {
      it.effect(name, () => rejects(build, field))
    }
  })
})
