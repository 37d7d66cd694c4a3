import { Protocol, Runner } from "@effect-otp/cluster"
import { NodeRuntime } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { SqlClient } from "effect/sql"
import { spawn } from "node:child_process"
import { Account, ledgerTables } from "./fixtures/account.js"

const schema = "otp_spike_" + Date.now()
const Pg = Runner.layerPg({ database: "test", schema })
const runnerPath = "/work/main/packages/cluster/test/fixtures/runner.ts"
const start = (port: number) => {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@effect-otp/source", runnerPath], {
    env: { ...process.env, CLUSTER_SCHEMA: schema, RUNNER_PORT: String(port) }, stdio: ["ignore", "pipe", "inherit"]
  })
  return new Promise<typeof child>((resolve) => child.stdout.on("data", (d) => { process.stdout.write("[" + port + "] " + d); if (String(d).includes("ready")) resolve(child) }))
}

const main = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE SCHEMA ${schema}`)
  yield* ledgerTables
  const t0 = Date.now()
  const children = yield* Effect.promise(() => Promise.all([start(34001), start(34002), start(34003)]))
  console.log("runners up", Date.now() - t0)
  yield* Effect.gen(function*() {
    const client = yield* Account.Client
    const t1 = Date.now()
    const wheres = yield* Effect.forEach(Array.from({ length: 12 }, (_, i) => "acc" + i), (id) => client(id).Where(), { concurrency: "unbounded" })
    console.log("first calls", Date.now() - t1, wheres.map((w) => w.pid))
    const t2 = Date.now()
    for (let i = 0; i < 20; i++) yield* client("acc1").Deposit({ op: "d" + i, amount: 1 })
    console.log("20 sequential deposits", Date.now() - t2)
  }).pipe(Effect.provide(Protocol.layerClient(Account).pipe(Layer.provide(Runner.layerClientOnly({ prefix: schema })))))
  for (const c of children) c.kill("SIGKILL")
  yield* sql.unsafe(`DROP SCHEMA ${schema} CASCADE`)
}).pipe(Effect.provide(Pg))
NodeRuntime.runMain(main)
