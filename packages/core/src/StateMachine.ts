/**
 * State machines: Erlang's `gen_statem` on Effect.
 *
 * A state machine is an actor whose state is split in two: the **state** (where it is: `"Locked"`, `"Open"`) and
 * the **data** (what it carries). For each event it calls a handler with the event, the state and the data; the
 * handler answers a transition (`nextState`, `keepState`, `repeatState`, `stop`) with **actions**:
 *
 * - `postpone`: keep the event, and retry it after the next state change (postponed events come back in their
 *   original order, right after the events that transition inserts, before the mailbox);
 * - `nextEvent`: insert an event, handled before anything queued in the mailbox, in the order of the actions;
 * - `eventTimeout`, `stateTimeout`, `genericTimeout`: a timeout event after a while, cancelled by any event, by a
 *   state change, or never (only by `cancelTimeout` or setting it again); a time of 0 queues the event at once
 *   (after the events already queued, before the mailbox), `Duration.infinity` starts nothing and cancels a
 *   running timeout of the same kind. All of them read Effect's `Clock`, so `TestClock` drives them;
 * - `reply`: answer a call, from whichever state handles it (a postponed call included).
 *
 * Handlers come in gen_statem's two callback modes: `onEvent` is one handler for every state
 * (`handle_event_function`), `onState` one handler per state (`state_functions`). `onEnter` adds state enter calls
 * (`state_enter`): after every state change, and for the initial state. Everything else is as for actors: `start`
 * is the same handshake, the machine answers `System` messages (its state is `{ state, data }`), runs under
 * supervisors (`Supervision.worker(StateMachine.start(b))`, `toLayer`), and each event gets a span.
 *
 * **Typing.** One union `E` types every event the machine handles (messages, inserted events and timeouts carry an
 * `E`). With `onState`, each state's handler gets its state narrowed (a string state is its own key, a tagged
 * state is filed under its `_tag`); the table must name every state and no other. A state's entry may also be a
 * table of events by `_tag`, whose handlers get the event narrowed to that tag: such a state can only receive the
 * events it lists, and the others are **postponed**, as gen_statem's own code-lock example does while the door is
 * open (Erlang would crash with `function_clause`; postponing is what state machines usually mean by "not now").
 * What the types cannot express: who sends what when; the mailbox takes any `E` in any state. In pipe form only
 * `new` takes type arguments: the handlers, their transitions and actions are typed from the builder.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { StateMachine, Subject } from "@effect-otp/core"
 *
 * type Event =
 *   | { readonly _tag: "Button"; readonly digit: number }
 *   | { readonly _tag: "Lock" }
 *   | { readonly _tag: "IsOpen"; readonly replyTo: Subject.Subject<boolean> }
 * type State = "Locked" | "Open"
 * interface Data { readonly code: ReadonlyArray<number>; readonly entered: ReadonlyArray<number> }
 *
 * const lock = StateMachine.new<State, Data, Event>("Locked", { code: [1, 2, 3], entered: [] }).pipe(
 *   StateMachine.onState({
 *     Locked: {
 *       Button: (event, _, data) => {
 *         const entered = [...data.entered, event.event.digit]
 *         return Effect.succeed(
 *           entered.join() === data.code.join()
 *             ? StateMachine.nextState("Open", { ...data, entered: [] })
 *             : StateMachine.keepState(entered.length >= data.code.length ? { ...data, entered: [] } : { ...data, entered })
 *         )
 *       },
 *       IsOpen: (event) => Effect.succeed(StateMachine.keepStateAndData(StateMachine.reply(event.event.replyTo, false)))
 *     },
 *     // Buttons pressed while open are postponed: Open does not list them.
 *     Open: {
 *       Lock: () => Effect.succeed(StateMachine.nextState("Locked", { code: [1, 2, 3], entered: [] })),
 *       IsOpen: (event) => Effect.succeed(StateMachine.keepStateAndData(StateMachine.reply(event.event.replyTo, true)))
 *     }
 *   }),
 *   // The door locks itself 10 seconds after it opened, unless locked before.
 *   StateMachine.onEnter((_, state) =>
 *     Effect.succeed(
 *       state === "Open"
 *         ? StateMachine.keepStateAndData(StateMachine.stateTimeout("10 seconds", { _tag: "Lock" }))
 *         : StateMachine.keepStateAndData()
 *     )
 *   )
 * )
 *
 * const program = Effect.gen(function*() {
 *   const door = yield* StateMachine.start(lock)
 *   for (const digit of [1, 2, 3]) yield* Subject.send(door.data, { _tag: "Button", digit })
 *   return yield* Subject.call(door.data, (replyTo): Event => ({ _tag: "IsOpen", replyTo }))
 * })
 *
 * Effect.runPromise(Effect.scoped(program)).then(console.log) // true
 * ```
 *
 * @since 1.0.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type * as Types from "effect/Types"
import type { DataOf, SelfSubject } from "./Actor.js"
import type { StartError } from "./Errors.js"
import * as internal from "./internal/statem.js"
import type { Name } from "./Name.js"
import type { ExitReason, Pid } from "./Process.js"
import type * as Subject from "./Subject.js"
import type { ChildLayer } from "./Supervision.js"

// ---------------------------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------------------------

/**
 * An event as a handler sees it: where it came from, and the value (always of the machine's event type `E`).
 * `Message`: from the mailbox (sends and calls); `Internal`: inserted by `nextEvent`; the timeouts: set by
 * `eventTimeout`, `stateTimeout`, `genericTimeout` (with its name).
 *
 * @since 1.0.0
 * @category models
 */
export type Event<E> =
  | { readonly _tag: "Message"; readonly event: E }
  | { readonly _tag: "Internal"; readonly event: E }
  | { readonly _tag: "EventTimeout"; readonly event: E }
  | { readonly _tag: "StateTimeout"; readonly event: E }
  | { readonly _tag: "GenericTimeout"; readonly name: string; readonly event: E }

/**
 * @since 1.0.0
 * @category symbols
 */
export const BuilderTypeId: typeof internal.BuilderTypeId = internal.BuilderTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type BuilderTypeId = typeof BuilderTypeId

/**
 * A state machine's description: its states `S`, data `D`, events `E`, what `start` returns (`Ret`), and what its
 * handlers may fail with (`Err`) and require (`R`). Immutable: every setting returns a new builder.
 *
 * @since 1.0.0
 * @category models
 */
export interface Builder<in out S, in out D, in out E, out Ret, out Err = never, out R = never> extends Pipeable {
  readonly [BuilderTypeId]: {
    readonly _S: Types.Invariant<S>
    readonly _D: Types.Invariant<D>
    readonly _E: Types.Invariant<E>
    readonly _Ret: Types.Covariant<Ret>
    readonly _Err: Types.Covariant<Err>
    readonly _R: Types.Covariant<R>
  }
}

/**
 * What a handler answers: gen_statem's `{next_state, ...}`, `{keep_state, ...}`, `{repeat_state, ...}` or
 * `{stop, ...}`, with its actions.
 *
 * @since 1.0.0
 * @category models
 */
export interface Transition<out S, out D, out E> extends Pipeable {
  readonly kind: "NextState" | "KeepState" | "RepeatState" | "Stop"
  /** @internal */
  readonly _S?: Types.Covariant<S>
  /** @internal */
  readonly _D?: Types.Covariant<D>
  /** @internal */
  readonly _E?: Types.Covariant<E>
}

/**
 * An action of a transition (gen_statem's `action()`): postpone, insert an event, set or cancel a timeout, reply.
 *
 * @since 1.0.0
 * @category models
 */
export interface Action<out E> {
  /** @internal */
  readonly _E?: Types.Covariant<E>
}

/**
 * @since 1.0.0
 * @category symbols
 */
export const ReplyTypeId: typeof internal.ReplyTypeId = internal.ReplyTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type ReplyTypeId = typeof ReplyTypeId

/**
 * A `reply` action: an `Action` like the others, and the only kind `stop` takes (gen_statem's `stop_and_reply`).
 *
 * @since 1.0.0
 * @category models
 */
export interface ReplyAction extends Action<never> {
  readonly [ReplyTypeId]: ReplyTypeId
}

/**
 * What an initialiser answers: the first state and data, init's actions (gen_statem's `{ok, State, Data, Actions}`),
 * and what `start` returns (`returning`; the machine's own subject by default).
 *
 * @since 1.0.0
 * @category models
 */
export interface Initialised<out S, out D, out E, out Ret> extends Pipeable {
  readonly state: S
  readonly data: D
  /** @internal */
  readonly _E?: Types.Covariant<E>
  /** @internal */
  readonly _Ret?: Types.Covariant<Ret>
}

/**
 * What `start` returns: the machine's pid and the data its initialiser returned (its own subject by default).
 *
 * @since 1.0.0
 * @category models
 */
export interface Started<D> {
  readonly pid: Pid
  readonly data: D
}

/**
 * The key a state is filed under in `onState`: a string state is its own key, a tagged state its `_tag`.
 *
 * @since 1.0.0
 * @category type-level
 */
export type StateKey<S> = S extends string ? S : S extends { readonly _tag: infer K extends string } ? K : never

/**
 * The states filed under key `K`, narrowed from `S`.
 *
 * @since 1.0.0
 * @category type-level
 */
export type StateAt<S, K extends string> = S extends string ? (S extends K ? S : never)
  : Extract<S, { readonly _tag: K }>

/**
 * The handler of one state in `onState`: any event, that state (narrowed), the data.
 *
 * @since 1.0.0
 * @category models
 */
export type StateHandler<S, D, E, St, Err, R> = (
  event: Event<E>,
  state: St,
  data: D
) => Effect.Effect<Transition<S, D, E>, Err, R>

/**
 * A state's table of events by `_tag`: each handler gets the event narrowed to its tag. Events the table does not
 * list are postponed.
 *
 * @since 1.0.0
 * @category models
 */
export type EventTable<S, D, E, St, Err, R> = {
  readonly [T in internal.EventTag<E>]?: (
    event: Event<Extract<E, { readonly _tag: T }>>,
    state: St,
    data: D
  ) => Effect.Effect<Transition<S, D, E>, Err, R>
}

/**
 * `onState`'s table: for every state key, a handler or a table of events.
 *
 * @since 1.0.0
 * @category models
 */
export type StateHandlers<S, D, E, Err, R> = {
  readonly [K in StateKey<S>]:
    | StateHandler<S, D, E, StateAt<S, K>, Err, R>
    | EventTable<S, D, E, StateAt<S, K>, Err, R>
}

// ---------------------------------------------------------------------------------------------------------------
// Transitions
// ---------------------------------------------------------------------------------------------------------------

/**
 * Go to `state` with `data` (gen_statem's `{next_state, State, Data, Actions}`). A state equal to the current one
 * (`Equal.equals`) is no state change: no enter call, the state timeout keeps running, postponed events stay.
 *
 * @since 1.0.0
 * @category transitions
 */
export const nextState = <S, D, E = never>(
  state: S,
  data: D,
  ...actions: ReadonlyArray<Action<E>>
): Transition<S, D, E> => new internal.TransitionImpl("NextState", state, true, data, actions) as any

/**
 * Stay in the state, with new data (`{keep_state, Data, Actions}`).
 *
 * @since 1.0.0
 * @category transitions
 */
export const keepState = <D, E = never>(data: D, ...actions: ReadonlyArray<Action<E>>): Transition<never, D, E> =>
  new internal.TransitionImpl("KeepState", undefined, true, data, actions) as any

/**
 * Stay in the state with the same data (`keep_state_and_data`).
 *
 * @since 1.0.0
 * @category transitions
 */
export const keepStateAndData = <E = never>(...actions: ReadonlyArray<Action<E>>): Transition<never, never, E> =>
  (actions.length === 0
    ? internal.keepStateAndData
    : new internal.TransitionImpl("KeepState", undefined, false, undefined, actions)) as any

/**
 * Stay in the state with new data, as a state change for the enter call: it runs again
 * (`{repeat_state, Data, Actions}`). Postponed events stay postponed and the state timeout keeps running.
 *
 * @since 1.0.0
 * @category transitions
 */
export const repeatState = <D, E = never>(data: D, ...actions: ReadonlyArray<Action<E>>): Transition<never, D, E> =>
  new internal.TransitionImpl("RepeatState", undefined, true, data, actions) as any

/**
 * `repeatState` with the same data (`repeat_state_and_data`).
 *
 * @since 1.0.0
 * @category transitions
 */
export const repeatStateAndData = <E = never>(...actions: ReadonlyArray<Action<E>>): Transition<never, never, E> =>
  new internal.TransitionImpl("RepeatState", undefined, false, undefined, actions) as any

/**
 * Stop the machine with `reason` (`Normal` by default), after sending `replies` (gen_statem's `{stop, Reason}` and
 * `{stop_and_reply, Reason, Replies}`). `onTerminate` runs, then the machine exits with the reason. Only `reply`
 * actions are taken (another one, given from JavaScript, crashes the machine: gen_statem's
 * `bad_reply_action_from_state_function`).
 *
 * @since 1.0.0
 * @category transitions
 */
export const stop = (reason?: ExitReason, ...replies: ReadonlyArray<ReplyAction>): Transition<never, never, never> =>
  new internal.TransitionImpl("Stop", undefined, false, undefined, replies, reason) as any

// ---------------------------------------------------------------------------------------------------------------
// Actions (declared, with their documentation, in `internal/statemActions.ts`)
// ---------------------------------------------------------------------------------------------------------------

export {
  cancelStateTimeout,
  cancelTimeout,
  eventTimeout,
  genericTimeout,
  nextEvent,
  postpone,
  reply,
  stateTimeout
} from "./internal/statemActions.js"

// ---------------------------------------------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------------------------------------------

/**
 * A state machine that starts in `state` with `data`; `start` returns its own subject. Init timeout: 1 second.
 * Until a handler is given, every event is ignored.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = <S, D, E>(state: S, data: D): Builder<S, D, E, SelfSubject> =>
  internal.make({ _tag: "State", state, data }, internal.DEFAULT_INIT_MILLIS) as any

export {
  /**
   * `StateMachine.new(state, data)`: see `make`.
   *
   * @since 1.0.0
   * @category constructors
   */
  make as new
}

/**
 * A state machine whose first state and data come from `init`, run in the new process within `timeout` (it gets
 * the machine's own subject). `start` fails with `InitFailed` if `init` fails, `InitTimeout` if it takes longer.
 *
 * @since 1.0.0
 * @category constructors
 */
export const newWithInitialiser = <S, D, E, Ret, Err = never, R = never>(
  timeout: Duration.Input,
  init: (self: Subject.Subject<E>) => Effect.Effect<Initialised<S, D, E, Ret>, Err, R>
): Builder<S, D, E, Ret, never, R> => internal.newWithInitialiser(timeout, init) as any

/**
 * What an initialiser answers: the first state, data, and init's actions (`{ok, State, Data, Actions}`).
 *
 * @since 1.0.0
 * @category constructors
 */
export const initialised = <S, D, E = never>(
  state: S,
  data: D,
  ...actions: ReadonlyArray<Action<E>>
): Initialised<S, D, E, SelfSubject> => internal.initialised(state, data, actions) as any

/**
 * Makes `start` return `ret` instead of the machine's own subject.
 *
 * @since 1.0.0
 * @category combinators
 */
export const returning: {
  <Ret2>(ret: Ret2): <S, D, E, Ret>(self: Initialised<S, D, E, Ret>) => Initialised<S, D, E, Ret2>
  <S, D, E, Ret, Ret2>(self: Initialised<S, D, E, Ret>, ret: Ret2): Initialised<S, D, E, Ret2>
} = dual(2, internal.returning)

/**
 * One handler for every state (gen_statem's `handle_event_function` callback mode).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { StateMachine, Subject } from "@effect-otp/core"
 *
 * // A light that turns itself off a minute after it was turned on; a call asks how it is.
 * type Event = { readonly _tag: "Flip" } | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<string> }
 * type State = "Off" | "On"
 *
 * const light = StateMachine.new<State, number, Event>("Off", 0).pipe(
 *   StateMachine.onEvent((event, state, flips) =>
 *     Effect.succeed(
 *       event.event._tag === "Get"
 *         ? StateMachine.keepStateAndData(StateMachine.reply(event.event.replyTo, `${state} after ${flips} flips`))
 *         : state === "Off"
 *         ? StateMachine.nextState("On", flips + 1, StateMachine.stateTimeout("1 minute", { _tag: "Flip" }))
 *         : StateMachine.nextState("Off", flips + 1)
 *     )
 *   )
 * )
 *
 * const program = Effect.gen(function*() {
 *   const switched = yield* StateMachine.start(light)
 *   yield* Subject.send(switched.data, { _tag: "Flip" })
 *   return yield* Subject.call(switched.data, (replyTo): Event => ({ _tag: "Get", replyTo })) // "On after 1 flips"
 * })
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const onEvent: {
  <S, D, E, Err2, R2>(
    handler: (
      event: Event<E>,
      state: S,
      data: D
    ) => Effect.Effect<Transition<NoInfer<S>, NoInfer<D>, NoInfer<E>>, Err2, R2>
  ): <Ret, Err, R>(self: Builder<S, D, E, Ret, Err, R>) => Builder<S, D, E, Ret, Err | Err2, R | R2>
  <S, D, E, Ret, Err, R, Err2, R2>(
    self: Builder<S, D, E, Ret, Err, R>,
    handler: (event: Event<E>, state: S, data: D) => Effect.Effect<Transition<S, D, E>, Err2, R2>
  ): Builder<S, D, E, Ret, Err | Err2, R | R2>
} = dual(2, (self: Builder<any, any, any, any, any, any>, handler: any) => internal.withFields(self, { handler }))

/**
 * One handler per state (gen_statem's `state_functions` callback mode): `handlers` has an entry for every state,
 * keyed by the state (a string) or its `_tag`, whose handler gets the state narrowed; an entry may be a table of
 * events by `_tag` instead, whose handlers get the event narrowed. Events a table does not list are postponed.
 * In pipe form (`builder.pipe(StateMachine.onState({ ... }))`) no type argument is needed: the handlers are typed
 * from the builder, and what they fail with and require is inferred from them.
 *
 * @since 1.0.0
 * @category combinators
 */
export const onState: {
  <S, D, E, H extends StateHandlers<S, D, E, any, any> & internal.ExactHandlers<H, S, D, E>>(
    handlers: H
  ): <Ret, Err, R>(
    self: Builder<S, D, E, Ret, Err, R>
  ) => Builder<S, D, E, Ret, Err | internal.HandlersError<H>, R | internal.HandlersContext<H>>
  <S, D, E, Err2, R2>(
    handlers: StateHandlers<S, D, E, Err2, R2>
  ): <Ret, Err, R>(self: Builder<S, D, E, Ret, Err, R>) => Builder<S, D, E, Ret, Err | Err2, R | R2>
  <S, D, E, Ret, Err, R, H extends StateHandlers<S, D, E, any, any> & internal.ExactHandlers<H, S, D, E>>(
    self: Builder<S, D, E, Ret, Err, R>,
    handlers: H
  ): Builder<S, D, E, Ret, Err | internal.HandlersError<H>, R | internal.HandlersContext<H>>
} = dual(2, internal.onState)

/**
 * State enter calls (gen_statem's `state_enter`): `f` runs after every state change and `repeatState`, and for
 * the initial state (old state = the initial state). It may keep or repeat the state, change the data, stop, set
 * timeouts and reply; it may not change the state, postpone or insert events (the machine crashes, as gen_statem).
 *
 * @since 1.0.0
 * @category combinators
 */
export const onEnter: {
  <S, D, E, Err2, R2>(
    f: (oldState: S, state: S, data: D) => Effect.Effect<Transition<NoInfer<S>, NoInfer<D>, NoInfer<E>>, Err2, R2>
  ): <Ret, Err, R>(self: Builder<S, D, E, Ret, Err, R>) => Builder<S, D, E, Ret, Err | Err2, R | R2>
  <S, D, E, Ret, Err, R, Err2, R2>(
    self: Builder<S, D, E, Ret, Err, R>,
    f: (oldState: NoInfer<S>, state: NoInfer<S>, data: NoInfer<D>) => Effect.Effect<
      Transition<NoInfer<S>, NoInfer<D>, NoInfer<E>>,
      Err2,
      R2
    >
  ): Builder<S, D, E, Ret, Err | Err2, R | R2>
} = dual(2, (self: Builder<any, any, any, any, any, any>, f: any) => internal.withFields(self, { enter: f }))

/**
 * Runs `f` with the last state, data and the exit reason when the machine stops gracefully: a `stop` transition, or
 * an exit signal from its parent (a supervisor's or a scope's `Shutdown`). Not on `kill`, nor when a handler
 * crashes (as `Actor.onTerminate`). A machine with `onTerminate` traps exits.
 *
 * @since 1.0.0
 * @category combinators
 */
export const onTerminate: {
  <S, D, R2>(
    f: (state: S, data: D, reason: ExitReason) => Effect.Effect<void, never, R2>
  ): <E, Ret, Err, R>(self: Builder<S, D, E, Ret, Err, R>) => Builder<S, D, E, Ret, Err, R | R2>
  <S, D, E, Ret, Err, R, R2>(
    self: Builder<S, D, E, Ret, Err, R>,
    f: (state: NoInfer<S>, data: NoInfer<D>, reason: ExitReason) => Effect.Effect<void, never, R2>
  ): Builder<S, D, E, Ret, Err, R | R2>
} = dual(2, (self: Builder<any, any, any, any, any, any>, f: any) => internal.withFields(self, { terminate: f }))

/**
 * Registers the machine under `name` when it starts (before init). `start` fails with `InitFailed` if the name is
 * taken.
 *
 * @since 1.0.0
 * @category combinators
 */
export const named: {
  <E>(name: Name<E>): <S, D, Ret, Err, R>(self: Builder<S, D, E, Ret, Err, R>) => Builder<S, D, E, Ret, Err, R>
  <S, D, E, Ret, Err, R>(self: Builder<S, D, E, Ret, Err, R>, name: Name<NoInfer<E>>): Builder<S, D, E, Ret, Err, R>
} = dual(2, internal.named)

/**
 * What crash reports show of the state and data: nothing unless given (Erlang's `format_status`).
 *
 * @since 1.0.0
 * @category combinators
 */
export const reportState: {
  <S, D>(
    format: (state: S, data: D) => unknown
  ): <E, Ret, Err, R>(self: Builder<S, D, E, Ret, Err, R>) => Builder<S, D, E, Ret, Err, R>
  <S, D, E, Ret, Err, R>(
    self: Builder<S, D, E, Ret, Err, R>,
    format: (state: NoInfer<S>, data: NoInfer<D>) => unknown
  ): Builder<S, D, E, Ret, Err, R>
} = dual(
  2,
  (self: Builder<any, any, any, any, any, any>, format: any) => internal.withFields(self, { reportState: format })
)

/**
 * Starts the machine, linked to the caller: returns once init succeeded, with what it returned (the machine's own
 * subject by default). Fails with a `StartError` if init fails, crashes or times out.
 *
 * @since 1.0.0
 * @category constructors
 */
export const start = <S, D, E, Ret, Err, R>(
  builder: Builder<S, D, E, Ret, Err, R>
): Effect.Effect<Started<DataOf<Ret, E>>, StartError, Scope.Scope | Exclude<R, Scope.Scope>> =>
  internal.start(internal.impl(builder)) as any

/**
 * A child layer that runs the machine under a supervisor, registered under the tag's key, and gives its stable named
 * subject as the service (as `Actor.toLayer`).
 *
 * @since 1.0.0
 * @category layers
 */
export const toLayer = <I, S, D, E, Ret, Err, R>(
  tag: Context.Key<I, Subject.Subject<E>>,
  builder: Builder<S, D, E, Ret, Err, R>
): ChildLayer<I, StartError, Exclude<R, Scope.Scope>> => internal.toLayer(tag, builder)
