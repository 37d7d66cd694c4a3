import { FactorySupervisor, Process, StaticSupervisor, Subject, Testing } from "@effect-otp/core"
import { Node } from "@effect-otp/node"
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Counter, CounterMessage, GlobalCounter } from "./fixtures/counter.js"

const entry = new URL("./fixtures/worker.ts", import.meta.url)
const execArgv = ["--import", "tsx", "--conditions=@effect-otp/source"]

// Nothing is left behind by a test that starts nodes (the main thread's spawner and name server are the runtime's).
afterEach(Testing.leakCheck())

const get = (counter: Subject.Subject<CounterMessage>) =>
  Subject.call(counter, (replyTo: Subject.Subject<number>) => ({ _tag: "Get" as const, replyTo }), "5 seconds")

describe("placement", () => {
  it.live("a factory's children spread over nodes round-robin, or to the least loaded", () =>
    Effect.gen(function*() {
      const a = yield* Node.start(entry, { execArgv })
      const b = yield* Node.start(entry, { execArgv })
      const turns = Node.placement([a.data.node, b.data.node])
      const factory = yield* FactorySupervisor.start(
        FactorySupervisor.workerChild(Node.placed(turns, Counter))
      )
      const children = yield* Effect.forEach([1, 2, 3, 4], (n) => FactorySupervisor.startChild(factory.data, n))
      expect(children.map((child) => child.pid.node)).toEqual([a.data.node, b.data.node, a.data.node, b.data.node])
      expect(yield* get(children[2].data)).toBe(3)

      const least = Node.placement([a.data.node, b.data.node], "LeastLoaded")
      const balanced = yield* FactorySupervisor.start(
        FactorySupervisor.workerChild(Node.placed(least, Counter)).pipe(
          FactorySupervisor.restartStrategy("Temporary")
        )
      )
      const first = yield* FactorySupervisor.startChild(balanced.data, 0)
      const second = yield* FactorySupervisor.startChild(balanced.data, 0)
      expect([first.pid.node, second.pid.node]).toEqual([a.data.node, b.data.node])
      const third = yield* FactorySupervisor.startChild(balanced.data, 0)
      expect(third.pid.node).toBe(a.data.node)
      // b's child ends: b is the least loaded now, twice over a.
      yield* Process.kill(second.pid)
      yield* Process.awaitExit(second.pid)
      while (least.load.get(b.data.node) !== 0) yield* Effect.yieldNow
      const fourth = yield* FactorySupervisor.startChild(balanced.data, 0)
      expect(fourth.pid.node).toBe(b.data.node)
    }).pipe(Effect.scoped), 60_000)
})

describe("a node lost under a factory", () => {
  it.live(
    "its temporary children go, the factory stays, and the other node's children stay",
    () =>
      Effect.gen(function*() {
        const a = yield* Node.start(entry, { execArgv })
        const b = yield* Node.start(entry, { execArgv })
        yield* Process.unlink(a.data.pid)
        const factory = yield* FactorySupervisor.start(
          FactorySupervisor.workerChild(Node.placed(Node.placement([a.data.node, b.data.node]), Counter)).pipe(
            FactorySupervisor.restartStrategy("Temporary")
          )
        )
        const children = yield* Effect.forEach([1, 2, 3, 4], (n) => FactorySupervisor.startChild(factory.data, n))
        yield* Node.terminate(a.data)
        for (const child of children.filter((child) => child.pid.node === a.data.node)) {
          expect(yield* Process.awaitExit(child.pid)).toEqual(Process.ExitReason.Abnormal({ reason: "noconnection" }))
        }
        let count = yield* FactorySupervisor.countChildren(factory.data)
        while (count.active !== 2) count = yield* FactorySupervisor.countChildren(factory.data)
        expect(yield* Process.isAlive(factory.pid)).toBe(true)
        expect(yield* get(children[1].data)).toBe(2)
      }).pipe(Effect.scoped),
    60_000
  )
})

describe("global names", () => {
  it.live(
    "a name registered on one node is found from another, and freed when its process ends",
    () =>
      Effect.gen(function*() {
        const node = yield* Node.start(entry, { execArgv })
        const counter = yield* Node.spawn(node.data.node, GlobalCounter, "the-counter")
        const found = yield* Node.whereisGlobal("the-counter", CounterMessage)
        expect(Option.isSome(found)).toBe(true)
        const subject = Option.getOrThrow(found)
        yield* Subject.send(subject, { _tag: "Add", n: 5 })
        expect(yield* get(subject)).toBe(5)
        // Taken: a second registration fails; a local subject can hold another global name.
        const mine = yield* Subject.make<CounterMessage>()
        const taken = yield* Effect.flip(Node.registerGlobal("the-counter", mine, CounterMessage))
        expect(taken._tag).toBe("NameTaken")
        yield* Node.registerGlobal("mine", mine, CounterMessage)
        expect(Option.isSome(yield* Node.whereisGlobal("mine", CounterMessage))).toBe(true)
        yield* Node.unregisterGlobal("mine")
        expect(Option.isNone(yield* Node.whereisGlobal("mine", CounterMessage))).toBe(true)
        // The owner ends: the name is free.
        yield* Process.unlink(counter.pid)
        yield* Process.kill(counter.pid)
        yield* Process.awaitExit(counter.pid)
        let after = yield* Node.whereisGlobal("the-counter", CounterMessage)
        while (Option.isSome(after)) after = yield* Node.whereisGlobal("the-counter", CounterMessage)
        expect(Option.isNone(after)).toBe(true)
      }).pipe(Effect.scoped),
    60_000
  )
})

class Workers extends Context.Service<Workers, Node.NodeRef>()("test/Workers") {}

describe("a node as a Layer", () => {
  it.live(
    "a supervised node layer provides its NodeRef; actors go to its current incarnation",
    () =>
      Effect.gen(function*() {
        const node = yield* Workers
        expect(node.current).toBeGreaterThan(1)
        const counter = yield* Node.spawn(node.current, Counter, 9)
        expect(yield* get(counter.data)).toBe(9)
        expect(counter.pid.node).toBe(node.current)
      }).pipe(
        // The actor's scope closes before the layer's (which ends the node).
        Effect.scoped,
        Effect.provide(
          StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), Node.layer(Workers, entry, { execArgv }))
        )
      ),
    60_000
  )
})
