/**
 * The demo's cluster, from the outside: a schema of its own in PostgreSQL, and runners as OS processes.
 *
 * Everything the run creates in the database lives in one schema named for the run (`otp_cluster_demo_...`): the
 * cluster's tables (messages, replies, runners, shard locks) and the ledger. It is dropped when the run's scope
 * closes, whether the run succeeded, failed or was interrupted (Ctrl-C). Runner processes are killed when the scope
 * closes too, and each one exits by itself when its stdin closes, so a demo killed with SIGKILL leaves no runner
 * behind (only its schema).
 */
import { Runner } from "@effect-otp/cluster"
import { Data, Effect } from "effect"
import { SqlClient } from "effect/sql"
import { spawn } from "node:child_process"
import * as net from "node:net"
import * as readline from "node:readline"
import { fileURLToPath } from "node:url"
import { createLedger } from "./account.js"

/** The database: `test` on 127.0.0.1:5432, user postgres. */
export const database = { host: "127.0.0.1", port: 5432, database: "test", username: "postgres" } as const

/** The PostgreSQL client of a process of the demo, with `schema` as its search path. */
export const layerPg = (schema: string, applicationName: string) =>
  Runner.layerPg({ ...database, schema, applicationName })

/** A schema name of its own for a run. */
export const schemaName = () => `otp_cluster_demo_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`

/** The schema (with the ledger in it) for the life of the scope; dropped with all it holds when the scope closes. */
export const withSchema = (schema: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`CREATE SCHEMA ${schema}`)
      yield* createLedger
    }),
    () => Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.ignore(sql.unsafe(`DROP SCHEMA ${schema} CASCADE`)))
  )

/** `count` distinct free TCP ports on 127.0.0.1, as the OS picks them (all held open at once, then released). */
export const freePorts = (count: number) =>
  Effect.promise(() => {
    const servers = Array.from({ length: count }, () => net.createServer())
    return Promise.all(servers.map((server) =>
      new Promise<number>((resolve, reject) => {
        server.once("error", reject)
        server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port))
      })
    )).finally(() => servers.forEach((server) => server.close()))
  })

/** A runner process that did not become ready. */
export class RunnerFailed extends Data.TaggedError("RunnerFailed")<{ readonly port: number; readonly reason: string }> {
  override get message() {
    return `runner on port ${this.port}: ${this.reason}`
  }
}

/** A runner OS process. */
export interface RunnerProcess {
  readonly pid: number
  readonly port: number
  /** SIGKILL (nothing runs in the runner: no finalizer, no shard handed back); done when the process is gone. */
  readonly kill: Effect.Effect<void>
}

// Run from source (`npm run cluster-demo`, vitest), a runner loads TypeScript too: tsx, and the export condition
// that resolves `@effect-otp/*` to their sources. Built (`.js`), it needs neither.
const fromSource = import.meta.url.endsWith(".ts")
const entry = fileURLToPath(new URL(fromSource ? "./runner.ts" : "./runner.js", import.meta.url))
const execArgv = fromSource ? ["--import", "tsx", "--conditions=@effect-otp/source"] : []
/** The repository's root: where `tsx` resolves from. */
const root = fileURLToPath(new URL("../..", import.meta.url))

/** How long a runner may take to start (it compiles its TypeScript, connects, joins the cluster). */
const READY_TIMEOUT = "60 seconds"

/**
 * Starts a runner process hosting Account entities on 127.0.0.1:`port`, storing in `schema`; ready once it printed
 * `ready <pid>`. Its other output (warnings and errors: it logs nothing below) goes to `log`. Killed when the scope
 * closes.
 */
export const startRunner = (schema: string, port: number, log: (line: string) => void) =>
  Effect.acquireRelease(
    Effect.callback<RunnerProcess, RunnerFailed>((resume) => {
      // A process group of its own: Ctrl-C in a terminal interrupts the demo, which kills its runners once its front
      // end has stopped, rather than every runner shutting down at once under requests still in flight.
      const child = spawn(process.execPath, [...execArgv, entry, schema, String(port)], {
        cwd: root,
        detached: true,
        stdio: ["pipe", "pipe", "pipe"]
      })
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
      const kill = Effect.promise(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
        return exited
      })
      let ready = false
      const onLine = (line: string) => {
        const match = /^ready (\d+)$/.exec(line)
        if (!ready && match !== null) {
          ready = true
          resume(Effect.succeed({ pid: Number(match[1]), port, kill }))
        } else {
          log(`  runner :${port}: ${line}`)
        }
      }
      readline.createInterface({ input: child.stdout }).on("line", onLine)
      readline.createInterface({ input: child.stderr }).on("line", onLine)
      child.once("error", (error) => resume(Effect.fail(new RunnerFailed({ port, reason: error.message }))))
      child.once("exit", (code, signal) => {
        if (!ready) resume(Effect.fail(new RunnerFailed({ port, reason: `exited (${code ?? signal}) before ready` })))
      })
      return kill
    }).pipe(
      Effect.timeoutOrElse({
        duration: READY_TIMEOUT,
        orElse: () => Effect.fail(new RunnerFailed({ port, reason: `not ready after ${READY_TIMEOUT}` }))
      })
    ),
    (runner) => runner.kill
  )
