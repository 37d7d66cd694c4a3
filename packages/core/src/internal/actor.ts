/**
 * Actors (gen_server): the builder, what a handler answers (`Next`), and the start: register the name, run the
 * initialiser in the new process, acknowledge the starter, then run the loop (`loop.ts`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import type * as Actor from "../Actor.js"
import type { StartError } from "../Errors.js"
import type { ExitReason } from "../Process.js"
import type { Selector } from "../Selector.js"
import { Immutable } from "./builder.js"
import { ExitReason as Reason, normal } from "./exitReason.js"
import { globalValue } from "./global.js"
import { Loop } from "./loop.js"
import type { NameImpl } from "./name.js"
import { checked, registerUnsafe } from "./name.js"
import type { ProcessState } from "./process.js"
import { DEFAULT_SHUTDOWN_MILLIS, withSelf } from "./process.js"
import type { SelectorImpl } from "./selector.js"
import type { Handshake } from "./start.js"
import { start as startProcess } from "./start.js"
import type { SubjectImpl } from "./subject.js"
import { NamedSubject, OwnedSubject, Tag } from "./subject.js"

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

/** @internal */
export class Continue<S, M> implements Actor.Continue<S, M> {
  readonly _tag = "Continue"
  constructor(readonly state: S, readonly selector: Option.Option<Selector<M>>) {}
  pipe() {
    return pipeArguments(this, arguments)
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
export class Initialised<S, M, D> implements Actor.Initialised<S, M, D> {
  constructor(readonly state: S, readonly selector: Option.Option<Selector<M>>, readonly data: D) {}
  pipe() {
    return pipeArguments(this, arguments)
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
  declare readonly shutdownMillis: number
  declare readonly invalid: Error | undefined
  declare readonly stopsOnParentNormal: boolean
  declare readonly reportState: ActorFields["reportState"]
}

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
  withSelf((self) => {
    const subject = ownSubject(self, builder.name, handshake)
    if (subject === undefined) return Effect.void
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
          : undefined
        const loop = new Loop(self, handshake.parent, builder, initialised.state, user, subject.tag)
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
