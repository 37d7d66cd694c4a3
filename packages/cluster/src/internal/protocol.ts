/**
 * The machinery of `Protocol.ts`: a protocol is an effect `Entity` (its Rpcs, annotated durable by default) plus the
 * Context key of its client; a behaviour is the handler code that both runtimes (a local actor, a cluster entity)
 * run unchanged. The two runtimes are in `local.ts` and `entity.ts`.
 */
import * as ClusterSchema from "effect/cluster/ClusterSchema"
import * as Entity from "effect/cluster/Entity"
import type * as Context from "effect/Context"
import * as ContextM from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Rpc from "effect/rpc/Rpc"

/** @internal */
export const TypeId = "~@effect-otp/cluster/Protocol" as const

/** The client of a protocol's entities: `client(entityId).Deposit(payload)`. */
export type Client<Rpcs extends Rpc.Any> = (entityId: string) => Methods<Rpcs>

/** One method per request, named by its tag. */
export type Methods<Rpcs extends Rpc.Any> = {
  readonly [Current in Rpcs as Current["_tag"]]: (
    payload: Rpc.PayloadConstructor<Current>
  ) => Effect.Effect<Rpc.Success<Current>, Rpc.Error<Current> | DeliveryError>
}

/** A protocol: the entity type, its requests, and the key of its client in the Context. */
export interface Protocol<Type extends string, Rpcs extends Rpc.Any> {
  readonly [TypeId]: typeof TypeId
  readonly type: Type
  readonly entity: Entity.Entity<Type, Rpcs>
  readonly durable: boolean
  readonly Client: Context.Key<Client<Rpcs>, Client<Rpcs>>
  /**
   * The behaviour of this protocol's entities (a method, so that the handlers are typed from the protocol before
   * the state is inferred from `init`).
   */
  readonly behaviour: <S, R = never>(options: BehaviourOptions<Rpcs, S, R>) => Behaviour<Type, Rpcs, S, R>
}

/** What `behaviour` is given. */
export interface BehaviourOptions<Rpcs extends Rpc.Any, S, R> {
  readonly init: (context: Context_) => Effect.Effect<S, never, R>
  readonly handlers: Handlers<Rpcs, NoInfer<S>, R>
  readonly onTerminate?: ((state: NoInfer<S>, context: Context_) => Effect.Effect<void, never, R>) | undefined
}

/** What a handler answers: the entity's next state and the reply to the caller. */
export interface Reply<S, A> {
  readonly state: S
  readonly reply: A
}

/** What a handler knows besides its state and payload. */
export interface Context_ {
  readonly entityType: string
  readonly entityId: string
}

/** Handlers of every request of a protocol, over a state `S`. */
export type Handlers<Rpcs extends Rpc.Any, S, R> = {
  readonly [Current in Rpcs as Current["_tag"]]: (
    state: S,
    payload: Rpc.Payload<Current>,
    context: Context_
  ) => Effect.Effect<Reply<S, Rpc.Success<Current>>, Rpc.Error<Current>, R>
}

/** A behaviour: how an entity's state is built on activation, its handlers, and what runs when it stops. */
export interface Behaviour<Type extends string, Rpcs extends Rpc.Any, S, R> {
  readonly protocol: Protocol<Type, Rpcs>
  readonly init: (context: Context_) => Effect.Effect<S, never, R>
  readonly handlers: Handlers<Rpcs, S, R>
  readonly onTerminate: ((state: S, context: Context_) => Effect.Effect<void, never, R>) | undefined
}

/**
 * A request could not be delivered or answered: the entity's runner was unreachable, its mailbox was full, storage
 * failed, or (locally) the actor died while handling it. `reason` names which; `cause` holds the original error.
 */
export class DeliveryError extends Data.TaggedError("DeliveryError")<{
  readonly entityType: string
  readonly entityId: string
  readonly tag: string
  readonly reason: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `${this.entityType}(${this.entityId}).${this.tag}: ${this.reason}`
  }
}

/** @internal */
export const make = <const Type extends string, const Rpcs extends ReadonlyArray<Rpc.Any>>(
  type: Type,
  rpcs: Rpcs,
  options?: { readonly durable?: boolean | undefined }
): Protocol<Type, Rpcs[number]> => {
  const durable = options?.durable ?? true
  const base = Entity.make(type, rpcs)
  // Durable: each request is stored before it is delivered and redelivered until answered (Persisted), and the
  // handler's writes commit in the transaction that stores its reply (WithTransaction), so a redelivery after a
  // runner's death never applies a request twice.
  const entity = durable
    ? base.annotateRpcs(ClusterSchema.Persisted, true).annotateRpcs(ClusterSchema.WithTransaction, true)
    : base
  const protocol: Protocol<Type, Rpcs[number]> = {
    [TypeId]: TypeId,
    type,
    entity,
    durable,
    Client: ContextM.Service<Client<Rpcs[number]>>(`@effect-otp/cluster/Protocol/${type}`),
    behaviour: (options) => ({
      protocol,
      init: options.init,
      handlers: options.handlers,
      onTerminate: options.onTerminate
    })
  }
  return protocol
}

/** @internal */
export const reply = <S, A>(state: S, value: A): Reply<S, A> => ({ state, reply: value })

/** @internal the handler of `tag`, typed loosely for the runtimes, which route by tag. */
export const handlerOf = (
  behaviour: Behaviour<string, Rpc.Any, any, any>,
  tag: string
): (state: unknown, payload: unknown, context: Context_) => Effect.Effect<Reply<unknown, unknown>, unknown, any> =>
  (behaviour.handlers as Record<string, any>)[tag]
