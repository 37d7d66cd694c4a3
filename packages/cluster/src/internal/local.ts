/**
 * A behaviour run as local actors: one `Actor` per entity id, the same handler code a cluster entity runs.
 *
 * The entity's life, on one machine:
 * - activation: the first request for an id starts its actor under a `FactorySupervisor`; the actor's initialiser
 *   registers the id in a `Registry` and runs `init` (the state is built there, as on a runner);
 * - requests are messages, handled one at a time; a typed failure is the reply and leaves the state as it was, a
 *   defect crashes the actor (its caller gets a `DeliveryError`), and the next request activates it again;
 * - a durable request sent again with its idempotency key (`primaryKey`) gets the answer it got, while the actor
 *   that answered it is active (see `Answered`);
 * - passivation: no request for `maxIdleTime` (gen_server's idle timeout, on `Clock`, so `TestClock` drives it)
 *   stops the actor `Normal`; `onTerminate` runs, then what it started in its process ends with it.
 */
import { Actor, FactorySupervisor, type Name, Registry, Subject } from "@effect-otp/core"
import type { CallError, StartError } from "@effect-otp/core/Errors"
import type { ExitReason } from "@effect-otp/core/Process"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as PrimaryKey from "effect/PrimaryKey"
import type * as Rpc from "effect/rpc/Rpc"
import type * as Scope from "effect/Scope"
import type { Behaviour, Client, EntityContext, Methods, Protocol } from "./protocol.js"
import { DeliveryError, handlerOf } from "./protocol.js"

/** A request to a local entity actor, or its idle timeout firing. */
export type Message =
  | {
    readonly _tag: "Request"
    readonly tag: string
    readonly payload: unknown
    readonly replyTo: Subject.Subject<Exit.Exit<unknown, unknown>>
  }
  | { readonly _tag: "Passivate" }

/** Passivation after one minute without a request, as `ShardingConfig`'s `entityMaxIdleTime`. */
export const DEFAULT_MAX_IDLE_TIME: Duration.Duration = Duration.minutes(1)

/** Time given to `init` (it may read storage). */
export const DEFAULT_INIT_TIMEOUT: Duration.Duration = Duration.seconds(5)

/** @internal */
export interface ActorOptions {
  readonly maxIdleTime?: Duration.Input | undefined
  readonly initTimeout?: Duration.Input | undefined
}

/** @internal */
export interface NamedActorOptions extends ActorOptions {
  /** Registers the actor under `name`, so that `Subject.named(name)` reaches it across restarts. */
  readonly name?: Name.Name<Message> | undefined
}

const passivate: Message = { _tag: "Passivate" }

/** @internal */
export const actor = <Type extends string, Rpcs extends Rpc.Any, S, R>(
  behaviour: Behaviour<Type, Rpcs, S, R>,
  entityId: string,
  options?: NamedActorOptions & {
    readonly register?: ((self: Subject.Subject<Message>) => Effect.Effect<void, string>) | undefined
  }
): Effect.Effect<Actor.Started<Subject.Subject<Message>>, StartError, Scope.Scope | R> => {
  const context: EntityContext = { entityType: behaviour.protocol.type, entityId }
  const maxIdleTime = options?.maxIdleTime ?? DEFAULT_MAX_IDLE_TIME
  const idle = (state: S): Actor.Next<S, Message> =>
    Actor.withIdleTimeout(Actor.continue<S, Message>(state), maxIdleTime, passivate)
  const onTerminate = behaviour.onTerminate
  const durable = behaviour.protocol.durable
  // Each start (a restart too) is a new incarnation, with its own memory of answered keys.
  return Effect.suspend(() => {
    const answered = new Answered()
    const reply = (
      message: Extract<Message, { _tag: "Request" }>,
      key: string | undefined,
      exit: Exit.Exit<unknown, unknown>
    ) => {
      if (key !== undefined) answered.remember(key, exit)
      return Subject.send(message.replyTo, exit)
    }
    const builder = Actor.newWithInitialiser(
      options?.initTimeout ?? DEFAULT_INIT_TIMEOUT,
      (self: Subject.Subject<Message>) =>
        Effect.gen(function*() {
          if (options?.register !== undefined) yield* options.register(self)
          const state = yield* behaviour.init(context)
          return Actor.withIdleTimeout(Actor.initialised<S, Message>(state), maxIdleTime, passivate)
        })
    ).pipe(
      Actor.onMessage((state: S, message: Message): Effect.Effect<Actor.Next<S, Message>, never, R> => {
        if (message._tag === "Passivate") return Effect.succeed(Actor.stop())
        const key = durable.has(message.tag) ? keyOf(message.tag, message.payload) : undefined
        const previous = key === undefined ? undefined : answered.get(key)
        if (previous !== undefined) return Effect.as(reply(message, undefined, previous), idle(state))
        const handle = handlerOf(behaviour as any, message.tag)
        return Effect.matchEffect(handle(state, message.payload, context), {
          onFailure: (error) => Effect.as(reply(message, key, Exit.fail(error)), idle(state)),
          onSuccess: (answer) => Effect.as(reply(message, key, Exit.succeed(answer.reply)), idle(answer.state as S))
        })
      }),
      (b) =>
        onTerminate === undefined
          ? b
          : Actor.onTerminate(b, (state: S, _reason: ExitReason) => onTerminate(state, context)),
      (b) => options?.name === undefined ? b : Actor.named(b, options.name)
    )
    return Actor.start(builder) as Effect.Effect<Actor.Started<Subject.Subject<Message>>, StartError, Scope.Scope | R>
  })
}

/** How many answers an active local entity remembers by idempotency key. */
export const ANSWERS_KEPT = 1_000

/**
 * The answers of an actor's durable requests by idempotency key (tag and `primaryKey`), the last `ANSWERS_KEPT`: a
 * request sent again with its key gets the answer it got, as the cluster's storage answers it, instead of running
 * again. Kept in memory while the actor is active: a repeat after passivation or a restart runs again.
 */
class Answered {
  private readonly answers = new Map<string, Exit.Exit<unknown, unknown>>()
  get(key: string): Exit.Exit<unknown, unknown> | undefined {
    return this.answers.get(key)
  }
  remember(key: string, exit: Exit.Exit<unknown, unknown>): void {
    this.answers.set(key, exit)
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.answers.size > ANSWERS_KEPT) this.answers.delete(this.answers.keys().next().value!)
  }
}

const keyOf = (tag: string, payload: unknown): string | undefined =>
  PrimaryKey.isPrimaryKey(payload) ? `${tag}/${PrimaryKey.value(payload)}` : undefined

/** @internal a typed view of a local entity actor's subject. */
export const methods = <Type extends string, Rpcs extends Rpc.Any>(
  protocol: Protocol<Type, Rpcs>,
  entityId: string,
  subjectOf: (retry: boolean) => Effect.Effect<Subject.Subject<Message>, DeliveryError>,
  timeout: Duration.Input
): Methods<Rpcs> => {
  const result: Record<string, (payload: unknown) => Effect.Effect<unknown, unknown>> = {}
  for (const [tag, rpc] of protocol.entity.protocol.requests) {
    const failure = (reason: string, cause: unknown) =>
      new DeliveryError({ entityType: protocol.type, entityId, tag, reason, cause })
    result[tag] = (input) =>
      Effect.suspend(() => {
        // As the cluster's client does: the payload is made with its schema (a class payload gets its class).
        const payload = (rpc as any).payloadSchema.make(input)
        // A request to an actor that stopped for idleness before taking it was not handled: activate and resend.
        // Any other end of the actor (a crash, a shutdown) may have happened while handling it: the caller is told.
        const attempt = (retries: number): Effect.Effect<unknown, unknown> =>
          subjectOf(retries > 0).pipe(
            Effect.flatMap((subject) =>
              Subject.call(subject, (replyTo) => ({ _tag: "Request", tag, payload, replyTo } as Message), timeout)
            ),
            Effect.catch((error: CallError | DeliveryError) => {
              if (error._tag === "DeliveryError") return Effect.fail(error)
              const unhandled = error._tag === "NoProcess" ||
                (error._tag === "CalleeDown" && error.reason._tag === "Normal")
              return unhandled && retries < 3 ? attempt(retries + 1) : Effect.fail(failure(error._tag, error))
            }),
            Effect.flatMap((exit) => exit as Exit.Exit<unknown, unknown>)
          )
        return attempt(0)
      })
  }
  return result as Methods<Rpcs>
}

/** @internal */
export interface LocalOptions extends ActorOptions {
  readonly callTimeout?: Duration.Input | undefined
}

/** @internal */
export const layer = <Type extends string, Rpcs extends Rpc.Any, S, R>(
  behaviour: Behaviour<Type, Rpcs, S, R>,
  options?: LocalOptions
): Layer.Layer<Client<Rpcs>, StartError, R> =>
  Layer.effect(
    behaviour.protocol.Client,
    Effect.gen(function*() {
      const protocol = behaviour.protocol
      const registry = yield* Registry.make<string, Subject.Subject<Message>>({ keys: "unique" })
      const register = (entityId: string) => (self: Subject.Subject<Message>) =>
        Effect.mapError(Registry.register(registry, entityId, self), (error) => error._tag)
      const supervisor = yield* FactorySupervisor.workerChild((entityId: string) =>
        actor(behaviour, entityId, { ...options, register: register(entityId) })
      ).pipe(FactorySupervisor.start)
      const subjectOf =
        (entityId: string) => (retry: boolean): Effect.Effect<Subject.Subject<Message>, DeliveryError> =>
          Effect.flatMap(Registry.lookup(registry, entityId), (entries) => {
            if (entries.length > 0 && !retry) return Effect.succeed(entries[0].value)
            return FactorySupervisor.startChild(supervisor.data, entityId).pipe(
              Effect.map((started) => started.data),
              // Two callers activating one id at once: the second actor finds the id taken and gives up; use the first.
              Effect.catch((error) =>
                Effect.flatMap(Registry.lookup(registry, entityId), (again) =>
                  again.length > 0 ? Effect.succeed(again[0].value) : Effect.fail(
                    new DeliveryError({
                      entityType: protocol.type,
                      entityId,
                      tag: "activation",
                      reason: error._tag,
                      cause: error
                    })
                  ))
              )
            )
          })
      const timeout = options?.callTimeout ?? "5 seconds"
      return (entityId: string) =>
        methods(protocol, entityId, subjectOf(entityId), timeout)
    })
  ) as Layer.Layer<Client<Rpcs>, StartError, R>
