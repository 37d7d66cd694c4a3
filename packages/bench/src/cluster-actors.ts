/**
 * The protocols of the cluster-call case (`cluster.ts`), shared by the caller and the runner process
 * (`cluster-runner.ts`): a counter answering `Bump` with its new count, once durable (the default of
 * `Protocol.make`: each request stored in SQL before it is delivered, its reply stored in the transaction of the
 * handler) and once volatile (`durable: false`: straight over the runners' socket, nothing stored).
 */
import { Protocol } from "@effect-otp/cluster"
import type * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as Effect from "effect/Effect"
import { Rpc } from "effect/rpc"
import * as Schema from "effect/Schema"

/**
 * The request, made afresh for each protocol. Each call gets a key of its own, as a program gives a durable request
 * its idempotency key (a retry with the same key would get the stored reply).
 */
const requests = () =>
  [Rpc.make("Bump", { payload: { key: Schema.String }, success: Schema.Number, primaryKey: (p) => p.key })] as const

/** The counter, durable. */
export const Durable = Protocol.make("BenchDurable", requests())

/** The counter, volatile. */
export const Volatile = Protocol.make("BenchVolatile", requests(), { durable: false })

type Bump = ReturnType<typeof requests>[number]

/** A counter entity of `protocol`: `Bump` adds one and answers the count. */
const counter = <Type extends string>(
  protocol: Protocol.Protocol<Type, Bump>
): Protocol.Behaviour<Type, Bump, number, never> =>
  protocol.behaviour({
    init: () => Effect.succeed(0),
    handlers: { Bump: (count) => Effect.succeed(Protocol.reply(count + 1, count + 1)) }
  })

export const durableCounter = counter(Durable)
export const volatileCounter = counter(Volatile)

/**
 * `ShardingConfig` settings over `Runner.failover`, for both the runner and the caller, from the environment
 * (`BENCH_CLUSTER_CONFIG='{"entityMessagePollInterval":"10 millis"}'`): to see what a setting does to a call.
 */
export const shardingConfig = (): Partial<ShardingConfig.ShardingConfig["Service"]> =>
  JSON.parse(process.env.BENCH_CLUSTER_CONFIG ?? "{}")
