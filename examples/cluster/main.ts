/**
 * Beyond one machine: the bank's accounts as entities of effect's cluster, sharded over 3 runner processes, driven
 * by the bank's own load generator; midway, one runner is killed with SIGKILL.
 *
 * ```sh
 * npm run cluster-demo                                   # 12 s of load, a runner killed at 40%, then the report
 * npm run cluster-demo -- --duration 20 --accounts 30 --clients 8
 * ```
 *
 * The run: a schema of its own in PostgreSQL (database `test`), 3 runner processes (`runner.ts`) hosting the Account
 * entities, and, in this process, an HTTP front end that hosts none and calls them through the cluster
 * (`frontend.ts`). Once the shards have settled (the accounts spread over the 3 runners), it prints where each
 * account lives, runs the bank's load generator against the front end, and SIGKILLs the runner hosting the most
 * accounts. Its shard locks expire, the survivors take its shards, and the requests it had not answered are
 * delivered again from storage: the demo prints which accounts moved, where, and how long until they answered.
 * The report checks the ledger: `lost: 0` (each account holds what was acknowledged, money conserved), every
 * acknowledged operation applied exactly once, none twice; and each entity's balance in memory is its ledger's.
 * Exit code 0 when all of that holds, 1 otherwise; the schema is dropped and the runners killed in every case (Ctrl-C
 * included).
 */
import { Protocol, Runner } from "@effect-otp/cluster"
import { NodeRuntime } from "@effect/platform-node"
import { Data, Duration, Effect, Layer, Option } from "effect"
import { HttpServer } from "effect/http"
import type { SqlClient } from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { urlOf } from "../bank/http.js"
import type { TrafficReport } from "../bank/load.js"
import { accountIds, formatTraffic, isClean as isTrafficClean, runTraffic } from "../bank/load.js"
import type { AccountRpcs, LedgerCheck, Location } from "./account.js"
import { Account, checkLedger, pendingTransfers, readLedger } from "./account.js"
import type { RunnerProcess } from "./cluster.js"
import { freePorts, layerPg, schemaName, startRunner, withSchema } from "./cluster.js"
import * as FrontEnd from "./frontend.js"

/** How to run the demo. */
export interface Options {
  readonly duration: Duration.Input
  readonly accounts: number
  readonly clients: number
  readonly runners: number
  /** How far into the load to kill a runner (a fraction of the duration). */
  readonly killAt: number
  readonly log: (line: string) => void
}

/**
 * The defaults: 12 s of load by 16 clients over 50 accounts on 3 runners, a runner killed at 40% (about 5 s in,
 * leaving the survivors time to take its shards, about 3 s, and serve before the load ends).
 */
export const defaults: Options = {
  duration: "12 seconds",
  accounts: 50,
  clients: 16,
  runners: 3,
  killAt: 0.4,
  log: (line) => console.log(line)
}

/** An account of the killed runner, where it answered again and how long after the kill. */
export interface Move {
  readonly id: string
  /** `undefined`: it did not answer within `ANSWER_DEADLINE`. */
  readonly to: Location | undefined
  readonly afterMillis: number
}

/** The runner killed, when, and what became of its accounts. */
export interface Failover {
  readonly killed: Location
  /** Seconds into the load. */
  readonly atSeconds: number
  readonly moved: ReadonlyArray<Move>
}

/** What a run did and found. */
export interface DemoReport {
  readonly schema: string
  readonly runners: ReadonlyArray<Location>
  /** Where each account was active once the shards had settled, before the load. */
  readonly placement: Readonly<Record<string, Location>>
  readonly failover: Failover | undefined
  readonly traffic: TrafficReport
  readonly ledger: LedgerCheck
  /**
   * The accounts whose entity, asked its balance at the end, answers other than the sum of its ledger rows: its
   * state in memory drifted from what it wrote (none expected).
   */
  readonly drifted: ReadonlyArray<string>
}

/** The shards had not settled (accounts spread over every runner, twice the same) in time. */
export class NotSettled extends Data.TaggedError("NotSettled")<{ readonly seconds: number }> {
  override get message() {
    return `the shard assignment did not settle over the runners in ${this.seconds} s`
  }
}

/** The run was not clean: something acknowledged was lost or applied twice, or the failover did not happen. */
export class NotClean extends Data.TaggedError("NotClean")<{ readonly summary: string }> {
  /** The error for `report`: what went wrong, in one line (the report itself is printed already). */
  static of(report: DemoReport) {
    const { failover, ledger, traffic } = report
    return new NotClean({
      summary: `lost ${traffic.lost}, ${ledger.missing} missing, ${ledger.duplicates} applied twice, ` +
        `${ledger.unacknowledged} rows not acknowledged, ${report.drifted.length} balances drifted, ` +
        `${traffic.unresolved} unresolved, ` +
        `${traffic.unexpected} unexpected answers, ${traffic.pending} pending, ` +
        `failover ${isFailoverClean(failover) ? "ok" : "not seen"}`
    })
  }
  override get message() {
    return this.summary
  }
}

/** How long the shards may take to settle after the runners are ready. */
const SETTLE_DEADLINE = Duration.seconds(30)
/** How long a moved account may take to answer again after the kill. */
const ANSWER_DEADLINE = "30 seconds"

const locationText = (location: Location) => `pid ${location.pid} :${location.port}`
const seconds = (millis: number) => `${(millis / 1000).toFixed(1)} s`
/** `3.1 s to 3.4 s`, or `3.2 s` when all are the same to a tenth. */
const range = (millis: ReadonlyArray<number>) => {
  if (millis.length === 0) return "-"
  const [low, high] = [seconds(Math.min(...millis)), seconds(Math.max(...millis))]
  return low === high ? low : `${low} to ${high}`
}

/** Where each of `ids` is active: its entity answers `Where`. */
const placementOf = (ids: ReadonlyArray<string>) =>
  Effect.map(
    Effect.forEach(ids, (id) => Effect.flatMap(FrontEnd.account(id), (account) => account.where), {
      concurrency: "unbounded"
    }),
    (locations) => Object.fromEntries(ids.map((id, i) => [id, locations[i]]))
  )

/**
 * Waits until the shard assignment has settled: runners move shards while they join, for a few seconds. Settled
 * means the accounts answer from every runner, and from the same runners three times in a row, half a second apart.
 */
const settle = (ids: ReadonlyArray<string>, runners: number) =>
  Effect.gen(function*() {
    const started = Date.now()
    let previous: Record<string, Location> = {}
    let stable = 0
    while (Date.now() - started < Duration.toMillis(SETTLE_DEADLINE)) {
      const current = yield* placementOf(ids)
      const spread = new Set(Object.values(current).map((location) => location.pid)).size === runners
      stable = spread && ids.every((id) => previous[id]?.pid === current[id].pid) ? stable + 1 : 0
      if (stable >= 2) return { placement: current, millis: Date.now() - started }
      previous = current
      yield* Effect.sleep("500 millis")
    }
    return yield* Effect.fail(new NotSettled({ seconds: Duration.toSeconds(SETTLE_DEADLINE) }))
  })

/** The accounts of each runner, in the order of `runners`. */
const byRunner = (placement: Readonly<Record<string, Location>>, runners: ReadonlyArray<RunnerProcess>) =>
  runners.map((runner) => ({
    runner,
    ids: Object.keys(placement).filter((id) => placement[id].pid === runner.pid)
  }))

/** `words` joined by spaces, in lines of at most `width` characters, each after `indent`. */
const wrap = (words: ReadonlyArray<string>, indent: string, width = 110): ReadonlyArray<string> =>
  words.reduce<Array<string>>((lines, word) => {
    const last = lines.length - 1
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`
    else lines.push(`${indent}${word}`)
    return lines
  }, [])

/** Where account `id` answers from, and how long after `since` (`undefined`: no answer within the deadline). */
const answerAfter = (id: string, since: number) =>
  Effect.flatMap(FrontEnd.account(id), (account) => Effect.timeoutOption(account.where, ANSWER_DEADLINE)).pipe(
    Effect.map(Option.getOrUndefined),
    Effect.orElseSucceed(() => undefined),
    Effect.map((to): Move => ({ id, to, afterMillis: Date.now() - since }))
  )

/**
 * The chaos: at `killAt` of the load, SIGKILL the runner hosting the most accounts, then ask each of its accounts
 * where it is now. Each `Where` waits until a survivor has taken the account's shard and answered: the time to it is
 * the failover time.
 */
const killOne = (
  options: Options,
  runners: ReadonlyArray<RunnerProcess>,
  placement: Readonly<Record<string, Location>>,
  window: { readonly started: number; readonly stopAt: number }
) =>
  Effect.gen(function*() {
    const { log } = options
    yield* Effect.sleep(Duration.millis((window.stopAt - window.started) * options.killAt))
    const [victim] = byRunner(placement, runners).sort((a, b) => b.ids.length - a.ids.length)
    const killedAt = Date.now()
    yield* victim.runner.kill
    const killed = { pid: victim.runner.pid, port: victim.runner.port }
    const atSeconds = (killedAt - window.started) / 1000
    log(
      `kill:     SIGKILL runner ${locationText(killed)} at ${atSeconds.toFixed(1)} s into the load; ` +
        `its ${victim.ids.length} accounts go to the survivors`
    )
    const moved = yield* Effect.forEach(victim.ids, (id) => answerAfter(id, killedAt), { concurrency: "unbounded" })
    for (const runner of runners) {
      const here = moved.filter((move) => move.to?.pid === runner.pid)
      if (here.length === 0) continue
      log(`moved to ${locationText(runner)} (${here.length}):`)
      for (const line of wrap(here.map((move) => `${move.id} ${seconds(move.afterMillis)}`), "  ", 100)) log(line)
    }
    const lost = moved.filter((move) => move.to === undefined || move.to.pid === killed.pid)
    if (lost.length > 0) log(`not answered again from a survivor: ${lost.map((move) => move.id).join(" ")}`)
    const failover: Failover = { killed, atSeconds, moved }
    return failover
  })

const isFailoverClean = (failover: Failover | undefined) =>
  failover !== undefined && failover.moved.length > 0 &&
  failover.moved.every((move) => move.to !== undefined && move.to.pid !== failover.killed.pid)

/** Whether the run is clean: nothing lost or applied twice, every acknowledged operation in the ledger once, failover. */
export const isClean = (report: DemoReport) =>
  isTrafficClean(report.traffic) && report.ledger.once === report.ledger.acknowledged && report.ledger.missing === 0 &&
  report.ledger.duplicates === 0 && report.ledger.unacknowledged === 0 && report.drifted.length === 0 &&
  isFailoverClean(report.failover)

/** The report, as printed lines. */
export const formatReport = (report: DemoReport): ReadonlyArray<string> => {
  const { failover, ledger } = report
  const times = failover?.moved.filter((move) => move.to !== undefined).map((move) => move.afterMillis) ?? []
  return formatTraffic(report.traffic, {
    chaos: [
      failover === undefined
        ? `failover:    no runner killed`
        : `failover:    runner ${locationText(failover.killed)} killed at ${failover.atSeconds.toFixed(1)} s; ` +
          `${times.length} of its ${failover.moved.length} accounts answered again on a survivor ` +
          `after ${range(times)}`
    ],
    stored: "in the ledger (SQL)",
    checks: [
      `ledger:      ${ledger.rows} rows; of ${ledger.acknowledged} acknowledged operations ${ledger.once} applied ` +
      `exactly once, ${ledger.missing} missing; ${ledger.duplicates} applied twice; ` +
      `${ledger.unacknowledged} rows of operations not acknowledged`,
      `entities:    ${report.drifted.length} of ${Object.keys(report.placement).length} answer a balance other than ` +
      `their ledger's${report.drifted.length === 0 ? "" : ` (${report.drifted.join(" ")})`}`
    ]
  })
}

/** The demo, its runners started: settle, place, load with a kill, check. Needs the front end's layer. */
const demo = (options: Options, schema: string, runners: ReadonlyArray<RunnerProcess>) =>
  Effect.gen(function*() {
    const { log } = options
    const ids = accountIds(options.accounts)
    const baseUrl = urlOf(yield* HttpServer.HttpServer)
    const { millis, placement } = yield* settle(ids, runners.length)
    log(`settled:  in ${seconds(millis)}; where each account lives (the runner its entity answered from):`)
    for (const { ids: here, runner } of byRunner(placement, runners)) {
      log(`  runner ${locationText(runner)} (${here.length}):`)
      for (const line of wrap(here, "    ")) log(line)
    }
    log(
      `load:     ${Duration.format(Duration.fromInputUnsafe(options.duration))} of deposits and transfers by ` +
        `${options.clients} clients, through the front end ${baseUrl}`
    )
    let failover: Failover | undefined
    const traffic = yield* runTraffic<SqlError, SqlClient | Protocol.Client<AccountRpcs>>({
      baseUrl,
      duration: options.duration,
      accounts: options.accounts,
      clients: options.clients,
      noisyBurst: 0
    }, {
      stored: Effect.map(readLedger, (ledger) => ({ balances: ledger.balances, pending: pendingTransfers(ledger) })),
      chaos: (_ids, window) =>
        Effect.map(killOne(options, runners, placement, window), (done) => {
          failover = done
        })
    })
    const read = yield* readLedger
    const ledger = checkLedger(read, traffic.acknowledged)
    const answered = yield* Effect.forEach(
      ids,
      (id) => Effect.flatMap(FrontEnd.account(id), (calls) => calls.balance),
      {
        concurrency: "unbounded"
      }
    )
    const drifted = ids.filter((id, i) => answered[i] !== (read.balances[id] ?? 0))
    const report: DemoReport = {
      schema,
      runners: runners.map(({ pid, port }) => ({ pid, port })),
      placement,
      failover,
      traffic,
      ledger,
      drifted
    }
    log("report:")
    for (const line of formatReport(report)) log(`  ${line}`)
    return report
  })

/** Runs the demo, from the schema's creation to its drop. */
export const run = (overrides: Partial<Options> = {}) =>
  Effect.suspend(() => {
    const options: Options = { ...defaults, ...overrides }
    const { log } = options
    const schema = schemaName()
    return Effect.gen(function*() {
      yield* withSchema(schema)
      log(`schema:   ${schema} in database test (dropped at the end)`)
      const started = Date.now()
      const ports = yield* freePorts(options.runners)
      const runners = yield* Effect.forEach(ports, (port) => startRunner(schema, port, log), {
        concurrency: "unbounded"
      })
      log(`runners:  ${runners.map(locationText).join(", ")} ready in ${seconds(Date.now() - started)}`)
      // The front end and its client-only runner close before the runners are killed and the schema dropped.
      return yield* demo(options, schema, runners).pipe(
        Effect.provide(
          FrontEnd.layer.pipe(
            Layer.provideMerge(Protocol.layerClient(Account)),
            Layer.provideMerge(Runner.layerClientOnly())
          )
        )
      )
    }).pipe(Effect.scoped, Effect.provide(layerPg(schema, "cluster-demo")))
  })

const parseCli = () => {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: String(Duration.toSeconds(defaults.duration)) },
      accounts: { type: "string", default: String(defaults.accounts) },
      clients: { type: "string", default: String(defaults.clients) }
    }
  })
  const duration = Number(values.duration)
  const accounts = Number(values.accounts)
  const clients = Number(values.clients)
  if (!(duration > 0)) throw new Error(`--duration: not a number of seconds: ${values.duration}`)
  if (!Number.isInteger(accounts) || accounts < 2) throw new Error(`--accounts: not a number >= 2: ${values.accounts}`)
  if (!Number.isInteger(clients) || clients < 1) throw new Error(`--clients: not a number >= 1: ${values.clients}`)
  return { duration: Duration.seconds(duration), accounts, clients }
}

/** The options from the command line; a bad one is reported and exits with code 2. */
const cli = () => {
  try {
    return parseCli()
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}
usage: npm run cluster-demo -- [--duration SECONDS] [--accounts N] [--clients N]`)
    return process.exit(2)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  NodeRuntime.runMain(
    run(cli()).pipe(Effect.flatMap((report) => isClean(report) ? Effect.void : Effect.fail(NotClean.of(report))))
  )
}
