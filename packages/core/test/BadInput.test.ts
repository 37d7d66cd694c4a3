import { afterEach, assert, describe, it } from "@effect/vitest"
import type { Duration } from "effect"
import { Effect, Equal, Option, Stream } from "effect"
import {
  Actor,
  FactorySupervisor,
  Name,
  Process,
  Registry,
  Selector,
  StaticSupervisor,
  Subject,
  Supervision,
  System,
  Task,
  Testing
} from "../src/index.js"
import type { CounterMsg } from "./fixtures.js"
import {
  counter,
  counterBuilder,
  defectOf,
  getCount,
  idle,
  invalidSpecification,
  mentions,
  noExitMessage,
  registerTakenName,
  spawnWithSubject
} from "./fixtures.js"

afterEach(Testing.leakCheck())

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** Durations that are not valid timeouts: negative (as a number or as text), NaN. */
const invalidTimeouts: ReadonlyArray<Duration.Input> = [-1, NaN, "-1 seconds"]

const worker = Supervision.worker(counter())

// ---------------------------------------------------------------------------------------------------------------
// Invalid timeouts and delays: programmer mistakes, so defects naming the argument
// ---------------------------------------------------------------------------------------------------------------

describe("invalid timeouts and delays are defects naming the argument", () => {
  for (const timeout of invalidTimeouts) {
    it.effect(`Subject.receive with timeout ${timeout}`, () =>
      Effect.gen(function*() {
        const subject = yield* Subject.make<string>()
        yield* Subject.send(subject, "queued")
        mentions(yield* defectOf(Subject.receive(subject, timeout)), "Subject.receive timeout", String(timeout))
        // Nothing was consumed: the message is still there for a valid receive.
        assert.strictEqual(yield* Subject.receive(subject, 0), "queued")
      }))

    it.effect(`Subject.call with timeout ${timeout}`, () =>
      Effect.gen(function*() {
        const actor = yield* counter(7)
        const call = Subject.call(actor.data, (replyTo: Subject.Subject<number>): CounterMsg => ({
          _tag: "Get",
          replyTo
        }), timeout)
        mentions(yield* defectOf(call), "Subject.call timeout", String(timeout))
        // The callee got no request and is unharmed.
        assert.strictEqual(yield* getCount(actor.data), 7)
      }))

    it.effect(`Selector.receive with timeout ${timeout}`, () =>
      Effect.gen(function*() {
        const subject = yield* Subject.make<number>()
        const selector = Selector.make<number>().pipe(Selector.select(subject))
        mentions(yield* defectOf(Selector.receive(selector, timeout)), "Selector.receive timeout", String(timeout))
      }))

    it.effect(`Task.await with timeout ${timeout}`, () =>
      Effect.gen(function*() {
        const task = yield* Task.async(Effect.succeed(42))
        mentions(yield* defectOf(Task.await(task, timeout)), "Task.await timeout", String(timeout))
        // The task is not harmed and its result is still there for a valid await.
        assert.strictEqual(yield* Task.await(task, "1 second"), 42)
      }))

    it.effect(`Task.yield, Task.awaitAll and Task.shutdown with timeout ${timeout}`, () =>
      Effect.gen(function*() {
        const task = yield* Task.async(Effect.succeed(42))
        mentions(yield* defectOf(Task.yield(task, timeout)), "Task.yield timeout", String(timeout))
        mentions(yield* defectOf(Task.awaitAll([task], timeout)), "Task.awaitAll timeout", String(timeout))
        mentions(yield* defectOf(Task.shutdown(task, timeout)), "Task.shutdown timeout", String(timeout))
        assert.strictEqual(yield* Task.await(task, "1 second"), 42)
      }))

    it.effect(`Task.asyncStream with timeout ${timeout}`, () =>
      Effect.gen(function*() {
        const stream = Task.asyncStream([1, 2], (n: number) => Effect.succeed(n), { timeout })
        mentions(yield* defectOf(Stream.runCollect(stream)), "Task.asyncStream timeout", String(timeout))
      }))

    it.effect(`FactorySupervisor.timeout ${timeout} fails the start with InitFailed naming timeout`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          FactorySupervisor.workerChild((n: number) => counter(n)).pipe(
            FactorySupervisor.timeout(timeout),
            FactorySupervisor.start
          )
        )
        assert.strictEqual(error._tag, "InitFailed")
        const reason = (error as { readonly reason: { readonly _tag: string; readonly field: string } }).reason
        assert.strictEqual(reason._tag, "InvalidSpecification")
        // The field is reported as "timeout.shutdown" (the builder's timeout is the children's shutdown).
        assert.match(reason.field, /^timeout/)
        mentions(error.message, "timeout", String(timeout))
      }))

    it.effect(`Actor.newWithInitialiser with timeout ${timeout}`, () =>
      Effect.gen(function*() {
        // Building the description does not throw; starting it is a defect naming the argument, and nothing starts.
        const builder = Actor.newWithInitialiser(
          timeout,
          (_: Subject.Subject<never>) => Effect.succeed(Actor.initialised(0))
        )
        mentions(yield* defectOf(Actor.start(builder)), "Actor.newWithInitialiser timeout")
      }))

    it.effect(`Subject.sendAfter with delay ${timeout}`, () =>
      Effect.gen(function*() {
        const subject = yield* Subject.make<string>()
        mentions(
          yield* defectOf(Subject.sendAfter(subject, timeout, "late")),
          "Subject.sendAfter delay",
          String(timeout)
        )
        // Nothing was sent and no timer was armed (the leak check fails the test on a pending timer).
        assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(subject, 0))))
      }))
  }
})

describe("other invalid arguments are defects naming the argument", () => {
  for (const maxConcurrency of [0, -1, 1.5, NaN]) {
    it.effect(`Task.asyncStream with maxConcurrency ${maxConcurrency}`, () =>
      Effect.gen(function*() {
        const stream = Task.asyncStream([1, 2], (n: number) => Effect.succeed(n), { maxConcurrency })
        mentions(yield* defectOf(Stream.runCollect(stream)), "maxConcurrency", String(maxConcurrency))
      }))
  }

  it.effect("Registry.make with keys that are neither unique nor duplicate", () =>
    Effect.gen(function*() {
      const keys = "many" as "unique"
      mentions(yield* defectOf(Registry.make<string, number>({ keys })), "keys", "many")
    }))

  it.effect("Name.make with a prefix that is not a string: every effect that uses the name dies naming it", () =>
    Effect.gen(function*() {
      // Making the name does not throw (it is not an effect); the mistake surfaces where the name is used.
      const name = Name.make<CounterMsg>(42 as unknown as string)
      const self = yield* Process.self
      mentions(yield* defectOf(Process.register(self, name)), "Name.make", "prefix")
      mentions(yield* defectOf(Process.whereis(name)), "Name.make", "prefix")
      mentions(yield* defectOf(Subject.send(Subject.named(name), { _tag: "Add", n: 1 })), "Name.make", "prefix")
      mentions(yield* defectOf(Actor.start(counterBuilder(0).pipe(Actor.named(name)))), "Name.make", "prefix")
      const selector = Selector.make<CounterMsg>().pipe(Selector.select(Subject.named(name)))
      mentions(yield* defectOf(Selector.receive(selector, 0)), "Name.make", "prefix")
      // Reading the pid of a supervisor handle is no effect: nobody is there, nothing throws.
      const handle = StaticSupervisor.getByName(Name.make<StaticSupervisor.Message>(42 as unknown as string))
      assert.isUndefined(handle.pid)
      mentions(yield* defectOf(StaticSupervisor.whichChildren(handle)), "Name.make", "prefix")
      // The failed register left the caller unnamed: a valid name registers.
      const valid = Name.make<CounterMsg>("valid")
      yield* Process.register(self, valid)
      yield* Process.unregister(valid)
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Supervisor specifications: InitFailed(InvalidSpecification) naming the field
// ---------------------------------------------------------------------------------------------------------------

describe("settings given nothing (from untyped code)", () => {
  const nothing = undefined as never

  it.effect("keep their defaults: an actor still handles messages, a child is still Permanent", () =>
    Effect.gen(function*() {
      const noHandler = nothing as (count: number, message: CounterMsg) => Effect.Effect<Actor.Next<number, CounterMsg>>
      const actor = yield* Actor.start(counterBuilder(5).pipe(Actor.onMessage(noHandler)))
      assert.strictEqual(yield* getCount(actor.data), 5)
      const child = Supervision.worker(counter()).pipe(Supervision.restart(nothing), Supervision.shutdown(nothing))
      assert.strictEqual(child.restart, "Permanent")
      assert.strictEqual(child.shutdown, "5 seconds")
      const sup = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.restartTolerance(nothing),
        StaticSupervisor.autoShutdown(nothing),
        StaticSupervisor.add(child),
        StaticSupervisor.start
      )
      assert.strictEqual((yield* StaticSupervisor.countChildren(sup.data)).active, 1)
    }))

  it.effect("a tolerance that is not an object fails the start naming restartTolerance", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance(null as never),
          StaticSupervisor.start
        )
      )
      invalidSpecification(error, "restartTolerance")
    }))
})

describe("restart tolerance", () => {
  for (const period of [-1, NaN, 0]) {
    it.effect(`a period of ${period} fails the start of a static supervisor, naming restartTolerance.period`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.restartTolerance({ intensity: 1, period }),
            StaticSupervisor.add(worker),
            StaticSupervisor.start
          )
        )
        mentions(invalidSpecification(error, "restartTolerance.period"), String(period))
      }))

    it.effect(`a period of ${period} fails the start of a factory supervisor, naming restartTolerance.period`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          FactorySupervisor.workerChild((n: number) => counter(n)).pipe(
            FactorySupervisor.restartTolerance({ intensity: 1, period }),
            FactorySupervisor.start
          )
        )
        mentions(invalidSpecification(error, "restartTolerance.period"), String(period))
      }))
  }

  for (const intensity of [-1, 1.5, NaN]) {
    it.effect(`an intensity of ${intensity} fails the start, naming restartTolerance.intensity`, () =>
      Effect.gen(function*() {
        const staticError = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.restartTolerance({ intensity, period: "5 seconds" }),
            StaticSupervisor.add(worker),
            StaticSupervisor.start
          )
        )
        mentions(invalidSpecification(staticError, "restartTolerance.intensity"), String(intensity))
        const factoryError = yield* Effect.flip(
          FactorySupervisor.workerChild((n: number) => counter(n)).pipe(
            FactorySupervisor.restartTolerance({ intensity, period: "5 seconds" }),
            FactorySupervisor.start
          )
        )
        mentions(invalidSpecification(factoryError, "restartTolerance.intensity"), String(intensity))
      }))
  }

  it.effect("Supervision.intensityWindow with an invalid tolerance is a schedule that dies naming the field", () =>
    Effect.gen(function*() {
      // Making the schedule does not throw; running it is the defect.
      const badIntensity = Supervision.intensityWindow({ intensity: -1, period: "5 seconds" })
      const badPeriod = Supervision.intensityWindow({ intensity: 1, period: "-1 seconds" })
      mentions(
        yield* defectOf(Effect.repeat(Effect.void, badIntensity)),
        "intensityWindow",
        "restartTolerance.intensity"
      )
      mentions(yield* defectOf(Effect.repeat(Effect.void, badPeriod)), "intensityWindow", "restartTolerance.period")
    }))
})

describe("child lists", () => {
  /** A child that reports its start on `log`. */
  const logged = (log: Subject.Subject<string>, label: string) =>
    Supervision.worker(
      Actor.newWithInitialiser("1 second", (_: Subject.Subject<never>) =>
        Effect.as(Subject.send(log, `start ${label}`), Actor.initialised<number, never>(0))).pipe(Actor.start)
    )

  const noMessage = <A>(subject: Subject.Subject<A>) =>
    Effect.map(Effect.option(Subject.receive(subject, 0)), (received) => {
      assert.isTrue(Option.isNone(received), `unexpected message ${String(Option.getOrUndefined(received))}`)
    })

  const garbage: ReadonlyArray<readonly [string, unknown]> = [
    ["undefined", undefined],
    ["null", null],
    ["a plain object", {}],
    ["an Effect instead of a child specification", counter()]
  ]
  for (const [what, child] of garbage) {
    it.effect(`${what} as children[1] fails the start naming children[1]; no child is started`, () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const error = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(logged(log, "first")),
            StaticSupervisor.add(child as Supervision.ChildSpecification<unknown>),
            StaticSupervisor.start
          )
        )
        invalidSpecification(error, "children[1]")
        // The specification is checked before anything starts.
        yield* noMessage(log)
      }))
  }

  for (const shutdown of [-1, "-3 seconds"] as const) {
    it.effect(`a child shutdown of ${shutdown} fails the start naming children[i].shutdown`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(worker),
            StaticSupervisor.add(Supervision.shutdown(worker, shutdown)),
            StaticSupervisor.start
          )
        )
        mentions(invalidSpecification(error, "children[1].shutdown"), String(shutdown))
      }))
  }

  it.effect("the same specification added three times is three distinct children", () =>
    Effect.gen(function*() {
      const log = yield* Subject.make<string>()
      const child = logged(log, "same")
      const supervisor = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(child),
        StaticSupervisor.add(child),
        StaticSupervisor.add(child),
        StaticSupervisor.start
      )
      for (let i = 0; i < 3; i++) assert.strictEqual(yield* Subject.receive(log, 0), "start same")
      yield* noMessage(log)
      const children = yield* StaticSupervisor.whichChildren(supervisor.data)
      assert.deepStrictEqual(children.map((child) => child.id), [0, 1, 2])
      const pids = children.map((child) => Option.getOrThrow(child.pid))
      assert.isFalse(Equal.equals(pids[0], pids[1]))
      assert.isFalse(Equal.equals(pids[1], pids[2]))
      assert.isFalse(Equal.equals(pids[0], pids[2]))
      const count = yield* StaticSupervisor.countChildren(supervisor.data)
      assert.deepStrictEqual(count, { specs: 3, active: 3, workers: 3, supervisors: 0 })
      // Each is its own child: terminating one leaves the other two running.
      yield* StaticSupervisor.terminateChild(supervisor.data, 1)
      assert.deepStrictEqual(
        (yield* StaticSupervisor.whichChildren(supervisor.data)).map((child) => Option.isSome(child.pid)),
        [true, false, true]
      )
    }))
})

describe("unknown children", () => {
  for (const id of [1, -1, 0.5]) {
    it.effect(`terminateChild and restartChild of unknown id ${id} fail with ChildNotFound naming the id`, () =>
      Effect.gen(function*() {
        const supervisor = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(worker),
          StaticSupervisor.start
        )
        const before = yield* StaticSupervisor.whichChildren(supervisor.data)
        const terminate = yield* Effect.flip(StaticSupervisor.terminateChild(supervisor.data, id))
        assert.strictEqual(terminate._tag, "ChildNotFound")
        mentions(terminate.message, String(id))
        const restart = yield* Effect.flip(StaticSupervisor.restartChild(supervisor.data, id))
        assert.strictEqual(restart._tag, "ChildNotFound")
        mentions(restart.message, String(id))
        // The supervisor and its child are unharmed.
        assert.deepStrictEqual(yield* StaticSupervisor.whichChildren(supervisor.data), before)
      }))
  }

  it.effect("FactorySupervisor.terminateChild of a pid that is not its child fails with ChildNotFound naming it", () =>
    Effect.gen(function*() {
      const factory = yield* FactorySupervisor.workerChild((n: number) => counter(n)).pipe(FactorySupervisor.start)
      const child = yield* FactorySupervisor.startChild(factory.data, 1)
      const stranger = yield* Process.spawn(idle)
      const error = yield* Effect.flip(FactorySupervisor.terminateChild(factory.data, stranger))
      assert.strictEqual(error._tag, "ChildNotFound")
      mentions(error.message, String(stranger))
      assert.isTrue(yield* Process.isAlive(stranger))
      assert.isTrue(yield* Process.isAlive(child.pid))
    }))
})

describe("maxChildren", () => {
  for (const max of [0, -1, 1.5, NaN]) {
    it.effect(`maxChildren ${max} fails the start with InitFailed(InvalidSpecification) naming maxChildren`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          FactorySupervisor.workerChild((n: number) => counter(n)).pipe(
            FactorySupervisor.maxChildren(max),
            FactorySupervisor.start
          )
        )
        mentions(invalidSpecification(error, "maxChildren"), String(max))
      }))
  }
})

// ---------------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------------

describe("names", () => {
  it.effect("registering a taken name fails with NameTaken naming the name and its owner", () =>
    Effect.gen(function*() {
      const { error, name, owner } = yield* registerTakenName
      assert.strictEqual(error._tag, "NameTaken")
      if (error._tag !== "NameTaken") return
      assert.strictEqual(error.name, String(name))
      assert.strictEqual(error.owner, String(owner))
      mentions(error.message, String(name), String(owner))
      // The owner keeps it.
      assert.isTrue(Equal.equals(yield* Process.whereis(name), Option.some(owner)))
    }))

  it.effect("a named actor whose name is taken fails to start with InitFailed naming the name; no exit signal", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const name = Name.make<CounterMsg>("counter")
      const first = yield* counterBuilder(1).pipe(Actor.named(name), Actor.start)
      const before = (yield* Process.list).length
      const error = yield* Effect.flip(counterBuilder(2).pipe(Actor.named(name), Actor.start))
      assert.strictEqual(error._tag, "InitFailed")
      if (error._tag !== "InitFailed") return
      const reason = error.reason as { readonly _tag: string; readonly message: string }
      assert.strictEqual(reason._tag, "NameTaken")
      mentions(error.message, String(name), String(first.pid))
      // The second actor is gone, the first keeps the name, and the caller got no exit signal.
      assert.strictEqual((yield* Process.list).length, before)
      assert.isTrue(Equal.equals(yield* Process.whereis(name), Option.some(first.pid)))
      assert.strictEqual(yield* getCount(Subject.named(name)), 1)
      yield* noExitMessage
    }))
})

describe("more name mistakes", () => {
  it.effect("registering a second name for a named process fails with AlreadyNamed naming the pid and its name", () =>
    Effect.gen(function*() {
      const first = Name.make<never>("first")
      const second = Name.make<never>("second")
      const pid = yield* Process.spawn(idle)
      yield* Process.register(pid, first)
      const error = yield* Effect.flip(Process.register(pid, second))
      assert.strictEqual(error._tag, "AlreadyNamed")
      mentions(error.message, String(pid), String(first))
      assert.isTrue(Option.isNone(yield* Process.whereis(second)))
    }))

  it.effect("registering a dead process fails with NoProcess naming the pid", () =>
    Effect.gen(function*() {
      const pid = yield* Process.spawn(Effect.void)
      yield* Process.awaitExit(pid)
      const name = Name.make<never>("late")
      const error = yield* Effect.flip(Process.register(pid, name))
      assert.strictEqual(error._tag, "NoProcess")
      mentions(error.message, String(pid))
      assert.isTrue(Option.isNone(yield* Process.whereis(name)))
    }))

  it.effect("unregistering a free name fails with NotRegistered naming the name", () =>
    Effect.gen(function*() {
      const name = Name.make<never>("free")
      const error = yield* Effect.flip(Process.unregister(name))
      assert.strictEqual(error._tag, "NotRegistered")
      mentions(error.message, String(name))
    }))

  it.effect("registering a taken unique registry key fails with AlreadyRegistered naming the key and its owner", () =>
    Effect.gen(function*() {
      const registry = yield* Registry.make<string, number>({ keys: "unique" })
      yield* Registry.register(registry, "job-1", 1)
      const owner = yield* Process.self
      const report = yield* Subject.make<{ readonly _tag: string; readonly message: string }>()
      yield* Process.spawn(Effect.gen(function*() {
        yield* Subject.send(report, yield* Effect.flip(Registry.register(registry, "job-1", 2)))
      }))
      const error = yield* Subject.receive(report, "1 second")
      assert.strictEqual(error._tag, "AlreadyRegistered")
      mentions(error.message, "job-1", String(owner))
      assert.deepStrictEqual((yield* Registry.lookup(registry, "job-1")).map((entry) => entry.value), [1])
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Subjects used by the wrong process, or nobody
// ---------------------------------------------------------------------------------------------------------------

describe("subjects", () => {
  it.effect("receiving from a subject owned by another process is a defect naming the subject and the receiver", () =>
    Effect.gen(function*() {
      const { subject } = yield* spawnWithSubject((_: Subject.Subject<string>) => idle)
      const self = yield* Process.self
      const message = yield* defectOf(Subject.receive(subject, "1 second"))
      mentions(message, String(subject), String(self))
      mentions(yield* defectOf(Subject.receiveForever(subject)), String(subject), String(self))
    }))

  it.effect("receiving with a selector that selects another process's subject is a defect naming both", () =>
    Effect.gen(function*() {
      const { subject } = yield* spawnWithSubject((_: Subject.Subject<string>) => idle)
      const self = yield* Process.self
      const selector = Selector.make<string>().pipe(Selector.select(subject))
      mentions(yield* defectOf(Selector.receive(selector, 0)), String(subject), String(self))
    }))

  it.effect("calling a subject whose owner is dead fails with NoProcess naming the subject", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const actor = yield* counter()
      yield* Process.kill(actor.pid)
      yield* Process.awaitExit(actor.pid)
      const error = yield* Effect.flip(getCount(actor.data))
      assert.strictEqual(error._tag, "NoProcess")
      mentions(error.message, String(actor.data), String(actor.pid))
      const sent = yield* Effect.flip(Subject.trySend(actor.data, { _tag: "Add", n: 1 }))
      assert.strictEqual(sent._tag, "NoProcess")
      mentions(sent.message, String(actor.data))
    }))

  it.effect("calling a named subject nobody is registered under fails with NoProcess naming the name", () =>
    Effect.gen(function*() {
      const name = Name.make<CounterMsg>("nobody")
      const error = yield* Effect.flip(getCount(Subject.named(name)))
      assert.strictEqual(error._tag, "NoProcess")
      mentions(error.message, String(name))
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// System
// ---------------------------------------------------------------------------------------------------------------

describe("System.replaceState", () => {
  it.effect("a throwing function fails with CallbackFailed naming the error; the state is unchanged", () =>
    Effect.gen(function*() {
      const actor = yield* counter(5)
      const error = yield* Effect.flip(System.replaceState(actor.pid, () => {
        throw new Error("cannot compute the new state")
      }))
      assert.strictEqual(error._tag, "CallbackFailed")
      mentions(error.message, "cannot compute the new state")
      assert.strictEqual(yield* System.getState(actor.pid), 5)
      assert.strictEqual(yield* getCount(actor.data), 5)
      assert.isTrue(yield* Process.isAlive(actor.pid))
    }))
})
