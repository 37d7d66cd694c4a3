/**
 * A runner of the demo: an OS process of effect's cluster hosting Account entities, with its messages, replies and
 * shard locks in PostgreSQL (the run's schema), listening on 127.0.0.1:<port>.
 *
 * ```sh
 * runner.ts <schema> <port>      # started by main.ts, one per runner
 * ```
 *
 * It prints `ready <pid>` once its layer is built (it has joined the cluster), logs only warnings and errors, and
 * exits when its stdin closes: the demo that started it is gone.
 */
import { Protocol, Runner } from "@effect-otp/cluster"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, References } from "effect"
import { account, RunnerHost } from "./account.js"
import { layerPg } from "./cluster.js"

const [schema, portArgument] = process.argv.slice(2)
const port = Number(portArgument)

const RunnerLive = Protocol.layer(account).pipe(
  Layer.provide(Layer.succeed(RunnerHost)({ pid: process.pid, port })),
  Layer.provide(Runner.layer({ host: "127.0.0.1", port })),
  Layer.provide(layerPg(schema, `cluster-demo runner :${port}`))
)

const Ready = Layer.effectDiscard(Effect.sync(() => process.stdout.write(`ready ${process.pid}\n`)))

process.stdin.on("close", () => process.exit(0)).resume()

NodeRuntime.runMain(
  Layer.launch(Layer.merge(RunnerLive, Ready)).pipe(Effect.provideService(References.MinimumLogLevel, "Warn"))
)
