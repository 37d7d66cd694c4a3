/**
 * A protocol: an actor's requests defined once, as Schema-typed `Rpc`s, and run either as local actors (under
 * effect-otp's supervisors, Layers and `TestClock`) or as entities sharded over the runners of effect's cluster,
 * with the same handler code.
 *
 * An entity is a virtual actor (Orleans' word; Akka calls it a sharded entity): it is addressed by its id, never
 * started by hand, activated by the first request for it, and passivated after `maxIdleTime` without one. Its state
 * lives in memory while it is active; `init` builds it on every activation, from the storage the handlers write, so
 * it survives passivation and a runner's death.
 *
 * `make`'s example defines a protocol, its behaviour, and a program that runs unchanged on both.
 *
 * @since 1.0.0
 */
import type { Actor, Name, Subject } from "@effect-otp/core"
import type { StartError } from "@effect-otp/core/Errors"
import type { Sharding } from "effect/cluster/Sharding"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Rpc from "effect/rpc/Rpc"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as entity from "./internal/entity.js"
import * as local from "./internal/local.js"
import type { Behaviour, Client, Methods, Protocol, Reply } from "./internal/protocol.js"
import * as internal from "./internal/protocol.js"

// The types are declared with the machinery and re-exported here (not aliased), so that a program's inferred types
// name them through this module: a behaviour or a client can be exported without annotations.
export type {
  Behaviour,
  BehaviourOptions,
  Client,
  EntityContext,
  Handlers,
  Methods,
  Protocol,
  Reply,
  Requests
} from "./internal/protocol.js"

export { DeliveryError } from "./internal/protocol.js"

/**
 * A message of a local entity actor (`actor`): a request with its reply subject, or its idle timeout.
 *
 * @since 1.0.0
 * @category models
 */
export type Message = local.Message

/**
 * A protocol named `type` with the requests `rpcs` (`Rpc.make(tag, { payload, success, error, primaryKey })`).
 *
 * Durable by default: on a cluster each request is stored in SQL before it is delivered, redelivered until it is
 * answered (at least once), and the handler's writes through the cluster's `SqlClient` commit in the transaction
 * that stores the reply, so a redelivery never applies a request twice. Give each request a `primaryKey` (an
 * idempotency key): a retry with the same key gets the stored reply instead of running again. `volatile` lists
 * requests that need none of it (reads, say: a volatile request costs no SQL write). `durable: false`
 * makes requests volatile: not stored; a caller's client sends a request again while it waits, but a request is
 * lost if its caller and its runner die.
 *
 * @example
 * ```ts
 * import { Protocol } from "@effect-otp/cluster"
 * import { Effect, Schema } from "effect"
 * import { Rpc } from "effect/rpc"
 *
 * const Counter = Protocol.make("Counter", [
 *   Rpc.make("Add", { payload: { id: Schema.String, amount: Schema.Number }, success: Schema.Number, primaryKey: (p) => p.id }),
 *   Rpc.make("Get", { success: Schema.Number })
 * ])
 *
 * const counter = Counter.behaviour({
 *   init: () => Effect.succeed(0),
 *   handlers: {
 *     Add: (total, { amount }) => Effect.succeed(Protocol.reply(total + amount, total + amount)),
 *     Get: (total) => Effect.succeed(Protocol.reply(total, total))
 *   }
 * })
 *
 * // On one machine: Protocol.layerLocal(counter). On the cluster: Protocol.layer(counter) on the runners and
 * // Protocol.layerClient(Counter) on the callers. The program is the same:
 * const program = Effect.gen(function* () {
 *   const client = yield* Counter.Client
 *   return yield* client("a").Add({ id: "op-1", amount: 2 })
 * })
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const make: <const Type extends string, const Rpcs extends ReadonlyArray<Rpc.Any>>(
  type: Type,
  rpcs: Rpcs,
  options?: {
    readonly durable?: boolean | undefined
    readonly volatile?: ReadonlyArray<Rpcs[number]["_tag"]> | undefined
  }
) => Protocol<Type, Rpcs[number]> = internal.make

/**
 * A handler's answer: continue with `state`, reply `value`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const reply: <S, A>(state: S, value: A) => Reply<S, A> = internal.reply

/**
 * The entities of `behaviour` on the cluster: registers the entity with this runner's `Sharding` (so it hosts the
 * entities of its shards) and provides the protocol's client. Requests are handled one at a time per entity.
 *
 * - `maxIdleTime`: passivation after this long without a request (default `ShardingConfig.entityMaxIdleTime`, 1 min).
 * - `defectRetryPolicy`: the delays between restarts of an entity whose handler died (its requests in flight replay).
 *
 * @since 1.0.0
 * @category layers
 */
export const layer: <Type extends string, Rpcs extends Rpc.Any, S, R>(
  behaviour: Behaviour<Type, Rpcs, S, R>,
  options?: {
    readonly maxIdleTime?: Duration.Input | undefined
    readonly mailboxCapacity?: number | "unbounded" | undefined
    readonly defectRetryPolicy?: Schedule.Schedule<any, unknown> | undefined
  }
) => Layer.Layer<Client<Rpcs>, never, Sharding | R> = entity.layer

/**
 * The client of a protocol's entities on the cluster, for a process that calls them without hosting them (a
 * runner with `Runner.layerClientOnly`, or a runner hosting other entities).
 *
 * @since 1.0.0
 * @category layers
 */
export const layerClient: <Type extends string, Rpcs extends Rpc.Any>(
  protocol: Protocol<Type, Rpcs>
) => Layer.Layer<Client<Rpcs>, never, Sharding> = entity.layerClient

/**
 * The entities of `behaviour` as local actors: one `Actor` per id, started on its first request under a
 * `FactorySupervisor`, found through a `Registry`, passivated after `maxIdleTime` (default 1 minute, on `Clock`).
 * Provides the same client as `layer`, so a program runs unchanged on one machine (no database, no runner) and
 * under `TestClock`.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerLocal: <Type extends string, Rpcs extends Rpc.Any, S, R>(
  behaviour: Behaviour<Type, Rpcs, S, R>,
  options?: {
    readonly maxIdleTime?: Duration.Input | undefined
    readonly initTimeout?: Duration.Input | undefined
    readonly callTimeout?: Duration.Input | undefined
  }
) => Layer.Layer<Client<Rpcs>, StartError, R> = local.layer

/**
 * One entity as a local actor, to put under a supervisor yourself (`Supervision.worker(Protocol.actor(b, "a"))`).
 * Call it with `methods`; give it a `name` to reach it across restarts (`Subject.named(name)`).
 *
 * @since 1.0.0
 * @category constructors
 */
export const actor: <Type extends string, Rpcs extends Rpc.Any, S, R>(
  behaviour: Behaviour<Type, Rpcs, S, R>,
  entityId: string,
  options?: {
    readonly maxIdleTime?: Duration.Input | undefined
    readonly initTimeout?: Duration.Input | undefined
    readonly name?: Name.Name<Message> | undefined
  }
) => Effect.Effect<Actor.Started<Subject.Subject<Message>>, StartError, Scope.Scope | R> = local.actor

/**
 * The typed methods of a local entity actor started with `actor`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const methods = <Type extends string, Rpcs extends Rpc.Any>(
  protocol: Protocol<Type, Rpcs>,
  entityId: string,
  subject: Subject.Subject<Message>,
  options?: { readonly timeout?: Duration.Input | undefined }
): Methods<Rpcs> => local.methods(protocol, entityId, () => Effect.succeed(subject), options?.timeout ?? "5 seconds")
