/**
 * A supervision tree declared as Layers: a root supervisor (OneForOne) with a counter actor and a nested
 * supervisor (RestForOne) holding a cache and a reporter. The program crashes the counter and the cache, and the
 * supervisors restart them: the services stay valid (they are named subjects), only the crashed state is lost.
 * Closing the scope stops the tree in reverse start order.
 *
 * Run with `npm run example -- examples/supervision-tree.ts`.
 */
import { Actor, StaticSupervisor, Subject } from "@effect-otp/core"
import { Console, Context, Effect, Schedule } from "effect"

// --- the counter -------------------------------------------------------------------------------------------

type CounterMsg =
  | { readonly _tag: "Add"; readonly n: number }
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }
  | { readonly _tag: "Crash" }

class Counter extends Context.Service<Counter, Subject.Subject<CounterMsg>>()("example/Counter") {}

const counter = Actor.newWithInitialiser(
  "1 second",
  (self: Subject.Subject<CounterMsg>) =>
    Effect.as(Console.log("  start  counter"), Actor.initialised<number, CounterMsg>(0).pipe(Actor.returning(self)))
).pipe(
  Actor.onMessage((count: number, message: CounterMsg) => {
    switch (message._tag) {
      case "Add":
        return Effect.succeed(Actor.continue(count + message.n))
      case "Get":
        return Effect.as(Subject.send(message.replyTo, count), Actor.continue(count))
      case "Crash":
        return Effect.die(new Error("the counter was asked to crash"))
    }
  }),
  Actor.onTerminate((count, reason) => Console.log(`  stop   counter (count ${count}, ${reason._tag})`))
)

// --- the cache and its reporter ------------------------------------------------------------------------------

type CacheMsg =
  | { readonly _tag: "Put"; readonly key: string; readonly value: string }
  | { readonly _tag: "Size"; readonly replyTo: Subject.Subject<number> }
  | { readonly _tag: "Crash" }

class Cache extends Context.Service<Cache, Subject.Subject<CacheMsg>>()("example/Cache") {}

const cache = Actor.newWithInitialiser("1 second", (self: Subject.Subject<CacheMsg>) =>
  Effect.as(
    Console.log("  start  cache"),
    Actor.initialised<ReadonlyMap<string, string>, CacheMsg>(new Map()).pipe(Actor.returning(self))
  )).pipe(
    Actor.onMessage((entries: ReadonlyMap<string, string>, message: CacheMsg) => {
      switch (message._tag) {
        case "Put":
          return Effect.succeed(Actor.continue(new Map([...entries, [message.key, message.value]])))
        case "Size":
          return Effect.as(Subject.send(message.replyTo, entries.size), Actor.continue(entries))
        case "Crash":
          return Effect.die(new Error("the cache was asked to crash"))
      }
    }),
    Actor.onTerminate((entries, reason) => Console.log(`  stop   cache (${entries.size} entries, ${reason._tag})`))
  )

type ReporterMsg = { readonly _tag: "Report"; readonly replyTo: Subject.Subject<string> }

class Reporter extends Context.Service<Reporter, Subject.Subject<ReporterMsg>>()("example/Reporter") {}

/** The reporter uses the cache (an earlier sibling) and the counter (a service of the parent tree). */
const reporter = Actor.newWithInitialiser(
  "1 second",
  (self: Subject.Subject<ReporterMsg>) =>
    Effect.as(Console.log("  start  reporter"), Actor.initialised<null, ReporterMsg>(null).pipe(Actor.returning(self)))
)
  .pipe(
    Actor.onMessage((state: null, message: ReporterMsg) =>
      Effect.gen(function*() {
        const cache = yield* Cache
        const counter = yield* Counter
        const size = yield* Subject.call(
          cache,
          (replyTo: Subject.Subject<number>): CacheMsg => ({ _tag: "Size", replyTo })
        )
        const count = yield* Subject.call(
          counter,
          (replyTo: Subject.Subject<number>): CounterMsg => ({ _tag: "Get", replyTo })
        )
        yield* Subject.send(message.replyTo, `counter ${count}, cache ${size} entries`)
        return Actor.continue(state)
      }).pipe(Effect.orDie)
    ),
    Actor.onTerminate((_, reason) => Console.log(`  stop   reporter (${reason._tag})`))
  )

// --- the tree ----------------------------------------------------------------------------------------------

const CounterLive = Actor.toLayer(Counter, counter)
const CacheLive = Actor.toLayer(Cache, cache)
const ReporterLive = Actor.toLayer(Reporter, reporter)

/** RestForOne: when the cache crashes, the reporter (started after it) is restarted too. */
const StorageLive = StaticSupervisor.layer(StaticSupervisor.new("RestForOne"), CacheLive, ReporterLive)

const AppLive = StaticSupervisor.layer(
  StaticSupervisor.new("OneForOne").pipe(
    StaticSupervisor.restartTolerance({ intensity: 3, period: "10 seconds" }),
    StaticSupervisor.restartSchedule(Schedule.exponential("10 millis"))
  ),
  CounterLive,
  StorageLive
)

// --- the program -------------------------------------------------------------------------------------------

/** A call through a stable subject, retried while the actor behind it is being restarted. */
const retrying = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  effect.pipe(
    Effect.retry({
      while: (error) => error._tag === "NoProcess" || error._tag === "CalleeDown",
      schedule: Schedule.spaced("5 millis"),
      times: 100
    })
  )

const program = Effect.gen(function*() {
  const counter = yield* Counter
  const cache = yield* Cache
  const reporter = yield* Reporter
  const report = retrying(
    Subject.call(reporter, (replyTo: Subject.Subject<string>): ReporterMsg => ({ _tag: "Report", replyTo }), "1 second")
  )

  yield* Subject.send(counter, { _tag: "Add", n: 41 })
  yield* Subject.send(cache, { _tag: "Put", key: "greeting", value: "hello" })
  yield* Console.log(`report: ${yield* report}`)

  yield* Console.log("crashing the counter (OneForOne: only the counter restarts)")
  yield* Subject.send(counter, { _tag: "Crash" })
  const count = yield* retrying(
    Subject.call(counter, (replyTo: Subject.Subject<number>): CounterMsg => ({ _tag: "Get", replyTo }), "1 second")
  )
  yield* Console.log(`the counter is back with count ${count}: its state was lost`)
  yield* Console.log(`report: ${yield* report}`)

  yield* Console.log("crashing the cache (RestForOne: the cache and the reporter restart)")
  yield* Subject.send(cache, { _tag: "Crash" })
  const size = yield* retrying(
    Subject.call(cache, (replyTo: Subject.Subject<number>): CacheMsg => ({ _tag: "Size", replyTo }), "1 second")
  )
  yield* Console.log(`the cache is back with ${size} entries`)
  yield* Console.log(`report: ${yield* report}`)
  yield* Subject.send(counter, { _tag: "Add", n: 1 })
  yield* Console.log(`report: ${yield* report} (the subjects we hold still reach the restarted actors)`)

  yield* Console.log("closing the scope: the tree stops in reverse start order")
})

Effect.runPromise(program.pipe(Effect.provide(AppLive), Effect.scoped)).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
