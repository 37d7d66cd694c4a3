import { Actor, Subject, Testing } from "@effect-otp/core"
import type { Observer } from "@effect-otp/observer"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Logger, Option } from "effect"
import { HttpServer } from "effect/http"
import { TestClock } from "effect/testing"
import { AppLive as ObserverAppLive } from "../observer.js"
import { startPeriodic, ticksSoFar } from "../periodic.js"
import { pop, startStack } from "../stack.js"

afterEach(Testing.leakCheck())

describe("examples", () => {
  it.effect("the stack pops Robert, Mike, Joe, then nothing", () =>
    Effect.gen(function*() {
      const stack = yield* startStack<string>()
      for (const name of ["Joe", "Mike", "Robert"]) yield* Actor.send(stack, { _tag: "Push", value: name })
      const popped = [yield* pop(stack), yield* pop(stack), yield* pop(stack), yield* pop(stack)]
      assert.deepStrictEqual(popped, [Option.some("Robert"), Option.some("Mike"), Option.some("Joe"), Option.none()])
    }))

  it.effect("the periodic actor ticks once per interval of the TestClock", () =>
    Effect.gen(function*() {
      const log = yield* Subject.make<number>()
      const periodic = yield* startPeriodic("1 minute", (n) => Subject.send(log, n))
      assert.strictEqual(yield* ticksSoFar(periodic.data), 0)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* Subject.receive(log, "1 second"), 1)
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(yield* ticksSoFar(periodic.data), 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Subject.receive(log, "1 second"), 2)
      yield* TestClock.adjust("3 minutes")
      assert.strictEqual(yield* ticksSoFar(periodic.data), 5)
    }).pipe(Effect.scoped))

  it.live("the observer, mounted next to the application's route, shows its tree and the counter's messages", () =>
    Effect.gen(function*() {
      const server = Context.get(yield* Layer.build(ObserverAppLive(0)), HttpServer.HttpServer)
      const base = HttpServer.formatAddress(server.address)
      const added = yield* Effect.promise(() => fetch(`${base}/add`, { method: "POST" }).then((r) => r.text()))
      assert.strictEqual(added, "added")
      const snapshot: Observer.Snapshot = yield* Effect.promise(() =>
        fetch(`${base}/observer/api/snapshot`).then((r) => r.json() as Promise<Observer.Snapshot>)
      )
      const [tree] = snapshot.trees
      assert.strictEqual(tree.label, "example/root")
      const [counter] = tree.children
      assert.strictEqual(counter.label, "example/Counter")
      assert.strictEqual(snapshot.processes.find((row) => row.pid === counter.pid)?.messagesIn, 1)
    }).pipe(Effect.provide(Logger.layer([])))) // HttpRouter.serve logs each request; not here
})
