/**
 * Soak: the chaos tree of `test/Chaos.test.ts` (1,000 supervised actors behind a Registry, 100 clients, random
 * kills of actors and supervisors) on the live clock for N minutes. Prints the heap used after a full GC and the
 * RSS every minute, and the invariants at the end. Fails (exit code 1) when the heap after GC grew by more than 10%
 * between minute 2 and the last minute, or when an invariant failed.
 *
 *   npm run soak -- --minutes 10 [--seed 42]
 *
 * Needs `--expose-gc` (the npm script passes it).
 */
import { Effect, Fiber } from "effect"
import { Process } from "../src/index.js"
import * as Chaos from "../test/chaos/tree.js"

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? process.argv[at + 1] : undefined
}

const minutes = Number(argument("minutes") ?? 10)
const seed = Number(argument("seed") ?? Date.now() % 1_000_000_007)
if (!(minutes > 0) || !Number.isFinite(seed)) {
  console.error("usage: npm run soak -- [--minutes N] [--seed S]")
  process.exit(2)
}
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) {
  console.error("the soak needs --expose-gc: run it with `npm run soak` (tsx --expose-gc ...)")
  process.exit(2)
}

const MINUTE = 60_000
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

const config: Chaos.ChaosConfig = {
  ...Chaos.sharedTree,
  seed,
  opsPerEpoch: 10,
  callTimeout: "5 seconds",
  initTimeout: "30 seconds",
  introspectionTimeout: "30 seconds",
  // The live clock: a timer fires late when the event loop is busy (a restart of 500 actors, a full GC). Message
  // passing yields to the event loop within its time budget (internal/scheduler.ts), so timers are not held back by
  // it: the longest call of a 10-minute run overran its timeout by less than 300 ms.
  callDeadlineSlack: "1 second",
  // Bounded ledgers (first, last, count per sender): the heap must not grow with the number of messages.
  keepSequences: false
}

interface Sample {
  readonly minute: number
  readonly heapUsed: number
  readonly rss: number
}

const samples: Array<Sample> = []
const startedAt = Date.now()
const deadline = startedAt + minutes * MINUTE
let nextSample = 1

const sample = (minute: number, stats: Readonly<Chaos.ChaosStats>) => {
  gc()
  const memory = process.memoryUsage()
  samples.push({ minute, heapUsed: memory.heapUsed, rss: memory.rss })
  const kills = stats.actorKills + stats.actorExits + stats.actorCrashes
  const supervisorKills = Object.values(stats.supervisorKills).reduce((sum, n) => sum + n, 0)
  console.log(
    `minute ${minute}: heap used after GC ${mb(memory.heapUsed)}, RSS ${mb(memory.rss)}; ` +
      `${stats.ops} ops, ${
        stats.calls + stats.slowCalls
      } calls, ${stats.handled} handled, ${stats.actorStarts} actor starts, ` +
      `${kills} actor strikes, ${supervisorKills} supervisor kills, ${Effect.runSync(Process.list).length} processes`
  )
}

const hooks: Chaos.ChaosHooks = {
  runEpoch: (_, stats) =>
    Effect.sync(() => {
      const now = Date.now()
      while (nextSample <= minutes && now >= startedAt + nextSample * MINUTE) {
        sample(nextSample, stats)
        nextSample++
      }
      if (now < deadline) return true
      // A last sample at the end of a fractional last minute.
      if (samples.length === 0 || samples[samples.length - 1].minute < minutes) sample(minutes, stats)
      return false
    }),
  afterEpoch: Effect.void,
  turn: Effect.callback<void>((resume) => {
    const handle = setTimeout(() => resume(Effect.void), 1)
    return Effect.sync(() => clearTimeout(handle))
  }),
  // On the live clock every call ends within its timeout (5 s): 30 s without any progress is a hang.
  stalled: (_, idleMillis) => idleMillis >= 30_000,
  dropChaosBacklog: true
}

const program = Effect.gen(function*() {
  console.log(
    `soak: seed ${seed}, ${minutes} minute(s), ${config.groups * config.actorsPerGroup + config.factoryActors} ` +
      `actors, ${config.clients} clients, live clock`
  )
  // In a fiber of its own, so that its implicit process ends with it and the process table can be checked empty.
  const fiber = yield* Effect.forkChild(Effect.scoped(Chaos.run(config, hooks)))
  const result = yield* Fiber.join(fiber)
  return { result, left: yield* Process.list }
})

const { left, result } = await Effect.runPromise(program)

console.log(Chaos.summary(result))
const failures: Array<string> = [...result.failures]
if (result.failureCount > result.failures.length) {
  failures.push(`... and ${result.failureCount - result.failures.length} more invariant failures`)
}
if (left.length > 0) failures.push(`${left.length} processes left after the run: ${left.slice(0, 10).join(", ")}`)

const at2 = samples.find((s) => s.minute === 2)
const last = samples[samples.length - 1]
if (at2 !== undefined && last !== undefined && last.minute > 2) {
  const growth = (last.heapUsed - at2.heapUsed) / at2.heapUsed
  const line = `heap used after GC: minute 2 ${mb(at2.heapUsed)}, minute ${last.minute} ${mb(last.heapUsed)} ` +
    `(${growth >= 0 ? "+" : ""}${(growth * 100).toFixed(1)}%, at most +10% allowed)`
  console.log(line)
  if (growth > 0.1) failures.push(`the heap grew: ${line}`)
} else {
  console.log("heap growth: not checked (needs more than 2 minutes)")
}

if (failures.length > 0) {
  console.log(`SOAK FAILED (seed ${seed}):\n- ${failures.join("\n- ")}`)
  process.exit(1)
}
console.log(`soak passed (seed ${seed}): invariants held, heap stable`)
process.exit(0)
