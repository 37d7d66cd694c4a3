import { afterEach, assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Option } from "effect"
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
import type { CounterMsg } from "./fixtures.js"
import {
  childFailedToStart,
  counterBuilder,
  getCount,
  handleCounter,
  lines,
  loggingCounter,
  noExitMessage,
  nothingMore,
  onlySelfLeft,
  trapped
} from "./fixtures.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

// ---------------------------------------------------------------------------------------------------------------
// The API.md program's counter, and logging counters for the trees
// ---------------------------------------------------------------------------------------------------------------

class Counter extends Context.Service<Counter, Subject.Subject<CounterMsg>>()("app/Counter") {}

const CounterLive = Actor.toLayer(Counter, counterBuilder(0))

class A extends Context.Service<A, Subject.Subject<CounterMsg>>()("test/A") {}
class B extends Context.Service<B, Subject.Subject<CounterMsg>>()("test/B") {}
class C extends Context.Service<C, Subject.Subject<CounterMsg>>()("test/C") {}

/** A OneForOne tree of A and a nested `inner` supervisor of B and C, each a counter logging to `log`. */
const treeABC = (log: Subject.Subject<string>, inner: StaticSupervisor.Strategy) =>
  StaticSupervisor.layer(
    StaticSupervisor.new("OneForOne"),
    Actor.toLayer(A, loggingCounter("A", log)),
    StaticSupervisor.layer(
      StaticSupervisor.new(inner),
      Actor.toLayer(B, loggingCounter("B", log)),
      Actor.toLayer(C, loggingCounter("C", log))
    )
  )

/** Adds `n` to the service's counter and returns its count. */
const addThenGet = (n: number) =>
  Effect.gen(function*() {
    const counter = yield* Counter
    yield* Subject.send(counter, { _tag: "Add", n })
    return yield* getCount(counter)
  })

describe("Supervisor layers", () => {
  it.effect("the API.md program: call, crash, call again; the restart shows only as lost state", () =>
    Effect.gen(function*() {
      const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), CounterLive)
      const program = Effect.gen(function*() {
        const counter = yield* Counter
        yield* Subject.send(counter, { _tag: "Add", n: 2 })
        yield* Subject.send(counter, { _tag: "Add", n: 3 })
        assert.strictEqual(yield* getCount(counter), 5)
        yield* Subject.send(counter, { _tag: "Crash" })
        yield* Testing.settle()
        assert.strictEqual(yield* getCount(counter), 0)
        yield* Subject.send(counter, { _tag: "Add", n: 1 })
        assert.strictEqual(yield* getCount(counter), 1)
        // and once more
        yield* Subject.send(counter, { _tag: "Crash" })
        yield* Testing.settle()
        assert.strictEqual(yield* getCount(counter), 0)
        return "done"
      })
      assert.strictEqual(yield* program.pipe(Effect.provide(AppLive), Effect.scoped), "done")
      yield* onlySelfLeft
    }))

  it.effect("the tree starts in order when built and stops in reverse order when its scope closes", () =>
    Effect.gen(function*() {
      const log = yield* Subject.make<string>()
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(treeABC(log, "OneForAll"))
        assert.deepStrictEqual(yield* lines(log, 3), ["init A", "init B", "init C"])
        assert.strictEqual(yield* getCount(Context.get(context, C)), 0)
      }))
      assert.deepStrictEqual(yield* lines(log, 3), ["stop C Shutdown", "stop B Shutdown", "stop A Shutdown"])
      yield* nothingMore(log)
      yield* onlySelfLeft
    }))

  it.effect("the builder's own children start before the child layers", () =>
    Effect.gen(function*() {
      const log = yield* Subject.make<string>()
      const AppLive = StaticSupervisor.layer(
        StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(Supervision.worker(Actor.start(loggingCounter("own", log))))
        ),
        Actor.toLayer(A, loggingCounter("A", log))
      )
      yield* Effect.scoped(Layer.build(AppLive))
      assert.deepStrictEqual(yield* lines(log, 4), ["init own", "init A", "stop A Shutdown", "stop own Shutdown"])
    }))

  describe("nested supervisor layers", () => {
    const tree = (log: Subject.Subject<string>) => treeABC(log, "OneForOne")

    /** Once A, B and C have started: their subjects. */
    const started = (log: Subject.Subject<string>) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* lines(log, 3), ["init A", "init B", "init C"])
        return [yield* A, yield* B, yield* C] as const
      })

    it.effect("provide every service; crashing B restarts B only", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        yield* Effect.gen(function*() {
          const [a, b, c] = yield* started(log)
          yield* Subject.send(a, { _tag: "Add", n: 1 })
          yield* Subject.send(b, { _tag: "Add", n: 2 })
          yield* Subject.send(c, { _tag: "Add", n: 3 })
          assert.deepStrictEqual([yield* getCount(a), yield* getCount(b), yield* getCount(c)], [1, 2, 3])

          yield* Subject.send(b, { _tag: "Crash" })
          assert.deepStrictEqual(yield* lines(log, 2), ["stop B Abnormal", "init B"])
          yield* Testing.settle()
          assert.strictEqual(yield* getCount(b), 0)
          assert.deepStrictEqual([yield* getCount(a), yield* getCount(c)], [1, 3])
          yield* nothingMore(log)
        }).pipe(Effect.provide(tree(log)), Effect.scoped)
        yield* lines(log, 3)
        yield* onlySelfLeft
      }))

    it.effect("escalation: B crashing too often restarts the inner subtree under the outer supervisor", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        yield* Effect.gen(function*() {
          const [a, b, c] = yield* started(log)
          yield* Subject.send(a, { _tag: "Add", n: 1 })
          yield* Subject.send(c, { _tag: "Add", n: 3 })
          assert.deepStrictEqual([yield* getCount(a), yield* getCount(c)], [1, 3])
          // two restarts are tolerated (2 in 5 seconds)
          for (let i = 0; i < 2; i++) {
            yield* Subject.send(b, { _tag: "Crash" })
            assert.deepStrictEqual(yield* lines(log, 2), ["stop B Abnormal", "init B"])
            yield* Testing.settle()
            assert.strictEqual(yield* getCount(b), 0)
          }
          assert.strictEqual(yield* getCount(c), 3, "C was left alone so far")
          // the third is one too many: the inner supervisor stops C and exits Shutdown; the outer one restarts it
          yield* Subject.send(b, { _tag: "Crash" })
          assert.deepStrictEqual(yield* lines(log, 4), ["stop B Abnormal", "stop C Shutdown", "init B", "init C"])
          yield* Testing.settle()
          assert.strictEqual(yield* getCount(b), 0)
          assert.strictEqual(yield* getCount(c), 0, "C was restarted with the subtree")
          assert.strictEqual(yield* getCount(a), 1, "A was not restarted")
          yield* Subject.send(b, { _tag: "Add", n: 5 })
          assert.strictEqual(yield* getCount(b), 5)
          yield* nothingMore(log)
        }).pipe(Effect.provide(tree(log)), Effect.scoped)
        assert.deepStrictEqual(yield* lines(log, 3), ["stop C Shutdown", "stop B Shutdown", "stop A Shutdown"])
        yield* onlySelfLeft
      }))

    it.effect("escalation all the way: the outer supervisor giving up reaches the process that built the layer", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const AppLive = StaticSupervisor.layer(
          StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.restartTolerance({ intensity: 0, period: "1 second" })
          ),
          Actor.toLayer(A, loggingCounter("A", log))
        )
        yield* Effect.gen(function*() {
          yield* lines(log, 1)
          yield* Subject.send(yield* A, { _tag: "Crash" })
          const exit = yield* Selector.receive(trapped, "1 second")
          assert.deepStrictEqual(exit.reason, ExitReason.Shutdown())
          assert.deepStrictEqual(yield* lines(log, 1), ["stop A Abnormal"])
          assert.strictEqual((yield* Effect.flip(getCount(yield* A)))._tag, "NoProcess")
        }).pipe(Effect.provide(AppLive), Effect.scoped)
        yield* onlySelfLeft
      }))
  })

  it.effect("a later child layer uses the service of an earlier sibling, also across the sibling's restarts", () =>
    Effect.gen(function*() {
      type DoublerMsg = { readonly replyTo: Subject.Subject<number> }
      class Doubler extends Context.Service<Doubler, Subject.Subject<DoublerMsg>>()("app/Doubler") {}
      const DoublerLive = Actor.toLayer(
        Doubler,
        Actor.new(null).pipe(
          Actor.onMessage((state: null, message: DoublerMsg) =>
            Effect.gen(function*() {
              const counter = yield* Counter
              // the test has seen the counter restarted before it asks again
              const n = yield* getCount(counter)
              yield* Subject.send(message.replyTo, n * 2)
              return Actor.continue(state)
            }).pipe(Effect.orDie)
          )
        )
      )
      const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), CounterLive, DoublerLive)
      // the sibling's requirement is met inside the layer: nothing is left to provide
      void (AppLive satisfies Layer.Layer<Counter | Doubler, Actor.StartError, never>)
      yield* Effect.gen(function*() {
        const counter = yield* Counter
        const doubler = yield* Doubler
        const double = Subject.call(doubler, (replyTo: Subject.Subject<number>) => ({ replyTo }), "1 second")
        yield* Subject.send(counter, { _tag: "Add", n: 21 })
        assert.strictEqual(yield* double, 42)
        yield* Subject.send(counter, { _tag: "Crash" })
        yield* Testing.settle()
        assert.strictEqual(yield* getCount(counter), 0)
        yield* Subject.send(counter, { _tag: "Add", n: 4 })
        assert.strictEqual(yield* double, 8)
      }).pipe(Effect.provide(AppLive), Effect.scoped)
      yield* onlySelfLeft
    }))

  it.effect("services provided from outside the tree reach its children, in init and handlers, also after a restart", () =>
    Effect.gen(function*() {
      class Prefix extends Context.Service<Prefix, string>()("test/Prefix") {}
      type GreeterMsg =
        | { readonly _tag: "Greet"; readonly name: string; readonly replyTo: Subject.Subject<string> }
        | { readonly _tag: "Crash" }
      class Greeter extends Context.Service<Greeter, Subject.Subject<GreeterMsg>>()("test/Greeter") {}
      const GreeterLive = Actor.toLayer(
        Greeter,
        Actor.newWithInitialiser(
          "1 second",
          (_: Subject.Subject<GreeterMsg>) =>
            Effect.map(Prefix, (prefix) => Actor.initialised<string, GreeterMsg>(`${prefix}!`))
        ).pipe(
          Actor.onMessage((initPrefix: string, message: GreeterMsg) =>
            message._tag === "Crash" ?
              Effect.succeed(Actor.stopAbnormal("crash")) :
              Effect.gen(function*() {
                const prefix = yield* Prefix
                yield* Subject.send(message.replyTo, `${initPrefix} ${prefix} ${message.name}`)
                return Actor.continue(initPrefix)
              })
          )
        )
      )
      const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), GreeterLive).pipe(
        Layer.provide(Layer.succeed(Prefix, "hello"))
      )
      yield* Effect.gen(function*() {
        const greeter = yield* Greeter
        const greet = Subject.call(
          greeter,
          (replyTo: Subject.Subject<string>): GreeterMsg => ({ _tag: "Greet", name: "joe", replyTo }),
          "1 second"
        )
        assert.strictEqual(yield* greet, "hello! hello joe")
        yield* Subject.send(greeter, { _tag: "Crash" })
        yield* Testing.settle()
        assert.strictEqual(yield* greet, "hello! hello joe")
      }).pipe(Effect.provide(AppLive), Effect.scoped)
      yield* onlySelfLeft
    }))

  describe("FactorySupervisor.toLayer", () => {
    type SessionMsg = { readonly _tag: "User"; readonly replyTo: Subject.Subject<string> }
    const session = (user: string) =>
      Actor.new(user).pipe(
        Actor.onMessage((state: string, message: SessionMsg) =>
          Effect.as(Subject.send(message.replyTo, state), Actor.continue(state))
        ),
        Actor.start
      )
    class Sessions
      extends Context.Service<Sessions, FactorySupervisor.FactorySupervisor<string, Subject.Subject<SessionMsg>>>()(
        "app/Sessions"
      )
    {}
    const userOf = (subject: Subject.Subject<SessionMsg>) =>
      Subject.call(subject, (replyTo: Subject.Subject<string>): SessionMsg => ({ _tag: "User", replyTo }), "1 second")

    it.effect("startChild via the service, also after the factory supervisor was killed and restarted", () =>
      Effect.gen(function*() {
        const name = Name.make<FactorySupervisor.Message<string, Subject.Subject<SessionMsg>>>("sessions")
        const SessionsLive = FactorySupervisor.toLayer(
          Sessions,
          FactorySupervisor.workerChild(session).pipe(FactorySupervisor.named(name))
        )
        const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), CounterLive, SessionsLive)
        yield* Effect.gen(function*() {
          const sessions = yield* Sessions
          const alice = yield* FactorySupervisor.startChild(sessions, "alice")
          assert.strictEqual(yield* userOf(alice.data), "alice")
          const first = Option.getOrThrow(yield* Process.whereis(name))

          yield* Process.kill(first)
          assert.deepStrictEqual(yield* Process.awaitExit(first), ExitReason.Killed())
          // its children went with it (with which reason: see FactorySupervisor.test.ts, "kill")
          yield* Process.awaitExit(alice.pid)
          yield* Testing.settle()
          const bob = yield* FactorySupervisor.startChild(sessions, "bob")
          assert.strictEqual(yield* userOf(bob.data), "bob")
          const second = Option.getOrThrow(yield* Process.whereis(name))
          assert.notStrictEqual(String(second), String(first))
          // the restarted factory supervisor starts empty: its children were not carried over
          assert.deepStrictEqual((yield* FactorySupervisor.countChildren(sessions)).specs, 1)
          // the sibling was not touched
          assert.strictEqual(yield* getCount(yield* Counter), 0)
        }).pipe(Effect.provide(AppLive), Effect.scoped)
        yield* onlySelfLeft
      }))

    it.effect("an unnamed factory supervisor that gives up (intensity) is restarted; the service keeps working", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const SessionsLive = FactorySupervisor.toLayer(Sessions, FactorySupervisor.workerChild(session))
        const AppLive = StaticSupervisor.layer(
          StaticSupervisor.new("OneForOne"),
          Actor.toLayer(A, loggingCounter("A", log)),
          SessionsLive
        )
        yield* Effect.gen(function*() {
          yield* lines(log, 1)
          const sessions = yield* Sessions
          let pid = (yield* FactorySupervisor.startChild(sessions, "carol")).pid
          const kept = yield* FactorySupervisor.startChild(sessions, "dave")
          // 2 restarts are tolerated; the third kill makes the factory supervisor give up
          for (let i = 0; i < 2; i++) {
            yield* Process.kill(pid)
            yield* Process.awaitExit(pid)
            yield* Testing.settle()
            const children = yield* FactorySupervisor.whichChildren(sessions)
            pid = Option.getOrThrow(children[0].pid)
          }
          yield* Process.kill(pid)
          // dave goes down with the factory supervisor
          assert.deepStrictEqual(yield* Process.awaitExit(kept.pid), ExitReason.Shutdown())
          yield* Testing.settle()
          const erin = yield* FactorySupervisor.startChild(sessions, "erin")
          assert.strictEqual(yield* userOf(erin.data), "erin")
          assert.strictEqual(
            yield* FactorySupervisor.countChildren(sessions).pipe(
              Effect.map((count) => count.specs)
            ),
            1
          )
          // A was not restarted
          yield* nothingMore(log)
        }).pipe(Effect.provide(AppLive), Effect.scoped)
        yield* onlySelfLeft
      }))

    it.effect("built on its own: a factory supervisor in the layer's scope, its children stopped with it", () =>
      Effect.gen(function*() {
        const SessionsLive = FactorySupervisor.toLayer(Sessions, FactorySupervisor.workerChild(session))
        const pids = yield* Effect.gen(function*() {
          const sessions = yield* Sessions
          const a = yield* FactorySupervisor.startChild(sessions, "a")
          const b = yield* FactorySupervisor.startChild(sessions, "b")
          return [a.pid, b.pid]
        }).pipe(Effect.provide(SessionsLive), Effect.scoped)
        for (const pid of pids) assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Shutdown())
        yield* onlySelfLeft
      }))
  })

  it.effect("Layer.launch: interrupting the launched application stops everything", () =>
    Effect.gen(function*() {
      const log = yield* Subject.make<string>()
      const AppLive = StaticSupervisor.layer(
        StaticSupervisor.new("OneForOne"),
        Actor.toLayer(A, loggingCounter("A", log)),
        StaticSupervisor.layer(StaticSupervisor.new("RestForOne"), Actor.toLayer(B, loggingCounter("B", log)))
      )
      const me = yield* Process.self
      const app = yield* Effect.forkChild(Layer.launch(AppLive.pipe(Layer.tap(() => Subject.send(log, "built")))))
      assert.deepStrictEqual(yield* lines(log, 3), ["init A", "init B", "built"])
      assert.strictEqual((yield* Process.list).length, 5)
      yield* Fiber.interrupt(app)
      assert.deepStrictEqual(yield* lines(log, 2), ["stop B Shutdown", "stop A Shutdown"])
      yield* onlySelfLeft
      // the shutdown did not signal the process that launched it
      assert.isTrue(yield* Process.isAlive(me))
    }))

  it.effect("Layer.launch of a tree whose workers take time to stop: interrupt waits for them", () =>
    Effect.gen(function*() {
      const log = yield* Subject.make<string>()
      const slow = Actor.newWithInitialiser(
        "1 second",
        (_: Subject.Subject<never>) => Effect.as(Subject.send(log, "init slow"), Actor.initialised(0))
      ).pipe(
        Actor.onTerminate(() => Effect.andThen(Effect.sleep("2 seconds"), Subject.send(log, "stop slow")))
      )
      class Slow extends Context.Service<Slow, Subject.Subject<never>>()("test/Slow") {}
      const app = yield* Effect.forkChild(
        Layer.launch(
          StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), Actor.toLayer(Slow, slow)).pipe(
            Layer.tap(() => Subject.send(log, "built"))
          )
        )
      )
      assert.deepStrictEqual(yield* lines(log, 2), ["init slow", "built"])
      const interrupting = yield* Effect.forkChild(Fiber.interrupt(app))
      yield* TestClock.adjust("1 second")
      assert.isUndefined(interrupting.pollUnsafe())
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(interrupting)
      assert.deepStrictEqual(yield* lines(log, 1), ["stop slow"])
      yield* onlySelfLeft
    }))

  describe("interrupted while the tree is starting", () => {
    type Gate = { readonly _tag: "Go" }
    /** An actor whose init waits for the test's go, so the test can act while its supervisor is starting. */
    const gated = (log: Subject.Subject<Subject.Subject<Gate>>) =>
      Actor.newWithInitialiser("10 seconds", (_: Subject.Subject<never>) =>
        Effect.gen(function*() {
          const gate = yield* Subject.make<Gate>()
          yield* Subject.send(log, gate)
          yield* Effect.orDie(Subject.receive(gate, "10 seconds"))
          return Actor.initialised(0)
        }))
    const go: Gate = { _tag: "Go" }
    class Gated extends Context.Service<Gated, Subject.Subject<never>>()("test/Gated") {}

    /**
     * Launches a tree of one gated child, interrupts the launch while the supervisor is in its init (starting that
     * child), then opens the gate; returns once the interruption is over.
     */
    const interruptWhileStarting = Effect.gen(function*() {
      const gates = yield* Subject.make<Subject.Subject<Gate>>()
      const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), Actor.toLayer(Gated, gated(gates)))
      const app = yield* Effect.forkChild(Layer.launch(AppLive))
      const gate = yield* Subject.receive(gates, "1 second")
      const interrupting = yield* Effect.forkChild(Fiber.interrupt(app))
      yield* Testing.settle()
      yield* Subject.send(gate, go)
      yield* Fiber.join(interrupting)
    })

    it.effect("interrupting Layer.launch before the supervisor finished starting: no exit signal to the launcher", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        yield* interruptWhileStarting
        // the shutdown the launcher caused must not come back to it as an exit signal
        yield* noExitMessage
        yield* onlySelfLeft
      }))

    it.effect("a sibling layer failing while the supervisor layer starts: the build fails with that error", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const gates = yield* Subject.make<Subject.Subject<Gate>>()
        const failNow = yield* Subject.make<"fail">()
        const AppLive = Layer.merge(
          StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), Actor.toLayer(Gated, gated(gates))),
          Layer.effectDiscard(
            Effect.andThen(Effect.orDie(Subject.receive(failNow, "10 seconds")), Effect.fail("boom"))
          )
        )
        const building = yield* Effect.forkChild(Effect.result(Effect.scoped(Layer.build(AppLive))))
        const gate = yield* Subject.receive(gates, "1 second")
        yield* Subject.send(failNow, "fail")
        yield* Testing.settle()
        yield* Subject.send(gate, go)
        const result = yield* Fiber.join(building)
        assert.isTrue(result._tag === "Failure" && result.failure === "boom")
        yield* noExitMessage
        yield* onlySelfLeft
      }))

    it.effect("the same, with a builder that does not trap exits: it must not be killed by the tree it stopped", () =>
      Effect.gen(function*() {
        yield* interruptWhileStarting
        yield* Testing.settle()
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
        yield* onlySelfLeft
      }))
  })

  // Effect 4 memoizes a layer across `Effect.provide` calls: a layer provided again inside its own scope is the same
  // build. A child layer is not a shared service, though: each tree that lists it starts a child of its own, and a
  // child its tree restarts builds again what its start provides.
  describe("trees do not share children (Effect 4 memoizes layers)", () => {
    it.effect("the same child layer in two trees: each tree has its own actor, restarted by its own supervisor", () =>
      Effect.gen(function*() {
        const TreeA = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), CounterLive)
        const TreeB = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), CounterLive)
        const [a, b, aAfter] = yield* Effect.gen(function*() {
          const counterA = yield* Counter
          const a = yield* addThenGet(1)
          const b = yield* Effect.gen(function*() {
            const counterB = yield* Counter
            assert.isFalse(counterA === counterB || String(counterA) === String(counterB))
            const before = yield* addThenGet(10)
            // crashing B's counter restarts it in tree B: its state starts over; A's is untouched
            yield* Subject.send(counterB, { _tag: "Crash" })
            yield* Testing.settle()
            return [before, yield* addThenGet(100)] as const
          }).pipe(Effect.provide(TreeB), Effect.scoped)
          return [a, b, yield* addThenGet(1)] as const
        }).pipe(Effect.provide(TreeA), Effect.scoped)
        assert.deepStrictEqual([a, b, aAfter], [1, [10, 100], 2])
        yield* onlySelfLeft
      }))

    it.effect("two trees listing one child layer, merged into one layer: two supervisors, two actors", () =>
      Effect.gen(function*() {
        const builder = StaticSupervisor.new("OneForOne")
        const AppLive = Layer.merge(
          StaticSupervisor.layer(builder, CounterLive),
          StaticSupervisor.layer(builder, CounterLive)
        )
        const me = yield* Process.self
        const processes = yield* Effect.map(Process.list, (pids) => pids.length).pipe(
          Effect.provide(AppLive),
          Effect.scoped
        )
        // the test's process, two supervisors and their counters
        assert.strictEqual(processes, 5, `processes other than ${me}`)
        yield* onlySelfLeft
      }))

    it.effect("a child its tree restarts builds again the layers its start provides; the dead build is released", () =>
      Effect.gen(function*() {
        class Resource extends Context.Service<Resource, { readonly build: number }>()("test/Resource") {}
        let builds = 0
        let released = 0
        const ResourceLive = Layer.effect(
          Resource,
          Effect.acquireRelease(Effect.sync(() => ({ build: ++builds })), () => Effect.sync(() => released++))
        )
        const seen = yield* Subject.make<number>()
        const worker = Actor.newWithInitialiser("1 second", (_: Subject.Subject<CounterMsg>) =>
          Effect.gen(function*() {
            yield* Subject.send(seen, (yield* Resource).build)
            return Actor.initialised<number, CounterMsg>(0)
          })).pipe(Actor.onMessage(handleCounter), Actor.named(Name.make<CounterMsg>("resourceful")))
        const tree = StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(Supervision.worker(Actor.start(worker).pipe(Effect.provide(ResourceLive))))
        )
        // started where a memo map is in the context (inside another layer's scope), where a stale build could hide
        yield* Effect.gen(function*() {
          const sup = yield* StaticSupervisor.start(tree)
          assert.strictEqual(yield* Subject.receive(seen, "1 second"), 1)
          const [child] = yield* StaticSupervisor.whichChildren(sup.data)
          yield* Process.kill(Option.getOrThrow(child.pid))
          assert.strictEqual(yield* Subject.receive(seen, "1 second"), 2)
          assert.strictEqual(builds, 2)
        }).pipe(Effect.provide(CounterLive), Effect.scoped)
        assert.strictEqual(released, builds)
        yield* onlySelfLeft
      }))
  })

  describe("standalone Actor.toLayer", () => {
    it.effect("provides a working subject and stops the actor when the scope closes", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const ALive = Actor.toLayer(A, loggingCounter("A", log))
        const pid = yield* Effect.gen(function*() {
          const a = yield* A
          yield* Subject.send(a, { _tag: "Add", n: 7 })
          assert.strictEqual(yield* getCount(a), 7)
          const owner = yield* Subject.owner(a)
          assert.isTrue(Option.isSome(owner))
          assert.strictEqual(yield* System.getState(Option.getOrThrow(owner)), 7)
          return Option.getOrThrow(owner)
        }).pipe(Effect.provide(ALive), Effect.scoped)
        assert.deepStrictEqual(yield* lines(log, 2), ["init A", "stop A Shutdown"])
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Shutdown())
        yield* onlySelfLeft
      }))

    it.effect("each build gets a fresh name: the same layer built twice at once gives two actors", () =>
      Effect.gen(function*() {
        // `local`: Effect 4 memoizes a layer provided again inside its own scope (see the next test); a local build
        // is a second build.
        const program = addThenGet(1).pipe(Effect.provide(CounterLive, { local: true }), Effect.scoped)
        const inner = Effect.gen(function*() {
          const counter = yield* Counter
          yield* Subject.send(counter, { _tag: "Add", n: 10 })
          // a second, independent build while the first is alive
          const nested = yield* program
          return [nested, yield* getCount(counter)]
        }).pipe(Effect.provide(CounterLive), Effect.scoped)
        assert.deepStrictEqual(yield* inner, [1, 10])
        yield* onlySelfLeft
      }))

    it.effect("provided again inside its own scope, a layer is memoized (Effect 4): one actor serves both", () =>
      Effect.gen(function*() {
        const result = yield* Effect.gen(function*() {
          const outer = yield* addThenGet(10)
          const nested = yield* addThenGet(1).pipe(Effect.provide(CounterLive), Effect.scoped)
          return [outer, nested]
        }).pipe(Effect.provide(CounterLive), Effect.scoped)
        assert.deepStrictEqual(result, [10, 11])
        yield* onlySelfLeft
      }))

    it.effect("layers merged with Layer.merge, built by code that is not a process yet", () =>
      Effect.gen(function*() {
        const AppLive = Layer.merge(CounterLive, Actor.toLayer(A, counterBuilder(0)))
        const result = yield* Effect.gen(function*() {
          const counter = yield* Counter
          const a = yield* A
          yield* Subject.send(counter, { _tag: "Add", n: 2 })
          yield* Subject.send(a, { _tag: "Add", n: 3 })
          return [yield* getCount(counter), yield* getCount(a)]
        }).pipe(Effect.provide(AppLive), Effect.scoped)
        assert.deepStrictEqual(result, [2, 3])
        yield* onlySelfLeft
      }))
  })

  describe("a child layer that fails to start", () => {
    it.effect("makes the build fail with InitFailed(ChildFailedToStart), stops its started siblings, leaves nothing", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        class Bad extends Context.Service<Bad, Subject.Subject<never>>()("test/Bad") {}
        const BadLive = Actor.toLayer(
          Bad,
          Actor.newWithInitialiser("1 second", (_: Subject.Subject<never>) => Effect.fail("no database"))
        )
        const AppLive = StaticSupervisor.layer(
          StaticSupervisor.new("OneForOne"),
          Actor.toLayer(A, loggingCounter("A", log)),
          BadLive,
          Actor.toLayer(C, loggingCounter("C", log))
        )
        const error = yield* Effect.flip(Effect.scoped(Layer.build(AppLive)))
        const failed = childFailedToStart(error)
        assert.strictEqual(failed.id, 1)
        assert.strictEqual(failed.error._tag, "InitFailed")
        assert.strictEqual((failed.error as Actor.InitFailed).reason, "no database")
        assert.deepStrictEqual(yield* lines(log, 2), ["init A", "stop A Shutdown"])
        yield* nothingMore(log)
        yield* noExitMessage
        yield* onlySelfLeft

        // on its own, the layer fails with the actor's own StartError
        const alone = yield* Effect.flip(Effect.scoped(Layer.build(BadLive)))
        assert.strictEqual(alone._tag, "InitFailed")
        assert.strictEqual((alone as Actor.InitFailed).reason, "no database")
        yield* onlySelfLeft
      }))

    it.effect("a failure deep in a nested supervisor layer is reported through each level", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        class Bad extends Context.Service<Bad, Subject.Subject<never>>()("test/Bad") {}
        const AppLive = StaticSupervisor.layer(
          StaticSupervisor.new("OneForOne"),
          Actor.toLayer(A, loggingCounter("A", log)),
          StaticSupervisor.layer(
            StaticSupervisor.new("OneForOne"),
            Actor.toLayer(B, loggingCounter("B", log)),
            Actor.toLayer(
              Bad,
              Actor.newWithInitialiser("1 second", (_: Subject.Subject<never>) => Effect.fail("no database"))
            )
          )
        )
        const error = yield* Effect.flip(Effect.scoped(Layer.build(AppLive)))
        const outer = childFailedToStart(error)
        assert.strictEqual(outer.id, 1)
        const inner = childFailedToStart(outer.error)
        assert.strictEqual(inner.id, 1)
        assert.strictEqual((inner.error as Actor.InitFailed).reason, "no database")
        assert.deepStrictEqual(yield* lines(log, 4), ["init A", "init B", "stop B Shutdown", "stop A Shutdown"])
        yield* onlySelfLeft
      }))
  })
})
