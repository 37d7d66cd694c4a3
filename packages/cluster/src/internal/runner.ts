/**
 * The runner: the effect cluster's `Sharding` on this process, wired explicitly.
 *
 * `NodeClusterSocket.layer` reads `HOST`, `PORT` and `SHARDS_PER_GROUP` from the environment (through
 * `ShardingConfig.layerFromEnv`), so a `PORT` meant for an HTTP server moves the runner. The layers here compose the
 * same pieces from a configuration given in code only, with failover settings that move a dead runner's shards in
 * seconds instead of the defaults' half minute.
 *
 * Each is `Layer.fresh`: effect's layers are memoized by identity across a program, and the pieces of a runner and
 * of a client-only sharding are the same constant layers (`Sharding.layer` among them), so without it a runner and a
 * client built in one process shared one `Sharding`: the runner's entities registered with the client's, and
 * requests to them hung. A runner rebuilt by its supervisor (`start`) likewise gets a new one.
 */
import { Actor } from "@effect-otp/core"
import type { StartError } from "@effect-otp/core/Errors"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as MessageStorage from "effect/cluster/MessageStorage"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import * as RunnerHealth from "effect/cluster/RunnerHealth"
import * as Runners from "effect/cluster/Runners"
import * as RunnerStorage from "effect/cluster/RunnerStorage"
import * as Sharding from "effect/cluster/Sharding"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as SocketRunner from "effect/cluster/SocketRunner"
import * as SqlMessageStorage from "effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "effect/cluster/SqlRunnerStorage"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as RpcSerialization from "effect/rpc/RpcSerialization"
import type * as Scope from "effect/Scope"
import type * as SocketServer from "effect/socket/SocketServer"
import type * as SqlClient from "effect/sql/SqlClient"
import type { PgOptions } from "../Runner.js"

/**
 * Failover in about 3 seconds (measured 2.8-3.6 s with 3 runners): a runner's shard locks expire 3 s after its last
 * refresh, it refreshes them every second, runners re-read assignments every 250 ms and ping each other every second.
 * The defaults (35 s, 10 s, 3 s, 1 minute) fail over in about 38 s.
 */
export const failover: Partial<ShardingConfig.ShardingConfig["Service"]> = {
  shardLockExpiration: Duration.seconds(3),
  shardLockRefreshInterval: Duration.seconds(1),
  refreshAssignmentsInterval: Duration.millis(250),
  runnerHealthCheckInterval: Duration.seconds(1),
  entityReplyPollInterval: Duration.millis(50),
  entityMessagePollInterval: Duration.millis(500),
  sendRetryInterval: Duration.millis(50)
}

/** @internal */
export interface StorageOptions {
  /** Prefix of the cluster's tables (and of its advisory locks): one per cluster sharing a database. */
  readonly prefix?: string | undefined
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
}

/** @internal */
export interface RunnerOptions extends StorageOptions {
  readonly host: string
  readonly port: number
  /** Where to listen, when it differs from the address other runners dial (`0.0.0.0`, say). */
  readonly listenHost?: string | undefined
}

const config = (
  options: StorageOptions,
  address: Option.Option<RunnerAddress.RunnerAddress>,
  listen: Option.Option<RunnerAddress.RunnerAddress>
): Layer.Layer<ShardingConfig.ShardingConfig> =>
  ShardingConfig.layer({
    ...failover,
    ...options.shardingConfig,
    runnerAddress: address,
    runnerListenAddress: listen
  })

const sqlStorage = (options: StorageOptions) =>
  Layer.mergeAll(
    SqlMessageStorage.layerWith({ prefix: options.prefix }).pipe(Layer.provide(NodeCrypto.layerDigest)),
    Layer.orDie(SqlRunnerStorage.layerWith({ prefix: options.prefix }))
  )

const serialization = RpcSerialization.layerSchemaBinary()

/** @internal */
export const layer = (
  options: RunnerOptions
): Layer.Layer<
  Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage,
  SocketServer.SocketServerError,
  SqlClient.SqlClient
> => {
  const address = RunnerAddress.make(options.host, options.port)
  const listen = options.listenHost === undefined
    ? Option.none()
    : Option.some(RunnerAddress.make(options.listenHost, options.port))
  const health = RunnerHealth.layerPing.pipe(
    Layer.provide(Runners.layerRpc),
    Layer.provide(NodeClusterSocket.layerClientProtocol)
  )
  return Layer.fresh(SocketRunner.layer.pipe(
    Layer.provide([NodeClusterSocket.layerSocketServer, NodeClusterSocket.layerClientProtocol, health]),
    Layer.provideMerge(sqlStorage(options)),
    Layer.provide([config(options, Option.some(address), listen), serialization])
  )) as any
}

/** @internal */
export const layerClientOnly = (
  options?: StorageOptions
): Layer.Layer<Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage, never, SqlClient.SqlClient> =>
  Layer.fresh(SocketRunner.layerClientOnly.pipe(
    Layer.provide(NodeClusterSocket.layerClientProtocol),
    Layer.provideMerge(sqlStorage(options ?? {})),
    Layer.provide([config(options ?? {}, Option.none(), Option.none()), serialization])
  )) as any

/** @internal */
export const layerMemory = (
  options?: { readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined }
): Layer.Layer<Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage> =>
  Layer.fresh(Sharding.layer.pipe(
    Layer.provideMerge(Runners.layerNoop),
    Layer.provideMerge(MessageStorage.layerMemory),
    Layer.provide([RunnerStorage.layerMemory, RunnerHealth.layerNoop]),
    Layer.provide(ShardingConfig.layer({ ...options?.shardingConfig }))
  ))

/** @internal */
export const layerPg = (options: PgOptions): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown> =>
  PgClient.layer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 5432,
    database: options.database ?? "postgres",
    username: options.username ?? "postgres",
    applicationName: options.applicationName ?? "effect-otp-cluster",
    ...(options.schema === undefined ? {} : { startupParameters: { search_path: options.schema } })
  }) as any

/**
 * @internal
 * A runner as a process: its initialiser builds `runner` (the sharding layer with the entities it hosts) in the
 * process's scope, so a supervisor restarts it as any child: the process ends, its scope closes (the runner leaves
 * the cluster and hands its shards back), and the restart builds it again, which registers it anew.
 */
export const start = <ROut, E, R>(
  runner: Layer.Layer<ROut, E, R>,
  options?: { readonly initTimeout?: Duration.Input | undefined }
): Effect.Effect<Actor.Started<undefined>, StartError, Scope.Scope | R> =>
  Actor.newWithInitialiser(options?.initTimeout ?? "30 seconds", (_self: unknown) =>
    Effect.gen(function*() {
      yield* Effect.mapError(Layer.build(runner), (error) => String(error))
      return Actor.initialised<undefined>(undefined).pipe(Actor.returning(undefined))
    })).pipe(Actor.start) as any
