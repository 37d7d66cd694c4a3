/**
 * Runners: the processes of effect's cluster that host entities.
 *
 * A runner owns some of the cluster's shards and activates the entities of those shards. When a runner dies, the
 * others take its shards once its locks expire and its pings stop (about 3 s with `failover`, the settings every
 * layer here starts from), and the requests it had not answered are delivered again from SQL storage.
 *
 * - `layer`: a runner reachable over TCP, with its messages and shard locks in PostgreSQL (`layerPg`).
 * - `layerClientOnly`: a process that calls entities without hosting any.
 * - `layerMemory`: one runner, storage in memory: development with no database (messages are not durable).
 * - `start`: a runner as a process, for a supervisor to restart it when it crashes.
 *
 * Every setting is given in code: unlike `NodeClusterSocket.layer`, nothing here reads `HOST` or `PORT` from the
 * environment.
 *
 * @since 1.0.0
 */
import type { Actor } from "@effect-otp/core"
import type { StartError } from "@effect-otp/core/Errors"
import type * as PgClient from "@effect/sql-pg/PgClient"
import type * as MessageStorage from "effect/cluster/MessageStorage"
import type * as Runners from "effect/cluster/Runners"
import type * as Sharding from "effect/cluster/Sharding"
import type * as ShardingConfig from "effect/cluster/ShardingConfig"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as SocketServer from "effect/socket/SocketServer"
import type * as SqlClient from "effect/sql/SqlClient"
import * as internal from "./internal/runner.js"

/**
 * The settings that fail a dead runner over in about 3 seconds (lock expiration 3 s, lock refresh 1 s, assignment
 * refresh 250 ms, health check 1 s), where the defaults take about 38 s. Every layer here starts from them; pass
 * `shardingConfig` to override any.
 *
 * @since 1.0.0
 * @category configuration
 */
export const failover: Partial<ShardingConfig.ShardingConfig["Service"]> = internal.failover

/**
 * A runner listening on `host:port`, with messages, replies, runners and shard locks in SQL (tables named
 * `<prefix>_...`, default prefix `cluster`; one prefix per cluster sharing a database).
 *
 * @since 1.0.0
 * @category layers
 */
export const layer: (options: {
  readonly host: string
  readonly port: number
  readonly listenHost?: string | undefined
  readonly prefix?: string | undefined
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
}) => Layer.Layer<
  Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage,
  SocketServer.SocketServerError,
  SqlClient.SqlClient
> = internal.layer

/**
 * A process that sends to entities and hosts none (an HTTP front end, a load generator).
 *
 * @since 1.0.0
 * @category layers
 */
export const layerClientOnly: (options?: {
  readonly prefix?: string | undefined
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
}) => Layer.Layer<Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage, never, SqlClient.SqlClient> =
  internal.layerClientOnly

/**
 * One runner with its storage in memory: the embedded default, for development without a database. Requests are
 * not durable (a restart loses them) and nothing is shared with another process.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerMemory: (options?: {
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Service"]> | undefined
}) => Layer.Layer<Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage> = internal.layerMemory

/**
 * Where `layerPg` connects: `host` (default `127.0.0.1`), `port` (5432), `database` and `username` (`postgres`),
 * `schema` (the connection's `search_path`), `applicationName` (seen in `pg_stat_activity`).
 *
 * @since 1.0.0
 * @category models
 */
export interface PgOptions {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly database?: string | undefined
  readonly username?: string | undefined
  readonly schema?: string | undefined
  readonly applicationName?: string | undefined
}

/**
 * A PostgreSQL client (`@effect/sql-pg`) for the cluster's storage and the handlers' writes, `127.0.0.1:5432`,
 * user and database `postgres` unless given. `schema` sets the connection's `search_path`: the cluster's tables and
 * the application's live there.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerPg: (options: PgOptions) => Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown> =
  internal.layerPg

/**
 * A runner (its `Sharding` with the entity layers it hosts) as a process, for `Supervision.worker`: its scope holds
 * the runner, so when it crashes the runner leaves the cluster, and the supervisor's restart builds it again and it
 * rejoins. `start` fails with `InitFailed` when the layer cannot be built (storage unreachable, port taken).
 *
 * @since 1.0.0
 * @category constructors
 */
export const start: <ROut, E, R>(
  runner: Layer.Layer<ROut, E, R>,
  options?: { readonly initTimeout?: Duration.Input | undefined }
) => Effect.Effect<Actor.Started<undefined>, StartError, Scope.Scope | R> = internal.start
