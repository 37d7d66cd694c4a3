/**
 * StateMachine (gen_statem). The ordering tests replay scenarios run on Erlang/OTP 25 (a gen_statem with
 * `[handle_event_function, state_enter]` that logs `{State, Type, Content}` for every call, fed while suspended with
 * `sys:suspend`); each expected trace is the one `erl` printed, with Erlang's event types renamed:
 * cast → Message, internal → Internal, timeout → EventTimeout, state_timeout → StateTimeout,
 * {timeout, Name} → GenericTimeout, enter → enter (its content: the old state).
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import { StateMachine, Subject, System, Testing } from "../src/index.js"

afterEach(Testing.leakCheck())

type Msg = string | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<string> }
type Transition = StateMachine.Transition<string, number, Msg>
type Rules = (kind: string, value: unknown, state: string) => Transition | undefined

const keep = StateMachine.keepStateAndData
const label = (event: StateMachine.Event<Msg>) =>
  event._tag === "GenericTimeout" ? `GenericTimeout:${event.name}` : event._tag
const show = (value: Msg) => typeof value === "string" ? value : value._tag

/**
 * A machine in state "a" with data 0 that logs `state kind value` for every event and enter call and answers what
 * `rules` say (keepStateAndData otherwise); init's actions are `init`.
 */
const traced = (rules: Rules, init: ReadonlyArray<StateMachine.Action<Msg>> = []) =>
  Effect.gen(function*() {
    const trace: Array<string> = []
    const machine = yield* StateMachine.newWithInitialiser(
      "1 second",
      (_: Subject.Subject<Msg>) => Effect.succeed(StateMachine.initialised<string, number, Msg>("a", 0, ...init))
    ).pipe(
      StateMachine.onEvent<string, number, Msg, never, never>((event, state) => {
        trace.push(`${state} ${label(event)} ${show(event.event)}`)
        return Effect.succeed(rules(event._tag, event.event, state) ?? keep())
      }),
      StateMachine.onEnter<string, number, Msg, never, never>((old, state) => {
        trace.push(`${state} enter ${old}`)
        return Effect.succeed(rules("enter", old, state) ?? keep())
      }),
      StateMachine.start
    )
    return { trace, machine }
  })

/** Sends `messages` while the machine is suspended, so that they are all queued when it resumes (as on erl). */
const feed = (machine: StateMachine.Started<Subject.Subject<Msg>>, messages: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    yield* System.suspend(machine.pid)
    for (const message of messages) yield* Subject.send(machine.data, message)
    yield* System.resume(machine.pid)
    yield* Testing.settle()
  })

const scenario = (rules: Rules, messages: ReadonlyArray<string>, init: ReadonlyArray<StateMachine.Action<Msg>> = []) =>
  Effect.gen(function*() {
    const { machine, trace } = yield* traced(rules, init)
    yield* feed(machine, messages)
    return trace
  })

const { eventTimeout, genericTimeout, nextEvent, nextState, postpone, stateTimeout } = StateMachine

/** Rules that answer `answer` to the message `trigger`, and keep the state and data otherwise. */
const on = (trigger: string, answer: Transition): Rules => (kind, value) =>
  kind === "Message" && value === trigger ? answer : undefined

describe("StateMachine", () => {
  describe("event order (each trace as erl printed it)", () => {
    it.effect("after a state change: inserted events, then postponed ones in their order, then the mailbox", () =>
      Effect.gen(function*() {
        const trace = yield* scenario((kind, value, state) => {
          if (kind !== "Message" || state !== "a") return undefined
          if (value === "go") return nextState("b", 0, nextEvent<Msg>("n1"), nextEvent<Msg>("n2"))
          return value === "x" || value === "y" ? keep(postpone) : undefined
        }, ["x", "y", "go", "z"])
        assert.deepStrictEqual(trace, [
          "a enter a",
          "a Message x",
          "a Message y",
          "a Message go",
          "b enter a",
          "b Internal n1",
          "b Internal n2",
          "b Message x",
          "b Message y",
          "b Message z"
        ])
      }))

    it.effect("an event postponed by the transition that changes the state is retried last of the postponed", () =>
      Effect.gen(function*() {
        const trace = yield* scenario((kind, value, state) => {
          if (kind !== "Message" || state !== "a") return undefined
          if (value === "go") return nextState("b", 0, postpone, nextEvent<Msg>("n"))
          return value === "x" ? keep(postpone) : undefined
        }, ["x", "go", "z"])
        assert.deepStrictEqual(trace.slice(3), [
          "b enter a",
          "b Internal n",
          "b Message x",
          "b Message go",
          "b Message z"
        ])
      }))

    it.effect("an event postponed again stays postponed until the next state change", () =>
      Effect.gen(function*() {
        const trace = yield* scenario((kind, value, state) => {
          if (kind !== "Message") return undefined
          if (value === "y" || (value === "x" && state === "a")) return keep(postpone)
          if (value === "go" && state === "a") return nextState("b", 0)
          return value === "x" && state === "b" ? nextState("c", 0) : undefined
        }, ["x", "y", "go", "z"])
        assert.deepStrictEqual(trace.slice(4), ["b enter a", "b Message x", "c enter b", "c Message y", "c Message z"])
      }))

    it.effect("timeouts of 0 come after the inserted events, before the mailbox; the event timeout is not started then", () =>
      Effect.gen(function*() {
        const trace = yield* scenario(
          on(
            "go",
            nextState(
              "b",
              0,
              stateTimeout<Msg>(0, "st"),
              genericTimeout<Msg>("g", 0, "gt"),
              eventTimeout<Msg>(0, "et"),
              nextEvent<Msg>("n1")
            )
          ),
          ["go", "z"]
        )
        assert.deepStrictEqual(trace.slice(2), [
          "b enter a",
          "b Internal n1",
          "b StateTimeout st",
          "b GenericTimeout:g gt",
          "b Message z"
        ])
      }))

    it.effect("timeouts of 0 are handled in the order of their actions, before the mailbox", () =>
      Effect.gen(function*() {
        const trace = yield* scenario(
          on(
            "go",
            nextState(
              "b",
              0,
              eventTimeout<Msg>(0, "et"),
              stateTimeout<Msg>(0, "st"),
              genericTimeout<Msg>("g", 0, "gt")
            )
          ),
          ["go", "z"]
        )
        assert.deepStrictEqual(trace.slice(3), [
          "b EventTimeout et",
          "b StateTimeout st",
          "b GenericTimeout:g gt",
          "b Message z"
        ])
      }))

    it.effect("of several timeouts of one kind the last wins, in the place of that last one", () =>
      Effect.gen(function*() {
        const trace = yield* scenario(
          on(
            "go",
            keep(
              stateTimeout<Msg>(0, "first"),
              stateTimeout<Msg>(0, "second"),
              genericTimeout<Msg>("g", 0, "g1"),
              genericTimeout<Msg>("h", 0, "h1"),
              genericTimeout<Msg>("g", 0, "g2")
            )
          ),
          ["go"]
        )
        assert.deepStrictEqual(trace.slice(2), [
          "a StateTimeout second",
          "a GenericTimeout:h h1",
          "a GenericTimeout:g g2"
        ])
      }))

    it.effect("a queued timeout of 0 cancels the event timeout when handled (any event does)", () =>
      Effect.gen(function*() {
        const zero = yield* scenario(
          on("go", keep(stateTimeout<Msg>(0, "st"), eventTimeout<Msg>(0, "et"))),
          ["go"]
        )
        const later = yield* scenario(
          on("go", keep(stateTimeout<Msg>(0, "st"), eventTimeout<Msg>(100, "et"))),
          ["go"]
        )
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(zero.slice(2), ["a StateTimeout st"])
        assert.deepStrictEqual(later.slice(2), ["a StateTimeout st"])
      }))

    it.effect("the enter call's timeouts override the handler's; an event timeout is not started with inserted events", () =>
      Effect.gen(function*() {
        const trace = yield* scenario((kind, value, state) => {
          if (kind === "enter" && state === "b") {
            return keep(eventTimeout<Msg>(0, "fromenter"), stateTimeout<Msg>(0, "st_enter"))
          }
          return kind === "Message" && value === "go" ?
            nextState(
              "b",
              0,
              eventTimeout<Msg>(0, "fromhandler"),
              nextEvent<Msg>("n"),
              stateTimeout<Msg>(50, "st_handler")
            ) :
            undefined
        }, ["go"])
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(trace.slice(2), ["b enter a", "b Internal n", "b StateTimeout st_enter"])
      }))

    it.effect("repeatState runs the enter call again (old state = the state) and does not retry postponed events", () =>
      Effect.gen(function*() {
        const trace = yield* scenario((kind, value) => {
          if (kind !== "Message") return undefined
          if (value === "x") return keep(postpone)
          return value === "go" ? StateMachine.repeatStateAndData(stateTimeout<Msg>(0, "st")) : undefined
        }, ["x", "go"])
        assert.deepStrictEqual(trace, ["a enter a", "a Message x", "a Message go", "a enter a", "a StateTimeout st"])
      }))

    it.effect("init: the enter call for the initial state runs first, then init's inserted events", () =>
      Effect.gen(function*() {
        const trace = yield* scenario(
          (kind) => kind === "enter" ? keep(stateTimeout<Msg>(0, "st0")) : undefined,
          [],
          [nextEvent<Msg>("i1"), eventTimeout<Msg>(0, "et0")]
        )
        assert.deepStrictEqual(trace, ["a enter a", "a Internal i1", "a StateTimeout st0"])
      }))

    it.effect("an enter call may answer nextState to its own state (no state change)", () =>
      Effect.gen(function*() {
        const trace = yield* scenario((kind, value, state) => {
          if (kind === "enter" && state === "b") return nextState("b", 0, stateTimeout<Msg>(0, "st"))
          return kind === "Message" && value === "go" ? nextState("b", 0) : undefined
        }, ["go"])
        assert.deepStrictEqual(trace.slice(2), ["b enter a", "b StateTimeout st"])
      }))
  })

  describe("timeouts on the clock", () => {
    it.effect("an event timeout fires after its time, unless any event comes first", () =>
      Effect.gen(function*() {
        const { machine, trace } = yield* traced(on("arm", keep(eventTimeout<Msg>("100 millis", "et"))))
        yield* Subject.send(machine.data, "arm")
        yield* TestClock.adjust("50 millis")
        yield* Subject.send(machine.data, "other")
        yield* TestClock.adjust("100 millis")
        assert.deepStrictEqual(trace.slice(1), ["a Message arm", "a Message other"])
        yield* Subject.send(machine.data, "arm")
        yield* TestClock.adjust("99 millis")
        assert.strictEqual(trace.length, 4)
        yield* TestClock.adjust("1 millis")
        assert.deepStrictEqual(trace.slice(4), ["a EventTimeout et"])
      }))

    it.effect("a timeout that expired behind the event that cancels or restarts it is not handled (erl: flushed)", () =>
      Effect.gen(function*() {
        const { machine, trace } = yield* traced((kind, value) => {
          if (kind !== "Message") return undefined
          if (value === "arm") return keep(eventTimeout<Msg>("100 millis", "et"))
          if (value === "armState") return keep(stateTimeout<Msg>("100 millis", "st"))
          return value === "rearmState" ? keep(stateTimeout<Msg>("1 second", "st2")) : undefined
        })
        /** Arms a timer, then queues `then` while suspended, and lets the timer expire behind it. */
        const expireBehind = (arm: string, then: string) =>
          Effect.gen(function*() {
            yield* Subject.send(machine.data, arm)
            yield* Testing.settle()
            yield* System.suspend(machine.pid)
            yield* Subject.send(machine.data, then)
            yield* TestClock.adjust("200 millis")
            yield* System.resume(machine.pid)
            yield* Testing.settle()
          })
        yield* expireBehind("arm", "x")
        yield* expireBehind("armState", "rearmState")
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(trace.slice(1), [
          "a Message arm",
          "a Message x",
          "a Message armState",
          "a Message rearmState",
          "a StateTimeout st2"
        ])
      }))

    it.effect("a state timeout survives keepState, restarts when set again, and is cancelled by a state change", () =>
      Effect.gen(function*() {
        const { machine, trace } = yield* traced((kind, value, state) => {
          if (kind !== "Message") return undefined
          if (value === "arm") return keep(stateTimeout<Msg>("100 millis", `st-${state}`))
          return value === "move" ? nextState(state === "a" ? "b" : "a", 0) : undefined
        })
        yield* Subject.send(machine.data, "arm")
        yield* TestClock.adjust("60 millis")
        yield* Subject.send(machine.data, "stay")
        yield* TestClock.adjust("40 millis")
        assert.deepStrictEqual(trace.slice(-1), ["a StateTimeout st-a"])
        yield* Subject.send(machine.data, "arm")
        yield* TestClock.adjust("60 millis")
        yield* Subject.send(machine.data, "arm") // restarted: fires 100 ms from now
        yield* TestClock.adjust("60 millis")
        assert.deepStrictEqual(trace.slice(-1), ["a Message arm"])
        yield* TestClock.adjust("40 millis")
        assert.deepStrictEqual(trace.slice(-1), ["a StateTimeout st-a"])
        yield* Subject.send(machine.data, "arm")
        yield* Subject.send(machine.data, "move")
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(trace.slice(-2), ["a Message move", "b enter a"])
      }))

    it.effect("a generic timeout survives state changes; infinity and cancelTimeout cancel it", () =>
      Effect.gen(function*() {
        const { machine, trace } = yield* traced((kind, value, state) => {
          if (kind !== "Message") return undefined
          if (value === "go") {
            return nextState(
              "b",
              0,
              genericTimeout<Msg>("g1", "50 millis", "g1"),
              genericTimeout<Msg>("g2", "60 millis", "g2"),
              genericTimeout<Msg>("g3", "70 millis", "g3"),
              stateTimeout<Msg>("80 millis", "st")
            )
          }
          if (value === "m") {
            return nextState(
              state === "b" ? "c" : "b",
              0,
              genericTimeout<Msg>("g1", Duration.infinity, "never"),
              StateMachine.cancelTimeout("g2")
            )
          }
          return undefined
        })
        yield* Subject.send(machine.data, "go")
        yield* TestClock.adjust("20 millis")
        yield* Subject.send(machine.data, "m")
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(trace.slice(1), [
          "a Message go",
          "b enter a",
          "b Message m",
          "c enter b",
          "c GenericTimeout:g3 g3"
        ])
      }))

    it.effect("cancelStateTimeout cancels it; an event timeout of infinity starts nothing", () =>
      Effect.gen(function*() {
        const { machine, trace } = yield* traced((kind, value) => {
          if (kind !== "Message") return undefined
          if (value === "arm") {
            return keep(stateTimeout<Msg>("10 millis", "st"), eventTimeout<Msg>(Duration.infinity, "et"))
          }
          return value === "cancel" ? keep(StateMachine.cancelStateTimeout) : undefined
        })
        yield* Subject.send(machine.data, "arm")
        yield* Subject.send(machine.data, "cancel")
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(trace.slice(1), ["a Message arm", "a Message cancel"])
      }))
  })
})
