import { afterEach, assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Equal, Exit, Option, Ref, Scope } from "effect"
import { Actor, FactorySupervisor, Process, Registry, Selector, Subject, Testing } from "../src/index.js"
import { downs, idle } from "./fixtures.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

const pidsOf = <V>(entries: ReadonlyArray<Registry.Entry<V>>) => entries.map((entry) => String(entry.pid))

/**
 * Spawns (unlinked) a process that registers under `key` with `value`, reports to the caller, then runs `after`
 * with a subject the caller can send to.
 */
const registrant = <K, V, A = never>(
  registry: Registry.Registry<K, V>,
  key: K,
  value: V,
  after: (inbox: Subject.Subject<A>) => Effect.Effect<unknown, unknown> = () => idle
) =>
  Effect.gen(function*() {
    const ready = yield* Subject.make<Subject.Subject<A>>()
    const pid = yield* Process.spawnUnlinked(Effect.gen(function*() {
      const inbox = yield* Subject.make<A>()
      yield* Registry.register(registry, key, value)
      yield* Subject.send(ready, inbox)
      return yield* after(inbox)
    }))
    const inbox = yield* Subject.receive(ready, "1 second")
    return { pid, inbox } as const
  })

describe("Registry", () => {
  describe("unique keys", () => {
    it.effect("a taken key is a typed AlreadyRegistered error naming the holder", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, number>({ keys: "unique" })
        assert.strictEqual(registry.keys, "unique")
        const holder = yield* registrant(registry, "db", 1)
        const error = yield* Effect.flip(Registry.register(registry, "db", 2))
        assert.instanceOf(error, Registry.AlreadyRegistered)
        assert.strictEqual(error._tag, "AlreadyRegistered")
        assert.isTrue(Equal.equals(error.pid, holder.pid))
        assert.strictEqual(error.key, "db")
        assert.include(error.message, String(holder.pid))
        // the holder keeps its entry
        const entries = yield* Registry.lookup(registry, "db")
        assert.deepStrictEqual(pidsOf(entries), [String(holder.pid)])
        assert.strictEqual(entries[0].value, 1)
        // another key is free
        yield* Registry.register(registry, "cache", 3)
        assert.strictEqual(yield* Registry.count(registry), 2)
      }))

    it.effect("registering the same key twice from the same process is AlreadyRegistered naming itself", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, number>({ keys: "unique" })
        yield* Registry.register(registry, "me", 1)
        const error = yield* Effect.flip(Registry.register(registry, "me", 2))
        assert.isTrue(Equal.equals(error.pid, yield* Process.self))
        assert.deepStrictEqual((yield* Registry.lookup(registry, "me")).map((entry) => entry.value), [1])
      }))

    it.effect("the key is free again once the holder exits", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, number>({ keys: "unique" })
        const holder = yield* registrant(registry, "db", 1)
        yield* Process.kill(holder.pid)
        yield* Process.awaitExit(holder.pid)
        yield* Registry.register(registry, "db", 2)
        const entries = yield* Registry.lookup(registry, "db")
        assert.deepStrictEqual(pidsOf(entries), [String(yield* Process.self)])
      }))
  })

  describe("duplicate keys", () => {
    it.effect("lists every entry under a key, in registration order", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, number>({ keys: "duplicate" })
        assert.strictEqual(registry.keys, "duplicate")
        const me = yield* Process.self
        yield* Registry.register(registry, "topic", 0)
        const a = yield* registrant(registry, "topic", 1)
        const b = yield* registrant(registry, "topic", 2)
        const c = yield* registrant(registry, "topic", 3)
        yield* registrant(registry, "other", 4)
        const entries = yield* Registry.lookup(registry, "topic")
        assert.deepStrictEqual(pidsOf(entries), [me, a.pid, b.pid, c.pid].map(String))
        assert.deepStrictEqual(entries.map((entry) => entry.value), [0, 1, 2, 3])
        assert.strictEqual(yield* Registry.count(registry), 5)
        assert.deepStrictEqual([...(yield* Registry.keys(registry))].sort(), ["other", "topic"])
        // the same process may register a key several times
        yield* Registry.register(registry, "topic", 5)
        assert.deepStrictEqual((yield* Registry.lookup(registry, "topic")).map((entry) => entry.value), [0, 1, 2, 3, 5])
        // an exit removes only that process's entries, the order of the others is kept
        yield* Process.kill(b.pid)
        yield* Process.awaitExit(b.pid)
        assert.deepStrictEqual((yield* Registry.lookup(registry, "topic")).map((entry) => entry.value), [0, 1, 3, 5])
      }))
  })

  describe("entries leave with their process", () => {
    for (
      const [label, ending, expected] of [
        ["a normal exit", Effect.void, "Normal"],
        ["a crash", Effect.die(new Error("crash")), "Abnormal"],
        ["a typed failure", Effect.fail("failed"), "Abnormal"]
      ] as const
    ) {
      it.effect(`on ${label}, before the monitors fire`, () =>
        Effect.gen(function*() {
          const registry = yield* Registry.make<string, string>({ keys: "duplicate" })
          const unique = yield* Registry.make<string, string>({ keys: "unique" })
          const holder = yield* registrant<string, string, "go">(registry, "key", "value", (inbox) =>
            Effect.gen(function*() {
              yield* Registry.register(unique, "solo", "value")
              yield* Subject.receive(inbox, "1 second")
              return yield* ending
            }))
          yield* registrant(registry, "key", "survivor")
          assert.strictEqual((yield* Registry.lookup(registry, "key")).length, 2)
          const monitor = yield* Process.monitor(holder.pid)
          yield* Subject.send(holder.inbox, "go")
          const down = yield* Selector.receive(downs, "1 second")
          assert.isTrue(Equal.equals(down.monitor, monitor))
          assert.strictEqual(down.reason._tag, expected)
          // when the Down arrives, the entries are already gone
          assert.deepStrictEqual(
            (yield* Registry.lookup(registry, "key")).map((entry) =>
              entry.value
            ),
            ["survivor"]
          )
          assert.deepStrictEqual(yield* Registry.lookup(unique, "solo"), [])
          assert.strictEqual(yield* Registry.count(unique), 0)
          assert.deepStrictEqual(yield* Registry.keys(unique), [])
        }))
    }

    it.effect("on kill", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, number>({ keys: "unique" })
        const holder = yield* registrant(registry, "key", 1)
        yield* Process.kill(holder.pid)
        assert.deepStrictEqual(yield* Process.awaitExit(holder.pid), ExitReason.Killed())
        assert.deepStrictEqual(yield* Registry.lookup(registry, "key"), [])
        assert.strictEqual(yield* Registry.count(registry), 0)
      }))

    it.effect("10,000 registrations by processes that then exit leave an empty registry", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<number, number>({ keys: "unique" })
        const groups = yield* Registry.make<string, number>({ keys: "duplicate" })
        const go = yield* Deferred.make<void>()
        const registered = yield* Ref.make(0)
        const n = 10_000
        const pids = yield* Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) =>
          Process.spawn(Effect.gen(function*() {
            yield* Registry.register(registry, i, i)
            yield* Registry.register(groups, i % 2 === 0 ? "even" : "odd", i)
            yield* Ref.update(registered, (k) =>
              k + 1)
            yield* Deferred.await(go)
          })))
        yield* Testing.settle()
        assert.strictEqual(yield* Ref.get(registered), n)
        assert.strictEqual(yield* Registry.count(registry), n)
        assert.strictEqual((yield* Registry.keys(registry)).length, n)
        assert.strictEqual((yield* Registry.lookup(groups, "odd")).length, n / 2)
        assert.deepStrictEqual(
          (yield* Registry.lookup(registry, 1234)).map((entry) =>
            entry.value
          ),
          [1234]
        )
        yield* Deferred.succeed(go, undefined)
        const reasons = yield* Effect.forEach(pids, Process.awaitExit)
        assert.isTrue(reasons.every((reason) => reason._tag === "Normal"))
        assert.strictEqual(yield* Registry.count(registry), 0)
        assert.deepStrictEqual(yield* Registry.keys(registry), [])
        assert.strictEqual(yield* Registry.count(groups), 0)
        assert.deepStrictEqual(yield* Registry.keys(groups), [])
      }))
  })

  describe("unregister", () => {
    it.effect("removes the caller's entries under the key, and nothing else", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, number>({ keys: "duplicate" })
        const me = yield* Process.self
        yield* Registry.register(registry, "topic", 1)
        yield* Registry.register(registry, "topic", 2)
        yield* Registry.register(registry, "other", 3)
        const peer = yield* registrant(registry, "topic", 4)
        yield* Registry.unregister(registry, "topic")
        assert.deepStrictEqual(pidsOf(yield* Registry.lookup(registry, "topic")), [String(peer.pid)])
        assert.deepStrictEqual(pidsOf(yield* Registry.lookup(registry, "other")), [String(me)])
        assert.strictEqual(yield* Registry.count(registry), 2)
        // a key the caller does not hold: nothing happens
        yield* Registry.unregister(registry, "topic")
        yield* Registry.unregister(registry, "nobody")
        assert.strictEqual(yield* Registry.count(registry), 2)
      }))

    it.effect("frees a unique key, and the process's later exit does not touch the new holder", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        const registry = yield* Registry.make<string, string>({ keys: "unique" })
        const first = yield* registrant<string, string, "unregister" | "exit">(
          registry,
          "key",
          "first",
          (inbox) =>
            Effect.gen(function*() {
              yield* Subject.receive(inbox, "1 second")
              yield* Registry.unregister(registry, "key")
              yield* Subject.send(done, undefined)
              yield* Subject.receive(inbox, "1 second")
            })
        )
        const done = yield* Subject.make<void>()
        yield* Subject.send(first.inbox, "unregister")
        yield* Subject.receive(done, "1 second")
        assert.deepStrictEqual(yield* Registry.lookup(registry, "key"), [])
        assert.strictEqual(yield* Registry.count(registry), 0)
        // via no longer reaches it
        const via = Registry.via<string>(registry, "key")
        assert.strictEqual((yield* Effect.flip(Subject.trySend(via, "lost")))._tag, "NoProcess")
        yield* Registry.register(registry, "key", "second")
        assert.isTrue(Option.exists(yield* Subject.owner(via), (pid) => Equal.equals(pid, me)))
        yield* Subject.send(first.inbox, "exit")
        yield* Process.awaitExit(first.pid)
        assert.deepStrictEqual(
          (yield* Registry.lookup(registry, "key")).map((entry) => entry.value),
          ["second"]
        )
      }))
  })

  describe("dispatch", () => {
    it.effect("reaches every live entry", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, Subject.Subject<string>>({ keys: "duplicate" })
        const received = yield* Subject.make<readonly [number, string]>()
        const subscriber = (id: number) =>
          Effect.gen(function*() {
            const ready = yield* Subject.make<void>()
            const pid = yield* Process.spawnUnlinked(Effect.gen(function*() {
              const inbox = yield* Subject.make<string>()
              yield* Registry.register(registry, "news", inbox)
              yield* Subject.send(ready, undefined)
              while (true) {
                const text = yield* Subject.receiveForever(inbox)
                yield* Subject.send(received, [id, text] as const)
              }
            }))
            yield* Subject.receive(ready, "1 second")
            return pid
          })
        const pids = yield* Effect.forEach([1, 2, 3], subscriber)
        const publish = (text: string) =>
          Effect.gen(function*() {
            const seen = yield* Ref.make(-1)
            yield* Registry.dispatch(registry, "news", (entries) =>
              Effect.andThen(
                Ref.set(seen, entries.length),
                Effect.forEach(entries, (entry) => Subject.send(entry.value, text))
              ))
            return yield* Ref.get(seen)
          })
        assert.strictEqual(yield* publish("hello"), 3)
        const got = yield* Effect.forEach([1, 2, 3], () => Subject.receive(received, "1 second"))
        assert.deepStrictEqual([...got].sort(), [[1, "hello"], [2, "hello"], [3, "hello"]])
        yield* Process.kill(pids[1])
        yield* Process.awaitExit(pids[1])
        assert.strictEqual(yield* publish("again"), 2)
        const again = yield* Effect.forEach([1, 2], () => Subject.receive(received, "1 second"))
        assert.deepStrictEqual([...again].sort(), [[1, "again"], [3, "again"]])
        assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(received, 0))))
      }))

    it.effect("does not call f when there is no entry", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, number>({ keys: "duplicate" })
        const called = yield* Ref.make(false)
        yield* Registry.dispatch(registry, "nobody", () => Ref.set(called, true))
        assert.isFalse(yield* Ref.get(called))
        // nor once the only entry left
        const holder = yield* registrant(registry, "gone", 1)
        yield* Process.kill(holder.pid)
        yield* Process.awaitExit(holder.pid)
        yield* Registry.dispatch(registry, "gone", () => Ref.set(called, true))
        assert.isFalse(yield* Ref.get(called))
      }))
  })

  describe("via", () => {
    it.effect("messages reach the registered process, which receives by selecting the same subject", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, void>({ keys: "unique" })
        const echoes = yield* Subject.make<string>()
        const holder = yield* registrant(registry, "echo", undefined, () =>
          Effect.gen(function*() {
            const selector = Selector.make<string>().pipe(Selector.select(Registry.via<string>(registry, "echo")))
            const first = yield* Selector.receive(selector, "1 second")
            yield* Subject.send(echoes, `selected ${first}`)
            const second = yield* Subject.receive(Registry.via<string>(registry, "echo"), "1 second")
            yield* Subject.send(echoes, `received ${second}`)
          }))
        const via = Registry.via<string>(registry, "echo")
        assert.isTrue(Equal.equals(via, Registry.via<string>(registry, "echo")))
        assert.isFalse(Equal.equals(via, Registry.via<string>(registry, "other")))
        assert.isTrue(Option.exists(yield* Subject.owner(via), (pid) => Equal.equals(pid, holder.pid)))
        yield* Subject.send(via, "one")
        yield* Subject.trySend(via, "two")
        assert.strictEqual(yield* Subject.receive(echoes, "1 second"), "selected one")
        assert.strictEqual(yield* Subject.receive(echoes, "1 second"), "received two")
        yield* Process.awaitExit(holder.pid)
        // nobody registered: send drops the message, trySend says so
        yield* Subject.send(via, "lost")
        const error = yield* Effect.flip(Subject.trySend(via, "lost"))
        assert.strictEqual(error._tag, "NoProcess")
      }))

    it.effect("call through via", () =>
      Effect.gen(function*() {
        type Request = { readonly n: number; readonly replyTo: Subject.Subject<number> }
        const registry = yield* Registry.make<string, void>({ keys: "unique" })
        const via = Registry.via<Request>(registry, "doubler")
        const error = yield* Effect.flip(
          Subject.call(via, (replyTo: Subject.Subject<number>) => ({ n: 1, replyTo }), "1 second")
        )
        assert.strictEqual(error._tag, "NoProcess")
        yield* registrant(registry, "doubler", undefined, () =>
          Effect.forever(
            Effect.flatMap(Subject.receiveForever(via), (request) => Subject.send(request.replyTo, request.n * 2))
          ))
        assert.strictEqual(
          yield* Subject.call(via, (replyTo: Subject.Subject<number>) => ({ n: 21, replyTo }), "1 second"),
          42
        )
      }))

    it.effect("receiving through via from a process that does not hold the key is a defect", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, void>({ keys: "unique" })
        yield* registrant(registry, "key", undefined)
        const exit = yield* Effect.exit(Subject.receive(Registry.via<string>(registry, "key"), 0))
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
      }))

    it.effect("via on a registry of duplicate keys is a defect", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string, void>({ keys: "duplicate" })
        assert.throws(() => Registry.via(registry, "key"))
      }))

    it.effect("after a supervised restart, the child is reachable again through the same via subject", () =>
      Effect.gen(function*() {
        type Message =
          | { readonly _tag: "Whoami"; readonly replyTo: Subject.Subject<Process.Pid> }
          | { readonly _tag: "Crash" }
        const registry = yield* Registry.make<string, string>({ keys: "unique" })
        const inits = yield* Subject.make<readonly [string, Process.Pid]>()
        const template = (key: string) =>
          Actor.newWithInitialiser("1 second", (_: Subject.Subject<Message>) =>
            Effect.gen(function*() {
              yield* Registry.register(registry, key, `worker ${key}`)
              yield* Subject.send(inits, [key, yield* Process.self] as const)
              return Actor.initialised<null, Message>(null).pipe(
                Actor.selecting(Selector.make<Message>().pipe(Selector.select(Registry.via<Message>(registry, key))))
              )
            })).pipe(
              Actor.onMessage((state: null, message: Message) => {
                switch (message._tag) {
                  case "Whoami":
                    return Effect.as(
                      Effect.flatMap(Process.self, (pid) => Subject.send(message.replyTo, pid)),
                      Actor.continue(state)
                    )
                  case "Crash":
                    return Effect.succeed(Actor.stopAbnormal("crash"))
                }
              }),
              Actor.start
            )
        const supervisor = yield* FactorySupervisor.workerChild(template).pipe(FactorySupervisor.start)
        const first = yield* FactorySupervisor.startChild(supervisor.data, "w1")
        yield* FactorySupervisor.startChild(supervisor.data, "w2")
        assert.deepStrictEqual(yield* Subject.receive(inits, "1 second"), ["w1", first.pid])
        yield* Subject.receive(inits, "1 second")
        const via = Registry.via<Message>(registry, "w1")
        const whoami = Subject.call(
          via,
          (replyTo: Subject.Subject<Process.Pid>): Message => ({ _tag: "Whoami", replyTo }),
          "1 second"
        )
        assert.isTrue(Equal.equals(yield* whoami, first.pid))
        const monitor = yield* Process.monitor(first.pid)
        yield* Subject.send(via, { _tag: "Crash" })
        const down = yield* Selector.receive(
          Selector.make<Process.Down>().pipe(Selector.selectSpecificMonitor(monitor, (down) => down)),
          "1 second"
        )
        assert.strictEqual(down.reason._tag, "Abnormal")
        // the restarted child registered itself again under the same key
        const [key, restarted] = yield* Subject.receive(inits, "1 second")
        assert.strictEqual(key, "w1")
        assert.isFalse(Equal.equals(restarted, first.pid))
        assert.isTrue(Equal.equals(yield* whoami, restarted))
        assert.deepStrictEqual(pidsOf(yield* Registry.lookup(registry, "w1")), [String(restarted)])
        assert.strictEqual(yield* Registry.count(registry), 2)
      }))
  })

  describe("keys", () => {
    it.effect("object keys compare by value (Effect 4 compares plain objects structurally)", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<{ readonly room: string; readonly shard: number }, string>({
          keys: "unique"
        })
        const messages = yield* Subject.make<string>()
        const holder = yield* registrant(registry, { room: "lobby", shard: 1 }, "lobby-1", () =>
          Effect.flatMap(
            Subject.receive(Registry.via<string>(registry, { room: "lobby", shard: 1 }), "1 second"),
            (text) => Subject.send(messages, text)
          ))
        const entries = yield* Registry.lookup(registry, { room: "lobby", shard: 1 })
        assert.deepStrictEqual(pidsOf(entries), [String(holder.pid)])
        assert.deepStrictEqual(yield* Registry.lookup(registry, { room: "lobby", shard: 2 }), [])
        const error = yield* Effect.flip(Registry.register(registry, { room: "lobby", shard: 1 }, "again"))
        assert.isTrue(Equal.equals(error.pid, holder.pid))
        yield* Registry.register(registry, { room: "lobby", shard: 2 }, "lobby-2")
        assert.strictEqual(yield* Registry.count(registry), 2)
        const via = Registry.via<string>(registry, { room: "lobby", shard: 1 })
        assert.isTrue(Equal.equals(via, Registry.via<string>(registry, { room: "lobby", shard: 1 })))
        yield* Subject.send(via, "hi")
        assert.strictEqual(yield* Subject.receive(messages, "1 second"), "hi")
        yield* Process.awaitExit(holder.pid)
        assert.deepStrictEqual(yield* Registry.lookup(registry, { room: "lobby", shard: 1 }), [])
      }))

    it.effect("primitive keys of different types do not collide", () =>
      Effect.gen(function*() {
        const registry = yield* Registry.make<string | number, string>({ keys: "unique" })
        yield* Registry.register(registry, 1, "number")
        yield* Registry.register(registry, "1", "string")
        assert.deepStrictEqual((yield* Registry.lookup(registry, 1)).map((entry) => entry.value), ["number"])
        assert.deepStrictEqual((yield* Registry.lookup(registry, "1")).map((entry) => entry.value), ["string"])
        assert.isFalse(Equal.equals(Registry.via(registry, 1), Registry.via(registry, "1")))
      }))
  })

  describe("lifetime", () => {
    it.effect("when the registry's scope closes, its entries are gone", () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const registry = yield* Registry.make<string, number>({ keys: "unique" }).pipe(Scope.provide(scope))
        yield* Registry.register(registry, "me", 1)
        const holder = yield* registrant(registry, "other", 2)
        assert.strictEqual(yield* Registry.count(registry), 2)
        const via = Registry.via<string>(registry, "other")
        yield* Subject.trySend(via, "reached")
        yield* Scope.close(scope, Exit.void)
        assert.strictEqual(yield* Registry.count(registry), 0)
        assert.deepStrictEqual(yield* Registry.keys(registry), [])
        assert.deepStrictEqual(yield* Registry.lookup(registry, "me"), [])
        assert.deepStrictEqual(yield* Registry.lookup(registry, "other"), [])
        assert.strictEqual((yield* Effect.flip(Subject.trySend(via, "lost")))._tag, "NoProcess")
        // the processes live on, and their exit is harmless
        assert.isTrue(yield* Process.isAlive(holder.pid))
        yield* Process.kill(holder.pid)
        yield* Process.awaitExit(holder.pid)
        assert.strictEqual(yield* Registry.count(registry), 0)
        // registering in a closed registry is a defect
        const exit = yield* Effect.exit(Registry.register(registry, "late", 3))
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
      }))

    it.effect("a registry made with Effect.scoped is empty after it", () =>
      Effect.gen(function*() {
        const registry = yield* Effect.scoped(Effect.gen(function*() {
          const registry = yield* Registry.make<string, number>({ keys: "duplicate" })
          yield* Registry.register(registry, "a", 1)
          yield* Registry.register(registry, "a", 2)
          assert.strictEqual(yield* Registry.count(registry), 2)
          return registry
        }))
        assert.strictEqual(yield* Registry.count(registry), 0)
        assert.deepStrictEqual(yield* Registry.lookup(registry, "a"), [])
      }))
  })
})
