/**
 * The benchmark runner: `npm run bench` (full sizes), `npm run bench -- --quick` (smaller sizes, same cases),
 * `--case NAME` (one case), `--json FILE` (the table as JSON too), `--runs R`, `--rounds K`, `--no-erlang`.
 *
 * Each case and implementation runs in a fresh Node process (`--expose-gc`, see `run-case.ts`) from one esbuild
 * bundle of `run-case.ts` with the library and the substrate (`effect` stays external): plain JavaScript, as a
 * user's build ships it. (Under `tsx` every closure of the TypeScript sources gets its `name` set by a helper, which
 * costs each closure a property store: 1.5 KB more per idle actor.) A warm-up run, then R measured runs (5 full,
 * 3 quick). The runs are spread over K rounds (full: one run per round; quick: one round): each round runs every
 * implementation once, one after the other, so that the machine's drift (a shared VM slows down and speeds up over
 * minutes) falls on all of them alike and the ratios stay side by side. The Erlang twin of each case
 * (`erlang/*.erl`) is compiled with `erlc` into a temporary directory and run the same way in a fresh `erl +S 1`
 * (one scheduler, like Node's one thread). The table quotes medians; the spread is the min–max of our runs.
 */
import { buildSync } from "esbuild"
import { execFileSync, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { cases } from "./cases.js"
import type { BenchCase, Figures, Size } from "./model.js"
import { formatSize } from "./model.js"

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    case: { type: "string", multiple: true },
    runs: { type: "string" },
    rounds: { type: "string" },
    "no-erlang": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false }
  }
})

if (values.help) {
  console.log(
    "npm run bench -- [--quick] [--case NAME]... [--runs N] [--rounds N] [--json FILE] [--no-erlang]\n" +
      `cases: ${Object.keys(cases).join(", ")}`
  )
  process.exit(0)
}

const mode = values.quick ? "quick" : "full"
const runs = values.runs === undefined ? (values.quick ? 3 : 5) : Number(values.runs)
const rounds = values.rounds === undefined ? (values.quick ? 1 : runs) : Number(values.rounds)
if (!(Number.isInteger(runs) && runs >= 1 && Number.isInteger(rounds) && rounds >= 1)) {
  console.error("--runs and --rounds take a whole number, 1 or more")
  process.exit(2)
}
const root = fileURLToPath(new URL("../../../", import.meta.url))
const runCaseSource = fileURLToPath(new URL("./run-case.ts", import.meta.url))
const runCase = fileURLToPath(new URL("../build/run-case.mjs", import.meta.url))
const threadsWorkerSource = fileURLToPath(new URL("./threads-worker.ts", import.meta.url))
const threadsWorker = fileURLToPath(new URL("../build/threads-worker.mjs", import.meta.url))
const clusterRunnerSource = fileURLToPath(new URL("./cluster-runner.ts", import.meta.url))
const clusterRunner = fileURLToPath(new URL("../build/cluster-runner.mjs", import.meta.url))
const erlangSources = fileURLToPath(new URL("../erlang/", import.meta.url))

const selected = values.case ?? Object.keys(cases)
for (const name of selected) {
  if (cases[name] === undefined) {
    console.error(`unknown case ${name}; cases: ${Object.keys(cases).join(", ")}`)
    process.exit(2)
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`)

// ---------------------------------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------------------------------

const cpuModel = (): string => {
  try {
    const line = fs.readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"))
    if (line !== undefined) return line.slice(line.indexOf(":") + 1).trim()
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? "unknown"
}

/** The OTP release and ERTS version, or undefined when `erl` cannot be run. */
const erlangVersion = (): string | undefined => {
  try {
    const out = execFileSync("erl", [
      "-noshell",
      "-eval",
      "io:format(\"OTP ~s, ERTS ~s\", [erlang:system_info(otp_release), erlang:system_info(version)]), halt()."
    ], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
    return out.trim()
  } catch {
    return undefined
  }
}

/** The library's sources: what the cases measure (the node and cluster packages since issues 19 and 20). */
const sourceDirs = ["packages/core/src", "packages/node/src", "packages/cluster/src"]

/** A hash of the library's sources, to notice when they change during a run (another branch, an edit). */
const librarySources = (): string => {
  const hash = createHash("sha256")
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else hash.update(entry.name).update(fs.readFileSync(file))
    }
  }
  for (const dir of sourceDirs) walk(path.join(root, dir))
  return hash.digest("hex").slice(0, 12)
}

/** The commit measured, and whether the library had uncommitted changes. */
const revision = (): string => {
  try {
    const git = (...args: ReadonlyArray<string>) =>
      execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    const dirty = git("status", "--porcelain", "--", ...sourceDirs) !== ""
    return `${git("rev-parse", "--short", "HEAD")}${dirty ? ` + uncommitted changes in ${sourceDirs.join(", ")}` : ""}`
  } catch {
    return "unknown"
  }
}

const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(2)).join(" ")

const machine = {
  revision: revision(),
  sources: librarySources(),
  node: process.version,
  erlang: values["no-erlang"] ? undefined : erlangVersion(),
  cpu: cpuModel(),
  nproc: os.availableParallelism(),
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  loadAverage: loadAverage()
}

// ---------------------------------------------------------------------------------------------------------------
// Running one implementation
// ---------------------------------------------------------------------------------------------------------------

interface Outcome {
  readonly runs: ReadonlyArray<Figures>
  readonly error?: string
}

const TIMEOUT_MILLIS = 30 * 60 * 1000

/** Runs a child process that prints a `BENCH_JSON` line (its stderr goes to ours), and reads its runs. */
const runChild = (command: string, args: ReadonlyArray<string>): Outcome => {
  const start = performance.now()
  const child = spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: TIMEOUT_MILLIS,
    maxBuffer: 16 * 1024 * 1024
  })
  log(`  ${((performance.now() - start) / 1000).toFixed(1)} s`)
  const line = (child.stdout ?? "").split("\n").find((l) => l.startsWith("BENCH_JSON "))
  if (line !== undefined) {
    return { runs: (JSON.parse(line.slice("BENCH_JSON ".length)) as { runs: ReadonlyArray<Figures> }).runs }
  }
  return { runs: [], error: `${command} exited with ${child.status ?? child.signal ?? child.error?.message}` }
}

/** The runs of two rounds together; the first error is kept. */
const merge = (previous: Outcome | undefined, next: Outcome): Outcome => {
  if (previous === undefined) return next
  const error = previous.error ?? next.error
  const runs = [...previous.runs, ...next.runs]
  return error === undefined ? { runs } : { runs, error }
}

const runNode = (name: string, impl: string, size: Size, warmup: Size, count: number): Outcome =>
  runChild(process.execPath, [
    "--expose-gc",
    "--max-old-space-size=16384",
    runCase,
    name,
    impl,
    formatSize(size),
    "--runs",
    String(count),
    "--warmup",
    formatSize(warmup)
  ])

let erlangDir: string | undefined

/** Compiles `erlang/*.erl` into a temporary directory, once. */
const compileErlang = (): string | undefined => {
  if (erlangDir !== undefined) return erlangDir
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-otp-bench-"))
  const sources = fs.readdirSync(erlangSources).filter((f) => f.endsWith(".erl")).map((f) =>
    path.join(erlangSources, f)
  )
  const compiled = spawnSync("erlc", ["-o", dir, ...sources], { stdio: ["ignore", "inherit", "inherit"] })
  if (compiled.status !== 0) return undefined
  erlangDir = dir
  return dir
}

/**
 * One scheduler (`+S 1`), as Node runs JavaScript on one thread, unless the case says otherwise (the threads cases);
 * room for a million processes (`+P`); a distributed node with a name of its own when the case starts peer nodes.
 */
const runErlang = (name: string, benchCase: BenchCase, size: Size, warmup: Size, count: number): Outcome => {
  const dir = compileErlang()
  if (dir === undefined) return { runs: [], error: "erlc failed" }
  const call = `bench:main(["${name}", "${formatSize(size)}", "${count}", "${formatSize(warmup)}"])`
  const flags = benchCase.erlangFlags ?? ["+S", "1"]
  const node = benchCase.distributed === true ? ["-sname", `bench_${process.pid}`] : []
  return runChild("erl", [
    "-noshell",
    ...flags,
    ...node,
    "+P",
    "4000000",
    "-pa",
    dir,
    "-eval",
    call,
    "-s",
    "init",
    "stop"
  ])
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics and the table
// ---------------------------------------------------------------------------------------------------------------

interface Stats {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: number
}

const stats = (outcome: Outcome | undefined, key: string): Stats | undefined => {
  if (outcome === undefined) return undefined
  const xs = outcome.runs.map((r) => r[key]).filter((x): x is number => typeof x === "number" && Number.isFinite(x))
  if (xs.length === 0) return undefined
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: xs.length }
}

interface Row {
  readonly case: string
  readonly size: string
  readonly metric: string
  readonly unit: string
  readonly substrateKind: string | undefined
  readonly ours: Stats | undefined
  readonly substrate: Stats | undefined
  readonly erlang: Stats | undefined
  readonly oursOverSubstrate: number | undefined
  readonly oursOverErlang: number | undefined
  readonly note: string | undefined
}

const ratio = (a: Stats | undefined, b: Stats | undefined): number | undefined =>
  a === undefined || b === undefined || b.median === 0 ? undefined : a.median / b.median

const formatNumber = (x: number | undefined): string => {
  if (x === undefined) return ""
  const abs = Math.abs(x)
  if (abs >= 10_000) return Math.round(x).toLocaleString("en-US")
  if (abs >= 100) return x.toFixed(0)
  if (abs >= 10) return x.toFixed(1)
  if (abs >= 1) return x.toFixed(2)
  return x.toPrecision(3)
}

const formatRatio = (x: number | undefined): string => x === undefined ? "" : `${formatNumber(x)}×`

const formatSpread = (s: Stats | undefined): string =>
  s === undefined ? "" : `${formatNumber(s.min)}–${formatNumber(s.max)}`

/** Says so when a row rests on fewer runs than the others. */
const runsNote = (row: Row): string => {
  const count = Math.max(row.ours?.runs ?? 0, row.substrate?.runs ?? 0, row.erlang?.runs ?? 0)
  return count > 0 && count < runs ? `, ${count} run${count === 1 ? "" : "s"}` : ""
}

const table = (rows: ReadonlyArray<Row>): string => {
  const header = [
    "case",
    "figure",
    "unit",
    "ours",
    "substrate",
    "Erlang",
    "ours/substrate",
    "ours/Erlang",
    "ours spread (min–max)"
  ]
  const lines = rows.map((row) => [
    `${row.case} (${row.size}${runsNote(row)})`,
    row.metric + (row.substrateKind === undefined ? "" : ` [substrate: ${row.substrateKind}]`) +
    (row.note === undefined ? "" : ` (${row.note})`),
    row.unit,
    formatNumber(row.ours?.median),
    formatNumber(row.substrate?.median),
    formatNumber(row.erlang?.median),
    formatRatio(row.oursOverSubstrate),
    formatRatio(row.oursOverErlang),
    formatSpread(row.ours)
  ])
  const numeric = new Set([3, 4, 5, 6, 7, 8])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const render = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((c, i) => numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)).join(" | ")} |`
  const rule = `|${widths.map((w, i) => numeric.has(i) ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2)).join("|")}|`
  return [render(header), rule, ...lines.map(render)].join("\n")
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

/**
 * Whether `n` idle actors fit in memory, judging from a smaller run of the same case: the 1,000,000-actor run
 * of `spawn` needs tens of GB when an actor costs tens of KB, and would take the machine down.
 */
const fits = (perItem: number | undefined, n: number): { readonly ok: boolean; readonly need: number } => {
  const need = (perItem ?? 0) * n * 1.5
  return { ok: need < Math.min(os.freemem() * 0.6, 15 * 2 ** 30), need }
}

const rows: Array<Row> = []
const notes: Array<string> = []
if (!values["no-erlang"] && machine.erlang === undefined) {
  notes.push("erl was not found: the Erlang column is empty.")
}
const started = performance.now()
/**
 * An esbuild bundle of `entry` for Node. The "@effect-otp/source" condition bundles the library from its sources (as
 * the workspace runs it), not from a build.
 */
const bundle = (entry: string, outfile: string, external: ReadonlyArray<string>) =>
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    conditions: ["@effect-otp/source"],
    external: [...external],
    outfile,
    logLevel: "error"
  })
// One bundle serves every Node run: the runner, the cases, the library and the substrate, compiled together.
bundle(runCaseSource, runCase, ["effect"])
// The threads cases' node entry, bundled beside it with effect inside: a thread loads that bundle in about 95 ms,
// against about 350 ms with effect external (its hundreds of modules resolved and loaded one by one; minified, no
// faster), on the loaded 2-core machine. A thread has modules of its own anyway, so the copy is no second instance.
bundle(threadsWorkerSource, threadsWorker, [])
// The cluster-call case's runner process, with effect external as in run-case.mjs.
bundle(clusterRunnerSource, clusterRunner, ["effect"])
log(`effect-otp bench, ${mode} mode, ${runs} runs per implementation; node ${machine.node}, ${machine.cpu}`)

const runSize = (name: string, benchCase: BenchCase, size: Size, previous: ReadonlyArray<Row>) => {
  const warmup = benchCase.warmup(size)
  const count = benchCase.runs?.(size, runs) ?? runs
  const label = `${name} ${formatSize(size)}`
  // A size too big for memory is skipped, with a note.
  const memory = previous.find((r) => r.case === name && r.unit === "bytes/actor")
  const bytesOurs = memory?.ours?.median
  const bytesSubstrate = memory?.substrate?.median
  const skip = (perItem: number | undefined) => {
    const verdict = fits(perItem, size.n)
    return verdict.ok ? undefined : `skipped: needs about ${(verdict.need / 2 ** 30).toFixed(1)} GiB of heap`
  }
  const oursSkip = skip(bytesOurs)
  if (oursSkip !== undefined) notes.push(`${label} ours ${oursSkip}`)
  const substrateSkip = skip(bytesSubstrate)
  const substrateEntries = Object.entries(benchCase.substrates)
  for (const [, substrate] of substrateEntries) {
    if (substrateSkip !== undefined) notes.push(`${label} substrate ${substrate.label} ${substrateSkip}`)
  }
  const withErlang = benchCase.erlang && machine.erlang !== undefined
  let ours: Outcome | undefined = undefined
  const substrateOutcomes: Array<Outcome | undefined> = substrateEntries.map(() => undefined)
  let erlang: Outcome | undefined = undefined
  // `count` runs spread over the rounds: every implementation runs once per round, one after the other.
  const roundCount = Math.min(rounds, count)
  for (let round = 0; round < roundCount; round++) {
    const share = Math.floor(count / roundCount) + (round < count % roundCount ? 1 : 0)
    const tag = roundCount === 1 ? "" : ` (round ${round + 1}/${roundCount})`
    log(`${label}: ours${oursSkip === undefined ? "" : ` (${oursSkip})`}${tag}`)
    if (oursSkip === undefined) ours = merge(ours, runNode(name, "ours", size, warmup, share))
    substrateEntries.forEach(([key, substrate], i) => {
      log(`${label}: substrate ${substrate.label}${substrateSkip === undefined ? "" : ` (${substrateSkip})`}${tag}`)
      if (substrateSkip === undefined) {
        substrateOutcomes[i] = merge(substrateOutcomes[i], runNode(name, `substrate:${key}`, size, warmup, share))
      }
    })
    if (withErlang) {
      log(`${label}: Erlang${tag}`)
      erlang = merge(erlang, runErlang(name, benchCase, size, warmup, share))
    }
  }
  if (ours?.error !== undefined) notes.push(`${label} ours failed: ${ours.error}`)
  const substrates = substrateEntries.map(([, substrate], i) => {
    const outcome = substrateOutcomes[i]
    if (outcome?.error !== undefined) notes.push(`${label} substrate ${substrate.label} failed: ${outcome.error}`)
    return { label: substrate.label, outcome }
  })
  if (erlang?.error !== undefined) notes.push(`${label} Erlang failed: ${erlang.error}`)
  const made: Array<Row> = []
  for (const metric of benchCase.metrics) {
    const oursStats = stats(ours, metric.key)
    const first = substrates[0]
    const substrateStats = stats(first?.outcome, metric.key)
    const erlangStats = stats(erlang, metric.key)
    made.push({
      case: name,
      size: formatSize(size),
      metric: metric.label,
      unit: metric.unit,
      substrateKind: substrateStats === undefined ? undefined : first?.label,
      ours: oursStats,
      substrate: substrateStats,
      erlang: erlangStats,
      oursOverSubstrate: ratio(oursStats, substrateStats),
      oursOverErlang: ratio(oursStats, erlangStats),
      note: ours === undefined ? oursSkip : undefined
    })
    for (const other of substrates.slice(1)) {
      const otherStats = stats(other.outcome, metric.key)
      if (otherStats === undefined) continue
      made.push({
        case: name,
        size: formatSize(size),
        metric: metric.label,
        unit: metric.unit,
        substrateKind: other.label,
        ours: oursStats,
        substrate: otherStats,
        erlang: undefined,
        oursOverSubstrate: ratio(oursStats, otherStats),
        oursOverErlang: undefined,
        note: undefined
      })
    }
  }
  return made
}

for (const name of selected) {
  const benchCase = cases[name]!
  log(`${name}: ${benchCase.description}`)
  for (const size of benchCase.sizes[mode]) rows.push(...runSize(name, benchCase, size, rows))
}

if (librarySources() !== machine.sources) {
  notes.push(`${sourceDirs.join(", ")} changed during the run: the figures mix versions of the library`)
}
const seconds = (performance.now() - started) / 1000
const date = new Date().toISOString()
const output = [
  `effect-otp bench (${mode}, ${runs} run${runs === 1 ? "" : "s"} each` +
  `${rounds > 1 ? ` in ${rounds} interleaved rounds` : ""}, medians) — ${date} — ${machine.revision}`,
  `node ${machine.node}; ${machine.erlang ?? "Erlang: not available"}; ${machine.cpu}; nproc ${machine.nproc}; ` +
  `${machine.memoryGiB} GiB; load average at start ${machine.loadAverage}, at the end ${loadAverage()}`,
  "",
  table(rows),
  "",
  ...notes.map((n) => `note: ${n}`),
  `total ${seconds.toFixed(1)} s`
].join("\n")
process.stdout.write(`${output}\n`)

if (values.json !== undefined) {
  const json = {
    mode,
    runs,
    rounds,
    date: new Date().toISOString(),
    seconds,
    machine,
    loadAverageAtEnd: loadAverage(),
    notes,
    rows
  }
  fs.writeFileSync(values.json, `${JSON.stringify(json, null, 2)}\n`)
  log(`wrote ${values.json}`)
}
