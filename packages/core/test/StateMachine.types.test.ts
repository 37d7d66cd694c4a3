/**
 * Type tests of `StateMachine`: each `@ts-expect-error` line must fail to compile (`npm run typecheck` checks the
 * tests, and an unused `@ts-expect-error` is an error too). The runtime test checks that the narrowed handlers get
 * what their types say.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Actor } from "../src/index.js"
import { StateMachine, Subject, System, Testing } from "../src/index.js"

afterEach(Testing.leakCheck())

type State =
  | { readonly _tag: "Idle" }
  | { readonly _tag: "Busy"; readonly job: string }
type Event =
  | { readonly _tag: "Start"; readonly job: string }
  | { readonly _tag: "Done" }
type Data = number

const builder = StateMachine.new<State, Data, Event>({ _tag: "Idle" }, 0)
const busy = (job: string) => StateMachine.nextState<State, Data>({ _tag: "Busy", job }, 1)

describe("StateMachine types", () => {
  it("a state only gets the events its table lists, narrowed, and its own state, narrowed", () => {
    // Every state, and only states, must have an entry.
    StateMachine.onState(builder, {
      Idle: { Start: (event) => Effect.succeed(busy(event.event.job)) },
      Busy: {}
    })
    // @ts-expect-error: Busy has no entry
    StateMachine.onState(builder, { Idle: {} })
    // @ts-expect-error: Sleeping is no state
    StateMachine.onState(builder, { Idle: {}, Busy: {}, Sleeping: {} })

    StateMachine.onState(builder, {
      Idle: {},
      Busy: {
        // The event is narrowed to its tag: "Done" has no job.
        // @ts-expect-error: Done has no job
        Done: (event) => Effect.succeed(busy(event.event.job))
      }
    })
    StateMachine.onState(builder, {
      Idle: {},
      Busy: {
        // @ts-expect-error: Stop is no event of this machine
        Stop: () => Effect.succeed(StateMachine.keepStateAndData())
      }
    })
    StateMachine.onState(builder, {
      // The state is narrowed: Idle has no job.
      // @ts-expect-error: Idle has no job
      Idle: (_, state) => Effect.succeed(busy(state.job)),
      Busy: (_, state) => Effect.succeed(busy(state.job))
    })
    StateMachine.onEvent(builder, () =>
      // @ts-expect-error: a transition to a state of another type
      Effect.succeed(StateMachine.nextState("Sleeping", 0)))
    StateMachine.onState(builder, {
      Idle: {},
      // @ts-expect-error: a transition to a state of another type
      Busy: () => Effect.succeed(StateMachine.nextState({ _tag: "Sleeping" as const }, 0))
    })
    StateMachine.onEvent(builder, (event, state, data) =>
      Effect.succeed(
        event.event._tag === "Start" && state._tag === "Idle" ?
          busy(event.event.job) :
          StateMachine.keepState(data + 1, StateMachine.stateTimeout("1 second", { _tag: "Done" as const }))
      ))
    StateMachine.onEvent(builder, () =>
      // @ts-expect-error: data of another type
      Effect.succeed(StateMachine.keepState("not a number")))
    StateMachine.onEvent(builder, () =>
      // @ts-expect-error: a timeout carrying a value that is no event of this machine
      Effect.succeed(StateMachine.keepStateAndData(StateMachine.stateTimeout("1 second", { _tag: "Nope" as const }))))
    const replyTo = null as unknown as Subject.Subject<number>
    // @ts-expect-error: the reply's type is the caller's
    StateMachine.reply(replyTo, "a string")
    StateMachine.stop(undefined, StateMachine.reply(replyTo, 1))
    // @ts-expect-error: stop takes replies only (gen_statem's stop_and_reply)
    StateMachine.stop(undefined, StateMachine.postpone)
    // @ts-expect-error: stop takes replies only
    StateMachine.stop(undefined, StateMachine.cancelTimeout("retry"))
    assert.isFunction(StateMachine.onState)
  })

  it("in pipe form, the states, data, events, errors and services are inferred from the builder", () => {
    class Failed {
      readonly _tag = "Failed"
    }
    // No type argument: the handlers are typed from the builder they are piped into, a transition's state and data
    // from the handler's return type, and the errors are what the handlers fail with.
    const piped: StateMachine.Builder<State, Data, Event, Actor.SelfSubject, Failed, never> = builder.pipe(
      StateMachine.onState({
        Idle: {
          Start: (event, _, data) =>
            Effect.succeed(StateMachine.nextState({ _tag: "Busy", job: event.event.job }, data))
        },
        Busy: (event, state) =>
          event._tag === "StateTimeout" ? Effect.fail(new Failed()) : Effect.succeed(busy(state.job))
      }),
      StateMachine.onEnter((_, state, data) =>
        Effect.succeed(
          state._tag === "Busy"
            ? StateMachine.keepState(data + 1, StateMachine.stateTimeout("1 second", { _tag: "Done" }))
            : StateMachine.keepStateAndData()
        )
      ),
      StateMachine.onTerminate((state, data) => Effect.log(state._tag, data))
    )
    // @ts-expect-error: the handlers' error is no longer `never`
    const failing: StateMachine.Builder<State, Data, Event, Actor.SelfSubject, never, never> = piped
    // Handlers that only keep the state and data still take the builder's data and states (not `never`).
    builder.pipe(
      StateMachine.onEvent(() => Effect.succeed(StateMachine.keepStateAndData())),
      StateMachine.onEnter(() => Effect.succeed(StateMachine.keepStateAndData()))
    )
    // The table is checked as in the data-first form.
    // @ts-expect-error: Busy has no entry
    builder.pipe(StateMachine.onState({ Idle: {} }))
    // @ts-expect-error: Sleeping is no state
    builder.pipe(StateMachine.onState({ Idle: {}, Busy: {}, Sleeping: {} }))
    builder.pipe(StateMachine.onState({
      Idle: {},
      // @ts-expect-error: Stop is no event of this machine
      Busy: { Stop: () => Effect.succeed(StateMachine.keepStateAndData()) }
    }))
    builder.pipe(StateMachine.onState({
      Idle: {},
      // @ts-expect-error: Done has no job
      Busy: { Done: (event) => Effect.succeed(busy(event.event.job)) }
    }))
    builder.pipe(StateMachine.onState({
      // @ts-expect-error: Idle has no job
      Idle: (_, state) => Effect.succeed(busy(state.job)),
      Busy: {}
    }))
    builder.pipe(
      // @ts-expect-error: a transition to a state of another type
      StateMachine.onEvent(() => Effect.succeed(StateMachine.nextState({ _tag: "Sleeping" as const }, 0)))
    )
    builder.pipe(
      // @ts-expect-error: data of another type
      StateMachine.onEnter(() => Effect.succeed(StateMachine.keepState("not a number")))
    )
    // The explicit type arguments still compile.
    builder.pipe(
      StateMachine.onState<State, Data, Event, never, never>({ Idle: {}, Busy: {} }),
      StateMachine.onEnter<State, Data, Event, never, never>(() =>
        Effect.succeed(StateMachine.nextState<State, Data>({ _tag: "Idle" }, 0))
      ),
      StateMachine.onEvent<State, Data, Event, never, never>(() => Effect.succeed(StateMachine.keepStateAndData()))
    )
    assert.isDefined(failing)
  })

  it.effect("at run time, the table's handlers get the events of their tag and the state of their key", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const machine = yield* StateMachine.onState(builder, {
        Idle: {
          Start: (event, state) =>
            Effect.sync(() => (seen.push(`${state._tag} ${event.event.job}`), busy(event.event.job)))
        },
        Busy: {
          Done: (_, state) =>
            Effect.sync(() => (seen.push(`${state._tag} ${state.job}`), StateMachine.keepStateAndData()))
        }
      }).pipe(StateMachine.start)
      yield* Subject.send(machine.data, { _tag: "Done" }) // not listed by Idle: postponed
      yield* Subject.send(machine.data, { _tag: "Start", job: "build" })
      yield* Testing.settle()
      assert.deepStrictEqual(seen, ["Idle build", "Busy build"])
      assert.deepStrictEqual(yield* System.getState(machine.pid), { state: { _tag: "Busy", job: "build" }, data: 1 })
    }))
})
