/**
 * The bank: an HTTP service whose stateful parts are actors in a supervision tree (see `app.ts`), with a
 * built-in load generator that crashes accounts while it runs and then checks that no acknowledged money was lost.
 *
 * ```sh
 * npm start                       # serve on 127.0.0.1:4780, run the load for 10 s, report, keep serving (Ctrl-C)
 * npm start -- --once             # the same, then stop; exit code 1 if anything was lost
 * npm start -- --port 8080 --data ./bank-data --duration 5
 * ```
 *
 * Ctrl-C stops the application gracefully: the HTTP server first, then the tree in reverse start order, each
 * top-level process saying so.
 */
import { NodeFileSystem, NodeRuntime } from "@effect/platform-node"
import type { PlatformError, Schema } from "effect"
import { Console, Data, Deferred, Duration, Effect, Layer, Logger } from "effect"
import { HttpServer } from "effect/http"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { AppLive } from "./app.js"
import { OBSERVER_PATH, urlOf } from "./http.js"
import type { LimiterConfig } from "./limiter.js"
import type { LoadReport } from "./load.js"
import { formatReport, isClean, runLoad } from "./load.js"

/** How to run the bank and its load. */
export interface BankOptions {
  /** 0 picks a free port. */
  readonly port: number
  /** The store's directory; the file is `accounts.json` in it. */
  readonly dataDir: string
  /** How long the load runs. */
  readonly duration: Duration.Input
  /** Stop after the report (otherwise serve until interrupted). */
  readonly once: boolean
  readonly accounts?: number
  readonly clients?: number
  readonly crashEvery?: Duration.Input
  readonly limit?: LimiterConfig
}

/** The defaults: 50 accounts, 16 clients, a crash every 200 ms, 100 requests per second per client (burst 20). */
export const defaults = {
  port: 4780,
  dataDir: path.join(os.tmpdir(), "effect-otp-bank"),
  durationSeconds: 10,
  accounts: 50,
  clients: 16,
  crashEvery: "200 millis",
  limit: { rate: 100, burst: 20 }
} as const

/**
 * Starts the bank, runs the load against it and prints the report. With `once`, stops the bank (gracefully) and
 * returns the report; otherwise keeps serving until interrupted. Everything runs as `Layer.launch` of the
 * application with the load on top.
 */
export const runBank = (options: BankOptions) =>
  Effect.gen(function*() {
    const dataFile = path.join(options.dataDir, "accounts.json")
    const finished = yield* Deferred.make<LoadReport, Schema.SchemaError | PlatformError.PlatformError>()
    const LoadLive = Layer.effectDiscard(Effect.gen(function*() {
      const baseUrl = urlOf(yield* HttpServer.HttpServer)
      yield* Console.log(`bank:  ${baseUrl}  (store: ${dataFile})`)
      yield* Console.log(`observer: ${baseUrl}${OBSERVER_PATH}  (the live tree and processes; bound to 127.0.0.1 only)`)
      yield* Console.log(`try:   curl -X POST ${baseUrl}/accounts/alice`)
      yield* Console.log(`       curl -X POST ${baseUrl}/accounts/alice/deposit -d '{"amount":100}'`)
      yield* Console.log(`       curl ${baseUrl}/accounts/alice ; curl ${baseUrl}/tree ; curl ${baseUrl}/metrics`)
      yield* Console.log(
        `load:  ${Duration.format(Duration.fromInputUnsafe(options.duration))} of deposits and transfers...`
      )
      const load = runLoad({
        baseUrl,
        dataFile,
        duration: options.duration,
        accounts: options.accounts ?? defaults.accounts,
        clients: options.clients ?? defaults.clients,
        crashEvery: options.crashEvery ?? defaults.crashEvery,
        noisyBurst: (options.limit ?? defaults.limit).burst * 5
      }).pipe(
        Effect.tap((report) => Console.log(formatReport(report).join("\n"))),
        Effect.tapCause((cause) => Effect.logError("the load generator failed", cause)),
        Effect.tap(() => options.once ? Effect.void : Console.log(`serving on ${baseUrl} until Ctrl-C`)),
        Effect.provide(NodeFileSystem.layer)
      )
      yield* Effect.forkScoped(Deferred.complete(finished, load))
    }))
    const launched = Layer.launch(
      LoadLive.pipe(Layer.provide(AppLive({ port: options.port, dataFile, limit: options.limit ?? defaults.limit })))
    )
    return yield* options.once ? Effect.raceFirst(launched, Deferred.await(finished)) : launched
  })

/** The run lost money, or left operations unresolved. */
export class LostMoney extends Data.TaggedError("LostMoney")<{ readonly report: LoadReport }> {
  override get message() {
    const { lost, pending, unexpected, unresolved } = this.report
    return `lost ${lost}, ${unresolved} unresolved, ${pending} pending, ${unexpected} unexpected answers`
  }
}

/** The options from the command line; a bad one is reported and exits with code 2. */
const cli = () => {
  try {
    return parseCli()
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}
usage: npm start -- [--port N] [--data DIR] [--duration SECONDS] [--once]`)
    return process.exit(2)
  }
}

const parseCli = () => {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: String(defaults.port) },
      data: { type: "string", default: defaults.dataDir },
      duration: { type: "string", default: String(defaults.durationSeconds) },
      once: { type: "boolean", default: false }
    }
  })
  const port = Number(values.port)
  const seconds = Number(values.duration)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port: ${values.port}`)
  if (!(seconds > 0)) throw new Error(`--duration: not a number of seconds: ${values.duration}`)
  return { port, dataDir: values.data, duration: Duration.seconds(seconds), once: values.once }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  NodeRuntime.runMain(
    runBank(cli()).pipe(
      Effect.flatMap((report) => isClean(report) ? Effect.void : Effect.fail(new LostMoney({ report }))),
      // One line per log entry (the crash and supervisor reports included), its annotations as key=value.
      Effect.provide(Logger.layer([Logger.consoleLogFmt]))
    )
  )
}
