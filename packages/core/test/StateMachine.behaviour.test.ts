/**
 * StateMachine (gen_statem) as a behaviour: both callback modes with their typing, stop and calls, and what it shares
 * with actors (System messages, start errors, crash reports, spans, metrics, supervision, layers). The event orderings
 * are in `StateMachine.test.ts`.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Logger, Metric, Option, References } from "effect"
import { TestClock } from "effect/testing"
import {
  Metrics,
  Name,
  Process,
  StateMachine,
  StaticSupervisor,
  Subject,
  Supervision,
  System,
  Testing
} from "../src/index.js"
import { recordingTracer, spawnWithSubject } from "./fixtures.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

type Msg = string | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<string> }

const keep = StateMachine.keepStateAndData
const { nextState, postpone, stateTimeout } = StateMachine

/** A machine in state "a", data 0, that goes to "b" (data + 1) on "go" and logs `state message` for each event. */
const logging = () =>
  Effect.gen(function*() {
    const trace: Array<string> = []
    const machine = yield* StateMachine.new<string, number, Msg>("a", 0).pipe(
      StateMachine.onEvent<string, number, Msg, never, never>((event, state, data) => {
        trace.push(`${state} ${typeof event.event === "string" ? event.event : event.event._tag}`)
        return Effect.succeed(event.event === "go" ? nextState("b", data + 1) : keep())
      }),
      StateMachine.start
    )
    return { machine, trace }
  })

describe("StateMachine as a behaviour", () => {
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

    it.effect("stop with an action other than a reply crashes the machine, after the replies before it (erl)", () =>
      Effect.gen(function*() {
        // On erl, {stop_and_reply, normal, [postpone]} and [{state_timeout, cancel}] both exit with
        // {bad_reply_action_from_state_function, Action}; the replies before the bad action are sent. (The types
        // refuse it, see StateMachine.types.test.ts; JavaScript does not.)
        const untyped = postpone as unknown as StateMachine.ReplyAction
        yield* Process.trapExits(true)
        const machine = yield* StateMachine.new<string, number, Msg>("a", 0).pipe(
          StateMachine.onEvent<string, number, Msg, never, never>((event) =>
            Effect.succeed(
              typeof event.event === "string" ?
                keep() :
                StateMachine.stop(undefined, StateMachine.reply(event.event.replyTo, "bye"), untyped)
            )
          ),
          StateMachine.start
        )
        const answer = yield* Subject.call(machine.data, (replyTo): Msg => ({ _tag: "Get", replyTo }), "1 second")
        assert.strictEqual(answer, "bye")
        const reason = yield* Process.awaitExit(machine.pid)
        assert.strictEqual(reason._tag, "Abnormal")
        assert.include(String(reason._tag === "Abnormal" ? reason.reason : ""), "bad_reply_action_from_state_function")
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
        // A call to the stopped machine fails at once with NoProcess (gen_statem:call exits noproc): its process is gone.
        const failed = yield* Effect.flip(
          Subject.call(machine.data, (replyTo): Msg => ({ _tag: "Get", replyTo }), "1 second")
        )
        assert.strictEqual(failed._tag, "NoProcess")
      }))

    it.effect("onTerminate runs when its parent stops it (its scope closes), with the state and data of then", () =>
      Effect.gen(function*() {
        const terminated: Array<string> = []
        const pid = yield* Effect.scoped(Effect.gen(function*() {
          const machine = yield* StateMachine.new<string, number, Msg>("a", 0).pipe(
            StateMachine.onEvent<string, number, Msg, never, never>((event, _, data) =>
              Effect.succeed(event.event === "go" ? nextState("b", data + 1) : keep())
            ),
            StateMachine.onTerminate<string, number, never>((state, data, reason) =>
              Effect.sync(() => terminated.push(`${state} ${data} ${reason._tag}`))
            ),
            StateMachine.start
          )
          yield* Subject.send(machine.data, "go")
          yield* Testing.settle()
          return machine.pid
        }))
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Shutdown())
        assert.deepStrictEqual(terminated, ["b 1 Shutdown"])
      }))

    it.effect("a linked process that ends Normal is ignored; one that crashes stops the machine, through onTerminate", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const terminated: Array<string> = []
        const worker = () =>
          spawnWithSubject(
            (subject: Subject.Subject<string>) =>
              Effect.flatMap(Subject.receive(subject, "1 minute"), (order) =>
                order === "die" ? Effect.die("gone") : Effect.void),
            { linked: false }
          )
        const quitter = yield* worker()
        const crasher = yield* worker()
        const machine = yield* StateMachine.new<string, number, Msg>("a", 0).pipe(
          StateMachine.onEvent<string, number, Msg, never, never>((event) =>
            event.event === "link" ?
              Effect.as(Effect.andThen(Process.link(quitter.pid), Process.link(crasher.pid)), keep()) :
              Effect.succeed(keep())
          ),
          StateMachine.onTerminate<string, number, never>((state, data, reason) =>
            Effect.sync(() => terminated.push(`${state} ${data} ${reason._tag}`))
          ),
          StateMachine.start
        )
        yield* Subject.send(machine.data, "link")
        yield* Testing.settle()
        yield* Subject.send(quitter.subject, "quit")
        yield* Testing.settle()
        assert.isTrue(yield* Process.isAlive(machine.pid))
        yield* Subject.send(crasher.subject, "die")
        assert.strictEqual((yield* Process.awaitExit(machine.pid))._tag, "Abnormal")
        assert.deepStrictEqual(terminated, ["a 0 Abnormal"])
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
        const { machine, trace } = yield* logging()
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
        assert.deepStrictEqual(trace, ["c go"])
        assert.deepStrictEqual(yield* System.getState(machine.pid), { state: "b", data: 6 })
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

    it.effect("a handler that dies crashes the machine with a crash report naming the last event and the state", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const logged: Array<{ message: string; report: unknown; last: unknown; state: unknown }> = []
        const logger = Logger.make<unknown, void>(({ fiber, message }) => {
          const annotations = fiber.getRef(References.CurrentLogAnnotations)
          logged.push({
            message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
            report: annotations.otp_report,
            last: annotations.last_event,
            state: annotations.state
          })
        })
        const crash = (format: (state: string, data: number) => unknown) =>
          Effect.gen(function*() {
            const machine = yield* StateMachine.new<string, number, Msg>("a", 0).pipe(
              StateMachine.onEvent<string, number, Msg, never, never>(() => Effect.die(new Error("boom"))),
              StateMachine.reportState<string, number>(format),
              StateMachine.start,
              Effect.provideService(Logger.CurrentLoggers, new Set([logger]))
            )
            yield* Subject.send(machine.data, "x")
            assert.strictEqual((yield* Process.awaitExit(machine.pid))._tag, "Abnormal")
            const report = logged.filter((entry) => entry.report === "crash_report").at(-1)
            assert.isDefined(report)
            assert.include(report!.message, "state machine")
            assert.deepStrictEqual(report!.last, { _tag: "Message", event: "x" })
            return report!.state
          })
        assert.strictEqual(yield* crash((state, data) => `${state}/${data}`), "a/0")
        // A reportState that throws does not lose the report: it says why the state is missing.
        const failed = yield* crash(() => {
          throw new Error("cannot show")
        })
        assert.include(String(failed), "reportState failed")
        assert.include(String(failed), "cannot show")
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

    it.effect("under an exporting tracer each event gets its own span, named after the machine", () =>
      Effect.gen(function*() {
        const { spans, tracer: recording } = yield* recordingTracer
        const { machine } = yield* Effect.withTracer(logging(), recording)
        yield* Subject.send(machine.data, "x")
        yield* Subject.send(machine.data, "go")
        yield* Testing.settle()
        const own = spans.filter((span) => span.attributes.get("otp.pid") === machine.pid.toString())
        assert.strictEqual(own.length, 2)
        assert.isTrue(own.every((span) => span.status._tag === "Ended" && span.name === machine.pid.toString()))
      }))

    it.effect("metrics on: events handled and the mailbox, labelled with the machine's name", () =>
      Metrics.enable(Effect.gen(function*() {
        const name = Name.make<Msg>("door")
        const machine = yield* StateMachine.new<string, number, Msg>("a", 0).pipe(
          StateMachine.onEvent<string, number, Msg, never, never>((event) =>
            Effect.succeed(event.event === "go" ? keep(StateMachine.nextEvent<Msg>("inserted")) : keep())
          ),
          StateMachine.named(name),
          StateMachine.start
        )
        yield* Subject.send(machine.data, "go")
        yield* Testing.settle()
        const labels = { actor: "door" }
        // An inserted event is an event handled, as a message is.
        assert.strictEqual((yield* Metric.value(Metric.withAttributes(Metrics.messagesHandled, labels))).count, 2)
        yield* System.suspend(machine.pid)
        yield* Subject.send(machine.data, "x")
        assert.strictEqual((yield* Metric.value(Metric.withAttributes(Metrics.mailboxLength, labels))).value, 1)
        yield* System.resume(machine.pid)
      })).pipe(Effect.provideService(Metric.MetricRegistry, new Map())))
  })
})
