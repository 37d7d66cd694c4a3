import { afterEach, assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Option, References, Scope } from "effect"
import { TestClock } from "effect/testing"
import { Actor, Name, Process, Selector, Subject, System, Testing } from "../src/index.js"
import type { CounterMsg } from "./fixtures.js"
import { failureOf, handleCounter, noExitMessage, recordingTracer, trapped } from "./fixtures.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

/** The counter's messages, and more ways to end or to misbehave. */
type Message =
  | CounterMsg
  | { readonly _tag: "Die" }
  | { readonly _tag: "Stop" }
  | { readonly _tag: "StopAbnormal"; readonly reason: string }
  | { readonly _tag: "StopWith"; readonly reason: Process.ExitReason }
  | { readonly _tag: "Sleep"; readonly replyTo: Subject.Subject<number> }
  | { readonly _tag: "CallSelf"; readonly self: Subject.Subject<Message>; readonly replyTo: Subject.Subject<string> }

const handle = (count: number, message: Message): Effect.Effect<Actor.Next<number, Message>, string> => {
  switch (message._tag) {
    case "Add":
    case "Get":
      return handleCounter(count, message)
    case "Crash":
      return Effect.fail("handler failed")
    case "Die":
      return Effect.die(new Error("handler died"))
    case "Stop":
      return Effect.succeed(Actor.stop())
    case "StopAbnormal":
      return Effect.succeed(Actor.stopAbnormal(message.reason))
    case "StopWith":
      return Effect.succeed(Actor.stopWith(message.reason))
    case "Sleep":
      // never replies: the caller times out
      return Effect.succeed(Actor.continue(count))
    case "CallSelf":
      return Effect.gen(function*() {
        const result = yield* Effect.result(Subject.call(message.self, (replyTo: Subject.Subject<number>) => ({
          _tag: "Get" as const,
          replyTo
        })))
        yield* Subject.send(message.replyTo, result._tag === "Failure" ? result.failure._tag : "replied")
        return Actor.continue(count)
      })
  }
}

const counter = (initial = 0) => Actor.new(initial).pipe(Actor.onMessage(handle), Actor.start)
const get = (subject: Subject.Subject<Message>) =>
  Actor.call(subject, (replyTo: Subject.Subject<number>): Message => ({ _tag: "Get", replyTo }), "1 second")

describe("Actor", () => {
  describe("start", () => {
    it.effect("starts linked, with its subject as data; send updates the state", () =>
      Effect.gen(function*() {
        const actor = yield* counter()
        yield* Actor.send(actor.data, { _tag: "Add", n: 2 })
        yield* Actor.send(actor.data, { _tag: "Add", n: 3 })
        assert.strictEqual(yield* get(actor.data), 5)
        assert.isTrue(yield* Process.isAlive(actor.pid))
        assert.isFalse(yield* Process.link(actor.pid).pipe(Effect.map((linked) => !linked)))
      }))

    it.effect("a failed init returns InitFailed and the actor exits Normal", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const error = yield* Effect.flip(
          Actor.newWithInitialiser("1 second", (_: Subject.Subject<never>) => Effect.fail("no database")).pipe(
            Actor.start
          )
        )
        assert.strictEqual(error._tag, "InitFailed")
        assert.isTrue(error._tag === "InitFailed" && error.reason === "no database")
        assert.include(error.message, "no database")
        // no exit signal reached the caller
        yield* noExitMessage
      }))

    it.effect("an init that crashes gives InitExited and does not take the caller down", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          Actor.newWithInitialiser("1 second", (_: Subject.Subject<never>) => Effect.die("init crashed")).pipe(
            Actor.start
          )
        )
        assert.strictEqual(error._tag, "InitExited")
        assert.isTrue(error._tag === "InitExited" && error.reason._tag === "Abnormal")
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
      }))

    it.effect("an init that takes too long gives InitTimeout and no exit message", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const pids = yield* Subject.make<Process.Pid>()
        const starting = yield* Effect.forkChild(Effect.flip(
          Actor.newWithInitialiser("100 millis", (_: Subject.Subject<never>) =>
            Effect.flatMap(Process.self, (pid) =>
              Effect.andThen(Subject.send(pids, pid), Effect.never))).pipe(
              Actor.start
            )
        ))
        const pid = yield* Subject.receive(pids, "1 second")
        yield* TestClock.adjust("100 millis")
        const error = yield* Fiber.join(starting)
        assert.strictEqual(error._tag, "InitTimeout")
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Killed())
        yield* noExitMessage
      }))

    it.effect("newWithInitialiser: init runs in the actor, returning data and a custom selector", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        const other = yield* Subject.make<Subject.Subject<number>>()
        const actor = yield* Actor.newWithInitialiser(
          "1 second",
          (self: Subject.Subject<number>) =>
            Effect.gen(function*() {
              const pid = yield* Process.self
              const numbers = yield* Subject.make<number>()
              yield* Subject.send(other, numbers)
              return Actor.initialised<number, number>(0).pipe(
                Actor.selecting(Selector.make<number>().pipe(Selector.select(numbers))),
                Actor.returning({ pid, self })
              )
            })
        ).pipe(
          Actor.onMessage((state: number, n: number) => Effect.succeed(Actor.continue(state + n))),
          Actor.start
        )
        assert.isFalse(actor.data.pid === me)
        const numbers = yield* Subject.receive(other, "1 second")
        yield* Subject.send(numbers, 5)
        // the default subject is left out by the custom selector: its message stays queued, unhandled
        yield* Subject.send(actor.data.self, 100)
        assert.strictEqual(yield* System.getState(actor.pid), 5)
        const status = yield* System.getStatus(actor.pid)
        assert.strictEqual(status.messageQueueLength, 1)
      }))

    it.effect("a named actor can be called through a fresh named subject (new and newWithInitialiser)", () =>
      Effect.gen(function*() {
        const name = Name.make<Message>("counter")
        yield* Actor.new(10).pipe(Actor.onMessage(handle), Actor.named(name), Actor.start)
        assert.strictEqual(yield* get(Subject.named(name)), 10)

        const other = Name.make<Message>("initialised")
        const started = yield* Actor.newWithInitialiser(
          "1 second",
          (self: Subject.Subject<Message>) =>
            Effect.succeed(Actor.initialised<number, Message>(7).pipe(Actor.returning(self)))
        ).pipe(
          Actor.onMessage(handle),
          Actor.named(other),
          Actor.start
        )
        assert.strictEqual(yield* get(Subject.named(other)), 7)
        assert.strictEqual(yield* get(started.data), 7)
        const found = yield* Process.whereis(other)
        assert.isTrue(Option.isSome(found) && String(found.value) === String(started.pid))
      }))

    it.effect("a named actor whose name is taken fails to start with InitFailed", () =>
      Effect.gen(function*() {
        const name = Name.make<Message>("unique")
        yield* Actor.new(0).pipe(Actor.onMessage(handle), Actor.named(name), Actor.start)
        const error = yield* Effect.flip(Actor.new(0).pipe(Actor.onMessage(handle), Actor.named(name), Actor.start))
        assert.strictEqual(error._tag, "InitFailed")
        assert.include(error.message, name.key)
      }))
  })

  describe("the loop", () => {
    it.effect("a busy actor working through a backlog lets other fibers run in between", () =>
      Effect.gen(function*() {
        const n = 10_000
        const started = yield* Deferred.make<void>()
        let ticks = 0
        let ticksAtLast = -1
        const actor = yield* Actor.new(0).pipe(
          Actor.onMessage((seen: number, _: "work") => {
            if (seen === 0) Deferred.doneUnsafe(started, Exit.void)
            if (seen + 1 === n) ticksAtLast = ticks
            return Effect.succeed(Actor.continue(seen + 1))
          }),
          Actor.start
        )
        yield* System.suspend(actor.pid)
        for (let i = 0; i < n; i++) yield* Actor.send(actor.data, "work")
        // A fiber that ticks from the first message on, yielding after each tick.
        yield* Effect.forkScoped(
          Effect.andThen(
            Deferred.await(started),
            Effect.forever(Effect.andThen(Effect.sync(() => ticks++), Effect.yieldNow))
          )
        )
        yield* System.resume(actor.pid)
        while (ticksAtLast < 0) yield* Testing.eventLoopTurn
        // Handlers that answer at once are run in a plain loop; it yields after a batch, as Erlang preempts a
        // process after its reductions, so the ticking fiber got turns while the backlog was handled.
        assert.isAbove(ticksAtLast, 0)
      }))

    it.effect("an actor whose handler ended its own process handles no further queued message", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const handled: Array<number> = []
        const actor = yield* Actor.newWithInitialiser(
          "1 second",
          (_: Subject.Subject<number>) => Effect.map(Process.self, (pid) => Actor.initialised(pid))
        ).pipe(
          Actor.onMessage((me: Process.Pid, n: number) => {
            handled.push(n)
            // The handler's own JavaScript sends the exit signal (no effect for the loop to see).
            if (n === 10) Effect.runSync(Process.exit(me, ExitReason.Abnormal({ reason: "told to stop" })))
            return Effect.succeed(Actor.continue(me))
          }),
          Actor.start
        )
        yield* System.suspend(actor.pid)
        for (let i = 0; i < 100; i++) yield* Actor.send(actor.data, i)
        yield* System.resume(actor.pid)
        const reason = yield* Process.awaitExit(actor.pid)
        assert.deepStrictEqual(reason, ExitReason.Abnormal({ reason: "told to stop" }))
        assert.deepStrictEqual(handled, Array.from({ length: 11 }, (_, i) => i))
      }))

    it.effect("handles a 100,000-message backlog in order", () =>
      Effect.gen(function*() {
        type Push = { readonly n: number } | { readonly replyTo: Subject.Subject<boolean> }
        const actor = yield* Actor.new({ next: 0, ok: true }).pipe(
          Actor.onMessage((state, message: Push) => {
            if ("replyTo" in message) {
              return Effect.as(Subject.send(message.replyTo, state.ok && state.next === 100_000), Actor.continue(state))
            }
            return Effect.succeed(Actor.continue({ next: state.next + 1, ok: state.ok && message.n === state.next }))
          }),
          Actor.start
        )
        yield* System.suspend(actor.pid)
        for (let n = 0; n < 100_000; n++) yield* Actor.send(actor.data, { n })
        assert.strictEqual((yield* System.getStatus(actor.pid)).messageQueueLength, 100_000)
        yield* System.resume(actor.pid)
        assert.isTrue(yield* Actor.call(actor.data, (replyTo): Push => ({ replyTo }), "10 seconds"))
      }))

    it.effect("withSelector swaps what the actor receives: the old subject is no longer handled", () =>
      Effect.gen(function*() {
        const replies = yield* Subject.make<Subject.Subject<string>>()
        type In = { readonly _tag: "Swap" } | { readonly _tag: "Text"; readonly text: string }
        const actor = yield* Actor.newWithInitialiser(
          "1 second",
          (self: Subject.Subject<In>) =>
            Effect.succeed(Actor.initialised<Array<string>, In>([]).pipe(Actor.returning(self)))
        ).pipe(
          Actor.onMessage((log: Array<string>, message: In) =>
            Effect.gen(function*() {
              if (message._tag === "Text") return Actor.continue([...log, message.text])
              const fresh = yield* Subject.make<string>()
              yield* Subject.send(replies, fresh)
              const selector = Selector.make<In>().pipe(
                Selector.selectMap(fresh, (text): In => ({ _tag: "Text", text: `new:${text}` }))
              )
              return Actor.continue(log).pipe(Actor.withSelector(selector))
            })
          ),
          Actor.start
        )
        yield* Actor.send(actor.data, { _tag: "Text", text: "a" })
        yield* Actor.send(actor.data, { _tag: "Swap" })
        const fresh = yield* Subject.receive(replies, "1 second")
        yield* Actor.send(actor.data, { _tag: "Text", text: "ignored" })
        yield* Subject.send(fresh, "b")
        yield* Effect.repeat(System.getState(actor.pid), { until: (state) => (state as Array<string>).length === 2 })
        assert.deepStrictEqual(yield* System.getState(actor.pid), ["a", "new:b"])
        assert.strictEqual((yield* System.getStatus(actor.pid)).messageQueueLength, 1)
      }))

    it.effect("a linked, trapping parent sees a handler failure, a defect, stopAbnormal and kill with their reasons", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const crashed = yield* counter()
        yield* Actor.send(crashed.data, { _tag: "Crash" })
        const first = yield* Selector.receive(trapped, "1 second")
        assert.strictEqual(String(first.pid), String(crashed.pid))
        assert.deepStrictEqual(failureOf(first.reason), Option.some("handler failed"))

        const died = yield* counter()
        yield* Actor.send(died.data, { _tag: "Die" })
        const second = yield* Selector.receive(trapped, "1 second")
        assert.isTrue(second.reason._tag === "Abnormal" && Cause.hasDies(second.reason.reason as Cause.Cause<never>))

        const stopped = yield* counter()
        yield* Actor.send(stopped.data, { _tag: "StopAbnormal", reason: "enough" })
        assert.deepStrictEqual(
          (yield* Selector.receive(trapped, "1 second")).reason,
          ExitReason.Abnormal({ reason: "enough" })
        )

        const killed = yield* counter()
        yield* Process.kill(killed.pid)
        assert.deepStrictEqual((yield* Selector.receive(trapped, "1 second")).reason, ExitReason.Killed())
      }))

    it.effect("stop exits Normal and drops the rest of the mailbox; stopWith exits with any reason", () =>
      Effect.gen(function*() {
        const actor = yield* counter()
        yield* Actor.send(actor.data, { _tag: "Stop" })
        yield* Actor.send(actor.data, { _tag: "Add", n: 1 })
        assert.deepStrictEqual(yield* Process.awaitExit(actor.pid), ExitReason.Normal())
        assert.strictEqual(yield* Process.messageQueueLength(actor.pid), 0)

        yield* Process.trapExits(true)
        const other = yield* counter()
        yield* Actor.send(other.data, { _tag: "StopWith", reason: ExitReason.Shutdown() })
        assert.deepStrictEqual(yield* Process.awaitExit(other.pid), ExitReason.Shutdown())
      }))
  })

  describe("calls", () => {
    it.effect("a call that times out fails with CallTimeout, and the late reply is discarded", () =>
      Effect.gen(function*() {
        type Slow = { readonly replyTo: Subject.Subject<number> } | { readonly _tag: "Release" }
        const actor = yield* Actor.new<Option.Option<Subject.Subject<number>>, Slow>(Option.none()).pipe(
          Actor.onMessage((pending, message: Slow) => {
            if ("replyTo" in message) return Effect.succeed(Actor.continue(Option.some(message.replyTo)))
            return Effect.as(
              Option.match(pending, { onNone: () => Effect.void, onSome: (replyTo) => Subject.send(replyTo, 1) }),
              Actor.continue(Option.none())
            )
          }),
          Actor.start
        )
        const calling = yield* Effect.forkChild(
          Effect.result(Actor.call(actor.data, (replyTo) => ({ replyTo }), "1 second"))
        )
        yield* Effect.repeat(System.getState(actor.pid), {
          until: (state) => Option.isSome(state as Option.Option<unknown>)
        })
        yield* TestClock.adjust("1 second")
        const result = yield* Fiber.join(calling)
        assert.isTrue(result._tag === "Failure" && result.failure._tag === "CallTimeout")
        yield* Actor.send(actor.data, { _tag: "Release" })
        yield* Effect.repeat(System.getState(actor.pid), {
          until: (state) => Option.isNone(state as Option.Option<unknown>)
        })
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 0)
      }))

    it.effect("a call to a dead actor fails with NoProcess; one to an actor dying mid-call with CalleeDown", () =>
      Effect.gen(function*() {
        const dead = yield* counter()
        yield* Actor.send(dead.data, { _tag: "Stop" })
        yield* Process.awaitExit(dead.pid)
        assert.strictEqual((yield* Effect.flip(get(dead.data)))._tag, "NoProcess")

        yield* Process.trapExits(true)
        const dying = yield* counter()
        const error = yield* Effect.flip(
          Actor.call(dying.data, (): Message => ({ _tag: "StopAbnormal", reason: "mid-call" }), "1 second")
        )
        assert.isTrue(
          error._tag === "CalleeDown" && error.reason._tag === "Abnormal" && error.reason.reason === "mid-call"
        )
      }))

    it.effect("an actor calling itself gets CallingSelf, not a deadlock", () =>
      Effect.gen(function*() {
        const actor = yield* counter()
        const answer = yield* Actor.call(
          actor.data,
          (replyTo: Subject.Subject<string>): Message => ({ _tag: "CallSelf", self: actor.data, replyTo }),
          "1 second"
        )
        assert.strictEqual(answer, "CallingSelf")
      }))
  })

  describe("onTerminate", () => {
    const terminating = (log: Subject.Subject<string>) =>
      Actor.new(0).pipe(
        Actor.onMessage(handle),
        Actor.onTerminate((state, reason) => Subject.send(log, `terminated ${reason._tag} with ${state}`)),
        Actor.start
      )

    it.effect("runs on stop and stopAbnormal with the last state", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const actor = yield* terminating(log)
        yield* Actor.send(actor.data, { _tag: "Add", n: 4 })
        yield* Actor.send(actor.data, { _tag: "Stop" })
        assert.strictEqual(yield* Subject.receive(log, "1 second"), "terminated Normal with 4")
        yield* Process.trapExits(true)
        const other = yield* terminating(log)
        yield* Actor.send(other.data, { _tag: "StopAbnormal", reason: "x" })
        assert.strictEqual(yield* Subject.receive(log, "1 second"), "terminated Abnormal with 0")
      }))

    it.effect("runs on the Shutdown a closing scope (or a supervisor) sends", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const pid = yield* Effect.scoped(Effect.gen(function*() {
          const actor = yield* terminating(log)
          yield* Actor.send(actor.data, { _tag: "Add", n: 2 })
          assert.strictEqual(yield* get(actor.data), 2)
          return actor.pid
        }))
        assert.strictEqual(yield* Subject.receive(log, 0), "terminated Shutdown with 2")
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Shutdown())
        // a supervisor-style shutdown: an exit signal from the parent, which traps exits as supervisors do
        yield* Process.trapExits(true)
        const other = yield* Effect.scoped(Effect.gen(function*() {
          const actor = yield* terminating(log)
          yield* Process.exit(actor.pid, ExitReason.Shutdown())
          return yield* Process.awaitExit(actor.pid)
        }))
        assert.deepStrictEqual(other, ExitReason.Shutdown())
        assert.strictEqual(yield* Subject.receive(log, 0), "terminated Shutdown with 0")
      }))

    // Erlang (checked on OTP 25): a gen_server that traps exits terminates on any 'EXIT' from its parent, normal
    // included: terminate(normal, State) runs, the process exits normal; an 'EXIT' normal from another linked
    // process is only a message (handle_info), and the server goes on.
    it.effect("a Normal exit signal from its parent stops a trapping actor; a pending caller gets CalleeDown(Normal)", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const actor = yield* terminating(log)
        yield* Actor.send(actor.data, { _tag: "Add", n: 3 })
        // a call the actor never answers, pending when the parent's signal arrives
        const calling = yield* Effect.forkChild(Effect.flip(
          Actor.call(actor.data, (replyTo: Subject.Subject<number>): Message => ({ _tag: "Sleep", replyTo }), "1 hour")
        ))
        // the forked fiber starts in the dispatcher's next turn, scheduled before this one
        yield* Testing.settle()
        assert.strictEqual((yield* System.statistics(actor.pid)).messagesIn, 3, "Add, the call's request, this request")
        yield* Process.exit(actor.pid, ExitReason.Normal())
        assert.strictEqual(yield* Subject.receive(log, "1 second"), "terminated Normal with 3")
        assert.deepStrictEqual(yield* Process.awaitExit(actor.pid), ExitReason.Normal())
        const error = yield* Fiber.join(calling)
        assert.isTrue(error._tag === "CalleeDown" && error.reason._tag === "Normal", String(error))
      }))

    it.effect("the parent ending Normal stops a trapping actor it started into an outer scope", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const started = yield* Subject.make<Process.Pid>()
        const outer = yield* Scope.make()
        const parent = yield* Process.spawnUnlinked(
          Effect.flatMap(Scope.provide(terminating(log), outer), (actor) => Subject.send(started, actor.pid))
        )
        const actor = yield* Subject.receive(started, "1 second")
        assert.deepStrictEqual(yield* Process.awaitExit(parent), ExitReason.Normal())
        assert.strictEqual(yield* Subject.receive(log, "1 second"), "terminated Normal with 0")
        assert.deepStrictEqual(yield* Process.awaitExit(actor), ExitReason.Normal())
        yield* Scope.close(outer, Exit.void)
      }))

    it.effect("a Normal exit signal from a linked process that is not its parent is ignored by a trapping actor", () =>
      Effect.gen(function*() {
        const log = yield* Subject.make<string>()
        const actor = yield* terminating(log)
        const other = yield* Process.spawnUnlinked(Effect.flatMap(Process.link(actor.pid), () => Effect.void))
        assert.deepStrictEqual(yield* Process.awaitExit(other), ExitReason.Normal())
        yield* Actor.send(actor.data, { _tag: "Add", n: 5 })
        assert.strictEqual(yield* get(actor.data), 5)
        assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(log, 0))))
      }))

    it.effect("does not run on kill, nor when a handler crashes", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const log = yield* Subject.make<string>()
        const killed = yield* terminating(log)
        yield* Process.kill(killed.pid)
        yield* Process.awaitExit(killed.pid)
        const crashed = yield* terminating(log)
        yield* Actor.send(crashed.data, { _tag: "Crash" })
        yield* Process.awaitExit(crashed.pid)
        assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(log, 0))))
      }))
  })

  describe("observability", () => {
    it.effect("a handler's logs carry the actor's pid and name", () =>
      Effect.gen(function*() {
        const seen = yield* Subject.make<Record<string, unknown>>()
        const name = Name.make<"probe">("annotated")
        yield* Actor.new(0).pipe(
          Actor.onMessage((state, _: "probe") =>
            Effect.gen(function*() {
              const annotations = yield* References.CurrentLogAnnotations
              yield* Subject.send(seen, { ...annotations })
              return Actor.continue(state)
            })
          ),
          Actor.named(name),
          Actor.start,
          Effect.annotateLogs({ starter: "kept" })
        )
        yield* Actor.send(Subject.named(name), "probe")
        const annotations = yield* Subject.receive(seen, "1 second")
        assert.strictEqual(annotations.actor, name.key)
        assert.match(String(annotations.pid), /^<0\.\d+>$/)
        assert.strictEqual(annotations.starter, "kept")
      }))

    it.effect("under the native tracer, which exports nothing, a handler runs in the span the actor was started in", () =>
      Effect.gen(function*() {
        const seen = yield* Subject.make<string>()
        const name = Name.make<number>("untraced")
        const parent = yield* Effect.makeSpan("starter")
        yield* Actor.new(0).pipe(
          Actor.onMessage((state, _: number) =>
            Effect.gen(function*() {
              const span = yield* Effect.orDie(Effect.currentSpan)
              yield* Subject.send(seen, span.spanId)
              return Actor.continue(state)
            })
          ),
          Actor.named(name),
          Actor.start,
          Effect.withParentSpan(parent)
        )
        yield* Actor.send(Subject.named(name), 1)
        assert.strictEqual(yield* Subject.receive(seen, "1 second"), parent.spanId)
      }))

    it.effect("under an exporting tracer each message gets its own span, ended with the handler's exit", () =>
      Effect.gen(function*() {
        const { spans, tracer: recording } = yield* recordingTracer
        const actor = yield* Actor.new(0).pipe(
          Actor.onMessage((state, message: Message) =>
            message._tag === "Get" ?
              Effect.as(Subject.send(message.replyTo, state), Actor.continue(state)) :
              Effect.succeed(Actor.continue(state + 1))
          ),
          Actor.start,
          Effect.withTracer(recording)
        )
        yield* Actor.send(actor.data, { _tag: "Add", n: 1 })
        assert.strictEqual(
          yield* Actor.call(
            actor.data,
            (replyTo: Subject.Subject<number>): Message => ({ _tag: "Get", replyTo }),
            "1 second"
          ),
          1
        )
        const actorSpans = spans.filter((span) => span.attributes.get("otp.pid") === actor.pid.toString())
        assert.strictEqual(actorSpans.length, 2)
        assert.deepStrictEqual(actorSpans.map((span) => span.name), [actor.pid.toString(), actor.pid.toString()])
        assert.isTrue(actorSpans.every((span) => span.status._tag === "Ended"))
        assert.notStrictEqual(actorSpans[0].spanId, actorSpans[1].spanId)
      }))
  })

  it.effect("exit results are typed: Exit of a failed start is a Failure, not a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Actor.newWithInitialiser("1 second", (_: Subject.Subject<never>) => Effect.fail("nope")).pipe(Actor.start)
      )
      assert.isTrue(Exit.isFailure(exit) && Option.isSome(Cause.findErrorOption(exit.cause)))
    }))
})
