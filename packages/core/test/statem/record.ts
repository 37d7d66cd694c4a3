/**
 * The TypeScript half of recording the differential tests' fixtures (run by `erlang/record.sh`, which says how):
 *
 * - `terms <seed> <count> <out>`: the scenarios `generate(seed, 0..count-1)` as Erlang terms for `file:consult`;
 * - `rule-terms <out>`: the hand-written rules' scenarios (`rules.ts`), likewise;
 * - `rules <run> <fixture>`: checks Erlang's traces of the rules against the hand-written ones (exits 1 if one
 *   differs) and writes them as a fixture;
 * - `fixtures <seed> <count> <run1> <run2> <dir>`: snaps the two runs' traces to the lattice of logical instants,
 *   keeps the scenarios that are valid and identical in both runs, and writes them as fixtures.
 *
 * Erlang runs in real time. A trace entry's real time is snapped to the logical instant it stands for: a send
 * (multiples of 1 s), the start, the horizon, or the expiry of a timer armed by an earlier answer (its logical
 * time + the length); it must be within `TOLERANCE` ms of it. A scenario is discarded when two instants at which
 * something could happen (sends, the horizon, and the expiries of all timers armed with a length > 0, cancelled or
 * not) are less than `MARGIN` ms apart without being the same timer: their order would be a race in real time.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { Entry, Reason, Scenario } from "./program.js"
import { answerOf, arms, formatTrace, generate, tableKey } from "./program.js"
import { rules } from "./rules.js"

export const TOLERANCE = 90
export const MARGIN = 200
/** Scenarios per fixture file. */
const PER_FILE = 100

// ---------------------------------------------------------------------------------------------------------------
// Erlang terms
// ---------------------------------------------------------------------------------------------------------------

const atom = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`

const toErlang = (value: unknown): string => {
  if (value === null) return "null"
  if (typeof value === "boolean") return value ? "true" : "false"
  if (typeof value === "number") return `${value}`
  if (typeof value === "string") return atom(value)
  if (Array.isArray(value)) return `[${value.map(toErlang).join(",")}]`
  return `#{${Object.entries(value as object).map(([k, v]) => `${atom(k)} => ${toErlang(v)}`).join(",")}}`
}

const writeTerms = (out: string, scenarios: ReadonlyArray<Scenario>) =>
  fs.writeFileSync(
    out,
    scenarios.map((s) => `${toErlang({ id: s.id, program: s.program, script: s.script, horizon: s.horizon })}.\n`).join(
      ""
    )
  )

// ---------------------------------------------------------------------------------------------------------------
// Erlang's traces
// ---------------------------------------------------------------------------------------------------------------

/** Raw entries as the runner writes them: `[kind, time, ...]`. */
type RawEntry = ReadonlyArray<string | number>

const readRun = (file: string): Map<string, unknown> =>
  new Map(
    fs.readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0).map((line) => {
      const { entries, id } = JSON.parse(line) as { id: string; entries: unknown }
      return [id, entries] as const
    })
  )

const reason = (text: string | number): Reason => {
  if (text === "normal" || text === "shutdown" || text === "abnormal") return text
  throw new Error(`harness error: the machine ended with ${text}`)
}

const decode = (raw: RawEntry): Entry => {
  const [k, t] = raw as [string, number]
  switch (k) {
    case "init":
      return { k, t, s: raw[2] as string, d: raw[3] as number }
    case "cb":
      return {
        k,
        t,
        s: raw[2] as string,
        type: raw[3] as string,
        v: raw[4] as string,
        id: raw[5] as number,
        d: raw[6] as number
      }
    case "enter":
      return { k, t, old: raw[2] as string, s: raw[3] as string, d: raw[4] as number }
    case "terminate":
      return { k, t, s: raw[2] as string, d: raw[3] as number, reason: reason(raw[4]) }
    case "end":
      return { k, t, reason: reason(raw[2]) }
    case "alive":
      return { k, t }
    case "reply":
      return { k, t, id: raw[2] as number, v: raw[3] as string }
  }
  throw new Error(`unknown entry ${JSON.stringify(raw)}`)
}

/** Erlang's entries with their real times replaced by logical instants, or why the scenario is discarded. */
const snap = (scenario: Scenario, rawEntries: unknown): Array<Entry> | string => {
  if (!Array.isArray(rawEntries)) return `harness error: ${JSON.stringify(rawEntries)}`
  let entries: Array<Entry>
  try {
    entries = rawEntries.map(decode)
  } catch (error) {
    return `${error}`
  }
  // instants at which something may happen, keyed by time and slot (a timer armed twice for the same instant is one)
  const instants = new Map<string, { readonly t: number; readonly slot: string }>()
  const add = (t: number, slot: string) => instants.set(`${t} ${slot}`, { t, slot })
  add(0, "start")
  add(scenario.horizon, "horizon")
  for (const send of scenario.script) add(send.at, "send")
  const logical = (t: number): number | undefined => {
    let best: number | undefined
    for (const instant of instants.values()) {
      if (
        Math.abs(instant.t - t) <= TOLERANCE && (best === undefined || Math.abs(instant.t - t) < Math.abs(best - t))
      ) {
        best = instant.t
      }
    }
    return best
  }
  const stray = entries.find((entry) => entry.k === "cb" && entry.type === "info")
  if (stray !== undefined) return `Erlang's gen_statem let a stray timer message through as info at N ms (OTP bug)`
  const snapped: Array<Entry> = []
  let count = 0
  for (const entry of entries.filter((entry) => entry.k !== "reply")) {
    const t = logical(entry.t)
    if (t === undefined) return `entry at ${entry.t} ms matches no instant: ${JSON.stringify(entry)}`
    snapped.push({ ...entry, t })
    if (entry.k === "cb" || entry.k === "enter") count++
    const answer = answerOf(scenario, entry, count)
    if (answer !== undefined) { for (const [slot, ms] of arms(answer.actions)) add(t + ms, slot) }
  }
  for (const entry of entries.filter((entry) => entry.k === "reply")) {
    const t = logical(entry.t)
    if (t === undefined) return `reply at ${entry.t} ms matches no instant`
    snapped.push({ ...entry, t })
  }
  const sorted = [...instants.values()].filter((i) => i.t <= scenario.horizon + MARGIN).sort((x, y) => x.t - y.t)
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].t - sorted[i].t < MARGIN; j++) {
      return `instants too close: ${sorted[i].t} (${sorted[i].slot}) and ${sorted[j].t} (${sorted[j].slot})`
    }
  }
  return snapped
}

// ---------------------------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------------------------

export interface Fixture extends Scenario {
  readonly trace: ReadonlyArray<string>
}

const json = (value: unknown) => JSON.stringify(value, null, 1) + "\n"

/** The program with only the table entries its trace used (the others never answered). */
const pruned = (scenario: Scenario, entries: ReadonlyArray<Entry>): Scenario["program"] => {
  const program = scenario.program
  const used = new Set(entries.flatMap((entry) => entry.k === "cb" ? [tableKey(entry.s, entry.type, entry.v)] : []))
  return { ...program, table: Object.fromEntries(Object.entries(program.table).filter(([key]) => used.has(key))) }
}

/** A fixture file: a scenario per line, then its trace a line per line. */
const fixtureFile = (seed: number, scenarios: ReadonlyArray<Fixture>) =>
  `{"seed": ${seed}, "scenarios": [\n${
    scenarios.map(({ trace, ...scenario }) =>
      `${JSON.stringify(scenario).slice(0, -1)},\n "trace": [\n  ${
        trace.map((line) => JSON.stringify(line)).join(",\n  ")
      }\n]}`
    ).join(",\n")
  }\n]}\n`

const commands: Record<string, (args: ReadonlyArray<string>) => void> = {
  terms: ([seed, count, out]) =>
    writeTerms(out, Array.from({ length: Number(count) }, (_, index) => generate(Number(seed), index))),
  "rule-terms": ([out]) => writeTerms(out, rules.map((rule) => rule.scenario)),
  rules: ([run, fixture]) => {
    const traces = readRun(run)
    let failed = 0
    const fixtures = rules.map((rule): Fixture & { readonly name: string } => {
      const snapped = snap(rule.scenario, traces.get(rule.scenario.id))
      const trace = typeof snapped === "string" ? [snapped] : formatTrace(rule.scenario.program, snapped)
      if (JSON.stringify(trace) !== JSON.stringify(rule.expected)) {
        failed++
        console.error(`rule ${rule.scenario.index} (${rule.name}):\n  expected\n    ${rule.expected.join("\n    ")}`)
        console.error(`  Erlang\n    ${trace.join("\n    ")}`)
      }
      return { name: rule.name, ...rule.scenario, trace }
    })
    console.log(`rules: ${rules.length - failed} of ${rules.length} as expected on Erlang`)
    if (failed > 0) process.exit(1)
    fs.writeFileSync(fixture, json({ rules: fixtures }))
  },
  fixtures: ([seed, count, run1, run2, dir]) => {
    const runs = [readRun(run1), readRun(run2)]
    const kept: Array<Fixture> = []
    const discarded = new Map<string, number>()
    const discard = (why: string) => discarded.set(why, (discarded.get(why) ?? 0) + 1)
    for (let index = 0; index < Number(count); index++) {
      const scenario = generate(Number(seed), index)
      const traces = runs.map((run) => snap(scenario, run.get(scenario.id)))
      const [first, second] = traces
      if (typeof first === "string" || typeof second === "string") {
        const why = typeof first === "string" ? first : second as string
        if (why.startsWith("harness") || process.env.VERBOSE) console.error(`${scenario.id}: ${why}`)
        discard(why.replace(/[\d]+/g, "N").replace(/\{.*/, ""))
        continue
      }
      const trace = formatTrace(scenario.program, first)
      if (JSON.stringify(trace) !== JSON.stringify(formatTrace(scenario.program, second))) {
        discard("the two runs differ (flaky)")
        continue
      }
      kept.push({ ...scenario, program: pruned(scenario, first), trace })
    }
    for (const file of fs.readdirSync(dir)) if (/^scenarios-\d+\.json$/.test(file)) fs.rmSync(path.join(dir, file))
    for (let i = 0; i * PER_FILE < kept.length; i++) {
      const name = `scenarios-${String(i).padStart(2, "0")}.json`
      fs.writeFileSync(path.join(dir, name), fixtureFile(Number(seed), kept.slice(i * PER_FILE, (i + 1) * PER_FILE)))
    }
    console.log(`seed ${seed}: ${kept.length} of ${count} scenarios kept`)
    for (const [why, n] of [...discarded].sort((x, y) => y[1] - x[1])) console.log(`  discarded ${n}: ${why}`)
  }
}

const [command, ...args] = process.argv.slice(2)
const run = commands[command]
if (run === undefined) {
  console.error(`usage: record.ts ${Object.keys(commands).join(" | ")} ...`)
  process.exit(2)
}
run(args)
