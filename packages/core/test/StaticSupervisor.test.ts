import { assert, describe, it } from "@effect/vitest"
import type { Duration } from "effect"
import { Context, Effect, Exit, Fiber, Option, Ref, Schedule, Scope } from "effect"
import { TestClock } from "effect/testing"
import { Actor, Name, Process, Selector, StaticSupervisor, Subject, Supervision, System } from "../src/index.js"
import { checkNoProcessLeft } from "./utils.js"

checkNoProcessLeft()

const { ExitReason } = Process

// ---------------------------------------------------------------------------------------------------------------
// Children that report to a log owned by the test
// ---------------------------------------------------------------------------------------------------------------

/** What a test child does on a message: exit Normal, exit Shutdown, or crash (its handler fails: Abnormal). */
type Command = "Stop" | "Shutdown" | "Crash"

const handle = (id: number, command: Command): Effect.Effect<Actor.Next<number, Command>, string> => {
  switch (command) {
    case "Stop":
      return Effect.succeed(Actor.stop())
    case "Shutdown":
      return Effect.succeed(Actor.stopWith(ExitReason.Shutdown()))
    case "Crash":
      return Effect.fail(`child ${id} crashed`)
  }
}

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
    Actor.onMessage(handle),
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
  const builder = Actor.newWithInitialiser("1 second", init).pipe(Actor.onMessage(handle))
  return Supervision.worker(
    Actor.start(onTerminate === undefined ? builder : Actor.onTerminate(builder, onTerminate))
  )
}

/** A supervisor builder with children `ids`, each an `actor` logging to `log`. */
const withChildren = (
  builder: StaticSupervisor.Builder,
  log: Subject.Subject<string>,
  ids: ReadonlyArray<number>
): StaticSupervisor.Builder => ids.reduce((b, id) => StaticSupervisor.add(b, child(log, id)), builder)

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
// Waiting without real time: poll, letting other fibers run with TestClock.adjust(0), bounded
// ---------------------------------------------------------------------------------------------------------------

/** Lets every process run until nothing moves (TestClock.adjust(0) yields to the macrotask queue). */
const settle = Effect.repeat(TestClock.adjust(0), { times: 5 })

/** Takes `n` messages with `receiveNow` (a receive with timeout 0), polling; fewer if they do not come. */
const takeN = <A>(receiveNow: Effect.Effect<A, unknown>, n: number): Effect.Effect<Array<A>> =>
  Effect.gen(function*() {
    const got: Array<A> = []
    let idle = 0
    while (got.length < n && idle < 100) {
      const next = yield* Effect.option(receiveNow)
      if (Option.isSome(next)) {
        got.push(next.value)
        idle = 0
      } else {
        idle++
        yield* TestClock.adjust(0)
      }
    }
    return got
  })

/** The next messages of `log` are exactly `expected`, in order. */
const expectLog = (log: Subject.Subject<string>, expected: ReadonlyArray<string>) =>
  Effect.flatMap(
    takeN(Subject.receive(log, 0), expected.length),
    (got) => Effect.sync(() => assert.deepStrictEqual(got, [...expected]))
  )

/** Nothing more arrives on `log`, even after everything settled. */
const expectQuiet = (log: Subject.Subject<string>) =>
  Effect.gen(function*() {
    yield* settle
    const next = yield* Effect.option(Subject.receive(log, 0))
    assert.deepStrictEqual(Option.getOrUndefined(next), undefined, "no further log message")
  })

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

const trapped = Selector.make<Process.ExitMessage>().pipe(Selector.selectTrappedExits((exit) => exit))

/** No exit message is waiting in the test's mailbox. */
const expectNoExitMessage = Effect.gen(function*() {
  yield* settle
  const exit = yield* Effect.option(Selector.receive(trapped, 0))
  assert.isTrue(Option.isNone(exit), `unexpected exit message ${String(Option.getOrUndefined(exit)?.reason._tag)}`)
})

const downs = Selector.make<Process.Down>().pipe(Selector.selectMonitors((down) => down))

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

/** Processes alive besides the test's own. */
const othersAlive = Effect.gen(function*() {
  const me = yield* Process.self
  const all = yield* Process.list
  return all.filter((pid) => String(pid) !== String(me)).map(String)
})

/** The InvalidSpecification field of a failed start. */
const invalidField = (error: unknown): string => {
  assert.strictEqual((error as { _tag: string })._tag, "InitFailed")
  const reason = (error as { reason: unknown }).reason
  assert.instanceOf(reason, Supervision.InvalidSpecification)
  return (reason as Supervision.InvalidSpecification).field
}

// ---------------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------------

describe("StaticSupervisor", () => {
  describe("strategies", () => {
    it.effect("OneForOne: only the killed child restarts", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("OneForOne"), log, [0, 1, 2]).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1", "start 2"])
        const before = yield* pidsOf(sup.data)
        yield* Process.kill(yield* pidOf(sup.data, 1))
        yield* expectLog(log, ["start 1"])
        const after = yield* pidsOf(sup.data)
        assert.strictEqual(after[0], before[0])
        assert.notStrictEqual(after[1], before[1])
        assert.notStrictEqual(after[1], "none")
        assert.strictEqual(after[2], before[2])
        yield* expectQuiet(log)
      }))

    it.effect("RestForOne: killing child 1 of 0..4 stops 4,3,2 then starts 1,2,3,4; child 0 keeps running", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("RestForOne"), log, [0, 1, 2, 3, 4]).pipe(
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1", "start 2", "start 3", "start 4"])
        const before = yield* pidsOf(sup.data)
        yield* Process.kill(yield* pidOf(sup.data, 1))
        // Erlang: [{stop,4},{stop,3},{stop,2},{start,1},{start,2},{start,3},{start,4}]
        yield* expectLog(log, ["stop 4", "stop 3", "stop 2", "start 1", "start 2", "start 3", "start 4"])
        const after = yield* pidsOf(sup.data)
        assert.strictEqual(after[0], before[0])
        for (let i = 1; i <= 4; i++) {
          assert.notStrictEqual(after[i], before[i], `child ${i} has a new pid`)
          assert.notStrictEqual(after[i], "none")
        }
        yield* expectQuiet(log)
      }))

    it.effect("RestForOne: killing the last child restarts only it", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("RestForOne"), log, [0, 1, 2]).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1", "start 2"])
        const before = yield* pidsOf(sup.data)
        yield* Process.kill(yield* pidOf(sup.data, 2))
        yield* expectLog(log, ["start 2"])
        const after = yield* pidsOf(sup.data)
        assert.deepStrictEqual(after.slice(0, 2), before.slice(0, 2))
        assert.notStrictEqual(after[2], before[2])
        yield* expectQuiet(log)
      }))

    it.effect("OneForAll: killing child 1 stops the others in reverse order and starts all in start order", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("OneForAll"), log, [0, 1, 2, 3, 4]).pipe(
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1", "start 2", "start 3", "start 4"])
        const before = yield* pidsOf(sup.data)
        yield* Process.kill(yield* pidOf(sup.data, 1))
        yield* expectLog(log, [
          "stop 4",
          "stop 3",
          "stop 2",
          "stop 0",
          "start 0",
          "start 1",
          "start 2",
          "start 3",
          "start 4"
        ])
        const after = yield* pidsOf(sup.data)
        for (let i = 0; i <= 4; i++) {
          assert.notStrictEqual(after[i], before[i], `child ${i} has a new pid`)
          assert.notStrictEqual(after[i], "none")
        }
        yield* expectQuiet(log)
      }))

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
        yield* Process.kill(yield* pidOf(sup.data, 2))
        // Erlang: [{stop,t1},{stop,t0},{start,t0},{start,t2}], which_children without t1
        yield* expectLog(log, ["stop 1", "stop 0", "start 0", "start 2"])
        const children = yield* StaticSupervisor.whichChildren(sup.data)
        assert.deepStrictEqual(children.map((c) => c.id), [0, 2])
        yield* expectQuiet(log)
      }))

    it.effect("OneForAll: two children dying at once make one restart (the second exit is flushed)", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          StaticSupervisor.new("OneForAll").pipe(
            StaticSupervisor.restartTolerance({ intensity: 1, period: "5 seconds" })
          ),
          log,
          [0, 1, 2]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1", "start 2"])
        const pid0 = yield* pidOf(sup.data, 0)
        const pid1 = yield* pidOf(sup.data, 1)
        // while the supervisor is suspended both exits queue up in its mailbox
        yield* System.suspend(sup.pid)
        yield* Process.kill(pid0)
        yield* Process.kill(pid1)
        yield* settle
        yield* System.resume(sup.pid)
        // Erlang (intensity 1): alive, [{stop,2},{start,0},{start,1},{start,2}]
        yield* expectEvents(log, ["stop 2", "start 0", "start 1", "start 2"])
        yield* expectQuiet(log)
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    it.effect("OneForOne: two children dying at once are two restarts", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.restartTolerance({ intensity: 1, period: "5 seconds" })
          ),
          log,
          [0, 1]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1"])
        const pid0 = yield* pidOf(sup.data, 0)
        const pid1 = yield* pidOf(sup.data, 1)
        yield* System.suspend(sup.pid)
        yield* Process.kill(pid0)
        yield* Process.kill(pid1)
        yield* settle
        yield* System.resume(sup.pid)
        // Erlang (intensity 1): [{start,0},{stop,0},{'EXIT',Sup,shutdown}]
        yield* expectEvents(log, ["start 0", "stop 0", `exit ${String(sup.pid)} Shutdown`])
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
        assert.deepStrictEqual(yield* StaticSupervisor.countChildren(sup.data), {
          specs: 3,
          active: 3,
          workers: 3,
          supervisors: 0
        })
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
            switch (exit) {
              case "Normal":
                yield* Subject.send(Subject.named(name), "Stop")
                break
              case "Shutdown":
                yield* Subject.send(Subject.named(name), "Shutdown")
                break
              case "Abnormal":
                yield* Subject.send(Subject.named(name), "Crash")
                break
              case "Killed":
                yield* Process.kill(yield* pidOf(sup.data, 0))
                break
            }
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
            const log = yield* Subject.make<string>()
            const sup = yield* withChildren(StaticSupervisor.new(strategy), log, [0, 1, 2]).pipe(StaticSupervisor.start)
            yield* expectLog(log, ["start 0", "start 1", "start 2"])
            for (let i = 0; i < 2; i++) {
              yield* Process.kill(yield* pidOf(sup.data, 1))
              yield* expectEvents(log, restartLog[strategy])
            }
            yield* Process.kill(yield* pidOf(sup.data, 1))
            // Erlang: the surviving children are stopped, last started first, then the supervisor exits shutdown
            yield* expectEvents(log, ["stop 2", "stop 0", `exit ${String(sup.pid)} Shutdown`])
            assert.isFalse(yield* Process.isAlive(sup.pid))
            yield* expectQuiet(log)
            assert.deepStrictEqual(yield* othersAlive, [])
          })
      )
    }

    it.effect("a custom tolerance: 4 restarts within 10 s are fine, the 5th escalates", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.restartTolerance({ intensity: 4, period: "10 seconds" })
          ),
          log,
          [0, 1]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1"])
        for (let i = 0; i < 4; i++) {
          yield* Process.kill(yield* pidOf(sup.data, 0))
          yield* expectEvents(log, ["start 0"])
          yield* TestClock.adjust("2 seconds")
        }
        // the restarts happened at 0, 2, 4, 6 s; now it is 8 s: a 5th within 10 s
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectEvents(log, ["stop 1", `exit ${String(sup.pid)} Shutdown`])
      }))

    it.effect("intensity 0: the first crash escalates", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartTolerance({ intensity: 0, period: "1 hour" })),
          log,
          [0, 1]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1"])
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectEvents(log, ["stop 1", `exit ${String(sup.pid)} Shutdown`])
      }))

    it.effect("restarts spread out in time stay within the sliding window and never escalate", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("OneForOne"), log, [0]).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0"])
        // every 2.6 s: never more than 2 restarts within any 5 s
        for (let i = 0; i < 8; i++) {
          yield* Process.kill(yield* pidOf(sup.data, 0))
          yield* expectEvents(log, ["start 0"])
          yield* TestClock.adjust("2600 millis")
        }
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    it.effect("a restart just after the period has passed since the first one does not count it", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("OneForOne"), log, [0]).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0"])
        yield* Process.kill(yield* pidOf(sup.data, 0)) // t = 0
        yield* expectEvents(log, ["start 0"])
        yield* TestClock.adjust("1 second")
        yield* Process.kill(yield* pidOf(sup.data, 0)) // t = 1 s
        yield* expectEvents(log, ["start 0"])
        yield* TestClock.adjust("4001 millis")
        yield* Process.kill(yield* pidOf(sup.data, 0)) // t = 5.001 s: the one at 0 left the window
        yield* expectEvents(log, ["start 0"])
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    it.effect("the window is inclusive like Erlang's: a restart exactly `period` after the first still counts it", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("OneForOne"), log, [0]).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0"])
        yield* Process.kill(yield* pidOf(sup.data, 0)) // t = 0
        yield* expectEvents(log, ["start 0"])
        yield* TestClock.adjust("1 second")
        yield* Process.kill(yield* pidOf(sup.data, 0)) // t = 1 s
        yield* expectEvents(log, ["start 0"])
        yield* TestClock.adjust("4 seconds")
        yield* Process.kill(yield* pidOf(sup.data, 0)) // t = 5 s
        yield* expectEvents(log, [`exit ${String(sup.pid)} Shutdown`])
      }))

    it.effect("a failed restart attempt counts towards intensity (init fails from the 2nd start on)", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const starts = yield* Ref.make(0)
        const flaky = workerWithInit(() =>
          Effect.gen(function*() {
            const n = yield* Ref.updateAndGet(starts, (k) => k + 1)
            if (n >= 2) {
              yield* Subject.send(log, "fail 1")
              return yield* Effect.fail("cannot start again")
            }
            yield* Subject.send(log, "start 1")
            return Actor.initialised<number, Command>(1)
          })
        )
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(flaky),
          StaticSupervisor.add(child(log, 2)),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1", "start 2"])
        yield* Process.kill(yield* pidOf(sup.data, 1))
        // Erlang (intensity 2): [{init_fail,f},{init_fail,f},{stop,c},{stop,a}], then the supervisor exits shutdown
        yield* expectEvents(log, ["fail 1", "fail 1", "stop 2", "stop 0", `exit ${String(sup.pid)} Shutdown`])
        assert.strictEqual(yield* Ref.get(starts), 3)
        yield* expectQuiet(log)
      }))

    it.effect("a restart that fails once then succeeds used two restarts: one more crash escalates", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const starts = yield* Ref.make(0)
        const flaky = workerWithInit(() =>
          Effect.gen(function*() {
            const n = yield* Ref.updateAndGet(starts, (k) => k + 1)
            if (n === 2) {
              yield* Subject.send(log, "fail 0")
              return yield* Effect.fail("not this time")
            }
            yield* Subject.send(log, "start 0")
            return Actor.initialised<number, Command>(0)
          })
        )
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(flaky),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0"])
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectEvents(log, ["fail 0", "start 0"])
        assert.isTrue(yield* Process.isAlive(sup.pid))
        assert.notStrictEqual((yield* pidsOf(sup.data))[0], "none")
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectEvents(log, [`exit ${String(sup.pid)} Shutdown`])
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
        yield* expectEvents(log, [
          "start 0",
          "start 1",
          "start 0",
          "start 0",
          "stop 1",
          `exit ${String(sup.pid)} Shutdown`
        ])
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
        yield* expectEvents(log, ["start 0", "ran", "ran", "ran", "ran", "stop 0", `exit ${String(sup.pid)} Shutdown`])
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
            })).pipe(Actor.onMessage(handle), Actor.start)
        )
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(greeter),
          StaticSupervisor.start,
          Effect.provideService(Greeting, "hello")
        )
        yield* expectLog(log, ["hello"])
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectLog(log, ["hello"])
      }))
  })

  describe("exit signals reaching the supervisor", () => {
    it.effect("an exit signal from its parent stops the children in reverse order, then the supervisor, same reason", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("OneForOne"), log, [0, 1, 2]).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1", "start 2"])
        yield* Process.exit(sup.pid, ExitReason.Abnormal({ reason: "bye" }))
        // Erlang: sup exit bye, [{stop,2},{stop,1},{stop,0}]
        yield* expectEvents(log, ["stop 2", "stop 1", "stop 0", `exit ${String(sup.pid)} Abnormal`])
        const reason = yield* Process.awaitExit(sup.pid)
        assert.deepStrictEqual(reason, ExitReason.Abnormal({ reason: "bye" }))
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a Normal exit signal from its parent is ignored", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("OneForOne"), log, [0]).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0"])
        yield* Process.exit(sup.pid, ExitReason.Normal())
        yield* expectQuiet(log)
        assert.isTrue(yield* Process.isAlive(sup.pid))
        assert.strictEqual((yield* StaticSupervisor.countChildren(sup.data)).active, 1)
      }))

    it.effect("killing the supervisor ends its children too", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("OneForOne"), log, [0, 1]).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1"])
        yield* Process.kill(sup.pid)
        const exits = yield* takeN(Selector.receive(trapped, 0), 1)
        assert.deepStrictEqual(exits.map((e) => e.reason), [ExitReason.Killed()])
        yield* settle
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
        yield* Process.monitor(yield* pidOf(sup.data, 1))
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
        const log = yield* Subject.make<string>()
        const supPid = yield* Effect.scoped(
          Effect.gen(function*() {
            const sup = yield* withChildren(StaticSupervisor.new("OneForOne"), log, [1, 2, 3, 4, 5]).pipe(
              StaticSupervisor.start
            )
            yield* expectLog(log, ["start 1", "start 2", "start 3", "start 4", "start 5"])
            return sup.pid
          })
        )
        yield* expectLog(log, ["stop 5", "stop 4", "stop 3", "stop 2", "stop 1"])
        assert.isFalse(yield* Process.isAlive(supPid))
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
        assert.strictEqual(error._tag, "InitFailed")
        const reason = (error as { reason: unknown }).reason
        assert.instanceOf(reason, Supervision.ChildFailedToStart)
        const failed = reason as Supervision.ChildFailedToStart
        assert.strictEqual(failed.id, 2)
        assert.strictEqual(failed.error._tag, "InitFailed")
        assert.strictEqual((failed.error as { reason: unknown }).reason, "nope")
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
        assert.strictEqual(error._tag, "InitFailed")
        const failed = (error as { reason: unknown }).reason as Supervision.ChildFailedToStart
        assert.instanceOf(failed, Supervision.ChildFailedToStart)
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
        const error = yield* Fiber.join(starting)
        assert.strictEqual(error._tag, "InitFailed")
        const failed = (error as { reason: unknown }).reason as Supervision.ChildFailedToStart
        assert.instanceOf(failed, Supervision.ChildFailedToStart)
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
        const failed = (error as { reason: unknown }).reason as Supervision.ChildFailedToStart
        assert.instanceOf(failed, Supervision.ChildFailedToStart)
        assert.strictEqual(failed.id, 0)
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

    it.effect("BrutalKill: the child is killed at once, its onTerminate does not run", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const { scope, sup } = yield* startInScope(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(child(log, 0, { terminateTakes: "1 second" }).pipe(Supervision.shutdown("BrutalKill")))
          )
        )
        yield* expectLog(log, ["start 0"])
        yield* Process.monitor(yield* pidOf(sup.data, 0))
        yield* Scope.close(scope, Exit.void)
        assert.strictEqual((yield* nextDown).reason._tag, "Killed")
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a child that traps exits and ignores Shutdown is killed after its shutdown time", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const { scope, sup } = yield* startInScope(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(child(log, 0)),
            StaticSupervisor.add(Supervision.worker(stubborn(log, 1)).pipe(Supervision.shutdown("2 seconds")))
          )
        )
        yield* expectLog(log, ["start 0", "ready 1"])
        const pid = yield* pidOf(sup.data, 1)
        yield* Process.monitor(pid)
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
        yield* settle
        yield* TestClock.adjust("1999 millis")
        yield* settle
        assert.isTrue(yield* Process.isAlive(pid), "still alive before its shutdown time")
        assert.isUndefined(closing.pollUnsafe(), "the supervisor waits for it")
        yield* expectQuiet(log) // child 0 is stopped only after child 1
        yield* TestClock.adjust("1 millis")
        assert.strictEqual((yield* nextDown).reason._tag, "Killed")
        yield* Fiber.join(closing)
        yield* expectLog(log, ["stop 0"])
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("an actor whose onTerminate outlasts its shutdown time is killed when the time is up", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const { scope, sup } = yield* startInScope(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(child(log, 0, { terminateTakes: "10 seconds" }).pipe(Supervision.shutdown("1 second")))
          )
        )
        yield* expectLog(log, ["start 0"])
        const pid = yield* pidOf(sup.data, 0)
        yield* Process.monitor(pid)
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
        yield* expectLog(log, ["terminating 0"])
        yield* TestClock.adjust("999 millis")
        yield* settle
        assert.isTrue(yield* Process.isAlive(pid))
        yield* TestClock.adjust("1 millis")
        assert.strictEqual((yield* nextDown).reason._tag, "Killed")
        yield* Fiber.join(closing)
        yield* expectQuiet(log)
      }))

    it.effect("a worker's default shutdown time is 5 seconds", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const { scope, sup } = yield* startInScope(
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.add(child(log, 0, { terminateTakes: "1 minute" })))
        )
        yield* expectLog(log, ["start 0"])
        const pid = yield* pidOf(sup.data, 0)
        yield* Process.monitor(pid)
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
        yield* expectLog(log, ["terminating 0"])
        yield* TestClock.adjust("4999 millis")
        yield* settle
        assert.isTrue(yield* Process.isAlive(pid))
        yield* TestClock.adjust("1 millis")
        assert.strictEqual((yield* nextDown).reason._tag, "Killed")
        yield* Fiber.join(closing)
      }))

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
        const pid = yield* pidOf(sup.data, 1)
        yield* Process.monitor(pid)
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
        yield* expectLog(log, ["terminating 1"])
        yield* TestClock.adjust("59 minutes")
        yield* settle
        assert.isTrue(yield* Process.isAlive(pid))
        assert.isUndefined(closing.pollUnsafe())
        yield* TestClock.adjust("1 minute")
        yield* expectLog(log, ["stop 1", "stop 0"])
        assert.strictEqual((yield* nextDown).reason._tag, "Shutdown")
        yield* Fiber.join(closing)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a sibling stopped by a OneForAll restart also gets its shutdown time, then is killed", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const { scope, sup } = yield* startInScope(
          StaticSupervisor.new("OneForAll").pipe(
            StaticSupervisor.add(child(log, 0)),
            StaticSupervisor.add(Supervision.worker(stubborn(log, 1)).pipe(Supervision.shutdown("3 seconds")))
          )
        )
        yield* expectLog(log, ["start 0", "ready 1"])
        const stubbornPid = yield* pidOf(sup.data, 1)
        yield* Process.monitor(stubbornPid)
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* settle
        yield* TestClock.adjust("2999 millis")
        yield* settle
        assert.isTrue(yield* Process.isAlive(stubbornPid))
        yield* expectQuiet(log)
        yield* TestClock.adjust("1 millis")
        assert.strictEqual((yield* nextDown).reason._tag, "Killed")
        yield* expectLog(log, ["start 0", "ready 1"])
        assert.isTrue(yield* Process.isAlive(sup.pid))
        // the new stubborn child takes its 3 seconds again when the supervisor stops
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
        yield* settle
        yield* TestClock.adjust("3 seconds")
        yield* Fiber.join(closing)
        yield* expectLog(log, ["stop 0"])
      }))
  })

  describe("significant children", () => {
    it.effect("AnySignificant: a Transient significant child exiting Normal stops the supervisor with Shutdown", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const name = Name.make<Command>("significant")
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.autoShutdown("AnySignificant"),
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(
            child(log, 1, { name }).pipe(Supervision.restart("Transient"), Supervision.significant(true))
          ),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1"])
        yield* Subject.send(Subject.named(name), "Stop")
        // Erlang: shutdown [{stop,g1,normal},{stop,g0,shutdown}]
        yield* expectEvents(log, ["stop 1", "stop 0", `exit ${String(sup.pid)} Shutdown`])
      }))

    it.effect("AnySignificant: a Transient significant child that crashes is restarted, the supervisor stays", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.autoShutdown("AnySignificant"),
          StaticSupervisor.add(child(log, 0).pipe(Supervision.restart("Transient"), Supervision.significant(true))),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0"])
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectEvents(log, ["start 0"])
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    it.effect("AnySignificant: a Temporary significant child ending in any way stops the supervisor", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.autoShutdown("AnySignificant"),
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(child(log, 1).pipe(Supervision.restart("Temporary"), Supervision.significant(true))),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1"])
        yield* Process.kill(yield* pidOf(sup.data, 1))
        yield* expectEvents(log, ["stop 0", `exit ${String(sup.pid)} Shutdown`])
      }))

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
        assert.deepStrictEqual(yield* StaticSupervisor.countChildren(sup.data), {
          specs: 3,
          active: 2,
          workers: 3,
          supervisors: 0
        })
        yield* Subject.send(Subject.named(second), "Shutdown")
        yield* expectEvents(log, ["stop 2", "stop 0", `exit ${String(sup.pid)} Shutdown`])
      }))

    it.effect("AllSignificant: a significant child waiting for a delayed restart has not ended", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const second = Name.make<Command>("second")
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.autoShutdown("AllSignificant"),
          StaticSupervisor.restartSchedule(Schedule.spaced("1 second")),
          StaticSupervisor.add(child(log, 0).pipe(Supervision.restart("Transient"), Supervision.significant(true))),
          StaticSupervisor.add(
            child(log, 1, { name: second }).pipe(Supervision.restart("Transient"), Supervision.significant(true))
          ),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1"])
        yield* Process.kill(yield* pidOf(sup.data, 0)) // to be restarted in 1 s
        yield* settle
        yield* Subject.send(Subject.named(second), "Stop") // ended for good
        yield* expectLog(log, ["stop 1"])
        yield* expectNoExitMessage
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* TestClock.adjust("1 second")
        yield* expectLog(log, ["start 0"])
        assert.isTrue(yield* Process.isAlive(sup.pid))
      }))

    it.effect("terminateChild of a significant child is not an auto shutdown", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.autoShutdown("AnySignificant"),
          StaticSupervisor.add(child(log, 0)),
          StaticSupervisor.add(child(log, 1).pipe(Supervision.restart("Transient"), Supervision.significant(true))),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0", "start 1"])
        yield* StaticSupervisor.terminateChild(sup.data, 1)
        yield* expectLog(log, ["stop 1"])
        yield* expectNoExitMessage
        assert.isTrue(yield* Process.isAlive(sup.pid))
      }))

    it.effect("a significant Permanent child is rejected at start: InvalidSpecification children[1].significant", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const error = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.autoShutdown("AnySignificant"),
            StaticSupervisor.add(child(log, 0)),
            StaticSupervisor.add(child(log, 1).pipe(Supervision.significant(true))),
            StaticSupervisor.start
          )
        )
        assert.strictEqual(invalidField(error), "children[1].significant")
        yield* expectQuiet(log) // nothing was started
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("a significant child under autoShutdown Never is rejected at start", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const error = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(child(log, 0)),
            StaticSupervisor.add(child(log, 1).pipe(Supervision.restart("Transient"), Supervision.significant(true))),
            StaticSupervisor.start
          )
        )
        assert.strictEqual(invalidField(error), "children[1].significant")
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))
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
        assert.deepStrictEqual(yield* StaticSupervisor.countChildren(sup.data), {
          specs: 4,
          active: 4,
          workers: 3,
          supervisors: 1
        })
      }))

    it.effect("terminateChild keeps the child stopped without counting a restart; restartChild starts it again", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          // intensity 0: any restart would escalate
          StaticSupervisor.new("OneForAll").pipe(StaticSupervisor.restartTolerance({ intensity: 0, period: "1 hour" })),
          log,
          [0, 1]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1"])
        for (let round = 0; round < 3; round++) {
          const [before, other] = yield* pidsOf(sup.data)
          yield* StaticSupervisor.terminateChild(sup.data, 0)
          yield* expectLog(log, ["stop 0"])
          yield* expectQuiet(log) // not restarted, and the strategy did not touch its sibling
          assert.deepStrictEqual(yield* pidsOf(sup.data), ["none", other])
          assert.deepStrictEqual(yield* StaticSupervisor.countChildren(sup.data), {
            specs: 2,
            active: 1,
            workers: 2,
            supervisors: 0
          })
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
        assert.deepStrictEqual(yield* StaticSupervisor.countChildren(sup.data), {
          specs: 2,
          active: 1,
          workers: 1,
          supervisors: 1
        })
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
        assert.deepStrictEqual(yield* StaticSupervisor.countChildren(sup.data), {
          specs: 1,
          active: 1,
          workers: 1,
          supervisors: 0
        })
        const error = yield* Effect.flip(StaticSupervisor.restartChild(sup.data, 1))
        assert.strictEqual(error._tag, "ChildNotFound")
      }))

    it.effect("restartChild of a child whose start fails returns the StartError and counts no restart", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const starts = yield* Ref.make(0)
        const once = workerWithInit(
          () =>
            Effect.gen(function*() {
              const n = yield* Ref.updateAndGet(starts, (k) => k + 1)
              if (n >= 2) return yield* Effect.fail("only once")
              yield* Subject.send(log, "start 0")
              return Actor.initialised<number, Command>(0)
            }),
          () => Subject.send(log, "stop 0")
        )
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance({ intensity: 0, period: "1 hour" }),
          StaticSupervisor.add(once),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0"])
        yield* StaticSupervisor.terminateChild(sup.data, 0)
        yield* expectLog(log, ["stop 0"])
        for (let i = 0; i < 3; i++) {
          const error = yield* Effect.flip(StaticSupervisor.restartChild(sup.data, 0))
          assert.strictEqual(error._tag, "InitFailed")
          assert.strictEqual((error as { reason: unknown }).reason, "only once")
        }
        assert.deepStrictEqual(yield* pidsOf(sup.data), ["none"])
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    it.effect("restartChild of a running child fails with ChildRunning; unknown ids fail with ChildNotFound", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(StaticSupervisor.new("OneForOne"), log, [0]).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0"])
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
        const log = yield* Subject.make<string>()
        const sup = yield* Effect.scoped(
          withChildren(StaticSupervisor.new("OneForOne"), log, [0]).pipe(StaticSupervisor.start)
        )
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
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartSchedule(Schedule.spaced("1 second"))),
          log,
          [0, 1]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1"])
        const [, other] = yield* pidsOf(sup.data)
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* settle
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
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartSchedule(Schedule.spaced("3 seconds"))),
          log,
          [0]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0"])
        for (let cycle = 0; cycle < 10; cycle++) {
          yield* Process.kill(yield* pidOf(sup.data, 0))
          yield* settle
          yield* TestClock.adjust("3 seconds")
          yield* expectEvents(log, ["start 0"])
        }
        assert.isTrue(yield* Process.isAlive(sup.pid))
        yield* expectNoExitMessage
      }))

    it.effect("a crash loop spaced too tight (1 s) still escalates on the 3rd restart within 5 s", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartSchedule(Schedule.spaced("1 second"))),
          log,
          [0]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0"])
        for (let cycle = 0; cycle < 2; cycle++) {
          yield* Process.kill(yield* pidOf(sup.data, 0))
          yield* settle
          yield* TestClock.adjust("1 second")
          yield* expectEvents(log, ["start 0"])
        }
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectEvents(log, [`exit ${String(sup.pid)} Shutdown`])
      }))

    it.effect("Supervision.intensityWindow intersected with a backoff adds its own limit", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          StaticSupervisor.new("OneForOne").pipe(
            // the builder's tolerance alone would allow this crash loop
            StaticSupervisor.restartTolerance({ intensity: 100, period: "1 second" }),
            StaticSupervisor.restartSchedule(
              Schedule.max([
                Supervision.intensityWindow({ intensity: 2, period: "1 minute" }),
                Schedule.spaced("1 second")
              ])
            )
          ),
          log,
          [0]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0"])
        for (let cycle = 0; cycle < 2; cycle++) {
          yield* Process.kill(yield* pidOf(sup.data, 0))
          yield* settle
          assert.strictEqual((yield* pidsOf(sup.data))[0], "none", "the backoff delays the restart")
          yield* TestClock.adjust("10 seconds")
          yield* expectEvents(log, ["start 0"])
        }
        // t = 20 s: a 3rd restart within the minute
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectEvents(log, [`exit ${String(sup.pid)} Shutdown`])
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
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartSchedule(Schedule.recurs(1))),
          log,
          [0, 1]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0", "start 1"])
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectEvents(log, ["start 0"])
        yield* TestClock.adjust("1 hour")
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectEvents(log, ["stop 1", `exit ${String(sup.pid)} Shutdown`])
      }))

    it.effect("the schedule is fed the exit reason of the child to restart", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const name = Name.make<Command>("fed")
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance({ intensity: 100, period: "1 second" }),
          StaticSupervisor.restartSchedule(
            Schedule.identity<Process.ExitReason>().pipe(Schedule.while(({ input }) => input._tag === "Abnormal"))
          ),
          StaticSupervisor.add(child(log, 0, { name })),
          StaticSupervisor.start
        )
        yield* expectLog(log, ["start 0"])
        yield* Subject.send(Subject.named(name), "Crash")
        yield* expectEvents(log, ["start 0"])
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* expectEvents(log, [`exit ${String(sup.pid)} Shutdown`])
      }))

    it.effect("a pending restart is dropped when the supervisor shuts down", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        yield* Effect.scoped(
          Effect.gen(function*() {
            const sup = yield* withChildren(
              StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartSchedule(Schedule.spaced("1 second"))),
              log,
              [0, 1]
            ).pipe(StaticSupervisor.start)
            yield* expectLog(log, ["start 0", "start 1"])
            yield* Process.kill(yield* pidOf(sup.data, 0))
            yield* settle
          })
        )
        yield* expectLog(log, ["stop 1"])
        yield* TestClock.adjust("5 seconds")
        yield* expectQuiet(log)
        assert.deepStrictEqual(yield* othersAlive, [])
      }))

    it.effect("terminateChild cancels a pending restart", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const sup = yield* withChildren(
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartSchedule(Schedule.spaced("1 second"))),
          log,
          [0]
        ).pipe(StaticSupervisor.start)
        yield* expectLog(log, ["start 0"])
        yield* Process.kill(yield* pidOf(sup.data, 0))
        yield* settle
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
    const rejects = (builder: StaticSupervisor.Builder, field: string) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(StaticSupervisor.start(builder))
        assert.strictEqual(invalidField(error), field)
        assert.deepStrictEqual(yield* othersAlive, [])
      })

    it.effect("a negative intensity is rejected: restartTolerance.intensity", () =>
      rejects(
        StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance({ intensity: -1, period: "5 seconds" })
        ),
        "restartTolerance.intensity"
      ))

    it.effect("a fractional intensity is rejected: restartTolerance.intensity", () =>
      rejects(
        StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance({ intensity: 1.5, period: "5 seconds" })
        ),
        "restartTolerance.intensity"
      ))

    it.effect("a zero period is rejected: restartTolerance.period", () =>
      rejects(
        StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.restartTolerance({ intensity: 1, period: 0 })),
        "restartTolerance.period"
      ))

    it.effect("a negative child shutdown time is rejected: children[0].shutdown", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        yield* rejects(
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.add(child(log, 0).pipe(Supervision.shutdown(-5)))),
          "children[0].shutdown"
        )
        yield* expectQuiet(log)
      }))

    it("Supervision.intensityWindow with an invalid tolerance is a defect", () => {
      assert.throws(() => Supervision.intensityWindow({ intensity: -1, period: "1 second" }), /intensity/)
      assert.throws(() => Supervision.intensityWindow({ intensity: 1, period: 0 }), /period/)
    })
  })
})
