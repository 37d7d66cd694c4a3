/**
 * The code lock of Erlang's gen_statem documentation (OTP Design Principles, "gen_statem Behaviour"), on
 * `StateMachine`: a door with a keypad. It starts `Locked`; the last buttons pressed matching the code open it, and
 * it locks again 10 seconds after it opened (a state timeout). Buttons pressed while it is open wait (postponed) and
 * count once it has locked again. A `Status` call answers the state, in either state.
 *
 * Callback mode: `onState`, gen_statem's `state_functions`, as in the docs: the lock is two states that each handle
 * a few events, so one table per state reads like the docs' `locked/3` and `open/3`. Each state's entry is an event
 * table (handlers get their event narrowed by `_tag`), and an event a state does not list is postponed: `Open` has
 * no `Button`, which is the docs' `open(cast, {button, _}, _) -> {keep_state_and_data, [postpone]}`. `onEnter` is
 * `state_enter`: lock or unlock the door, clear the buttons, start the state timeout. (`onEvent`,
 * `handle_event_function`, fits machines whose events are handled alike in most states.)
 *
 * Run with `npm run example -- examples/code-lock.ts`; `examples/test/code-lock.test.ts` drives it on the TestClock.
 */
import { StateMachine, Subject } from "@effect-otp/core"
import type { Duration } from "effect"
import { Clock, Console, Effect } from "effect"

export type State = "Locked" | "Open"
export type Event =
  | { readonly _tag: "Button"; readonly digit: number }
  | { readonly _tag: "Lock" }
  | { readonly _tag: "Status"; readonly replyTo: Subject.Subject<State> }
export interface Data {
  readonly code: ReadonlyArray<number>
  readonly buttons: ReadonlyArray<number>
}

/** The docs' `handle_common`: a status call, answered alike in both states. */
const status = (event: StateMachine.Event<Extract<Event, { _tag: "Status" }>>, state: State) =>
  Effect.succeed(StateMachine.keepStateAndData(StateMachine.reply(event.event.replyTo, state)))

/** The lock; `door` is told "locked" or "open" each time it does so (the docs' `do_lock()` and `do_unlock()`). */
export const codeLock = (
  code: ReadonlyArray<number>,
  openFor: Duration.Input,
  door: (what: "locked" | "open") => Effect.Effect<void>
) =>
  StateMachine.new<State, Data, Event>("Locked", { code, buttons: [] }).pipe(
    StateMachine.onState({
      Locked: {
        Button: ({ event }, _, data) => {
          const buttons = [...data.buttons, event.digit].slice(-data.code.length) // the last ones pressed
          return Effect.succeed(
            buttons.join() === data.code.join()
              ? StateMachine.nextState("Open", data)
              : StateMachine.keepState({ ...data, buttons })
          )
        },
        Status: status
      },
      Open: { // no Button: buttons pressed while open are postponed
        Lock: (_, __, data) => Effect.succeed(StateMachine.nextState("Locked", data)),
        Status: status
      }
    }),
    StateMachine.onEnter((_, state, data) =>
      state === "Locked"
        ? Effect.as(door("locked"), StateMachine.keepState({ ...data, buttons: [] }))
        : Effect.as(door("open"), StateMachine.keepStateAndData(StateMachine.stateTimeout(openFor, { _tag: "Lock" })))
    )
  )

/** Presses the buttons, in order. */
export const press = (lock: Subject.Subject<Event>, ...digits: ReadonlyArray<number>) =>
  Effect.forEach(digits, (digit) => Subject.send(lock, { _tag: "Button", digit }), { discard: true })

/** Asks the lock its state: a call, answered by `reply`. */
export const getStatus = (lock: Subject.Subject<Event>) =>
  Subject.call(lock, (replyTo: Subject.Subject<State>): Event => ({ _tag: "Status", replyTo }), "1 second")

const main = Effect.gen(function*() {
  const startedAt = yield* Clock.currentTimeMillis
  const say = (line: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Console.log(`${((now - startedAt) / 1000).toFixed(1)}s ${line}`))
  // Opens for 1 second here, so that the run is short (10 in the docs and the test).
  const lock = yield* StateMachine.start(codeLock([1, 2, 3], "1 second", (what) => say(`the door is ${what}`)))
  const pressing = (...digits: Array<number>) =>
    Effect.andThen(say(`press ${digits.join(" ")}`), press(lock.data, ...digits))
  const showStatus = Effect.flatMap(getStatus(lock.data), (state) => say(`status: ${state}`))

  yield* pressing(4, 5, 6)
  yield* showStatus
  yield* pressing(9, 1, 2, 3)
  yield* showStatus
  yield* pressing(1, 2, 3) // while open: postponed, they open it again once it has locked
  yield* Effect.sleep("2500 millis")
  yield* showStatus
})

if (process.argv[1]?.endsWith("code-lock.ts")) {
  Effect.runPromise(Effect.scoped(main)).catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
