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

/**
 * The client of a protocol's entities: `client(entityId).Tag(payload)`, the same service locally and on a cluster.
 *
 * @since 1.0.0
 * @category models
 */
export type Client<Rpcs extends Rpc.Any> = (entityId: string) => Methods<Rpcs>

/**
 * One method per request of a protocol, named by its tag.
 *
 * @since 1.0.0
 * @category models
 */
export type Methods<Rpcs extends Rpc.Any> = {
  readonly [Current in Rpcs as Current["_tag"]]: (
    payload: Rpc.PayloadConstructor<Current>
  ) => Effect.Effect<Rpc.Success<Current>, Rpc.Error<Current> | DeliveryError>
}

/**
 * A protocol: the entity type, its requests (as an effect `Entity`), which of them are durable, and the key of its
 * client in the Context.
 *
 * @since 1.0.0
 * @category models
 */
export interface Protocol<Type extends string, Rpcs extends Rpc.Any> {
  readonly [TypeId]: typeof TypeId
  readonly type: Type
  readonly entity: Entity.Entity<Type, Rpcs>
  /** The tags of the durable requests (all of them unless `durable: false` or listed in `volatile`). */
  readonly durable: ReadonlySet<string>
  readonly Client: Context.Key<Client<Rpcs>, Client<Rpcs>>
  /**
   * The behaviour of this protocol's entities (a method, so that the handlers are typed from the protocol before
   * the state is inferred from `init`).
   */
  readonly behaviour: <S, R = never>(options: BehaviourOptions<Rpcs, S, R>) => Behaviour<Type, Rpcs, S, R>
}

/**
 * What a protocol's `behaviour` method is given.
 *
 * @since 1.0.0
 * @category models
 */
export interface BehaviourOptions<Rpcs extends Rpc.Any, S, R> {
  readonly init: (context: EntityContext) => Effect.Effect<S, never, R>
  readonly handlers: Handlers<Rpcs, NoInfer<S>, R>
  readonly onTerminate?: ((state: NoInfer<S>, context: EntityContext) => Effect.Effect<void, never, R>) | undefined
}

/**
 * What a handler answers: the entity's next state and the reply to the caller.
 *
 * @since 1.0.0
 * @category models
 */
export interface Reply<S, A> {
  readonly state: S
  readonly reply: A
}

/**
 * What a handler and `init` know of the entity they run for: its type and id.
 *
 * @since 1.0.0
 * @category models
 */
export interface EntityContext {
  readonly entityType: string
  readonly entityId: string
}

/**
 * Handlers of every request of a protocol, over a state `S`.
 *
 * @since 1.0.0
 * @category models
 */
export type Handlers<Rpcs extends Rpc.Any, S, R> = {
  readonly [Current in Rpcs as Current["_tag"]]: (
    state: S,
    payload: Rpc.Payload<Current>,
    context: EntityContext
  ) => Effect.Effect<Reply<S, Rpc.Success<Current>>, Rpc.Error<Current>, R>
}

/**
 * The behaviour of a protocol's entities, made with the protocol's `behaviour` method:
 *
 * - `init` runs on activation (locally in the actor's process, on a cluster in the entity's scope) and builds the
 *   state, from storage if the entity must survive passivation and runner deaths. What it starts there (a
 *   supervision tree) ends when the entity passivates.
 * - each handler gets the state, the payload and the entity's id, and answers `reply(nextState, value)`; a typed
 *   failure is the caller's failure and leaves the state as it was.
 * - `onTerminate` runs when the entity stops in order: passivation, a shard handed to another runner, a shutdown.
 *   Not when its runner is killed (as `kill` runs no `terminate` in Erlang).
 *
 * @since 1.0.0
 * @category models
 */
export interface Behaviour<Type extends string, Rpcs extends Rpc.Any, S, R> {
  readonly protocol: Protocol<Type, Rpcs>
  readonly init: (context: EntityContext) => Effect.Effect<S, never, R>
  readonly handlers: Handlers<Rpcs, S, R>
  readonly onTerminate: ((state: S, context: EntityContext) => Effect.Effect<void, never, R>) | undefined
}

/**
 * A request could not be delivered or answered: the entity's runner was unreachable, its mailbox was full, storage
 * failed, or (locally) the actor died while handling it. `reason` names which; `cause` holds the original error.
 *
 * @since 1.0.0
 * @category errors
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

/**
 * The requests of a protocol, from its type: `Protocol.Requests<typeof Account>`.
 *
 * @since 1.0.0
 * @category models
 */
export type Requests<P> = P extends Protocol<any, infer Rpcs> ? Rpcs : never

/** @internal */
export const make = <const Type extends string, const Rpcs extends ReadonlyArray<Rpc.Any>>(
  type: Type,
  rpcs: Rpcs,
  options?: {
    readonly durable?: boolean | undefined
    readonly volatile?: ReadonlyArray<Rpcs[number]["_tag"]> | undefined
  }
): Protocol<Type, Rpcs[number]> => {
  const volatile = new Set<string>(options?.volatile ?? [])
  const durable = new Set<string>(
    options?.durable === false ? [] : rpcs.map((rpc) => rpc._tag).filter((tag) => !volatile.has(tag))
  )
  // Durable: a request is stored before it is delivered and redelivered until answered (Persisted), and the
  // handler's writes commit in the transaction that stores its reply (WithTransaction), so a redelivery after a
  // runner's death never applies a request twice.
  const annotated = rpcs.map((rpc) =>
    durable.has(rpc._tag)
      ? (rpc as any).annotate(ClusterSchema.Persisted, true).annotate(ClusterSchema.WithTransaction, true)
      : rpc
  ) as unknown as Rpcs
  const protocol: Protocol<Type, Rpcs[number]> = {
    [TypeId]: TypeId,
    type,
    entity: Entity.make(type, annotated),
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
): (state: unknown, payload: unknown, context: EntityContext) => Effect.Effect<Reply<unknown, unknown>, unknown, any> =>
  (behaviour.handlers as Record<string, any>)[tag]
