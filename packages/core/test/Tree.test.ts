import { afterEach, assert, describe, it } from "@effect/vitest"
import { Context, Effect, Equal, Layer, Option, Schedule } from "effect"
import { TestClock } from "effect/testing"
import {
  Actor,
  FactorySupervisor,
  Name,
  Process,
  StaticSupervisor,
  Subject,
  Supervision,
  System,
  Testing
} from "../src/index.js"

afterEach(Testing.leakCheck())

const worker = Supervision.worker(Actor.start(Actor.new(0)))

describe("Supervision.tree", () => {
  it.effect("reports the live tree, nested supervisors included, with restart counts", () =>
    Effect.gen(function*() {
      const inner = StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.add(worker), StaticSupervisor.add(worker))
      const factory = FactorySupervisor.workerChild((n: number) => Actor.start(Actor.new(n)))
      const root = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.restartTolerance({ intensity: 10, period: "5 seconds" }),
        StaticSupervisor.add(worker),
        StaticSupervisor.add(StaticSupervisor.supervised(inner)),
        StaticSupervisor.add(FactorySupervisor.supervised(factory)),
        StaticSupervisor.start
      )
      const before = yield* Supervision.tree(root.pid)
      assert.strictEqual(before.children.length, 3)
      const [first, nested, dynamic] = before.children
      assert.strictEqual(first.type, "worker")
      assert.strictEqual(nested.type, "supervisor")
      assert.strictEqual(nested.children?.length, 2)
      assert.deepStrictEqual(dynamic.children, [])

      // Crash the first worker twice: its restart count follows.
      for (let i = 0; i < 2; i++) {
        const pid = Option.getOrThrow((yield* Supervision.tree(root.pid)).children[0].pid)
        yield* Process.kill(pid)
        yield* Process.awaitExit(pid)
      }
      const after = yield* Supervision.tree(root.pid)
      assert.strictEqual(after.children[0].restarts, 2)
      assert.isTrue(Option.isSome(after.children[0].pid))
      assert.strictEqual(after.children[1].restarts, 0)
    }))

  it.effect("by name, by handle and by pid; each node with its label, name, status and mailbox", () =>
    Effect.gen(function*() {
      class Counter extends Context.Service<Counter, Subject.Subject<number>>()("app/Counter") {}
      const rootName = Name.make<StaticSupervisor.Message>("app/root")
      const counterName = Name.make<number>("counter")
      const AppLive = StaticSupervisor.layer(
        StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.named(rootName),
          // A restart waits 1 second: meanwhile the child is shown "restarting".
          StaticSupervisor.restartSchedule(Schedule.spaced("1 second"))
        ),
        Actor.toLayer(Counter, Actor.new(0).pipe(Actor.named(counterName)))
      )
      yield* Layer.build(AppLive)
      // A tree built from Layers is reached by its root's name: no pid needs to be fished out of it.
      const tree = yield* Supervision.tree(rootName)
      assert.strictEqual(tree.kind, "static")
      assert.deepStrictEqual(tree.name, Option.some(rootName.key))
      const [counter] = tree.children
      assert.deepStrictEqual(counter.label, Option.some("app/Counter"))
      assert.deepStrictEqual(counter.name, Option.some(counterName.key))
      assert.strictEqual(counter.status, "running")
      assert.strictEqual(counter.messageQueueLength, 0)
      // The same tree by pid, and by the handle of a supervisor started directly.
      assert.deepStrictEqual((yield* Supervision.tree(tree.pid)).children.map((c) => c.label), [counter.label])
      const started = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(worker.pipe(Supervision.label("w"))),
        StaticSupervisor.start
      )
      assert.deepStrictEqual((yield* Supervision.tree(started.data)).children[0].label, Option.some("w"))

      // Suspended, the counter keeps its messages queued: the tree shows them.
      const counterPid = Option.getOrThrow(counter.pid)
      yield* System.suspend(counterPid)
      yield* Subject.send(Subject.named(counterName), 1)
      yield* Subject.send(Subject.named(counterName), 2)
      assert.strictEqual((yield* Supervision.tree(rootName)).children[0].messageQueueLength, 2)
      // Killed, it waits for its restart.
      yield* Process.kill(counterPid)
      yield* Testing.settle()
      const restarting = (yield* Supervision.tree(rootName)).children[0]
      assert.strictEqual(restarting.status, "restarting")
      assert.isTrue(Option.isNone(restarting.pid))
      yield* TestClock.adjust("1 second")
      const restarted = (yield* Supervision.tree(rootName)).children[0]
      assert.strictEqual(restarted.status, "running")
      assert.strictEqual(restarted.restarts, 1)
    }).pipe(Effect.scoped))

  it.effect("a process that is not a supervisor fails at once with NotASupervisor; a free name with NoProcess", () =>
    Effect.gen(function*() {
      const actor = yield* Actor.start(Actor.new(0))
      const error = yield* Effect.flip(Supervision.tree(actor.pid))
      assert.strictEqual(error._tag, "NotASupervisor")
      assert.strictEqual(error.message, `${actor.pid} is not a supervisor (it runs an actor)`)
      const plain = yield* Process.spawn(Effect.never)
      assert.strictEqual((yield* Effect.flip(Supervision.tree(plain)))._tag, "NotASupervisor")
      const free = yield* Effect.flip(Supervision.tree(Name.make<StaticSupervisor.Message>("nobody")))
      assert.strictEqual(free._tag, "NoProcess")
    }).pipe(Effect.scoped))

  it.effect("a child declared as a supervisor whose process is not one is shown without children, and not asked", () =>
    Effect.gen(function*() {
      const sup = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(Supervision.supervisor(Actor.start(Actor.new(0))).pipe(Supervision.label("bridge"))),
        StaticSupervisor.start
      )
      const [bridge] = (yield* Supervision.tree(sup.data, "1 second")).children
      assert.strictEqual(bridge.type, "supervisor")
      assert.isUndefined(bridge.children)
      // Nothing was sent to it: no request left in its mailbox (it would wait for the timeout, for ever queued).
      assert.strictEqual(yield* Process.messageQueueLength(Option.getOrThrow(bridge.pid)), 0)
    }).pipe(Effect.scoped))

  it.effect("a handle whose name nobody holds gives NoProcess naming the supervisor", () =>
    Effect.gen(function*() {
      const name = Name.make<StaticSupervisor.Message>("gone")
      const error = yield* Effect.flip(Supervision.tree(StaticSupervisor.getByName(name)))
      assert.strictEqual(error._tag, "NoProcess")
      assert.include(error.message, name.key)
    }))

  it.effect("a dead supervisor gives NoProcess", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const sup = yield* StaticSupervisor.start(StaticSupervisor.new("OneForOne"))
      yield* Process.kill(sup.pid)
      yield* Process.awaitExit(sup.pid)
      assert.strictEqual((yield* Effect.flip(Supervision.tree(sup.pid)))._tag, "NoProcess")
    }))
})

describe("StaticSupervisor.named", () => {
  it.effect("a named supervisor is reached by name, also after its parent restarted it", () =>
    Effect.gen(function*() {
      const name = Name.make<StaticSupervisor.Message>("storage")
      const inner = StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.named(name), StaticSupervisor.add(worker))
      yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(StaticSupervisor.supervised(inner)),
        StaticSupervisor.start
      )
      const byName = StaticSupervisor.getByName(name)
      assert.strictEqual((yield* StaticSupervisor.countChildren(byName)).active, 1)
      const first = Option.getOrThrow(yield* Process.whereis(name))
      yield* Process.kill(first)
      yield* Process.awaitExit(first)
      // The parent restarts it: wait (without time) until the name is held again.
      yield* Testing.settle()
      assert.isTrue(Option.isSome(yield* Process.whereis(name)), "the name is held again")
      const count = yield* StaticSupervisor.countChildren(byName)
      assert.strictEqual(count.active, 1)
      assert.notStrictEqual(Option.getOrThrow(yield* Process.whereis(name)), first)
      assert.strictEqual(String(byName.pid), String(Option.getOrThrow(yield* Process.whereis(name))))
      // A second supervisor under the same name fails to start.
      const taken = yield* Effect.flip(
        StaticSupervisor.start(StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.named(name)))
      )
      assert.strictEqual(taken._tag, "InitFailed")
    }))

  it.effect("handles are Equal when they reach the same supervisor: the same start, or the same name", () =>
    Effect.gen(function*() {
      const name = Name.make<StaticSupervisor.Message>("equal")
      const first = yield* Effect.scoped(StaticSupervisor.start(
        StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.named(name)
        )
      ))
      const second = yield* StaticSupervisor.start(StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.named(name)))
      // Two starts under one name are two supervisors; a handle is equal to itself, and by name to another by name.
      assert.isFalse(Equal.equals(first.data, second.data))
      assert.isTrue(Equal.equals(second.data, second.data))
      assert.isTrue(Equal.equals(StaticSupervisor.getByName(name), StaticSupervisor.getByName(name)))
      assert.isFalse(Equal.equals(StaticSupervisor.getByName(name), second.data))
    }))
})
