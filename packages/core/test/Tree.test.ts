import { assert, describe, it } from "@effect/vitest"
import { Effect, Equal, Option } from "effect"
import { Actor, FactorySupervisor, Name, Process, StaticSupervisor, Supervision } from "../src/index.js"
import { waitUntil } from "./fixtures.js"
import { checkNoProcessLeft } from "./utils.js"

checkNoProcessLeft()

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
      yield* waitUntil(Effect.map(Process.whereis(name), Option.isSome))
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
