/**
 * A behaviour run as an effect cluster `Entity`.
 *
 * The entity's life maps onto an actor's:
 * - activation (the first request for an id on the runner that owns its shard) runs `init` in the entity's scope,
 *   as an actor's initialiser runs in its process: the state is rebuilt there, from storage the handlers write;
 * - requests are handled one at a time (`concurrency: 1`), as an actor takes one message at a time; a handler's
 *   answer becomes the state only when the handler succeeds, so a typed failure leaves the state as it was (and, for
 *   a durable protocol, rolls back the handler's writes with the reply's transaction);
 * - passivation (no request for `maxIdleTime`), a shard moving to another runner, or the runner's orderly shutdown
 *   close the entity's scope: `onTerminate` runs, then whatever the entity started in its scope (a supervision tree,
 *   say) ends, as an actor's children end with it;
 * - a handler's defect restarts the entity (init again) and replays the requests in flight; a runner killed with
 *   SIGKILL runs nothing, as `kill` runs no `terminate` in Erlang, and the entity is activated on a survivor.
 */
import * as Entity from "effect/cluster/Entity"
import type { Sharding } from "effect/cluster/Sharding"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Rpc from "effect/rpc/Rpc"
import type * as Schedule from "effect/Schedule"
import type { Behaviour, Client, EntityContext, Methods, Protocol } from "./protocol.js"
import { DeliveryError, handlerOf } from "./protocol.js"

const ClusterErrorTypeId = "~effect/cluster/ClusterError"

const isClusterError = (error: unknown): error is { readonly _tag: string } =>
  typeof error === "object" && error !== null && (error as any)[ClusterErrorTypeId] === ClusterErrorTypeId

/** @internal */
export interface EntityOptions {
  readonly maxIdleTime?: Duration.Input | undefined
  readonly mailboxCapacity?: number | "unbounded" | undefined
  readonly defectRetryPolicy?: Schedule.Schedule<any, unknown> | undefined
}

const tagsOf = (protocol: Protocol<string, Rpc.Any>): ReadonlyArray<string> =>
  Array.from(protocol.entity.protocol.requests.keys())

/** @internal */
export const layerHandlers = <Type extends string, Rpcs extends Rpc.Any, S, R>(
  behaviour: Behaviour<Type, Rpcs, S, R>,
  options?: EntityOptions
): Layer.Layer<never, never, Sharding | R> => {
  const protocol = behaviour.protocol as unknown as Protocol<string, Rpc.Any>
  const tags = tagsOf(protocol)
  const build = Effect.gen(function*() {
    const address = yield* Entity.CurrentAddress
    const context: EntityContext = { entityType: protocol.type, entityId: address.entityId }
    let state = yield* behaviour.init(context)
    const onTerminate = behaviour.onTerminate
    if (onTerminate !== undefined) {
      yield* Effect.addFinalizer(() => Effect.suspend(() => onTerminate(state, context)))
    }
    const handlers: Record<string, (request: { readonly payload: unknown }) => Effect.Effect<unknown, unknown, any>> =
      {}
    for (const tag of tags) {
      const handle = handlerOf(behaviour as any, tag)
      // The entity manager may call a handler as a request arrives and run its effect later, after the requests
      // before it: the state is read when the effect runs, never when it is made.
      handlers[tag] = (request) =>
        Effect.suspend(() =>
          Effect.map(handle(state, request.payload, context), (answer) => {
            state = answer.state as S
            return answer.reply
          })
        )
    }
    return handlers
  })
  return (protocol.entity as Entity.Entity<string, any>).toLayer(build as any, {
    concurrency: 1,
    maxIdleTime: options?.maxIdleTime,
    mailboxCapacity: options?.mailboxCapacity,
    defectRetryPolicy: options?.defectRetryPolicy
  }) as Layer.Layer<never, never, any>
}

/** @internal */
export const layerClient = <Type extends string, Rpcs extends Rpc.Any>(
  protocol: Protocol<Type, Rpcs>
): Layer.Layer<Client<Rpcs>, never, Sharding> =>
  Layer.effect(
    protocol.Client,
    Effect.map(protocol.entity.client, (makeClient) => {
      const tags = tagsOf(protocol as unknown as Protocol<string, Rpc.Any>)
      return (entityId: string) => {
        const client = makeClient(entityId) as unknown as Record<
          string,
          (payload: unknown) => Effect.Effect<unknown, unknown>
        >
        const methods: Record<string, (payload: unknown) => Effect.Effect<unknown, unknown>> = {}
        for (const tag of tags) {
          const method = client[tag]
          const send = (payload: unknown) =>
            Effect.catchIf(method(payload), isClusterError, (error) =>
              Effect.fail(
                new DeliveryError({ entityType: protocol.type, entityId, tag, reason: error._tag, cause: error })
              ))
          // A caller that stops waiting (a timeout, an interrupt) must not cancel a durable request: effect's client
          // would store the interrupt, and every later send with the same idempotency key would fail at once with
          // it. As in Erlang, where a `call` that times out leaves the request in the server's mailbox, the request
          // runs on; the caller only stops waiting, and a retry with the same key gets its reply.
          methods[tag] = protocol.durable.has(tag)
            ? (payload) => Effect.flatMap(Effect.forkDetach(send(payload)), Fiber.join)
            : send
        }
        return methods as Methods<Rpcs>
      }
    })
  )

/** @internal */
export const layer = <Type extends string, Rpcs extends Rpc.Any, S, R>(
  behaviour: Behaviour<Type, Rpcs, S, R>,
  options?: EntityOptions
): Layer.Layer<Client<Rpcs>, never, Sharding | R> =>
  Layer.merge(layerHandlers(behaviour, options), layerClient(behaviour.protocol))
