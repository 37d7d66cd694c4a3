/**
 * The cluster-call case (issue 20): a request and its reply between OS processes through effect's cluster, beside
 * the same protocol on local actors and Erlang's `gen_server:call` to another node.
 *
 * One run, in this order:
 * - local: `n` calls of the durable protocol run as local actors (`Protocol.layerLocal`), and `n` plain
 *   `Subject.call`s to a core counter actor;
 * - a schema of its own in database `test` (`otp_bench_...`), and a runner in another OS process
 *   (`cluster-runner.ts`, `Runner.layer`, storage in that schema) hosting both counters;
 * - the shard assignment settles: the runner holds every shard's lock (see `settle`), then two assignment refreshes
 *   pass, so that this process routes to it;
 * - this process, client-only (`Runner.layerClientOnly` + `Protocol.layerClient`), calls an entity of each
 *   protocol: warm-up calls, then `n` timed ones, each on its own (median and p99 of the calls, nearest rank); and
 *   the CPU time each call costs this process, the runner and PostgreSQL (`/proc`, Linux);
 * - the runner is stopped and the schema dropped, also when the run fails.
 *
 * `BENCH_CLUSTER_CONFIG` (JSON) overrides `ShardingConfig` settings in the caller and the runner alike.
 */
import { Protocol, Runner } from "@effect-otp/cluster"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { SqlClient } from "effect/sql"
import type { ChildProcess } from "node:child_process"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import { fileURLToPath } from "node:url"
import { freePort } from "../../cluster/test/fixtures/net.js"
import { counter, getCount } from "../../core/test/actors.js"
import { Durable, durableCounter, shardingConfig, Volatile } from "./cluster-actors.js"
import type { BenchCase, Run } from "./model.js"
import { check, now, scoped, size, startClock } from "./model.js"

// ---------------------------------------------------------------------------------------------------------------
// Latency
// ---------------------------------------------------------------------------------------------------------------

/** The nearest-rank quantile `q` of sorted samples. */
const quantile = (sorted: Float64Array, q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!

interface Latency {
  readonly median: number
  readonly p99: number
}

/** `warmup` calls, then `n` calls each timed on its own: median and p99 in µs. `call(i)` makes the i-th call. */
const latency = <E>(
  n: number,
  warmup: number,
  call: (i: number) => Effect.Effect<unknown, E>
): Effect.Effect<Latency, E> =>
  Effect.gen(function*() {
    for (let i = 0; i < warmup; i++) yield* call(i)
    const samples = new Float64Array(n)
    startClock() // a minor GC: the warm-up's garbage is cleared before the timed calls
    for (let i = 0; i < n; i++) {
      const start = now()
      yield* call(warmup + i)
      samples[i] = now() - start
    }
    samples.sort()
    return { median: quantile(samples, 0.5) * 1000, p99: quantile(samples, 0.99) * 1000 }
  })

/** Warm-up calls on this process: cheap, and enough for the JIT to compile the call path. */
const LOCAL_WARMUP = 5_000

/** Warm-up calls across processes, after the shards have settled (at most `n`). */
const CLUSTER_WARMUP = 500

// ---------------------------------------------------------------------------------------------------------------
// The runner process
// ---------------------------------------------------------------------------------------------------------------

const root = fileURLToPath(new URL("../../../", import.meta.url))

const bundled = import.meta.url.endsWith(".mjs")

/**
 * The runner's entry: the bundle beside this one, or the TypeScript source under tsx. `BENCH_CLUSTER_RUNNER_ARGS`
 * adds Node options (`--cpu-prof`: the runner exits, writing its profile, when its stdin closes).
 */
const runnerArgs: ReadonlyArray<string> = [
  ...(bundled ? [] : ["--import", "tsx", "--conditions=@effect-otp/source"]),
  ...(process.env.BENCH_CLUSTER_RUNNER_ARGS ?? "").split(" ").filter((arg) => arg !== ""),
  fileURLToPath(new URL(bundled ? "./cluster-runner.mjs" : "./cluster-runner.ts", import.meta.url))
]

/**
 * Stops the runner: closes its stdin, which makes it exit at once (no orderly shutdown: the schema goes anyway), and
 * kills it (SIGKILL) if it has not exited within 5 s. Waits until it has.
 */
const stop = (child: ChildProcess): Effect.Effect<void> =>
  Effect.callback((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const deadline = setTimeout(() => child.kill("SIGKILL"), 5_000)
    child.once("exit", () => {
      clearTimeout(deadline)
      resume(Effect.void)
    })
    child.stdin!.end()
  })

/**
 * A runner process for `schema`, listening on `port`, once it says `ready`; stopped when the scope closes. What
 * else it prints goes to our stderr (the bench's log).
 */
const startRunner = (schema: string, port: number): Effect.Effect<ChildProcess, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<ChildProcess, Error>((resume) => {
      const child = spawn(process.execPath, runnerArgs, {
        cwd: root,
        env: { ...process.env, BENCH_CLUSTER_SCHEMA: schema, BENCH_CLUSTER_PORT: String(port) },
        // Its stdin is a pipe that it watches: it exits when that closes (`stop`, or this process dying).
        stdio: ["pipe", "pipe", "inherit"]
      })
      let pending = ""
      let ready = false
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        const lines = (pending + chunk).split("\n")
        pending = lines.pop()!
        for (const line of lines) {
          if (line === "ready" && !ready) {
            ready = true
            resume(Effect.succeed(child))
          } else {
            process.stderr.write(`[runner] ${line}\n`)
          }
        }
      })
      child.once("exit", (code, signal) => {
        if (!ready) resume(Effect.fail(new Error(`the runner exited (${code ?? signal}) before it was ready`)))
      })
      return Effect.sync(() => child.kill("SIGKILL"))
    }).pipe(Effect.timeoutOrElse({
      duration: "60 seconds",
      orElse: () => Effect.fail(new Error("the runner was not ready within 60 s"))
    })),
    stop
  )

/**
 * Waits until the runner holds the locks of all `shards`: advisory locks of its sessions (they carry `schema` as
 * application name), or rows of the locks table with `shardLockDisableAdvisory`. Then waits for two assignment
 * refreshes, so that the caller routes every shard to it.
 */
const settle = (sql: SqlClient.SqlClient, schema: string, shards: number, refresh: Duration.Duration) =>
  Effect.gen(function*() {
    while (true) {
      const rows = yield* sql<{ readonly n: number }>`
        SELECT GREATEST(
          (SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = ${schema}),
          (SELECT count(*) FROM ${sql(`${schema}_locks`)})
        )::int AS n`
      if (rows[0]!.n >= shards) break
      yield* Effect.sleep("20 millis")
    }
    yield* Effect.sleep(Duration.times(refresh, 2))
  }).pipe(Effect.timeoutOrElse({
    duration: "60 seconds",
    orElse: () => Effect.fail(new Error(`the runner did not lock its ${shards} shards within 60 s`))
  }))

// ---------------------------------------------------------------------------------------------------------------
// CPU time
// ---------------------------------------------------------------------------------------------------------------

/** Clock ticks per second of `/proc/<pid>/stat`'s times (`getconf CLK_TCK`, 100 on Linux x86). */
const TICKS_PER_SECOND = 100

/** CPU time (user + system) of an OS process in ms, from `/proc` (Linux; NaN elsewhere or once it is gone). */
const cpuMillis = (pid: number): number => {
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    // After the command (in parentheses, which may hold spaces): state, then utime and stime at 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

/** CPU time so far of this process, the runner and the run's PostgreSQL sessions (backends), in ms. */
interface CpuSample {
  readonly caller: number
  readonly runner: number
  readonly backends: ReadonlyMap<number, number>
}

const sampleCpu = (sql: SqlClient.SqlClient, schema: string, runner: ChildProcess): Effect.Effect<CpuSample, unknown> =>
  Effect.map(
    sql<{ readonly pid: number }>`
      SELECT pid FROM pg_stat_activity WHERE application_name IN (${schema}, ${`${schema}_caller`})`,
    (rows) => {
      const usage = process.cpuUsage()
      return {
        caller: (usage.user + usage.system) / 1000,
        runner: cpuMillis(runner.pid!),
        backends: new Map(rows.map(({ pid }) => [pid, cpuMillis(pid)]))
      }
    }
  )

/** CPU µs per call between two samples, `calls` apart: in this process, the runner, PostgreSQL. */
const cpuPerCall = (before: CpuSample, after: CpuSample, calls: number) => {
  let backends = 0
  // A session opened in between counts from its start.
  for (const [pid, ms] of after.backends) backends += ms - (before.backends.get(pid) ?? 0)
  const perCall = (ms: number) => (ms * 1000) / calls
  return {
    caller: perCall(after.caller - before.caller),
    runner: perCall(after.runner - before.runner),
    postgres: perCall(backends)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

/** The local calls: the protocol on a local actor, and a plain `Subject.call` to a core counter. */
const localCalls = (n: number) =>
  Effect.gen(function*() {
    const local = Context.get(yield* Layer.build(Protocol.layerLocal(durableCounter)), Durable.Client)("bench")
    const protocol = yield* latency(n, LOCAL_WARMUP, (i) => local.Bump({ key: `k${i}` }))
    const { data: plain } = yield* counter(0)
    const subject = yield* latency(n, LOCAL_WARMUP, () => getCount(plain))
    return { protocol, subject }
  })

const clusterCallOurs: Run = ({ n }) =>
  scoped(Effect.gen(function*() {
    const local = yield* localCalls(n)

    const config = shardingConfig()
    const settings = { ...ShardingConfig.defaults, ...Runner.failover, ...config }
    const schema = `otp_bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
    const pg = yield* Layer.build(Runner.layerPg({ database: "test", schema, applicationName: `${schema}_caller` }))
    const sql = Context.get(pg, SqlClient.SqlClient)
    yield* Effect.acquireRelease(
      sql.unsafe(`CREATE SCHEMA ${schema}`),
      () => Effect.ignore(sql.unsafe(`DROP SCHEMA ${schema} CASCADE`))
    )

    const spawned = now()
    const runner = yield* startRunner(schema, yield* freePort)
    const ready = now()
    yield* settle(sql, schema, settings.shardsPerGroup, Duration.fromInputUnsafe(settings.refreshAssignmentsInterval))
    const settled = now()

    const clients = yield* Layer.build(
      Layer.mergeAll(Protocol.layerClient(Durable), Protocol.layerClient(Volatile)).pipe(
        Layer.provide(Runner.layerClientOnly({ prefix: schema, shardingConfig: config })),
        Layer.provide(Layer.succeedContext(pg))
      )
    )
    const durable = Context.get(clients, Durable.Client)("bench")
    const volatile = Context.get(clients, Volatile.Client)("bench")
    const warmup = Math.min(n, CLUSTER_WARMUP)
    const cpu = () => sampleCpu(sql, schema, runner)
    const start = yield* cpu()
    const durableLatency = yield* latency(n, warmup, (i) => durable.Bump({ key: `k${i}` }))
    const middle = yield* cpu()
    const volatileLatency = yield* latency(n, warmup, (i) => volatile.Bump({ key: `k${i}` }))
    const end = yield* cpu()
    // Per call, warm-up included (the calls between the samples): what each process spends on one.
    const durableCpu = cpuPerCall(start, middle, warmup + n)
    const volatileCpu = cpuPerCall(middle, end, warmup + n)
    // Each counter counted every call: none was lost or applied twice.
    yield* check(
      (yield* durable.Bump({ key: "last" })) === warmup + n + 1,
      "the durable counter answered every call once"
    )
    yield* check(
      (yield* volatile.Bump({ key: "last" })) === warmup + n + 1,
      "the volatile counter answered every call once"
    )
    return {
      usDurable: durableLatency.median,
      usDurableP99: durableLatency.p99,
      usVolatile: volatileLatency.median,
      usVolatileP99: volatileLatency.p99,
      usLocal: local.protocol.median,
      usLocalP99: local.protocol.p99,
      usSubjectCall: local.subject.median,
      usSubjectCallP99: local.subject.p99,
      durableOverLocal: durableLatency.median / local.protocol.median,
      volatileOverLocal: volatileLatency.median / local.protocol.median,
      usCpuDurableCaller: durableCpu.caller,
      usCpuDurableRunner: durableCpu.runner,
      usCpuDurablePostgres: durableCpu.postgres,
      usCpuVolatileCaller: volatileCpu.caller,
      usCpuVolatileRunner: volatileCpu.runner,
      msRunnerReady: ready - spawned,
      msSettled: settled - ready
    }
  }))

export const clusterCallCase: BenchCase = {
  description: "sequential calls from a client-only process to an entity on a runner in another OS process " +
    "(PostgreSQL storage), durable and volatile, beside the protocol on a local actor and a plain Subject.call " +
    "(Erlang: `gen_server:call` to a gen_server on a peer node, and on its own node)",
  unit: "µs/call",
  metrics: [
    { key: "usDurable", label: "durable call across runners, median (Erlang: across nodes)", unit: "µs/call" },
    { key: "usDurableP99", label: "durable call across runners, p99 (Erlang: across nodes)", unit: "µs/call" },
    { key: "usVolatile", label: "volatile call across runners, median (Erlang: across nodes)", unit: "µs/call" },
    { key: "usVolatileP99", label: "volatile call across runners, p99 (Erlang: across nodes)", unit: "µs/call" },
    { key: "usLocal", label: "protocol on a local actor, median (Erlang: same node)", unit: "µs/call" },
    { key: "usLocalP99", label: "protocol on a local actor, p99 (Erlang: same node)", unit: "µs/call" },
    { key: "usSubjectCall", label: "Subject.call, median (Erlang: same node)", unit: "µs/call" },
    { key: "usSubjectCallP99", label: "Subject.call, p99 (Erlang: same node)", unit: "µs/call" },
    { key: "durableOverLocal", label: "durable across runners / local actor (Erlang: across / same node)", unit: "×" },
    {
      key: "volatileOverLocal",
      label: "volatile across runners / local actor (Erlang: across / same node)",
      unit: "×"
    },
    { key: "usCpuDurableCaller", label: "durable call: CPU in the caller", unit: "µs/call" },
    { key: "usCpuDurableRunner", label: "durable call: CPU in the runner", unit: "µs/call" },
    { key: "usCpuDurablePostgres", label: "durable call: CPU in PostgreSQL (the run's sessions)", unit: "µs/call" },
    { key: "usCpuVolatileCaller", label: "volatile call: CPU in the caller", unit: "µs/call" },
    { key: "usCpuVolatileRunner", label: "volatile call: CPU in the runner", unit: "µs/call" },
    { key: "msRunnerReady", label: "runner process: spawn to ready", unit: "ms" },
    { key: "msSettled", label: "runner ready to all shards locked + 2 refreshes", unit: "ms" }
  ],
  sizes: { full: [size(5_000)], quick: [size(1_000)], smoke: size(5) },
  // Each run starts a runner process (seconds): three runs at most, after a warm-up run of a few calls.
  runs: (_, runs) => Math.min(runs, 3),
  warmup: () => size(20),
  ours: clusterCallOurs,
  substrates: {},
  erlang: true,
  distributed: true
}
