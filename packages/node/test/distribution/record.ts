/**
 * The TypeScript half of recording the distribution fixtures (run by `erlang/record.sh`, which says how):
 *
 * - `terms <seed> <count> <out>`: the scenarios `generate(seed, 0..count-1)` as Erlang terms for `file:consult`;
 * - `fixtures <seed> <count> <run1> <run2> <out>`: reads the two runs of `dist_runner.erl` (a JSON line per
 *   scenario), puts their traces in canonical form (`canonicalRecord`: each process's events sorted), keeps the
 *   scenarios whose two runs agree exactly and writes them to the fixture file, saying how many were dropped and why.
 */
import * as fs from "node:fs"
import type { Scenario, StepRecord, Trace } from "./program.js"
import { canonicalRecord, generate } from "./program.js"

// ---------------------------------------------------------------------------------------------------------------
// Erlang terms
// ---------------------------------------------------------------------------------------------------------------

const atom = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`

/** A JSON-like value as an Erlang term: strings become atoms, objects maps with atom keys. */
const toErlang = (value: unknown): string => {
  if (typeof value === "boolean") return value ? "true" : "false"
  if (typeof value === "number") return `${value}`
  if (typeof value === "string") return atom(value)
  if (Array.isArray(value)) return `[${value.map(toErlang).join(",")}]`
  if (value !== null && typeof value === "object") {
    return `#{${Object.entries(value).map(([k, v]) => `${atom(k)} => ${toErlang(v)}`).join(",")}}`
  }
  throw new Error(`no Erlang term for ${JSON.stringify(value)}`)
}

const scenarios = (seed: number, count: number): Array<Scenario> =>
  Array.from({ length: count }, (_, index) => generate(seed, index))

// ---------------------------------------------------------------------------------------------------------------
// Runs and fixtures
// ---------------------------------------------------------------------------------------------------------------

/** A scenario's outcome in one run: its canonical trace, or the harness's error. */
type Outcome = { readonly trace: Trace } | { readonly error: string }

const readRun = (file: string): Map<number, Outcome> => {
  const outcomes = new Map<number, Outcome>()
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line.length === 0) continue
    const parsed = JSON.parse(line) as { id: number; trace?: ReadonlyArray<StepRecord>; error?: string }
    outcomes.set(
      parsed.id,
      parsed.trace !== undefined ? { trace: parsed.trace.map(canonicalRecord) } : { error: parsed.error ?? "?" }
    )
  }
  return outcomes
}

/** A recorded scenario: its steps and Erlang's trace. */
export interface Fixture extends Scenario {
  readonly trace: Trace
}

/** The fixture file. */
export interface Fixtures {
  readonly seed: number
  /** How many scenarios were generated (ids 0..generated-1). */
  readonly generated: number
  /** How many were kept (both runs agreed). */
  readonly kept: number
  readonly scenarios: ReadonlyArray<Fixture>
}

/** The fixture file's text: a line per scenario's steps, then a line per step record. */
const fixtureText = (fixtures: Fixtures): string =>
  `{"seed": ${fixtures.seed}, "generated": ${fixtures.generated}, "kept": ${fixtures.kept}, "scenarios": [\n${
    fixtures.scenarios.map(({ id, steps, trace }) =>
      `{"id": ${id},\n "steps": [\n  ${steps.map((step) => JSON.stringify(step)).join(",\n  ")}\n ],\n "trace": [\n  ${
        trace.map((record) => JSON.stringify(record)).join(",\n  ")
      }\n ]}`
    ).join(",\n")
  }\n]}\n`

const fixtures = (seed: number, count: number, files: ReadonlyArray<string>, out: string) => {
  const runs = files.map(readRun)
  const kept: Array<Fixture> = []
  const dropped = new Map<string, Array<number>>()
  const drop = (why: string, id: number) => dropped.set(why, [...(dropped.get(why) ?? []), id])
  for (const scenario of scenarios(seed, count)) {
    const outcomes = runs.map((run) => run.get(scenario.id))
    const failed = outcomes.find((outcome) => outcome === undefined || "error" in outcome)
    if (failed !== undefined) {
      const why = failed === undefined
        ? "missing from a run"
        : `harness error: ${"error" in failed ? failed.error : ""}`
      console.error(`scenario ${scenario.id}: ${why}`)
      drop(why.replace(/\d+/g, "N").slice(0, 120), scenario.id)
      continue
    }
    const [first, second] = outcomes.map((outcome) => (outcome as { readonly trace: Trace }).trace)
    if (first.length !== scenario.steps.length) {
      drop("trace length differs from the steps'", scenario.id)
      continue
    }
    if (JSON.stringify(first) !== JSON.stringify(second)) {
      if (process.env.VERBOSE) {
        const at = first.findIndex((record, i) => JSON.stringify(record) !== JSON.stringify(second[i]))
        console.error(
          `scenario ${scenario.id} step ${at}:\n  ${JSON.stringify(first[at])}\n  ${JSON.stringify(second[at])}`
        )
      }
      drop("the two runs differ", scenario.id)
      continue
    }
    kept.push({ id: scenario.id, steps: scenario.steps, trace: first })
  }
  fs.writeFileSync(out, fixtureText({ seed, generated: count, kept: kept.length, scenarios: kept }))
  const halts = kept.filter((fixture) => fixture.steps.some((step) => step.op === "halt")).length
  console.log(`seed ${seed}: ${kept.length} of ${count} scenarios kept (${halts} of them halt node b)`)
  for (const [why, ids] of dropped) console.log(`  dropped ${ids.length} (${ids.join(" ")}): ${why}`)
}

// ---------------------------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------------------------

const commands: Record<string, (args: ReadonlyArray<string>) => void> = {
  terms: ([seed, count, out]) =>
    fs.writeFileSync(out, scenarios(Number(seed), Number(count)).map((s) => `${toErlang(s)}.\n`).join("")),
  fixtures: ([seed, count, run1, run2, out]) => fixtures(Number(seed), Number(count), [run1, run2], out)
}

const [command, ...args] = process.argv.slice(2)
const run = command === undefined ? undefined : commands[command]
if (run === undefined) {
  console.error(`usage: record.ts ${Object.keys(commands).join(" | ")} ...`)
  process.exit(2)
}
run(args)
