/**
 * Typed registries and `Actor.registered` (issue 18, item 6). A registry says the message type `M` of the processes
 * it registers: `via` and the entries' subjects (`dispatch`) are `Subject<M>`, so the bug of the report (`via<string>`
 * compiled, then the worker crashed on the string) is a type error now. The type assertions and `@ts-expect-error`
 * lines are checked by `tsc -b` (`npm run typecheck`): each `@ts-expect-error` fails the typecheck if its line
 * compiles.
 */
import { afterEach, assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Effect, Equal, Option, pipe } from "effect"
import { Actor, Name, Process, Registry, StaticSupervisor, Subject, Supervision, Testing } from "../src/index.js"
import type { CounterMsg } from "./actors.js"
import { counterBuilder, getCount, handleCounter } from "./actors.js"
import { noExitMessage } from "./fixtures.js"

afterEach(Testing.leakCheck())

type News = { readonly _tag: "Headline"; readonly text: string }

const pidsOf = (entries: ReadonlyArray<Registry.Entry<unknown>>) => entries.map((entry) => String(entry.pid))

/** A reader of headlines: forwards each to `probe`, tagged with `who`. */
const reader = (who: string, probe: Subject.Subject<string>) =>
  Actor.new(who).pipe(
    Actor.onMessage((name, news: News) => Effect.as(Subject.send(probe, `${name}: ${news.text}`), Actor.continue(name)))
  )

describe("typed registries", () => {
  it.effect("via and the entries' subjects take the registry's message type, and only it", () =>
    Effect.gen(function*() {
      const workers = yield* Registry.make<string, void, CounterMsg>({ keys: "unique" })
      const via = Registry.via(workers, "counter")
      expectTypeOf(via).toEqualTypeOf<Subject.Subject<CounterMsg>>()
      expectTypeOf(pipe(workers, Registry.via("counter"))).toEqualTypeOf<Subject.Subject<CounterMsg>>()
      // The bug of the report: a string sent to workers that take CounterMsg.
      // @ts-expect-error: via<string> on a registry of CounterMsg
      Registry.via<string>(workers, "counter")
      // @ts-expect-error: a string is not a CounterMsg
      yield* Subject.send(via, "add 1")
      // An explicit type argument must be the registry's.
      expectTypeOf(Registry.via<CounterMsg>(workers, "counter")).toEqualTypeOf<Subject.Subject<CounterMsg>>()
      yield* Registry.dispatch(workers, "counter", (entries) => {
        expectTypeOf(entries).toEqualTypeOf<ReadonlyArray<Registry.Entry<void, CounterMsg>>>()
        // @ts-expect-error: dispatch's entries take CounterMsg too
        return Effect.forEach(entries, (entry) => Subject.send(entry.subject, { _tag: "Add", n: "1" }))
      })
      expectTypeOf(Registry.subjectOf(workers, "counter")).toEqualTypeOf<Effect.Effect<Subject.Subject<CounterMsg>>>()
    }))

  it.effect("a registry made without a message type takes any, as before", () =>
    Effect.gen(function*() {
      const untyped = yield* Registry.make<string, void>({ keys: "unique" })
      expectTypeOf(Registry.via<string>(untyped, "a")).toEqualTypeOf<Subject.Subject<string>>()
      expectTypeOf(Registry.via<CounterMsg>(untyped, "a")).toEqualTypeOf<Subject.Subject<CounterMsg>>()
      // A typed registry still goes where an untyped one is expected.
      const typed = yield* Registry.make<string, void, News>({ keys: "unique" })
      const anyRegistry: Registry.Registry<string, void> = typed
      assert.strictEqual(anyRegistry.keys, "unique")
    }))

  it.effect("dispatch sends checked messages through each entry's subject, which drops them once the entry is gone", () =>
    Effect.gen(function*() {
      const topics = yield* Registry.make<string, void, News>({ keys: "duplicate" })
      const probe = yield* Testing.makeProbe<string>()
      // Two actors and a plain process in the "news" group; the plain one receives through subjectOf.
      const ann = yield* reader("ann", probe.subject).pipe(Actor.registered(topics, "news"), Actor.start)
      yield* reader("bob", probe.subject).pipe(Actor.registered(topics, "news"), Actor.start)
      const carl = yield* Process.spawn(Effect.gen(function*() {
        yield* Registry.register(topics, "news", undefined)
        const inbox = yield* Registry.subjectOf(topics, "news")
        const news = yield* Subject.receiveForever(inbox)
        yield* Subject.send(probe.subject, `carl: ${news.text}`)
        yield* Registry.unregister(topics, "news")
        yield* Effect.never
      }))
      yield* Testing.settle()
      const entries = yield* Registry.lookup(topics, "news")
      assert.deepStrictEqual(pidsOf(entries), [String(ann.pid), String(entries[1].pid), String(carl)])
      const publish = (text: string) =>
        Registry.dispatch(
          topics,
          "news",
          (entries) => Effect.forEach(entries, (entry) => Subject.send(entry.subject, { _tag: "Headline", text }))
        )
      yield* publish("rain")
      const got = yield* probe.receiveN(3, "1 second")
      assert.deepStrictEqual([...got].sort(), ["ann: rain", "bob: rain", "carl: rain"])
      // carl left the group: the subject of its old entry drops what is sent to it (it would wait forever in its
      // mailbox otherwise), and trySend says nobody got it.
      yield* Testing.settle()
      const stale = entries[2].subject
      assert.isTrue(
        Option.isSome(yield* Effect.option(Subject.trySend(entries[0].subject, { _tag: "Headline", text: "x" })))
      )
      const error = yield* Effect.flip(Subject.trySend(stale, { _tag: "Headline", text: "lost" }))
      assert.strictEqual(error._tag, "NoProcess")
      assert.strictEqual(yield* Process.messageQueueLength(carl), 0)
      assert.strictEqual((yield* probe.receiveN(1, "1 second"))[0], "ann: x")
    }))
})

describe("Actor.registered", () => {
  it.effect("registers before init, reaches the actor through via, and is its subject", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const counters = yield* Registry.make<string, number, CounterMsg>({ keys: "unique" })
      const seen = yield* Subject.make<ReadonlyArray<string>>()
      const counter = yield* Actor.newWithInitialiser("1 second", (_: Subject.Subject<CounterMsg>) =>
        Effect.gen(function*() {
          // Already registered while it initialises, as a named actor already has its name.
          yield* Subject.send(seen, pidsOf(yield* Registry.lookup(counters, "main")))
          return Actor.initialised(5)
        })).pipe(
          Actor.onMessage(handleCounter),
          Actor.registered(counters, "main", 42),
          Actor.start
        )
      assert.deepStrictEqual(yield* Subject.receive(seen, "1 second"), [String(counter.pid)])
      const [entry] = yield* Registry.lookup(counters, "main")
      assert.strictEqual(entry.value, 42)
      // Its subject is via(counters, "main"), so it stays valid across restarts.
      assert.isTrue(Equal.equals(counter.data, Registry.via(counters, "main")))
      yield* Subject.send(Registry.via(counters, "main"), { _tag: "Add", n: 2 })
      yield* Subject.send(entry.subject, { _tag: "Add", n: 3 })
      assert.strictEqual(yield* getCount(counter.data), 10)
      // It goes when the actor exits, whatever the reason.
      yield* Subject.send(counter.data, { _tag: "Crash" })
      yield* Testing.awaitExit(counter.pid, "1 second", (reason) =>
        reason._tag === "Abnormal")
      assert.deepStrictEqual(yield* Registry.lookup(counters, "main"), [])
      assert.strictEqual((yield* Effect.flip(Subject.trySend(counter.data, { _tag: "Add", n: 1 })))._tag, "NoProcess")
    }))

  // Checked on Erlang (OTP 25, gen_server:start_link({via, global, Name}, ...)): the name is registered before
  // init runs (global:whereis_name(Name) =:= self() in init); a second start returns
  // {error, {already_started, Pid}} with the holder's pid and sends no exit signal to the caller; the name is free
  // once the process has exited; a supervisor's restart registers the new process again.
  it.effect("a taken unique key fails start with InitFailed(AlreadyRegistered), and no exit signal", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const counters = yield* Registry.make<string, void, CounterMsg>({ keys: "unique" })
      const first = yield* counterBuilder(0).pipe(Actor.registered(counters, "main"), Actor.start)
      const error = yield* Effect.flip(counterBuilder(0).pipe(Actor.registered(counters, "main"), Actor.start))
      assert.isTrue(
        error._tag === "InitFailed" && error.reason instanceof Registry.AlreadyRegistered &&
          Equal.equals(error.reason.pid, first.pid)
      )
      // The registry still has the first one only, and it still answers.
      assert.deepStrictEqual(pidsOf(yield* Registry.lookup(counters, "main")), [String(first.pid)])
      assert.strictEqual(yield* getCount(Registry.via(counters, "main")), 0)
      yield* Testing.settle()
      yield* noExitMessage
    }))

  it.effect("under a supervisor the entry comes back with each restart, and via reaches the new incarnation", () =>
    Effect.gen(function*() {
      const counters = yield* Registry.make<string, void, CounterMsg>({ keys: "unique" })
      const sup = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(
          Supervision.worker(counterBuilder(0).pipe(Actor.registered(counters, "main"), Actor.start))
        ),
        StaticSupervisor.start
      )
      const via = Registry.via(counters, "main")
      yield* Subject.send(via, { _tag: "Add", n: 7 })
      assert.strictEqual(yield* getCount(via), 7)
      const before = (yield* Registry.lookup(counters, "main"))[0].pid
      yield* Subject.send(via, { _tag: "Crash" })
      yield* Testing.awaitRestart(sup.data, 0, "1 second")
      const after = (yield* Registry.lookup(counters, "main"))[0].pid
      assert.isFalse(Equal.equals(before, after))
      assert.strictEqual(yield* getCount(via), 0)
    }))

  it.effect("a named actor registered too receives through its name and through via", () =>
    Effect.gen(function*() {
      const counters = yield* Registry.make<string, void, CounterMsg>({ keys: "unique" })
      const name = Name.make<CounterMsg>("counter")
      const counter = yield* counterBuilder(0).pipe(Actor.named(name), Actor.registered(counters, "main"), Actor.start)
      assert.isTrue(Equal.equals(counter.data, Subject.named(name)))
      yield* Subject.send(Registry.via(counters, "main"), { _tag: "Add", n: 1 })
      yield* Subject.send(Subject.named(name), { _tag: "Add", n: 2 })
      assert.strictEqual(yield* getCount(Registry.via(counters, "main")), 3)
    }))

  it("only registers an actor that handles the registry's messages", () => {
    const counters = null as unknown as Registry.Registry<string, void, CounterMsg>
    const valued = null as unknown as Registry.Registry<string, number, CounterMsg>
    type Wider = CounterMsg | { readonly _tag: "Reset" }
    const wider = Actor.new(0).pipe(Actor.onMessage((n: number, _: Wider) => Effect.succeed(Actor.continue(n))))
    // An actor that handles more than the registry sends is fine, in both forms.
    expectTypeOf(wider.pipe(Actor.registered(counters, "a"))).toEqualTypeOf(wider)
    expectTypeOf(Actor.registered(wider, valued, "a", 1)).toEqualTypeOf(wider)
    const narrow = Actor.new(0).pipe(
      Actor.onMessage((n: number, _: { readonly _tag: "Add"; readonly n: number }) => Effect.succeed(Actor.continue(n)))
    )
    // @ts-expect-error: the registry sends Get and Crash too, which this actor does not handle
    narrow.pipe(Actor.registered(counters, "a"))
    // @ts-expect-error: the same, data-first
    Actor.registered(narrow, counters, "a")
    // @ts-expect-error: before onMessage the actor handles no message yet: register it after
    Actor.new(0).pipe(Actor.registered(counters, "a"))
    // @ts-expect-error: a registry of numbers needs the entry's value
    wider.pipe(Actor.registered(valued, "a"))
    // @ts-expect-error: of its type
    wider.pipe(Actor.registered(valued, "a", "one"))
    // @ts-expect-error: and a key of its type
    wider.pipe(Actor.registered(counters, 1))
  })
})
