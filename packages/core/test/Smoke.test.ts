import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, TestClock } from "effect"
import { Actor, Process, StaticSupervisor, Subject, Supervision } from "../src/index.js"
import { checkNoProcessLeft } from "./utils.js"

checkNoProcessLeft()

type Msg = { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> } | { readonly _tag: "Add" } | {
  readonly _tag: "Crash"
}
const counter = Actor.new(0).pipe(
  Actor.onMessage((n: number, m: Msg) => {
    switch (m._tag) {
      case "Get":
        return Effect.as(Subject.send(m.replyTo, n), Actor.continue(n))
      case "Add":
        return Effect.succeed(Actor.continue(n + 1))
      case "Crash":
        return Effect.die("crash")
    }
  })
)
class Counter extends Context.Tag("Counter")<Counter, Subject.Subject<Msg>>() {}

describe("smoke", () => {
  it.scoped("one for one restarts", () =>
    Effect.gen(function*() {
      const sup = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(Supervision.worker(Actor.start(counter))),
        StaticSupervisor.add(Supervision.worker(Actor.start(counter))),
        StaticSupervisor.start
      )
      const before = yield* StaticSupervisor.whichChildren(sup.data)
      assert.strictEqual(before.length, 2)
      const pid0 = Option.getOrThrow(before[0].pid)
      yield* Process.kill(pid0)
      yield* TestClock.adjust(0)
      const after = yield* StaticSupervisor.whichChildren(sup.data)
      assert.notStrictEqual(Option.getOrThrow(after[0].pid), pid0)
      assert.strictEqual(Option.getOrThrow(after[1].pid), Option.getOrThrow(before[1].pid))
      assert.deepStrictEqual(yield* StaticSupervisor.countChildren(sup.data), {
        specs: 2,
        active: 2,
        workers: 2,
        supervisors: 0
      })
    }))

  it.scoped("layer", () =>
    Effect.gen(function*() {
      const CounterLive = Actor.toLayer(Counter, counter)
      const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), CounterLive)
      yield* Effect.gen(function*() {
        const c = yield* Counter
        yield* Subject.send(c, { _tag: "Add" })
        assert.strictEqual(
          yield* Subject.call(c, (replyTo: Subject.Subject<number>): Msg => ({ _tag: "Get", replyTo }), "1 second"),
          1
        )
        yield* Subject.send(c, { _tag: "Crash" })
        const get = Subject.call(c, (replyTo: Subject.Subject<number>): Msg => ({ _tag: "Get", replyTo }), "1 second")
        assert.strictEqual(
          yield* get.pipe(
            Effect.retry({ while: (e) => e._tag === "NoProcess" || e._tag === "CalleeDown", times: 100 })
          ),
          0
        )
      }).pipe(Effect.provide(AppLive))
      void Layer
    }))
})
