/**
 * Runs one implementation of one case in this process: a warm-up run, then `--runs` measured runs, and prints
 * their figures as one JSON line prefixed with `BENCH_JSON `. `main.ts` starts it in a fresh Node process per
 * case and implementation:
 *
 *   node --expose-gc --conditions=@effect-otp/source --import tsx packages/bench/src/run-case.ts \
 *     <case> <impl> <size> [--runs R] [--warmup SIZE]
 *
 * `impl` is `ours`, `substrate` (the case's first substrate) or `substrate:<key>`; a size is `N` or `NxM`.
 * Handy on its own, e.g. under `node --cpu-prof`.
 */
import * as Effect from "effect/Effect"
import * as References from "effect/References"
import { parseArgs } from "node:util"
import { cases, implementation } from "./cases.js"
import type { Figures } from "./model.js"
import { formatSize, parseSize } from "./model.js"

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: "string", default: "1" }, warmup: { type: "string" } }
})

const [caseName, impl, sizeText] = positionals
const usage = "usage: run-case.ts <case> <ours|substrate|substrate:KEY> <N|NxM> [--runs R] [--warmup N|NxM]"
if (caseName === undefined || impl === undefined || sizeText === undefined) throw new Error(usage)
const benchCase = cases[caseName]
if (benchCase === undefined) throw new Error(`unknown case ${caseName}; cases: ${Object.keys(cases).join(", ")}`)
const run = implementation(benchCase, impl)
if (run === undefined) throw new Error(`case ${caseName} has no implementation ${impl}`)
const size = parseSize(sizeText)
const warmup = values.warmup === undefined ? benchCase.warmup(size) : parseSize(values.warmup)
const runs = Number(values.runs)

/**
 * Logging off, as on the Erlang side (`logger:set_primary_config(level, none)` in bench.erl): the restart case would
 * otherwise time the console writing each crash and restart report. What the reports cost when their level is
 * filtered out (a level check each) is part of the figures.
 */
const quiet = <A, E>(effect: Effect.Effect<A, E>) => Effect.provideService(effect, References.MinimumLogLevel, "None")

const main = async () => {
  if (typeof globalThis.gc !== "function") console.error("run-case: no global.gc (start node with --expose-gc)")
  await Effect.runPromise(quiet(run(warmup)))
  const results: Array<Figures> = []
  for (let i = 0; i < runs; i++) results.push(await Effect.runPromise(quiet(run(size))))
  const report = { case: caseName, impl, size: formatSize(size), warmup: formatSize(warmup), runs: results }
  process.stdout.write(`BENCH_JSON ${JSON.stringify(report)}\n`)
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
