/**
 * gen_server's conveniences on actors: `withContinue` (handle_continue), `withIdleTimeout` (the timeout of a
 * gen_server's return) and `hibernate`. What Erlang does was checked on `erl` (OTP 25) with a gen_server running the
 * same scenarios (`test/erlang/conveniences.erl`, with its trace); the traces are quoted next to the tests that
 * follow them.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import { Actor, Process, Selector, Subject, System, Testing } from "../src/index.js"
import { stateOf } from "../src/internal/pid.js"

afterEach(Testing.leakCheck())

/**
 * The test actor's messages. Each one it handles is reported to the probe by its label; what comes next is asked by
 * the message: continue with more labels, arm an idle timeout, hibernate.
 */
type Msg =
  | { readonly _tag: "Note"; readonly label: string }
  | { readonly _tag: "Chain"; readonly labels: ReadonlyArray<string> }
  | { readonly _tag: "Arm"; readonly label: string; readonly after: Duration.Input; readonly hibernate?: boolean }
  | { readonly _tag: "Hibernate"; readonly label: string }
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }
  | { readonly _tag: "Slow"; readonly then: Msg }
  | { readonly _tag: "GetAndHibernate"; readonly replyTo: Subject.Subject<number> }

const note = (label: string): Msg => ({ _tag: "Note", label })
const timedOut = note("timeout")

/** The state counts the messages handled. */
const handler = (probe: Subject.Subject<string>) => (count: number, message: Msg) => {
  const next = Actor.continue<number, Msg>(count + 1)
  switch (message._tag) {
    case "Note":
      return Effect.as(Subject.send(probe, message.label), next)
    case "Chain": {
      const [first, ...rest] = message.labels
      return Effect.as(
        Subject.send(probe, first),
        rest.length === 0 ? next : next.pipe(Actor.withContinue({ _tag: "Chain", labels: rest }))
      )
    }
    case "Arm": {
      const armed = next.pipe(Actor.withIdleTimeout(message.after, timedOut))
      return Effect.as(Subject.send(probe, message.label), message.hibernate === true ? Actor.hibernate(armed) : armed)
    }
    case "Hibernate":
      return Effect.as(Subject.send(probe, message.label), Actor.hibernate(next))
    case "Get":
      return Effect.as(Subject.send(message.replyTo, count), Actor.continue(count))
    case "GetAndHibernate":
      return Effect.as(Subject.send(message.replyTo, count), Actor.hibernate(Actor.continue(count)))
    case "Slow":
      // busy for a second, then continues with `then`
      return Effect.as(Effect.sleep("1 second"), next.pipe(Actor.withContinue(message.then)))
  }
}

/** Starts the test actor; its initialiser sends it `Note("queued in init")` and answers `init(initialised(0))`. */
const start = (
  probe: Subject.Subject<string>,
  init: (initialised: Actor.Initialised<number, Msg, Actor.SelfSubject>) => Actor.Initialised<
    number,
    Msg,
    Actor.SelfSubject
  > = (initialised) => initialised
) =>
  Actor.newWithInitialiser(
    "1 second",
    (self: Subject.Subject<Msg>) =>
      Effect.as(Subject.send(self, note("queued in init")), init(Actor.initialised<number, Msg>(0)))
  ).pipe(
    Actor.onMessage(handler(probe)),
    Actor.start
  )

/** The test actor with its probe, once it has handled the message its initialiser sent it. */
const running = Effect.gen(function*() {
  const probe = yield* Testing.makeProbe<string>()
  const actor = yield* start(probe.subject)
  yield* probe.expectMessage("0 millis")
  return { actor, probe }
})

const get = (actor: Subject.Subject<Msg>) =>
  Actor.call(actor, (replyTo: Subject.Subject<number>): Msg => ({ _tag: "Get", replyTo }), "1 second")

describe("Actor.withContinue", () => {
  // erl: init sends itself a message, then returns {ok, S, {continue, c1}}; c1 returns {noreply, S, {continue, c2}}:
  // "continue c1", "continue c2", then "info queued_before_init_returned".
  it.effect("from init: handled before the message init queued, and continues chain before it too", () =>
    Effect.gen(function*() {
      const probe = yield* Testing.makeProbe<string>()
      const actor = yield* start(probe.subject, Actor.withContinue({ _tag: "Chain", labels: ["c1", "c2"] }))
      yield* Actor.send(actor.data, note("sent after start"))
      assert.deepStrictEqual(yield* probe.receiveN(4, "0 millis"), ["c1", "c2", "queued in init", "sent after start"])
      assert.strictEqual(yield* get(actor.data), 4)
    }))

  it.effect("from a handler: handled before the messages already queued, system messages included", () =>
    Effect.gen(function*() {
      const { actor, probe } = yield* running
      // Queued while the actor is busy with "Slow": a system message, then a message.
      yield* Actor.send(actor.data, { _tag: "Slow", then: note("continued") })
      yield* Testing.settle()
      const state = yield* Effect.forkChild(System.getState(actor.pid))
      yield* Testing.settle()
      yield* Actor.send(actor.data, note("queued"))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* probe.receiveN(2, "0 millis"), ["continued", "queued"])
      // The system message saw the state after the continue (3: init's message, "Slow", "continued"), and before
      // "queued". Sent to itself, "continued" would have come after both (2). gen_server runs handle_continue before
      // its loop receives again (gen_server.erl, loop/7).
      assert.strictEqual(yield* Fiber.join(state), 3)
    }))

  it.effect("from a handler: handled before a message queued behind it", () =>
    Effect.gen(function*() {
      const { actor, probe } = yield* running
      yield* Actor.send(actor.data, { _tag: "Chain", labels: ["go", "c1"] })
      yield* Actor.send(actor.data, note("queued"))
      assert.deepStrictEqual(yield* probe.receiveN(3, "0 millis"), ["go", "c1", "queued"])
    }))

  it("leaves a Stop as it is; the other modifiers keep it, and it keeps what they set", () => {
    assert.strictEqual(Actor.withContinue(Actor.stop(), note("x")), Actor.stop())
    const selector = Selector.make<Msg>()
    const next = Actor.continue<number, Msg>(1).pipe(
      Actor.withContinue(note("x")),
      Actor.withSelector(selector),
      Actor.hibernate,
      Actor.withIdleTimeout("1 second", timedOut)
    )
    assert.isTrue(next._tag === "Continue")
    if (next._tag !== "Continue") return
    assert.strictEqual(next.state, 1)
    assert.deepStrictEqual(next.continuation, Option.some(note("x")))
    assert.strictEqual(Option.getOrThrow(next.selector), selector)
    assert.isTrue(next.hibernate)
    assert.strictEqual(Duration.toMillis(Option.getOrThrow(next.idleTimeout).duration), 1000)
    const initialised = Actor.initialised<number, Msg>(0).pipe(
      Actor.withContinue(note("x")),
      Actor.selecting(selector),
      Actor.returning("data")
    )
    assert.deepStrictEqual(initialised.continuation, Option.some(note("x")))
    assert.strictEqual(initialised.data, "data")
  })
})

describe("Actor.withIdleTimeout", () => {
  it.effect("the actor gets the message after exactly `after` without messages, once: a handler asks to re-arm it", () =>
    Effect.gen(function*() {
      const { actor, probe } = yield* running
      yield* Actor.send(actor.data, { _tag: "Arm", label: "armed", after: "1 second" })
      yield* probe.expectMessage("0 millis")
      yield* probe.expectNoMessage("999 millis")
      assert.strictEqual(yield* probe.expectMessage("1 millis"), "timeout")
      // The timeout's own handler did not arm it again.
      yield* probe.expectNoMessage("2 seconds")
    }))

  it.effect("a message cancels it; the next wait has a timeout only if that message's handler asks", () =>
    Effect.gen(function*() {
      const { actor, probe } = yield* running
      yield* Actor.send(actor.data, { _tag: "Arm", label: "armed", after: "1 second" })
      yield* probe.expectMessage("0 millis")
      yield* TestClock.adjust("600 millis")
      yield* Actor.send(actor.data, note("touch"))
      assert.strictEqual(yield* probe.expectMessage("0 millis"), "touch")
      yield* probe.expectNoMessage("2 seconds")
      // armed again: the whole time again from the last message
      yield* Actor.send(actor.data, { _tag: "Arm", label: "armed again", after: "1 second" })
      yield* probe.expectMessage("0 millis")
      yield* TestClock.adjust("600 millis")
      yield* Actor.send(actor.data, { _tag: "Arm", label: "re-armed", after: "1 second" })
      yield* probe.expectMessage("0 millis")
      yield* probe.expectNoMessage("999 millis")
      assert.strictEqual(yield* probe.expectMessage("1 millis"), "timeout")
    }))

  // erl: a gen_server armed with {noreply, S, 100}; sys:get_state at 62 ms and 123 ms; timeout at 223 ms, 100 ms
  // after the last system message. Suspended at 11 ms for 200 ms: no timeout meanwhile; it fired 100 ms after resume.
  it.effect("a system message starts the wait again, whole; a suspended actor does not time out", () =>
    Effect.gen(function*() {
      const { actor, probe } = yield* running
      yield* Actor.send(actor.data, { _tag: "Arm", label: "armed", after: "100 millis" })
      yield* probe.expectMessage("0 millis")
      yield* probe.expectNoMessage("60 millis")
      assert.strictEqual(yield* System.getState(actor.pid), 2)
      yield* probe.expectNoMessage("60 millis")
      assert.strictEqual(yield* System.getState(actor.pid), 2)
      yield* probe.expectNoMessage("99 millis")
      assert.strictEqual(yield* probe.expectMessage("1 millis"), "timeout")

      yield* Actor.send(actor.data, { _tag: "Arm", label: "armed", after: "100 millis" })
      yield* probe.expectMessage("0 millis")
      yield* probe.expectNoMessage("10 millis")
      yield* System.suspend(actor.pid)
      yield* probe.expectNoMessage("200 millis")
      yield* System.resume(actor.pid)
      yield* probe.expectNoMessage("99 millis")
      assert.strictEqual(yield* probe.expectMessage("1 millis"), "timeout")
    }))

  // erl: init returns {ok, S, 0} after sending itself a message: the message is handled, and no timeout comes.
  it.effect("0: the message at once when nothing is queued; a queued message comes instead", () =>
    Effect.gen(function*() {
      const probe = yield* Testing.makeProbe<string>()
      const actor = yield* start(probe.subject, Actor.withIdleTimeout("0 millis", timedOut))
      assert.strictEqual(yield* probe.expectMessage("0 millis"), "queued in init")
      yield* probe.expectNoMessage("2 seconds")
      // from a handler, with nothing queued: at once, no time passes
      yield* Actor.send(actor.data, { _tag: "Arm", label: "armed", after: 0 })
      assert.deepStrictEqual(yield* probe.receiveN(2, "0 millis"), ["armed", "timeout"])
    }))

  it.effect("an actor that ends while its timeout is armed leaves no timer behind (the leak check)", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const { actor, probe } = yield* running
      yield* Actor.send(actor.data, { _tag: "Arm", label: "armed", after: "1 hour" })
      yield* probe.expectMessage("0 millis")
      yield* Process.kill(actor.pid)
      const other = yield* running
      yield* Actor.send(other.actor.data, { _tag: "Arm", label: "armed", after: "1 hour" })
      yield* other.probe.expectMessage("0 millis")
      // the second one ends with the test's scope
    }))

  it.effect("from init: the first wait times out like any other", () =>
    Effect.gen(function*() {
      const probe = yield* Testing.makeProbe<string>()
      yield* Actor.newWithInitialiser("1 second", (_: Subject.Subject<Msg>) =>
        Effect.succeed(Actor.initialised<number, Msg>(0).pipe(Actor.withIdleTimeout("5 seconds", timedOut)))).pipe(
          Actor.onMessage(handler(probe.subject)),
          Actor.start
        )
      yield* probe.expectNoMessage("4999 millis")
      assert.strictEqual(yield* probe.expectMessage("1 millis"), "timeout")
    }))

  it.effect("an invalid duration is a defect: the actor dies with it; from init, start fails with InitExited", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const probe = yield* Testing.makeProbe<string>()
      const error = yield* Effect.flip(start(probe.subject, Actor.withIdleTimeout(-1, timedOut)))
      assert.strictEqual(error._tag, "InitExited")
      const actor = yield* start(probe.subject)
      yield* probe.expectMessage("0 millis")
      yield* Actor.send(actor.data, { _tag: "Arm", label: "armed", after: "soon" as Duration.Input })
      const reason = yield* Testing.awaitExit(actor.pid, "1 second")
      assert.strictEqual(reason._tag, "Abnormal")
    }))
})

describe("Actor.hibernate", () => {
  it.effect("keeps the state, drops what the process kept for its next call, and wakes on the next message", () =>
    Effect.gen(function*() {
      const { actor, probe } = yield* running
      // A call leaves the callee's set of monitors allocated, empty, for the next one.
      assert.strictEqual(yield* get(actor.data), 1)
      const self = stateOf(actor.pid)
      assert.strictEqual(self.monitoredBy?.size, 0)
      yield* Actor.send(actor.data, { _tag: "Hibernate", label: "hibernating" })
      yield* probe.expectMessage("0 millis")
      assert.isUndefined(self.monitoredBy)
      // system messages are answered, and the next message is handled as usual
      assert.strictEqual(yield* System.getState(actor.pid), 2)
      yield* Actor.send(actor.data, note("woken"))
      assert.strictEqual(yield* probe.expectMessage("0 millis"), "woken")
      assert.strictEqual(yield* get(actor.data), 3)
    }))

  it.effect("replying and hibernating: the caller's entry is gone when the actor hibernates, idle", () =>
    Effect.gen(function*() {
      const { actor } = yield* running
      const self = stateOf(actor.pid)
      const call = (replyTo: Subject.Subject<number>): Msg => ({ _tag: "GetAndHibernate", replyTo })
      assert.strictEqual(yield* Actor.call(actor.data, call, "1 second"), 1)
      assert.isUndefined(self.monitoredBy)
      // a message that does not ask to hibernate: the next call leaves its set, as usual
      assert.strictEqual(yield* get(actor.data), 1)
      assert.strictEqual((self.monitoredBy as Set<unknown> | undefined)?.size, 0)
    }))

  it.effect("a link set back to one link, from init too; idle timeout and hibernate together", () =>
    Effect.gen(function*() {
      const probe = yield* Testing.makeProbe<string>()
      const actor = yield* start(
        probe.subject,
        (initialised) => initialised.pipe(Actor.hibernate, Actor.withIdleTimeout("1 second", timedOut))
      )
      // init's message came first, and cancelled the timeout
      yield* probe.expectMessage("0 millis")
      const self = stateOf(actor.pid)
      // Linked to the test; a second process links to it and unlinks: a set of one link is left.
      yield* Process.spawnUnlinked(Effect.andThen(Process.link(actor.pid), Process.unlink(actor.pid)))
      yield* Testing.settle()
      assert.instanceOf(self.links, Set)
      yield* Actor.send(actor.data, { _tag: "Hibernate", label: "hibernating" })
      yield* probe.expectMessage("0 millis")
      assert.isTrue((self.links as unknown) === stateOf(yield* Process.self))
      // A second link set; then an answer that both arms an idle timeout and hibernates: the actor hibernates (its
      // links are one again), and its timeout still comes.
      yield* Process.spawnUnlinked(Effect.andThen(Process.link(actor.pid), Process.unlink(actor.pid)))
      yield* Testing.settle()
      assert.instanceOf(self.links, Set)
      yield* Actor.send(actor.data, { _tag: "Arm", label: "armed", after: "1 second", hibernate: true })
      yield* probe.expectMessage("0 millis")
      assert.isTrue((self.links as unknown) === stateOf(yield* Process.self))
      assert.strictEqual(yield* probe.expectMessage("1 second"), "timeout")
    }))

  it("the message given is checked against the actor's message type, where the answer is returned", () => {
    type Session = { readonly _tag: "Touch" } | { readonly _tag: "Idle" }
    Actor.new(0).pipe(
      Actor.onMessage((n: number, _: Session) =>
        Effect.succeed(Actor.continue(n).pipe(Actor.withIdleTimeout("1 second", { _tag: "Idle" })))
      )
    )
    Actor.new(0).pipe(
      // @ts-expect-error: "Idel" is not a Session
      Actor.onMessage((n: number, _: Session) =>
        Effect.succeed(Actor.continue(n).pipe(Actor.withIdleTimeout("1 second", { _tag: "Idel" })))
      )
    )
    Actor.new(0).pipe(
      // @ts-expect-error: "Tuch" is not a Session
      Actor.onMessage((n: number, _: Session) =>
        Effect.succeed(Actor.continue(n).pipe(Actor.withContinue({ _tag: "Tuch" })))
      )
    )
    Actor.newWithInitialiser(
      "1 second",
      // @ts-expect-error: nor from an initialiser
      (_: Subject.Subject<Session>) =>
        Effect.succeed(Actor.initialised<number, Session>(0).pipe(Actor.withContinue({ _tag: "Tuch" })))
    ).pipe(Actor.onMessage((n: number, _: Session) => Effect.succeed(Actor.continue(n))))
  })
})
