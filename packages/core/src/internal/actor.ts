/**
 * Actors (gen_server): the builder, what a handler answers (`Next`), and the start: register the name, run the
 * initialiser in the new process, acknowledge the starter, then run the loop (`loop.ts`).
 *
 * @internal
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type * as Actor from "../Actor.js"
import { AlreadyRegistered } from "../Errors.js"
import type { StartError } from "../Errors.js"
import type { ExitReason } from "../Process.js"
import type { Registry } from "../Registry.js"
import type { Selector } from "../Selector.js"
import type { Subject as SubjectT } from "../Subject.js"
import type { BoundOptions } from "./bound.js"
import { install } from "./bound.js"
import { Immutable } from "./builder.js"
import { ExitReason as Reason, normal } from "./exitReason.js"
import { globalValue } from "./global.js"
import { After, IdleTimeout, Loop, plain } from "./loop.js"
import type { NameImpl } from "./name.js"
import { checked, registerUnsafe } from "./name.js"
import type { ProcessState } from "./process.js"
import { DEFAULT_SHUTDOWN_MILLIS, withSelf } from "./process.js"
import type { Registration } from "./registry.js"
import { defaultSelector, registerActor, registryImpl, viaOf } from "./registry.js"
import type { SelectorImpl } from "./selector.js"
import type { Handshake } from "./start.js"
import { start as startProcess } from "./start.js"
import type { SubjectImpl } from "./subject.js"
import { NamedSubject, OwnedSubject, Tag } from "./subject.js"
import { namedChildLayer } from "./supervisor/layer.js"
import { decodeTimeout } from "./timer.js"

/** The default init timeout of `Actor.new`. @internal */
export const DEFAULT_INIT_MILLIS = 1_000

/** @internal */
export const SelfSubjectTypeId: unique symbol = Symbol.for("@effect-otp/core/Actor/SelfSubject")

/**
 * Marks "the actor's own subject" as the data a builder returns until `returning` says otherwise (one object for every
 * loaded copy of the library). @internal
 */
export const SELF_SUBJECT: Actor.SelfSubject = globalValue(
  "selfSubject",
  () => ({ [SelfSubjectTypeId]: SelfSubjectTypeId })
)

/** @internal */
export const BuilderTypeId: unique symbol = Symbol.for("@effect-otp/core/Actor/Builder")

// ---------------------------------------------------------------------------------------------------------------
// What handlers and initialisers answer
// ---------------------------------------------------------------------------------------------------------------

/** What `Continue` and `Initialised` share: what the actor does before its next wait, and `pipe`. */
abstract class Proceeding<M> {
  abstract readonly after: After<M>
  get continuation(): Option.Option<M> {
    return this.after.continuation
  }
  get idleTimeout(): Option.Option<Actor.IdleTimeout<M>> {
    return Option.fromUndefinedOr(this.after.idleTimeout)
  }
  get hibernate(): boolean {
    return this.after.hibernate
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export class Continue<S, M> extends Proceeding<M> implements Actor.Continue<S, M> {
  readonly _tag = "Continue"
  constructor(readonly state: S, readonly selector: Option.Option<Selector<M>>, readonly after: After<M> = plain) {
    super()
  }
}

/** @internal */
export class Stop implements Actor.Stop {
  readonly _tag = "Stop"
  constructor(readonly reason: ExitReason) {}
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export class Initialised<S, M, D> extends Proceeding<M> implements Actor.Initialised<S, M, D> {
  constructor(
    readonly state: S,
    readonly selector: Option.Option<Selector<M>>,
    readonly data: D,
    readonly after: After<M> = plain
  ) {
    super()
  }
}

/** @internal */
export const stopNormal: Stop = new Stop(normal)

/** @internal */
export const stopAbnormal = (reason: string): Stop => new Stop(Reason.Abnormal({ reason }))

// ---------------------------------------------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------------------------------------------

/** How an actor gets its first state: given, or from an initialiser run in the new process. @internal */
export type InitSpec =
  | { readonly _tag: "State"; readonly state: unknown }
  | {
    readonly _tag: "Init"
    readonly init: (self: SubjectImpl<any>) => Effect.Effect<Actor.Initialised<any, any, any>, unknown, unknown>
  }

/** @internal */
export interface ActorFields {
  readonly init: InitSpec
  readonly initMillis: number
  readonly handler: (state: any, message: any) => Effect.Effect<Actor.Next<any, any>, unknown, unknown>
  readonly terminate: ((state: any, reason: ExitReason) => Effect.Effect<void, never, unknown>) | undefined
  readonly name: NameImpl<any> | undefined
  /** Where `Actor.registered` registers it when it starts. */
  readonly registrations: ReadonlyArray<Registration>
  /** How long closing the enclosing scope waits for the actor to stop before killing it. */
  readonly shutdownMillis: number
  /** A programmer mistake found while building (an invalid timeout): `start` dies with it. */
  readonly invalid: Error | undefined
  /**
   * A trapping actor stops on any exit signal from its parent, `Normal` included, as a gen_server does; a supervisor
   * ignores its parent's `Normal` exit (the rule API.md states for supervisors).
   */
  readonly stopsOnParentNormal: boolean
  /** What the crash report shows of the state: nothing unless the user allows it (Erlang's `format_status`). */
  readonly reportState: ((state: any) => unknown) | undefined
  /** The bound of the actor's own subject (`Actor.mailbox`); unbounded without it. */
  readonly mailbox?: BoundOptions | undefined
}

const variance = {
  _S: (_: any) => _,
  _M: (_: never) => _,
  _D: (_: never) => _,
  _E: (_: never) => _,
  _R: (_: never) => _
}

/** @internal */
export class ActorBuilder extends Immutable<ActorFields> implements Actor.Builder<any, any, any, any, any> {
  readonly [BuilderTypeId] = variance
  declare readonly init: InitSpec
  declare readonly initMillis: number
  declare readonly handler: ActorFields["handler"]
  declare readonly terminate: ActorFields["terminate"]
  declare readonly name: NameImpl<any> | undefined
  declare readonly registrations: ReadonlyArray<Registration>
  declare readonly shutdownMillis: number
  declare readonly invalid: Error | undefined
  declare readonly stopsOnParentNormal: boolean
  declare readonly reportState: ActorFields["reportState"]
  declare readonly mailbox: BoundOptions | undefined
}

/** @internal */
export const isBuilder = (u: unknown): u is ActorBuilder => typeof u === "object" && u !== null && BuilderTypeId in u

/** Until `onMessage` is given, every message is kept and the state is unchanged. */
const keepState = (state: unknown): Effect.Effect<Actor.Next<unknown, unknown>> =>
  Effect.succeed(new Continue(state, Option.none()))

/** @internal */
export const make = (init: InitSpec, initMillis: number, invalid?: Error): ActorBuilder =>
  new ActorBuilder({
    init,
    initMillis,
    handler: keepState,
    terminate: undefined,
    name: undefined,
    registrations: [],
    shutdownMillis: DEFAULT_SHUTDOWN_MILLIS,
    invalid,
    stopsOnParentNormal: true,
    reportState: undefined
  })

// ---------------------------------------------------------------------------------------------------------------
// The start
// ---------------------------------------------------------------------------------------------------------------

/**
 * The subject a starting behaviour (an actor, a state machine) gives as its own: a named one registers its name
 * first, so that init can already be reached through it; `undefined` when the name is taken (the start then fails).
 * @internal
 */
export const ownSubject = (
  self: ProcessState,
  name: NameImpl<any> | undefined,
  handshake: Handshake<unknown>
): SubjectImpl<unknown> | undefined => {
  if (name === undefined) return new OwnedSubject(self, new Tag(self))
  const refused = registerUnsafe(self, name)
  if (refused === undefined) return new NamedSubject(name)
  handshake.fail(refused)
  return undefined
}

const runActor = (builder: ActorBuilder, handshake: Handshake<unknown>) =>
  withSelf((self, fiber) => {
    const own = ownSubject(self, builder.name, handshake)
    if (own === undefined) return Effect.void
    // A registered actor registers in its registries before init too (see `registry.ts`).
    const entries = registerActor(self, builder.registrations)
    if (entries instanceof AlreadyRegistered) {
      handshake.fail(entries)
      return Effect.void
    }
    const subject: SubjectImpl<unknown> = builder.name !== undefined ? own : viaOf(entries) ?? own
    if (builder.mailbox !== undefined) install(self, fiber, subject.tag, builder.mailbox, builder.name?.prefix)
    const spec = builder.init
    const init: Effect.Effect<Actor.Initialised<unknown, unknown, unknown>, unknown, unknown> = spec._tag === "State"
      ? Effect.succeed(new Initialised(spec.state, Option.none(), SELF_SUBJECT))
      : spec.init(subject)
    return Effect.matchEffect(init, {
      onFailure: (reason) => Effect.sync(() => handshake.fail(reason)),
      onSuccess: (initialised) => {
        if (builder.terminate !== undefined) self.trapExit = true
        const user = Option.isSome(initialised.selector)
          ? initialised.selector.value as SelectorImpl<unknown>
          : defaultSelector(subject, entries)
        const loop = new Loop(self, handshake.parent, builder, initialised.state, user, subject.tag)
        // An invalid idle timeout is a defect of the initialiser: `start` fails with `InitExited`.
        const invalid = loop.proceed((initialised as Initialised<unknown, unknown, unknown>).after)
        if (invalid !== undefined) return invalid
        handshake.ok(self, initialised.data === SELF_SUBJECT ? subject : initialised.data)
        return loop.run(builder.name?.key)
      }
    })
  })

/** @internal */
export const start = (builder: ActorBuilder): Effect.Effect<Actor.Started<unknown>, StartError, Scope.Scope> =>
  Effect.suspend(() => {
    if (builder.invalid !== undefined) return Effect.die(builder.invalid)
    if (builder.name !== undefined) checked(builder.name)
    // The handler's and the initialiser's requirements are the builder's `R`, which `Actor.start` states.
    return startProcess<unknown, unknown>(
      (handshake) => runActor(builder, handshake),
      builder.initMillis,
      builder.shutdownMillis
    ) as Effect.Effect<Actor.Started<unknown>, StartError, Scope.Scope>
  })

// ---------------------------------------------------------------------------------------------------------------
// What a Next or an Initialised asks for before the next wait (the modifiers of `Actor.ts`)
// ---------------------------------------------------------------------------------------------------------------

/** A `Next` or an `Initialised`. @internal */
export type Proceeds = Actor.Next<any, any> | Actor.Initialised<any, any, any>

/** The same answer with `after` changed by `f`; a `Stop` stays as it is. @internal */
export const withAfter = <X extends Proceeds>(self: X, f: (after: After<any>) => After<any>): X => {
  const proceeds: Proceeds = self
  if (proceeds instanceof Initialised) {
    return new Initialised(proceeds.state, proceeds.selector, proceeds.data, f(proceeds.after)) as Proceeds as X
  }
  if (proceeds instanceof Continue) {
    return new Continue(proceeds.state, proceeds.selector, f(proceeds.after)) as Proceeds as X
  }
  return self
}

/** @internal */
export const withContinue = <X extends Proceeds>(self: X, message: unknown): X =>
  withAfter(self, (after) => new After(Option.some(message), after.idleTimeout, after.hibernate))

/** @internal */
export const withIdleTimeout = <X extends Proceeds>(self: X, timeout: Duration.Input, message: unknown): X => {
  let idle: IdleTimeout<unknown>
  try {
    idle = new IdleTimeout(decodeTimeout(timeout, "Actor.withIdleTimeout"), message)
  } catch (error) {
    // A programmer mistake: the actor dies with it when it reads this answer (not a throw inside a handler).
    idle = new IdleTimeout(0, message, error as Error)
  }
  return withAfter(self, (after) => new After(after.continuation, idle, after.hibernate))
}

/** @internal */
export const hibernate = <X extends Proceeds>(self: X): X =>
  withAfter(self, (after) => new After(after.continuation, after.idleTimeout, true))

// ---------------------------------------------------------------------------------------------------------------
// The constructors and combinators of `Actor.ts` (their types and docs are there)
// ---------------------------------------------------------------------------------------------------------------

/** The code behind an `Actor.Builder`: every builder is made by `make`. @internal */
export const impl = (builder: Actor.Builder<any, any, any, any, any>): ActorBuilder => builder as ActorBuilder

/** @internal */
export const newWithInitialiser = (
  timeout: Duration.Input,
  init: Extract<InitSpec, { readonly _tag: "Init" }>["init"]
): ActorBuilder => {
  try {
    return make({ _tag: "Init", init }, decodeTimeout(timeout, "Actor.newWithInitialiser timeout"))
  } catch (error) {
    // A programmer mistake, reported as a defect when the actor starts (not a throw while building).
    return make({ _tag: "Init", init }, 0, error as Error)
  }
}

/** @internal */
export const selecting = <S, M, D>(self: Actor.Initialised<S, M, D>, selector: Selector<M>): Initialised<S, M, D> =>
  new Initialised<S, M, D>(self.state, Option.some(selector), self.data, (self as Initialised<S, M, D>).after)

/** @internal */
export const returning = <S, M, D, D2>(self: Actor.Initialised<S, M, D>, data: D2): Initialised<S, M, D2> =>
  new Initialised<S, M, D2>(self.state, self.selector, data, (self as Initialised<S, M, D>).after)

/** The builder with `fields` changed (the combinators that set one field). @internal */
export const withFields = (self: Actor.Builder<any, any, any, any, any>, fields: Partial<ActorFields>): ActorBuilder =>
  impl(self).with(fields)

/** @internal */
export const registered = (
  self: Actor.Builder<any, any, any, any, any>,
  registry: Registry<any, any, any>,
  key: unknown,
  value?: unknown
): ActorBuilder =>
  impl(self).with({ registrations: [...impl(self).registrations, { registry: registryImpl(registry), key, value }] })

/** @internal */
export const withSelector = <S, M>(next: Actor.Next<S, M>, selector: Selector<M>): Actor.Next<S, M> =>
  next._tag === "Continue"
    ? new Continue<S, M>(next.state, Option.some(selector), (next as Continue<S, M>).after)
    : next

/** @internal */
export const toLayer = <I, M>(tag: Context.Key<I, SubjectT<M>>, builder: Actor.Builder<any, M, any, any, any>) =>
  namedChildLayer(tag, impl(builder).name, (name) => start(impl(builder).with({ name })))
