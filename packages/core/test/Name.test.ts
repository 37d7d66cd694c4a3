import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Equal, Option } from "effect"
import { Name, Process, Subject, Testing } from "../src/index.js"
import { idle, registerTakenName, spawnWithSubject } from "./fixtures.js"

afterEach(Testing.leakCheck())

const left = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(effect), (error) => (error as { readonly _tag: string })._tag)

describe("Name", () => {
  it("make gives unique names, even with the same prefix", () => {
    const a = Name.make<string>("worker")
    const b = Name.make<string>("worker")
    assert.isFalse(Equal.equals(a, b))
    assert.strictEqual(a.prefix, "worker")
    assert.isTrue(Name.isName(a))
  })

  it.effect("register, whereis, unregister", () =>
    Effect.gen(function*() {
      const name = Name.make<string>("registered")
      const pid = yield* Process.spawn(idle)
      assert.isTrue(Option.isNone(yield* Process.whereis(name)))
      yield* Process.register(pid, name)
      const found = yield* Process.whereis(name)
      assert.isTrue(Option.isSome(found) && Equal.equals(found.value, pid))
      yield* Process.unregister(name)
      assert.isTrue(Option.isNone(yield* Process.whereis(name)))
      assert.strictEqual(yield* left(Process.unregister(name)), "NotRegistered")
    }))

  it.effect("registering a taken name fails with NameTaken; a dead pid with NoProcess; a second name with AlreadyNamed", () =>
    Effect.gen(function*() {
      const { error: taken, name, owner: first } = yield* registerTakenName
      assert.strictEqual(taken._tag, "NameTaken")
      assert.include(taken.message, name.key)
      const dead = yield* Process.spawn(Effect.void)
      yield* Process.awaitExit(dead)
      assert.strictEqual(yield* left(Process.register(dead, Name.make<string>("late"))), "NoProcess")
      assert.strictEqual(yield* left(Process.register(first, Name.make<string>("other"))), "AlreadyNamed")
    }))

  it.effect("a name is freed when its process exits", () =>
    Effect.gen(function*() {
      const name = Name.make<string>("freed")
      const pid = yield* Process.spawnUnlinked(idle)
      yield* pid.pipe(Process.register(name))
      yield* Process.kill(pid)
      yield* Process.awaitExit(pid)
      assert.isTrue(Option.isNone(yield* Process.whereis(name)))
      yield* Process.register(yield* Process.spawn(idle), name)
    }))

  it.effect("send and receive through a name", () =>
    Effect.gen(function*() {
      const name = Name.make<string>("mailbox")
      const echoes = yield* Subject.make<string>()
      const { pid, subject: go } = yield* spawnWithSubject<"go", Subject.ReceiveTimeout, never>((go) =>
        Effect.gen(function*() {
          yield* Subject.receiveForever(go)
          const text = yield* Subject.receive(Subject.named(name), "1 second")
          yield* Subject.send(echoes, text)
        })
      )
      yield* Process.register(pid, name)
      yield* Subject.send(Subject.named(name), "via the name")
      yield* Subject.send(go, "go")
      assert.strictEqual(yield* Subject.receive(echoes, "1 second"), "via the name")
    }))

  it.effect("a named subject resolves the name at each send", () =>
    Effect.gen(function*() {
      const name = Name.make<string>("resolved")
      const named = Subject.named(name)
      const owners = yield* Subject.make<readonly [string, Process.Pid]>()
      const receiver = (label: string) =>
        Effect.gen(function*() {
          const self = yield* Process.self
          yield* Process.register(self, name)
          const text = yield* Subject.receiveForever(Subject.named(name))
          yield* Subject.send(owners, [`${label}:${text}`, self] as const)
        })
      const first = yield* Process.spawn(receiver("first"))
      yield* Effect.repeat(Process.whereis(name), { until: Option.isSome })
      yield* Subject.send(named, "one")
      assert.strictEqual((yield* Subject.receive(owners, "1 second"))[0], "first:one")
      yield* Process.awaitExit(first)
      // nobody has the name now: send is lost, trySend says so
      assert.strictEqual(yield* left(Subject.trySend(named, "lost")), "NoProcess")
      yield* Process.spawn(receiver("second"))
      yield* Effect.repeat(Process.whereis(name), { until: Option.isSome })
      yield* Subject.send(named, "two")
      assert.strictEqual((yield* Subject.receive(owners, "1 second"))[0], "second:two")
    }))
})
