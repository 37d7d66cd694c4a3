/**
 * The runner process of the cluster-call case (`cluster.ts` starts it, one per run): hosts the durable and the
 * volatile counter entities (`cluster-actors.ts`), listening on `127.0.0.1:BENCH_CLUSTER_PORT`, its storage in the
 * run's schema `BENCH_CLUSTER_SCHEMA` of database `test` (tables prefixed with the schema's name, so that the
 * advisory locks of two runs never meet). Its PostgreSQL sessions carry the schema's name as application name, so
 * the caller can count the shard locks it holds. Prints `ready` once its layer is built, and exits at once when its
 * stdin closes (the caller stops it so, or died): no orderly shutdown, the run's schema is dropped anyway, and
 * `process.exit` lets `--cpu-prof` write its profile. `main.ts` bundles it beside `run-case.mjs`.
 */
import { Protocol, Runner } from "@effect-otp/cluster"
import { NodeRuntime } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import { durableCounter, shardingConfig, volatileCounter } from "./cluster-actors.js"

const schema = process.env.BENCH_CLUSTER_SCHEMA!
const port = Number(process.env.BENCH_CLUSTER_PORT)

const Hosted = Layer.mergeAll(Protocol.layer(durableCounter), Protocol.layer(volatileCounter)).pipe(
  Layer.provide(Runner.layer({ host: "127.0.0.1", port, prefix: schema, shardingConfig: shardingConfig() })),
  Layer.provide(Runner.layerPg({ database: "test", schema, applicationName: schema }))
)

/** Says so once the entities are registered (`Layer.provide` builds `Hosted` first). */
const Ready = Layer.effectDiscard(Effect.sync(() => process.stdout.write("ready\n"))).pipe(Layer.provide(Hosted))

process.stdin.on("close", () => process.exit(0))
process.stdin.resume()

NodeRuntime.runMain(
  Layer.launch(Ready).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))
)
