/**
 * Actors: processes that own state and serve messages, like Erlang's `gen_server` and Gleam's `gleam/otp/actor`.
 *
 * An actor is a process running a loop: take the next message, call the handler with the current state and the
 * message, continue with the state the handler returns. Only the actor touches its state, so there are no locks:
 * concurrency comes from many actors, each handling one message at a time.
 *
 * Starting an actor is a handshake. `start` spawns the process, runs its initialiser inside it, and returns only
 * once initialisation succeeded, with the actor linked to the caller. If initialisation fails, crashes or takes
 * longer than its timeout, `start` fails with a `StartError` and the caller gets no exit signal.
 *
 * Actors also answer Erlang's system messages (see `System`): their state can be inspected, replaced, and their
 * work suspended, while they run.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Actor, Subject } from "@effect-otp/core"
 *
 * type Message =
 *   | { readonly _tag: "Add"; readonly n: number }
 *   | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }
 *
 * const handle = (count: number, message: Message) => {
 *   switch (message._tag) {
 *     case "Add":
 *       return Effect.succeed(Actor.continue(count + message.n))
 *     case "Get":
 *       return Effect.as(Subject.send(message.replyTo, count), Actor.continue(count))
 *   }
 * }
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* Actor.new(0).pipe(Actor.onMessage(handle), Actor.start)
 *   yield* Actor.send(counter.data, { _tag: "Add", n: 2 })
 *   return yield* Actor.call(counter.data, (replyTo): Message => ({ _tag: "Get", replyTo }))
 * })
 *
 * Effect.runPromise(Effect.scoped(program)).then(console.log) // 2
 * ```
 *
 * @since 1.0.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Types from "effect/Types"
import type { StartError } from "./Errors.js"
import * as internal from "./internal/actor.js"
import { invalidBound } from "./internal/bound.js"
import type { DefinitionImpl } from "./internal/definitions.js"
import { definitions } from "./internal/definitions.js"
import type { NameImpl } from "./internal/name.js"
import type { Name } from "./Name.js"
import type { ExitReason, Pid } from "./Process.js"
import type { Registry } from "./Registry.js"
import type { Selector } from "./Selector.js"
import * as Subject from "./Subject.js"
import type { ChildLayer } from "./Supervision.js"

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
 * Stands for "the actor's own subject" as the data `start` returns, until `returning` gives other data.
 *
 * @since 1.0.0
 * @category models
 */
export interface SelfSubject {
  readonly [SelfSubjectTypeId]: SelfSubjectTypeId
}

/**
 * @since 1.0.0
 * @category symbols
 */
export const SelfSubjectTypeId: typeof internal.SelfSubjectTypeId = internal.SelfSubjectTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type SelfSubjectTypeId = typeof SelfSubjectTypeId

/**
 * The data `start` returns: the actor's subject by default.
 *
 * @since 1.0.0
 * @category models
 */
export type DataOf<D, M> = [D] extends [SelfSubject] ? Subject.Subject<M> : D

/**
 * What `start` returns: the actor's pid and the data its initialiser chose (its subject by default).
 *
 * @since 1.0.0
 * @category models
 */
export interface Started<D> {
  readonly pid: Pid
  readonly data: D
}

/**
 * The description of an actor: how it initialises, how it handles messages, what it does when it stops.
 * `S` is the state, `M` the messages, `D` what `start` returns, `E` and `R` the handlers' errors and requirements.
 *
 * @since 1.0.0
 * @category models
 */
export interface Builder<in out S, out M, out D, out E = never, out R = never> extends Pipeable {
  readonly [BuilderTypeId]: {
    readonly _S: Types.Invariant<S>
    readonly _M: Types.Covariant<M>
    readonly _D: Types.Covariant<D>
    readonly _E: Types.Covariant<E>
    readonly _R: Types.Covariant<R>
  }
}

/**
 * What an initialiser returns: the initial state, optionally the selector to receive with, and the data `start`
 * returns.
 *
 * @since 1.0.0
 * @category models
 */
export interface Initialised<out S, out M, out D> extends Pipeable, Proceeding<M> {
  readonly state: S
  readonly selector: Option.Option<Selector<M>>
  readonly data: D
}

/**
 * What the actor does before it waits for its next message, as a handler's or an initialiser's answer asks: handle
 * `continuation` first (`withContinue`), wait at most `idleTimeout` (`withIdleTimeout`), `hibernate`.
 *
 * @since 1.0.0
 * @category models
 */
export interface Proceeding<out M> {
  readonly continuation: Option.Option<M>
  readonly idleTimeout: Option.Option<IdleTimeout<M>>
  readonly hibernate: boolean
}

/**
 * An idle timeout: the actor receives `message` when nothing it selects arrives within `duration`.
 *
 * @since 1.0.0
 * @category models
 */
export interface IdleTimeout<out M> {
  readonly duration: Duration.Duration
  readonly message: M
}

/**
 * What a handler asks for next: continue with a state (and maybe a new selector), or stop with an exit reason.
 *
 * @since 1.0.0
 * @category models
 */
export type Next<S, M> = Continue<S, M> | Stop

/**
 * Continue with `state`, receiving with `selector` when it is `Some`.
 *
 * @since 1.0.0
 * @category models
 */
export interface Continue<out S, out M> extends Pipeable, Proceeding<M> {
  readonly _tag: "Continue"
  readonly state: S
  readonly selector: Option.Option<Selector<M>>
}

/**
 * Stop with `reason`.
 *
 * @since 1.0.0
 * @category models
 */
export interface Stop extends Pipeable {
  readonly _tag: "Stop"
  readonly reason: ExitReason
}

/**
 * An actor whose initial state is `initialState`, with no initialiser to run. Its init timeout is 1 second.
 * Until `onMessage` is given, it keeps its state whatever it receives.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = <S, M = never>(initialState: S): Builder<S, M, SelfSubject> =>
  internal.make({ _tag: "State", state: initialState }, internal.DEFAULT_INIT_MILLIS)

/**
 * Gleam's `actor.new`: an actor whose initial state is `initialState` (alias of `make`, as API.md names it).
 *
 * @since 1.0.0
 * @category constructors
 */
export { make as new }

/**
 * An actor that runs `init` in its own process before handling messages. `init` gets the actor's subject and
 * returns `initialised(state)`, possibly with `selecting` and `returning`. If it fails, `start` fails with
 * `InitFailed` (and the actor exits `Normal`); if it dies, with `InitExited`; if it takes longer than `timeout`,
 * the actor is killed and `start` fails with `InitTimeout`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const newWithInitialiser = <S, M, D, E = never, R = never>(
  timeout: Duration.Input,
  init: (self: Subject.Subject<M>) => Effect.Effect<Initialised<S, M, D>, E, R>
): Builder<S, M, D, never, R> => internal.newWithInitialiser(timeout, init)

/**
 * An initialiser's result with the initial state; the actor receives on its own subject, and `start` returns it.
 *
 * @since 1.0.0
 * @category constructors
 */
export const initialised = <S, M = never>(state: S): Initialised<S, M, SelfSubject> =>
  new internal.Initialised<S, M, SelfSubject>(state, Option.none(), internal.SELF_SUBJECT)

/**
 * Makes the actor receive with `selector` instead of its own subject (which it then no longer selects, unless the
 * selector includes it).
 *
 * @since 1.0.0
 * @category combinators
 */
export const selecting: {
  <M>(selector: Selector<M>): <S, D>(self: Initialised<S, M, D>) => Initialised<S, M, D>
  <S, M, D>(self: Initialised<S, M, D>, selector: Selector<M>): Initialised<S, M, D>
} = dual(2, internal.selecting)

/**
 * Makes `start` return `data` instead of the actor's subject.
 *
 * @since 1.0.0
 * @category combinators
 */
export const returning: {
  <D2>(data: D2): <S, M, D>(self: Initialised<S, M, D>) => Initialised<S, M, D2>
  <S, M, D, D2>(self: Initialised<S, M, D>, data: D2): Initialised<S, M, D2>
} = dual(2, internal.returning)

/**
 * Sets the message handler. It gets the state and a message and returns what to do next. A handler that fails or
 * dies crashes the actor with `Abnormal` and the cause (its links and monitors see it).
 *
 * @since 1.0.0
 * @category combinators
 */
export const onMessage: {
  <S, M, E2, R2>(
    handler: (state: S, message: M) => Effect.Effect<Next<S, M>, E2, R2>
  ): <D, E, R>(self: Builder<S, M, D, E, R>) => Builder<S, M, D, E | E2, R | R2>
  <S, M, D, E, R, E2, R2>(
    self: Builder<S, M, D, E, R>,
    handler: (state: S, message: M) => Effect.Effect<Next<S, M>, E2, R2>
  ): Builder<S, M, D, E | E2, R | R2>
} = dual(2, (self: Builder<any, any, any, any, any>, handler: any) => internal.withFields(self, { handler }))

/**
 * Runs `f` with the last state and the exit reason when the actor stops gracefully: on `stop`, `stopAbnormal`,
 * `stopWith`, and on an exit signal from its parent (a supervisor's or a scope's `Shutdown`). Not on `kill`, and
 * not when a handler crashes. An actor with `onTerminate` traps exits to be able to run it.
 *
 * @since 1.0.0
 * @category combinators
 */
export const onTerminate: {
  <S, R2>(
    f: (state: S, reason: ExitReason) => Effect.Effect<void, never, R2>
  ): <M, D, E, R>(self: Builder<S, M, D, E, R>) => Builder<S, M, D, E, R | R2>
  <S, M, D, E, R, R2>(
    self: Builder<S, M, D, E, R>,
    f: (state: S, reason: ExitReason) => Effect.Effect<void, never, R2>
  ): Builder<S, M, D, E, R | R2>
} = dual(2, (self: Builder<any, any, any, any, any>, f: any) => internal.withFields(self, { terminate: f }))

/**
 * Registers the actor under `name` before it initialises. Its subject is then `Subject.named(name)`, so a subject
 * made from the name anywhere reaches it, also after a restart. Starting fails with `InitFailed` when the name is
 * taken.
 *
 * @since 1.0.0
 * @category combinators
 */
export const named: {
  <M>(name: Name<M>): <S, D, E, R>(self: Builder<S, M, D, E, R>) => Builder<S, M, D, E, R>
  <S, M, D, E, R>(self: Builder<S, M, D, E, R>, name: Name<M>): Builder<S, M, D, E, R>
} = dual(2, <M>(self: Builder<any, M, any>, name: Name<M>) => internal.withFields(self, { name: name as NameImpl<M> }))

/**
 * The check of `registered`: the actor handles every message of the registry (`RM`, those sent through `via` and the
 * entries' subjects). An actor's message type comes from its handler, so `registered` goes after `onMessage`.
 *
 * @since 1.0.0
 * @category models
 */
export type HandlesRegistry<RM, M> = [RM] extends [M] ? unknown : {
  readonly "Actor.registered: the actor does not handle every message of the registry (put it after onMessage)": RM
}

/**
 * The value argument of `registered`: optional when the registry's values are `void`.
 *
 * @since 1.0.0
 * @category models
 */
export type RegisteredValue<V> = [void] extends [V] ? [value?: V] : [value: V]

/**
 * Registers the actor under `key` in `registry` when it starts, before it initialises (as `named` registers a
 * name), with `value` as the entry's value. Each restart registers it again; the entry goes when the actor exits.
 * Starting fails with `InitFailed` whose reason is `AlreadyRegistered` when a unique key is taken.
 *
 * A registered actor receives, with its default selector, what is sent through `Registry.via(registry, key)` and
 * through its entry's subject (`Registry.dispatch`). When it is not named, its subject (the data `start` returns) is
 * `Registry.via(registry, key)` for a unique key, so it stays valid across restarts. The actor must handle the
 * registry's message type. An actor may be registered in several registries (a key each); an initialiser that
 * selects its own selector replaces the default one, and selects `Registry.via` itself.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Actor, Registry, Subject } from "@effect-otp/core"
 *
 * type Job = { readonly _tag: "Resize"; readonly width: number }
 *
 * const program = Effect.gen(function*() {
 *   const workers = yield* Registry.make<string, void, Job>({ keys: "unique" })
 *   yield* Actor.new(0).pipe(
 *     Actor.onMessage((done, _: Job) => Effect.succeed(Actor.continue(done + 1))),
 *     Actor.registered(workers, "images"),
 *     Actor.start
 *   )
 *   yield* Subject.send(Registry.via(workers, "images"), { _tag: "Resize", width: 640 })
 * })
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const registered: {
  <K, V, RM>(
    registry: Registry<K, V, RM>,
    key: K,
    ...value: RegisteredValue<V>
  ): <S, M, D, E, R>(self: Builder<S, M, D, E, R> & HandlesRegistry<RM, M>) => Builder<S, M, D, E, R>
  <S, M, D, E, R, K, V, RM>(
    self: Builder<S, M, D, E, R> & HandlesRegistry<RM, M>,
    registry: Registry<K, V, RM>,
    key: K,
    ...value: RegisteredValue<V>
  ): Builder<S, M, D, E, R>
} = dual((args) => internal.isBuilder(args[0]), internal.registered)

/**
 * Lets the actor's crash report show its state, as `format` presents it (Erlang's `format_status`): the state
 * itself (`Actor.reportState((state) => state)`), or a part of it without secrets. Without it a crash report shows
 * the actor's name, pid, reason and last message, but not the state.
 *
 * @since 1.0.0
 * @category combinators
 */
export const reportState: {
  <S>(format: (state: S) => unknown): <M, D, E, R>(self: Builder<S, M, D, E, R>) => Builder<S, M, D, E, R>
  <S, M, D, E, R>(self: Builder<S, M, D, E, R>, format: (state: S) => unknown): Builder<S, M, D, E, R>
} = dual(2, (self: Builder<any, any, any>, format: any) => internal.withFields(self, { reportState: format }))

/**
 * Bounds the actor's mailbox: at most `capacity` messages sent to its subject (the one `start` returns, or its name's)
 * wait to be handled, and `overflow` says what a send does when that many wait (see `Subject.Overflow`): drop the
 * newest, drop the oldest, refuse it to `trySend` (`"Fail"`), or make `send` wait for room (`"BackPressure"`).
 * Without it the mailbox is unbounded, as in Erlang.
 *
 * System messages, exit signals, `Down`s and call replies never count and are never dropped or held back, nor are
 * the messages of other subjects the actor selects (give those their own bound with `Subject.makeBounded`). Messages
 * kept out are counted in `Process.info`'s `messagesDropped` and in the `otp_mailbox_messages_dropped` metric
 * (labelled with the actor's name). A capacity that is not a positive integer makes `start` die naming the field.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Actor } from "@effect-otp/core"
 *
 * // A sink that keeps up to 1,000 pending events and sheds the oldest when it falls behind.
 * const sink = Actor.new<ReadonlyArray<string>, string>([]).pipe(
 *   Actor.onMessage((events, event) => Effect.succeed(Actor.continue([...events, event]))),
 *   Actor.mailbox({ capacity: 1_000, overflow: "DropOldest" }),
 *   Actor.start
 * )
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const mailbox: {
  (options: Subject.Bounded): <S, M, D, E, R>(self: Builder<S, M, D, E, R>) => Builder<S, M, D, E, R>
  <S, M, D, E, R>(self: Builder<S, M, D, E, R>, options: Subject.Bounded): Builder<S, M, D, E, R>
} = dual(
  2,
  (self: Builder<any, any, any>, options: Subject.Bounded) =>
    internal.withFields(self, { mailbox: options, invalid: invalidBound(options, "Actor.mailbox") })
)

export {
  /**
   * The process crashed or was killed while initialising; `reason` is its exit reason.
   *
   * @since 1.0.0
   * @category errors
   */
  InitExited,
  /**
   * Initialisation returned an error (the child then exited `Normal`), or a child of a supervisor failed to start;
   * `reason` keeps the original error.
   *
   * @since 1.0.0
   * @category errors
   */
  InitFailed,
  /**
   * The process did not finish initialising within its init timeout. It was unlinked and killed; the caller gets no
   * exit signal.
   *
   * @since 1.0.0
   * @category errors
   */
  InitTimeout,
  /**
   * Every way starting a process (an actor, a supervisor, a child) can fail.
   *
   * @since 1.0.0
   * @category errors
   */
  type StartError
} from "./Errors.js"

/**
 * Starts the actor in the current `Scope`, linked to the caller, and returns once it has initialised.
 *
 * @since 1.0.0
 * @category constructors
 */
export const start = <S, M, D, E, R>(
  builder: Builder<S, M, D, E, R>
): Effect.Effect<Started<DataOf<D, M>>, StartError, Scope.Scope | Exclude<R, Scope.Scope>> =>
  // `start` gives the actor's own subject as data when the builder says `SelfSubject`.
  internal.start(internal.impl(builder)) as Effect.Effect<Started<any>, StartError, Scope.Scope>

// Declared, with their documentation and examples, in `internal/actorNext.ts`.
export {
  continue,
  hibernate,
  stop,
  stopAbnormal,
  stopWith,
  withContinue,
  withIdleTimeout,
  withSelector
} from "./internal/actorNext.js"

/**
 * What `withContinue` and `withIdleTimeout` return in a pipe: `X`, whose message type also includes the message
 * given (`Actor.continue(state)` says `never`). Returned by a handler or an initialiser, it is checked there against
 * the actor's message type.
 *
 * @since 1.0.0
 * @category models
 */
export type WithMessage<X, M> = X extends Initialised<infer S, infer M0, infer D> ? Initialised<S, M0 | M, D>
  : X extends Continue<infer S, infer M0> ? Next<S, M0 | M>
  : X

/**
 * A named actor definition, startable on another node (see `@effect-otp/node`): the name it is registered under,
 * the schema of its start arguments and the schema of its messages, and the builder of its behaviour.
 *
 * @since 1.0.0
 * @category models
 */
export interface Definition<in out Args, in out M> {
  readonly _tag: "Definition"
  readonly name: string
  readonly arguments: Schema.Codec<Args, any>
  readonly messages: Schema.Codec<M, any>
  readonly behaviour: (args: Args) => Builder<any, M, SelfSubject, any, never>
}

/**
 * Defines an actor by name, so that other nodes can start it: closures cannot cross threads, so a node starts an
 * actor for a peer by the name of a definition both load, with arguments decoded by `arguments` and messages coded
 * by `messages` (Erlang's spawn by module and function, Akka's remote deployment by class). The definition is
 * registered on this thread when the module that defines it is loaded; loading the same name twice with another
 * definition is a defect. The behaviour needs no services: it runs on whichever node starts it.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Actor, Subject } from "@effect-otp/core"
 *
 * const Message = Schema.Union([
 *   Schema.TaggedStruct("Add", { n: Schema.Number }),
 *   Schema.TaggedStruct("Get", { replyTo: Subject.schema(Schema.Number) })
 * ])
 *
 * export const Counter = Actor.define("counter", { arguments: Schema.Number, messages: Message }, (initial) =>
 *   Actor.new(initial).pipe(Actor.onMessage((n, message: typeof Message.Type) => {
 *     switch (message._tag) {
 *       case "Add":
 *         return Effect.succeed(Actor.continue(n + message.n))
 *       case "Get":
 *         return Effect.as(Subject.send(message.replyTo, n), Actor.continue(n))
 *     }
 *   })))
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const define = <Args, AI, M, MI, S, E>(
  name: string,
  schemas: { readonly arguments: Schema.Codec<Args, AI>; readonly messages: Schema.Codec<M, MI> },
  behaviour: (args: Args) => Builder<S, M, SelfSubject, E, never>
): Definition<Args, M> => {
  const definition: Definition<Args, M> = {
    _tag: "Definition",
    name,
    arguments: schemas.arguments,
    messages: schemas.messages,
    behaviour
  }
  const known = definitions.get(name)
  if (known !== undefined && known.behaviour.toString() !== behaviour.toString()) {
    throw new Error(`Actor.define: "${name}" is already defined by another behaviour on this thread`)
  }
  definitions.set(name, definition as unknown as DefinitionImpl)
  return definition
}

/**
 * Sends a message to an actor (`Subject.send`).
 *
 * @since 1.0.0
 * @category messaging
 */
export const send: typeof Subject.send = Subject.send

/**
 * Calls an actor and waits for its reply (`Subject.call`).
 *
 * @since 1.0.0
 * @category messaging
 */
export const call: typeof Subject.call = Subject.call

/**
 * The actor as a Layer providing its subject under `tag`, and a child layer for `StaticSupervisor.layer`. The actor
 * is named (with the builder's name, or a fresh one each time the layer is built) and the service is the named
 * subject, so it stays valid when a supervisor restarts the actor: callers never hold a dead actor's address, only
 * the state is lost. Built on its own, the layer starts the actor in its scope, unsupervised.
 *
 * @example
 * ```ts
 * import { Context, Effect } from "effect"
 * import { Actor, StaticSupervisor, Subject } from "@effect-otp/core"
 *
 * type CounterMsg = { readonly _tag: "Add"; readonly n: number }
 * class Counter extends Context.Service<Counter, Subject.Subject<CounterMsg>>()("app/Counter") {}
 *
 * const CounterLive = Actor.toLayer(
 *   Counter,
 *   Actor.new(0).pipe(Actor.onMessage((n, m: CounterMsg) => Effect.succeed(Actor.continue(n + m.n))))
 * )
 * const AppLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), CounterLive)
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const toLayer = <I, S, M, D, E, R>(
  tag: Context.Key<I, Subject.Subject<M>>,
  builder: Builder<S, M, D, E, R>
): ChildLayer<I, StartError, Exclude<R, Scope.Scope>> => internal.toLayer(tag, builder)
