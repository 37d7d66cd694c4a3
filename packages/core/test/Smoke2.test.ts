import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Option, Stream, TestClock } from "effect"
import { Process, Registry, Subject, Task } from "../src/index.js"
import { checkNoProcessLeft } from "./utils.js"

checkNoProcessLeft()

describe("smoke2", () => {
  it.scoped("task await", () =>
    Effect.gen(function*() {
      const t = yield* Task.async(Effect.succeed(42))
      assert.strictEqual(yield* Task.await(t, "1 second"), 42)
      const f = yield* Task.async(Effect.fail("bad"))
      assert.deepStrictEqual(yield* Effect.flip(Task.await(f, "1 second")), "bad")
      const slow = yield* Task.async(Effect.as(Effect.sleep("10 seconds"), 1))
      const r = yield* Effect.either(Task.await(slow, "1 second")).pipe(Effect.fork)
      yield* TestClock.adjust("1 second")
      const e = yield* r
      assert.isTrue(Either.isLeft(e))
      assert.isTrue(Option.isNone(yield* Task.shutdown(slow, "BrutalKill")))
    }))
  it.scoped("asyncStream", () =>
    Effect.gen(function*() {
      const out = yield* Stream.runCollect(Task.asyncStream([1, 2, 3, 4, 5], (n) => Effect.succeed(n * n), { maxConcurrency: 2 }))
      assert.deepStrictEqual(Chunk.toArray(out), [1, 4, 9, 16, 25])
      const def = yield* Stream.runCollect(Task.asyncStream([1, 2, 3], (n) => Effect.succeed(n)))
      assert.deepStrictEqual(Chunk.toArray(def), [1, 2, 3])
      assert.isTrue((yield* Process.list).length <= 1)
    }))
  it.scoped("registry", () =>
    Effect.gen(function*() {
      const reg = yield* Registry.make<string, number>({ keys: "unique" })
      const ready = yield* Subject.make<string>()
      const pid = yield* Process.spawn(Effect.gen(function*() {
        yield* Registry.register(reg, "a", 1)
        const via = Registry.via<string>(reg, "a")
        yield* Subject.send(ready, "ok")
        const m = yield* Subject.receive(via, "1 second")
        yield* Subject.send(ready, m)
      }))
      assert.strictEqual(yield* Subject.receive(ready, "1 second"), "ok")
      assert.strictEqual((yield* Registry.lookup(reg, "a"))[0].value, 1)
      assert.strictEqual((yield* Effect.flip(Registry.register(reg, "a", 2)))._tag, "AlreadyRegistered")
      yield* Subject.send(Registry.via<string>(reg, "a"), "hello")
      assert.strictEqual(yield* Subject.receive(ready, "1 second"), "hello")
      yield* Process.awaitExit(pid)
      assert.strictEqual((yield* Registry.lookup(reg, "a")).length, 0)
    }))
})
