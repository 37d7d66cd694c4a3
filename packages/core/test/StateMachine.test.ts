/**
 * StateMachine (gen_statem). The ordering tests replay scenarios run on Erlang/OTP 25 (a gen_statem with
 * `[handle_event_function, state_enter]` that logs `{State, Type, Content}` for every call, fed while suspended with
 * `sys:suspend`); each expected trace is the one `erl` printed, with Erlang's event types renamed:
 * cast → Message, internal → Internal, timeout → EventTimeout, state_timeout → StateTimeout,
 * {timeout, Name} → GenericTimeout, enter → enter (its content: the old state).
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Fiber, Logger, Option, References } from "effect"
import { TestClock } from "effect/testing"
import { Name, Process, StateMachine, StaticSupervisor, Subject, Supervision, System, Testing } from "../src/index.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

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
          (kind, value) =>
            kind === "Message" && value === "go" ?
              nextState(
                "b",
                0,
                stateTimeout<Msg>(0, "st"),
                genericTimeout<Msg>("g", 0, "gt"),
                eventTimeout<Msg>(0, "et"),
                nextEvent<Msg>("n1")
              ) :
              undefined,
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
          (kind, value) =>
            kind === "Message" && value === "go" ?
              nextState(
                "b",
                0,
                eventTimeout<Msg>(0, "et"),
                stateTimeout<Msg>(0, "st"),
                genericTimeout<Msg>("g", 0, "gt")
              ) :
              undefined,
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
          (kind, value) =>
            kind === "Message" && value === "go" ?
              keep(
                stateTimeout<Msg>(0, "first"),
                stateTimeout<Msg>(0, "second"),
                genericTimeout<Msg>("g", 0, "g1"),
                genericTimeout<Msg>("h", 0, "h1"),
                genericTimeout<Msg>("g", 0, "g2")
              ) :
              undefined,
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
          (kind, value) =>
            kind === "Message" && value === "go"
              ? keep(stateTimeout<Msg>(0, "st"), eventTimeout<Msg>(0, "et"))
              : undefined,
          ["go"]
        )
        const later = yield* scenario(
          (kind, value) =>
            kind === "Message" && value === "go"
              ? keep(stateTimeout<Msg>(0, "st"), eventTimeout<Msg>(100, "et"))
              : undefined,
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
        const { machine, trace } = yield* traced((kind, value) =>
          kind === "Message" && value === "arm" ? keep(eventTimeout<Msg>("100 millis", "et")) : undefined
        )
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

  describe("callback modes and typing", () => {
    type LockEvent =
      | { readonly _tag: "Button"; readonly digit: number }
      | { readonly _tag: "Lock" }
      | { readonly _tag: "IsOpen"; readonly replyTo: Subject.Subject<boolean> }
    type LockState = "Locked" | "Open"
    const code = [1, 2, 3]

    /** gen_statem's code lock: buttons pressed while open are postponed (Open lists no Button). */
    const lock = StateMachine.new<LockState, ReadonlyArray<number>, LockEvent>("Locked", []).pipe(
      StateMachine.onState<LockState, ReadonlyArray<number>, LockEvent, never, never>({
        Locked: {
          Button: (event, _, entered) => {
            const next = [...entered, event.event.digit]
            return Effect.succeed(
              next.join() === code.join() ?
                StateMachine.nextState<LockState, ReadonlyArray<number>>("Open", []) :
                StateMachine.keepState(next.length >= code.length ? [] : next)
            )
          },
          IsOpen: (event) => Effect.succeed(keep(StateMachine.reply(event.event.replyTo, false)))
        },
        Open: {
          Lock: () => Effect.succeed(StateMachine.nextState<LockState, ReadonlyArray<number>>("Locked", [])),
          IsOpen: (event) => Effect.succeed(keep(StateMachine.reply(event.event.replyTo, true)))
        }
      }),
      StateMachine.onEnter<LockState, ReadonlyArray<number>, LockEvent, never, never>((_, state) =>
        Effect.succeed(state === "Open" ? keep(stateTimeout<LockEvent>("10 seconds", { _tag: "Lock" })) : keep())
      )
    )
    const isOpen = (door: Subject.Subject<LockEvent>) =>
      Subject.call(door, (replyTo): LockEvent => ({ _tag: "IsOpen", replyTo }), "1 second")
    const press = (door: Subject.Subject<LockEvent>, digits: ReadonlyArray<number>) =>
      Effect.forEach(digits, (digit) => Subject.send(door, { _tag: "Button", digit }), { discard: true })

    it.effect("onState with event tables: the code lock opens, postpones buttons while open, and locks after 10 s", () =>
      Effect.gen(function*() {
        const door = yield* StateMachine.start(lock)
        yield* press(door.data, [1, 2, 4])
        assert.isFalse(yield* isOpen(door.data))
        yield* press(door.data, [1, 2, 3])
        assert.isTrue(yield* isOpen(door.data))
        // Pressed while open: postponed, retried once locked again.
        yield* press(door.data, [1, 2, 3])
        yield* TestClock.adjust("9999 millis")
        assert.isTrue(yield* isOpen(door.data))
        assert.deepStrictEqual(yield* System.getState(door.pid), { state: "Open", data: [] })
        yield* TestClock.adjust("1 millis")
        // The state timeout locked it; the three postponed buttons then opened it again.
        assert.isTrue(yield* isOpen(door.data))
        yield* TestClock.adjust("10 seconds")
        assert.isFalse(yield* isOpen(door.data))
      }))

    type Conn =
      | { readonly _tag: "Idle" }
      | { readonly _tag: "Connected"; readonly peer: string }
    type ConnEvent =
      | { readonly _tag: "Connect"; readonly peer: string }
      | { readonly _tag: "Who"; readonly replyTo: Subject.Subject<string> }

    it.effect("onState with tagged states: each handler gets its state narrowed; a postponed call is answered later", () =>
      Effect.gen(function*() {
        const machine = yield* StateMachine.new<Conn, number, ConnEvent>({ _tag: "Idle" }, 0).pipe(
          StateMachine.onState<Conn, number, ConnEvent, never, never>({
            Idle: (event, _state, count) =>
              Effect.succeed(
                event.event._tag === "Connect" ?
                  StateMachine.nextState<Conn, number>({ _tag: "Connected", peer: event.event.peer }, count + 1) :
                  keep(postpone)
              ),
            Connected: (event, state) =>
              Effect.succeed(
                event.event._tag === "Who" ? keep(StateMachine.reply(event.event.replyTo, state.peer)) : keep()
              )
          }),
          StateMachine.start
        )
        const who = yield* Effect.forkChild(
          Subject.call(machine.data, (replyTo): ConnEvent => ({ _tag: "Who", replyTo }), "1 second")
        )
        yield* Testing.settle()
        yield* Subject.send(machine.data, { _tag: "Connect", peer: "erl@host" })
        assert.strictEqual(yield* Fiber.join(who), "erl@host")
        // Equal states are no state change: a new object with the same fields is not one either (Equal.equals).
        assert.deepStrictEqual(yield* System.getState(machine.pid), {
          state: { _tag: "Connected", peer: "erl@host" },
          data: 1
        })
      }))

    it.effect("an enter call that changes the state crashes the machine (gen_statem's bad_state_enter_return)", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const machine = yield* StateMachine.new<string, number, Msg>("a", 0).pipe(
          StateMachine.onEnter<string, number, Msg, never, never>(() => Effect.succeed(nextState("elsewhere", 0))),
          StateMachine.start
        )
        const reason = yield* Process.awaitExit(machine.pid)
        assert.strictEqual(reason._tag, "Abnormal")
        assert.include(String(reason._tag === "Abnormal" ? reason.reason : ""), "bad_state_enter_return")
      }))
  })

  describe("stop, calls and terminate", () => {
    it.effect("stop replies, runs onTerminate with the state, data and reason, then exits with the reason", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const terminated: Array<string> = []
        const machine = yield* StateMachine.new<string, number, Msg>("a", 7).pipe(
          StateMachine.onEvent<string, number, Msg, never, never>((event) =>
            Effect.succeed(
              typeof event.event === "string" ?
                keep() :
                StateMachine.stop(
                  ExitReason.Abnormal({ reason: "done" }),
                  StateMachine.reply(event.event.replyTo, "bye")
                )
            )
          ),
          StateMachine.onTerminate<string, number, never>((state, data, reason) =>
            Effect.sync(() => terminated.push(`${state} ${data} ${reason._tag}`))
          ),
          StateMachine.start
        )
        const answer = yield* Subject.call(machine.data, (replyTo): Msg => ({ _tag: "Get", replyTo }), "1 second")
        assert.strictEqual(answer, "bye")
        assert.deepStrictEqual(yield* Process.awaitExit(machine.pid), ExitReason.Abnormal({ reason: "done" }))
        assert.deepStrictEqual(terminated, ["a 7 Abnormal"])
        // A call to the stopped machine fails at once: its process is gone.
        const failed = yield* Effect.flip(
          Subject.call(machine.data, (replyTo): Msg => ({ _tag: "Get", replyTo }), "1 second")
        )
        assert.include(["NoProcess", "CalleeDown"], failed._tag)
      }))

    it.effect("a call the machine never answers fails with CalleeDown when it stops, without hanging", () =>
      Effect.gen(function*() {
        const machine = yield* StateMachine.new<string, number, Msg>("a", 0).pipe(
          StateMachine.onEvent<string, number, Msg, never, never>((event) =>
            Effect.succeed(event.event === "stop" ? StateMachine.stop() : keep(postpone))
          ),
          StateMachine.start
        )
        const call = yield* Effect.forkChild(Effect.flip(
          Subject.call(machine.data, (replyTo): Msg => ({ _tag: "Get", replyTo }), "1 minute")
        ))
        yield* Testing.settle()
        yield* Subject.send(machine.data, "stop")
        assert.strictEqual((yield* Fiber.join(call))._tag, "CalleeDown")
      }))
  })

  describe("as an actor", () => {
    it.effect("System: getState, replaceState, getStatus, suspend/resume and statistics work on a state machine", () =>
      Effect.gen(function*() {
        const { machine, trace } = yield* traced((kind, value) =>
          kind === "Message" && value === "go" ? nextState("b", 1) : undefined
        )
        assert.deepStrictEqual(yield* System.getState(machine.pid), { state: "a", data: 0 })
        yield* System.suspend(machine.pid)
        yield* Subject.send(machine.data, "go")
        const status = yield* System.getStatus(machine.pid)
        assert.strictEqual(status.mode, "suspended")
        assert.strictEqual(status.messageQueueLength, 1)
        assert.deepStrictEqual(yield* System.replaceState(machine.pid, () => ({ state: "c", data: 5 })), {
          state: "c",
          data: 5
        })
        yield* System.resume(machine.pid)
        yield* Testing.settle()
        assert.deepStrictEqual(trace.slice(-2), ["c Message go", "b enter c"])
        assert.deepStrictEqual(yield* System.getState(machine.pid), { state: "b", data: 1 })
        // Received: one event and seven system messages (the statistics request included).
        assert.strictEqual((yield* System.statistics(machine.pid)).messagesIn, 8)
        assert.strictEqual(Option.getOrThrow(yield* Process.info(machine.pid)).kind, "actor")
      }))

    it.effect("start: an init that fails gives InitFailed, one that takes too long InitTimeout", () =>
      Effect.gen(function*() {
        const failed = yield* Effect.flip(StateMachine.start(
          StateMachine.newWithInitialiser("1 second", (_: Subject.Subject<Msg>) => Effect.fail("no config"))
        ))
        assert.strictEqual(failed._tag, "InitFailed")
        const slow = yield* Effect.forkChild(Effect.flip(StateMachine.start(
          StateMachine.newWithInitialiser("100 millis", (_: Subject.Subject<Msg>) => Effect.never)
        )))
        yield* TestClock.adjust("100 millis")
        assert.strictEqual((yield* Fiber.join(slow))._tag, "InitTimeout")
      }))

    it.effect("a handler that dies crashes the machine with a crash report naming the last event", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const logged: Array<{ message: string; report: unknown; last: unknown }> = []
        const logger = Logger.make<unknown, void>(({ fiber, message }) => {
          const annotations = fiber.getRef(References.CurrentLogAnnotations)
          logged.push({
            message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
            report: annotations.otp_report,
            last: annotations.last_event
          })
        })
        const machine = yield* StateMachine.new<string, number, Msg>("a", 0).pipe(
          StateMachine.onEvent<string, number, Msg, never, never>(() => Effect.die(new Error("boom"))),
          StateMachine.reportState<string, number>((state, data) => `${state}/${data}`),
          StateMachine.start,
          Effect.provideService(Logger.CurrentLoggers, new Set([logger]))
        )
        yield* Subject.send(machine.data, "x")
        const reason = yield* Process.awaitExit(machine.pid)
        assert.strictEqual(reason._tag, "Abnormal")
        const report = logged.find((entry) => entry.report === "crash_report")
        assert.isDefined(report)
        assert.include(report!.message, "state machine")
        assert.deepStrictEqual(report!.last, { _tag: "Message", event: "x" })
      }))

    const restartable = (name: Name.Name<Msg>) =>
      StateMachine.new<string, number, Msg>("a", 0).pipe(
        StateMachine.onEvent<string, number, Msg, never, never>((event, state, data) => {
          if (event.event === "crash") return Effect.die(new Error("crash"))
          if (typeof event.event !== "string") {
            return Effect.succeed(keep(StateMachine.reply(event.event.replyTo, `${state}${data}`)))
          }
          return Effect.succeed(nextState("b", data + 1))
        }),
        StateMachine.named(name)
      )
    const ask = (name: Name.Name<Msg>) =>
      Subject.call(Subject.named(name), (replyTo): Msg => ({ _tag: "Get", replyTo }), "1 second")

    it.effect("a StaticSupervisor restarts a crashed state machine in its initial state", () =>
      Effect.gen(function*() {
        const name = Name.make<Msg>("statem")
        const sup = yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.add(Supervision.worker(StateMachine.start(restartable(name)))),
          StaticSupervisor.start
        )
        yield* Subject.send(Subject.named(name), "go")
        assert.strictEqual(yield* ask(name), "b1")
        yield* Subject.send(Subject.named(name), "crash")
        yield* Testing.awaitRestart(sup.data, 0, "1 second")
        assert.strictEqual(yield* ask(name), "a0")
      }))

    it.effect("toLayer: the machine runs under the layer's supervisor, reached through a stable subject", () =>
      Effect.gen(function*() {
        class Machine extends Context.Service<Machine, Subject.Subject<Msg>>()("test/Machine") {}
        const live = StaticSupervisor.layer(
          StaticSupervisor.new("OneForOne"),
          StateMachine.toLayer(Machine, restartable(Name.make<Msg>("layered")))
        )
        const answer = yield* Effect.gen(function*() {
          const machine = yield* Machine
          yield* Subject.send(machine, "go")
          return yield* Subject.call(machine, (replyTo): Msg => ({ _tag: "Get", replyTo }), "1 second")
        }).pipe(Effect.provide(live))
        assert.strictEqual(answer, "b1")
      }))
  })
})
