/**
 * The five-minute tour of the README, as one file that the typecheck compiles: processes, an actor, a supervisor,
 * tasks, and a supervision tree declared as Layers. Each section is an Effect that needs nothing but a `Scope`.
 *
 * Run with `npm run example -- examples/tour.ts`.
 */
import { Actor, Name, Process, Selector, StaticSupervisor, Subject, Supervision, Task } from "@effect-otp/core"
import type { Scope } from "effect"
import { Console, Context, Effect, Schedule, Stream } from "effect"

// --- 1. Processes: spawn, send, selective receive, links ----------------------------------------------------

export const processes = Effect.gen(function*() {
  // Code outside any process becomes one on first use, like Erlang's shell: it owns subjects and receives.
  const inbox = yield* Subject.make<string>()
  yield* Process.spawn(Subject.send(inbox, "hello from a child")) // linked to us, lives in our Scope
  yield* Console.log(yield* Subject.receive(inbox, "1 second")) // hello from a child

  // A crash travels through the link. Trapping exits turns it into a message instead of taking us down.
  yield* Process.trapExits(true)
  yield* Process.spawn(Effect.fail("boom"))
  const exits = Selector.make<Process.ExitMessage>().pipe(Selector.selectTrappedExits((exit) => exit))
  const exit = yield* Selector.receive(exits, "1 second")
  yield* Console.log(`${exit.pid} exited: ${exit.reason._tag}`) // <0.3> exited: Abnormal
})

// --- 2. An actor: state, a handler, send and call -----------------------------------------------------------

type CounterMsg =
  | { readonly _tag: "Add"; readonly n: number }
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }
  | { readonly _tag: "Crash" }
  | { readonly _tag: "Stop" }

const handleCounter = (count: number, message: CounterMsg) => {
  switch (message._tag) {
    case "Add":
      return Effect.succeed(Actor.continue(count + message.n))
    case "Get":
      return Effect.as(Subject.send(message.replyTo, count), Actor.continue(count))
    case "Crash":
      return Effect.die(new Error("asked to crash"))
    case "Stop":
      return Effect.succeed(Actor.stop()) // exits Normal: nothing linked to it is signalled
  }
}

const getCount = (counter: Subject.Subject<CounterMsg>) =>
  Actor.call(counter, (replyTo): CounterMsg => ({ _tag: "Get", replyTo }), "1 second")

export const actor = Effect.gen(function*() {
  const counter = yield* Actor.new(0).pipe(Actor.onMessage(handleCounter), Actor.start)
  yield* Actor.send(counter.data, { _tag: "Add", n: 42 })
  yield* Console.log(`count: ${yield* getCount(counter.data)}`) // count: 42

  // A call never hangs or crashes the caller: a dead callee is a typed error.
  yield* Actor.send(counter.data, { _tag: "Stop" })
  yield* Console.log(`the counter exited: ${(yield* Process.awaitExit(counter.pid))._tag}`) // Normal
  const error = yield* Effect.flip(getCount(counter.data))
  yield* Console.log(`a call now fails with ${error._tag}`) // NoProcess (CallTimeout, CalleeDown: the others)
})

// --- 3. A supervisor restarts what crashes ------------------------------------------------------------------

/** A call that retries while the actor behind a named subject is being restarted. */
const retrying = <A, E extends { readonly _tag: string }>(call: Effect.Effect<A, E>) =>
  Effect.retry(call, {
    while: (error) => error._tag === "NoProcess" || error._tag === "CalleeDown",
    schedule: Schedule.spaced("10 millis"),
    times: 50
  })

export const supervisor = Effect.gen(function*() {
  // A named actor: the subject made from the name reaches whichever process holds it, also after a restart.
  const CounterName = Name.make<CounterMsg>("counter")
  const counter = Subject.named(CounterName)
  const sup = yield* StaticSupervisor.new("OneForOne").pipe(
    StaticSupervisor.restartSchedule(Schedule.exponential("10 millis")), // backoff between restarts
    StaticSupervisor.add(
      Supervision.worker(Actor.start(Actor.new(0).pipe(Actor.onMessage(handleCounter), Actor.named(CounterName))))
    ),
    StaticSupervisor.start
  )
  yield* Actor.send(counter, { _tag: "Add", n: 7 })
  yield* Actor.send(counter, { _tag: "Crash" })
  const count = yield* retrying(getCount(counter))
  const [child] = yield* StaticSupervisor.whichChildren(sup.data)
  yield* Console.log(`after the crash: count ${count}, restarts ${child?.restarts}`) // the state is lost, not the name
})

// --- 4. Tasks: compute elsewhere, await with a timeout ------------------------------------------------------

export const tasks = Effect.gen(function*() {
  const answer = yield* Task.async(Effect.succeed(6 * 7))
  const refused = yield* Task.async(Effect.fail("no, thanks" as const))
  yield* Console.log(`answer: ${yield* Task.await(answer, "1 second")}`)
  // A typed failure is a result, not a crash: it reaches `await` and the task exits Normal.
  yield* Console.log(`refused: ${yield* Effect.flip(Task.await(refused, "1 second"))}`)

  // Elixir's Task.async_stream: one task per item, bounded concurrency, results in order.
  const squares = yield* Task.asyncStream([1, 2, 3, 4], (n) => Effect.succeed(n * n), { maxConcurrency: 2 }).pipe(
    Stream.runCollect
  )
  yield* Console.log(`squares: ${Array.from(squares).join(", ")}`)
})

// --- 5. A supervision tree as Layers ------------------------------------------------------------------------

class Counter extends Context.Service<Counter, Subject.Subject<CounterMsg>>()("tour/Counter") {}
class Greeting extends Context.Service<Greeting, string>()("tour/Greeting") {}

const CounterLive = Actor.toLayer(Counter, Actor.new(0).pipe(Actor.onMessage(handleCounter)))
const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), CounterLive)
const GreetingLive = Task.toLayer(Greeting, Effect.succeed("hello from a layer"), "1 second") // computed at startup

export const layers = Effect.gen(function*() {
  const counter = yield* Counter // a named subject: stable across restarts
  yield* Console.log(yield* Greeting)
  yield* Actor.send(counter, { _tag: "Add", n: 1 })
  yield* Actor.send(counter, { _tag: "Crash" })
  yield* Console.log(`count after a restart: ${yield* retrying(getCount(counter))}`) // 0: only the state is lost
}).pipe(Effect.provide([AppLive, GreetingLive]))

// --- run the tour -------------------------------------------------------------------------------------------

const sections: Record<string, Effect.Effect<void, unknown, Scope.Scope>> = {
  processes,
  actor,
  supervisor,
  tasks,
  layers
}

if (process.argv[1]?.endsWith("tour.ts")) {
  const main = async () => {
    for (const [title, section] of Object.entries(sections)) {
      console.log(`--- ${title}`)
      // Each section runs on its own, in its own Scope: nothing it started outlives it.
      await Effect.runPromise(Effect.scoped(section))
    }
  }
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
