/**
 * State machines (gen_statem): what handlers answer (transitions and actions), the builder, and the start. The
 * machine's loop is in `statemLoop.ts`.
 *
 * @internal
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { pipeArguments } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type { StartError } from "../Errors.js"
import type { Name } from "../Name.js"
import type { ExitReason } from "../Process.js"
import type * as StateMachine from "../StateMachine.js"
import type { Subject } from "../Subject.js"
import { DEFAULT_INIT_MILLIS, ownSubject, SELF_SUBJECT } from "./actor.js"
import { Immutable } from "./builder.js"
import { normal } from "./exitReason.js"
import type { NameImpl } from "./name.js"
import { checked } from "./name.js"
import { DEFAULT_SHUTDOWN_MILLIS, withSelf } from "./process.js"
import type { Handshake } from "./start.js"
import { start as startProcess } from "./start.js"
import { Machine } from "./statemLoop.js"
import type { SubjectImpl } from "./subject.js"
import { namedChildLayer } from "./supervisor/layer.js"
import { decodeTimeout } from "./timer.js"

export { DEFAULT_INIT_MILLIS }

// ---------------------------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------------------------

/** The key of the event timeout, and of the state timeout; a generic timeout's key is its name after `GENERIC`. */
export const EVENT_TIMEOUT = "timeout"
/** @internal */
export const STATE_TIMEOUT = "state_timeout"
/** @internal */
export const GENERIC = "generic:"

/** @internal */
export type ActionImpl =
  | { readonly _tag: "Postpone" }
  | { readonly _tag: "NextEvent"; readonly event: unknown }
  | { readonly _tag: "Reply"; readonly replyTo: SubjectImpl<unknown>; readonly value: unknown }
  | TimeoutAction

/**
 * A timeout action: `millis` is Infinity for Erlang's `infinity` (no timer, and a running one of the same kind is
 * cancelled), `-1` for `cancel`.
 * @internal
 */
export interface TimeoutAction {
  readonly _tag: "Timeout"
  readonly key: string
  readonly millis: number
  readonly event: StateMachine.Event<unknown> | undefined
}

/** @internal */
export const CANCEL = -1

class Action {
  constructor(readonly impl: ActionImpl) {}
}

/** @internal */
export const action = <E = never>(impl: ActionImpl): StateMachine.Action<E> => new Action(impl) as any

/** @internal */
export const ReplyTypeId: unique symbol = Symbol.for("@effect-otp/core/StateMachine/Reply")

/** A reply: the one action `stop` takes. */
class ReplyAction extends Action {
  readonly [ReplyTypeId] = ReplyTypeId
}

/** @internal */
export const reply = (replyTo: SubjectImpl<unknown>, value: unknown): StateMachine.ReplyAction =>
  new ReplyAction({ _tag: "Reply", replyTo, value }) as any

/** @internal */
export const actionImpl = (action: StateMachine.Action<unknown>): ActionImpl => (action as unknown as Action).impl

/** @internal */
export const timeout = (
  key: string,
  after: unknown,
  what: string,
  event: StateMachine.Event<unknown> | undefined
): StateMachine.Action<any> => action<any>({ _tag: "Timeout", key, millis: decodeTimeout(after as any, what), event })

// ---------------------------------------------------------------------------------------------------------------
// Transitions
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export type TransitionKind = "NextState" | "KeepState" | "RepeatState" | "Stop"

/** What a handler answers: gen_statem's `{next_state, ...}`, `{keep_state, ...}`, `{repeat_state, ...}`, `{stop, ...}`. @internal */
export class TransitionImpl {
  constructor(
    readonly kind: TransitionKind,
    /** The next state (`NextState` only). */
    readonly state: unknown,
    /** Whether `data` replaces the machine's data. */
    readonly hasData: boolean,
    readonly data: unknown,
    readonly actions: ReadonlyArray<StateMachine.Action<unknown>>,
    readonly reason: ExitReason = normal
  ) {}
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export class InitialisedImpl {
  constructor(
    readonly state: unknown,
    readonly data: unknown,
    readonly actions: ReadonlyArray<StateMachine.Action<unknown>>,
    readonly returned: unknown
  ) {}
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const initialised = (
  state: unknown,
  data: unknown,
  actions: ReadonlyArray<StateMachine.Action<unknown>>
): InitialisedImpl => new InitialisedImpl(state, data, actions, SELF_SUBJECT)

// ---------------------------------------------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export type InitSpec =
  | { readonly _tag: "State"; readonly state: unknown; readonly data: unknown }
  | {
    readonly _tag: "Init"
    readonly init: (self: SubjectImpl<any>) => Effect.Effect<InitialisedImpl, unknown, unknown>
  }

/** A handler for every state (`onEvent`), or the one `onState` makes from its table. @internal */
export type EventHandler = (
  event: StateMachine.Event<unknown>,
  state: unknown,
  data: unknown
) => Effect.Effect<TransitionImpl, unknown, unknown>

/** @internal */
export interface StatemFields {
  readonly init: InitSpec
  readonly initMillis: number
  readonly handler: EventHandler
  readonly enter:
    | ((old: unknown, state: unknown, data: unknown) => Effect.Effect<TransitionImpl, unknown, unknown>)
    | undefined
  readonly terminate:
    | ((state: unknown, data: unknown, reason: ExitReason) => Effect.Effect<void, never, unknown>)
    | undefined
  readonly name: NameImpl<any> | undefined
  readonly shutdownMillis: number
  readonly invalid: Error | undefined
  readonly reportState: ((state: any, data: any) => unknown) | undefined
}

/** @internal */
export const BuilderTypeId: unique symbol = Symbol.for("@effect-otp/core/StateMachine/Builder")

const variance = {
  _S: (_: any) => _,
  _D: (_: any) => _,
  _E: (_: any) => _,
  _Ret: (_: never) => _,
  _Err: (_: never) => _,
  _R: (_: never) => _
}

/** @internal */
export class StatemBuilder extends Immutable<StatemFields> {
  readonly [BuilderTypeId] = variance
  declare readonly init: InitSpec
  declare readonly initMillis: number
  declare readonly handler: EventHandler
  declare readonly enter: StatemFields["enter"]
  declare readonly terminate: StatemFields["terminate"]
  declare readonly name: NameImpl<any> | undefined
  declare readonly shutdownMillis: number
  declare readonly invalid: Error | undefined
  declare readonly reportState: StatemFields["reportState"]
}

/** @internal */
export const keepStateAndData = new TransitionImpl("KeepState", undefined, false, undefined, [])

/** Until a handler is given, every event is ignored (the state and data are kept). */
const ignore: EventHandler = () => Effect.succeed(keepStateAndData)

/** @internal */
export const make = (init: InitSpec, initMillis: number, invalid?: Error): StatemBuilder =>
  new StatemBuilder({
    init,
    initMillis,
    handler: ignore,
    enter: undefined,
    terminate: undefined,
    name: undefined,
    shutdownMillis: DEFAULT_SHUTDOWN_MILLIS,
    invalid,
    reportState: undefined
  })

/** The key `onState` files a state under: the state itself (a string), or its `_tag`. @internal */
export const stateKey = (state: unknown): string =>
  typeof state === "object" && state !== null && "_tag" in state ? String(state._tag) : String(state)

// ---------------------------------------------------------------------------------------------------------------
// The types of `onState`
// ---------------------------------------------------------------------------------------------------------------

/**
 * The `_tag`s of the events `E`.
 *
 * @internal
 */
export type EventTag<E> = E extends { readonly _tag: infer K extends string } ? K : never

/**
 * Checks an `onState` table `H`: no entry for a key that is no state of `S`, no event table entry for a tag that is
 * no event of `E` (each such entry must be `never`), and a handler entry is a handler of its state (a function is
 * no event table).
 *
 * @internal
 */
export type ExactHandlers<H, S, D, E> = {
  readonly [K in keyof H]: K extends StateMachine.StateKey<S> ?
    H[K] extends (...args: ReadonlyArray<any>) => any ?
      StateMachine.StateHandler<S, D, E, StateMachine.StateAt<S, K>, any, any>
    : { readonly [T in keyof H[K]]: T extends EventTag<E> ? H[K][T] : never }
    : never
}

type HandlerOutput<F, I extends "E" | "R"> = F extends
  (...args: ReadonlyArray<any>) => Effect.Effect<any, infer Err, infer R> ? (I extends "E" ? Err : R)
  : never

type EntryOutput<F, I extends "E" | "R"> = F extends (...args: ReadonlyArray<any>) => any ? HandlerOutput<F, I>
  : { [T in keyof F]-?: HandlerOutput<F[T], I> }[keyof F]

/**
 * The errors the handlers of an `onState` table may fail with.
 *
 * @internal
 */
export type HandlersError<H> = { [K in keyof H]-?: EntryOutput<H[K], "E"> }[keyof H]

/**
 * The services the handlers of an `onState` table require.
 *
 * @internal
 */
export type HandlersContext<H> = { [K in keyof H]-?: EntryOutput<H[K], "R"> }[keyof H]

// ---------------------------------------------------------------------------------------------------------------
// The start
// ---------------------------------------------------------------------------------------------------------------

const runMachine = (builder: StatemBuilder, handshake: Handshake<unknown>) =>
  withSelf((self) => {
    const subject = ownSubject(self, builder.name, handshake)
    if (subject === undefined) return Effect.void
    const spec = builder.init
    const init: Effect.Effect<InitialisedImpl, unknown, unknown> = spec._tag === "State"
      ? Effect.succeed(initialised(spec.state, spec.data, []))
      : spec.init(subject)
    return Effect.matchEffect(init, {
      onFailure: (reason) => Effect.sync(() => handshake.fail(reason)),
      onSuccess: (init) => {
        if (builder.terminate !== undefined) self.trapExit = true
        const machine = new Machine(self, handshake.parent, builder, init.state, init.data, subject.tag)
        handshake.ok(self, init.returned === SELF_SUBJECT ? subject : init.returned)
        return machine.run(builder.name?.key, init.actions)
      }
    })
  })

/** @internal */
export const start = (
  builder: StatemBuilder
): Effect.Effect<StateMachine.Started<Subject<any>>, StartError, Scope.Scope> =>
  Effect.suspend(() => {
    if (builder.invalid !== undefined) return Effect.die(builder.invalid)
    if (builder.name !== undefined) checked(builder.name)
    return startProcess<unknown, unknown>(
      (handshake) => runMachine(builder, handshake),
      builder.initMillis,
      builder.shutdownMillis
    ) as Effect.Effect<StateMachine.Started<Subject<any>>, StartError, Scope.Scope>
  })

const postponed = new TransitionImpl("KeepState", undefined, false, undefined, [
  new Action({ _tag: "Postpone" }) as any
])

/**
 * `onState`'s handler: the entry of the event's state, a handler or a table of events by `_tag` (an event the table
 * does not list is postponed). A state with no entry is a programmer mistake: the machine crashes, as gen_statem
 * does when the state function is missing.
 * @internal
 */
export const byState = (handlers: Record<string, unknown>): EventHandler => (event, state, data) => {
  const key = stateKey(state)
  const entry = Object.prototype.hasOwnProperty.call(handlers, key) ? handlers[key] : undefined
  if (typeof entry === "function") return (entry as EventHandler)(event, state, data)
  if (typeof entry !== "object" || entry === null) {
    return Effect.die(new Error(`StateMachine.onState: no handler for the state ${key}`))
  }
  const value = event.event
  const tag = typeof value === "object" && value !== null && "_tag" in value ? String(value._tag) : undefined
  const handler = tag !== undefined && Object.prototype.hasOwnProperty.call(entry, tag) ?
    (entry as Record<string, EventHandler>)[tag] :
    undefined
  return handler === undefined ? Effect.succeed(postponed) : handler(event, state, data)
}

// ---------------------------------------------------------------------------------------------------------------
// The constructors and combinators of `StateMachine.ts` (their types and docs are there)
// ---------------------------------------------------------------------------------------------------------------

/** The code behind a `StateMachine.Builder`: every builder is made by `make`. @internal */
export const impl = (builder: StateMachine.Builder<any, any, any, any, any, any>): StatemBuilder =>
  builder as unknown as StatemBuilder

/** @internal */
export const newWithInitialiser = (timeout: Duration.Input, init: (self: Subject<any>) => unknown): StatemBuilder => {
  try {
    return make({ _tag: "Init", init: init as any }, decodeTimeout(timeout, "StateMachine.newWithInitialiser timeout"))
  } catch (error) {
    return make({ _tag: "Init", init: init as any }, 0, error as Error)
  }
}

/** @internal */
export const returning = (self: StateMachine.Initialised<any, any, any, any>, ret: unknown): InitialisedImpl => {
  const init = self as unknown as InitialisedImpl
  return new InitialisedImpl(init.state, init.data, init.actions, ret)
}

/** The builder with `fields` changed (the combinators that set one field). @internal */
export const withFields = (
  self: StateMachine.Builder<any, any, any, any, any, any>,
  fields: Partial<StatemFields>
): StatemBuilder => impl(self).with(fields)

/** @internal */
export const onState = (self: StateMachine.Builder<any, any, any, any, any, any>, handlers: Record<string, unknown>) =>
  withFields(self, { handler: byState(handlers) })

/** @internal */
export const named = (self: StateMachine.Builder<any, any, any, any, any, any>, name: Name<any>) =>
  withFields(self, { name: name as NameImpl<any> })

/** @internal */
export const toLayer = <I, E>(
  tag: Context.Key<I, Subject<E>>,
  builder: StateMachine.Builder<any, any, E, any, any, any>
) => namedChildLayer(tag, impl(builder).name, (name) => start(impl(builder).with({ name })))
