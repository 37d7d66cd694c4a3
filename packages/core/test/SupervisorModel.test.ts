/**
 * Model-based property test of `StaticSupervisor`: random supervision trees and random event sequences, run against
 * the real supervisors and against the pure reference model of Erlang's supervisor in `model/supervisorModel.ts`;
 * every observable is compared after every event.
 *
 * A scenario is a tree (a root static supervisor; children are workers or nested static supervisors, up to three
 * levels of supervisors) with random strategies, tolerances (intensity 0..3, period 1..10 s), autoShutdown, restart
 * types and (valid) significant flags, and up to 15 events: a running worker ends (Normal: its handler returns
 * `Actor.stop()`; Shutdown: `Actor.stopWith(Shutdown)`; Abnormal: its handler fails; Killed: `Process.kill`), a
 * running nested supervisor is killed, or the TestClock advances by 0..6 s.
 *
 * Observed after each event, and compared with the model:
 * - the log, in order: `start <path>` (a worker's init; a nested supervisor about to start), `stop <path> <reason>`
 *   (a worker's onTerminate), `down <path> <reason>` (a monitor's Down, for every process, root included); where
 *   processes end concurrently (the subtree of a killed supervisor) that part is compared as a multiset;
 * - the tree as `whichChildren` shows it, for every running supervisor: each child's id, running or not, kind;
 * - whether the root is alive; how many times each child started (restarts + 1).
 *
 * Synchronisation is by messages only, never by polling nor real time: after an event the test waits for the
 * process it hit to end, then calls `whichChildren` on its supervisor (which answers only after it handled the exit,
 * restarts included); if that supervisor died instead, it waits for its end and asks the parent, up to the root.
 *
 * Clock advances are applied lazily (consecutive ones add up, and the sum is applied with one `TestClock.adjust`
 * just before the next crash, then the tree is checked) because each adjust costs ~5 ms of real time; time only
 * matters to the intensity windows, which the crash then exercises. Workers have infinite init and shutdown times
 * (they init and obey `Shutdown` at once anyway), so they leave no cancelled sleeps queued in the TestClock. All the
 * scenarios share the test's TestClock (the test services are built once, not per scenario); the model's time is
 * relative.
 *
 * Replaying a failure: fast-check prints `seed: <n>, path: "<p>"` with the shrunk counterexample. Run
 *
 *   MODEL_SEED=<n> MODEL_PATH="<p>" npx vitest run packages/core/test/SupervisorModel.test.ts
 *
 * to replay exactly that counterexample (MODEL_SEED alone replays the whole run; MODEL_RUNS=<k> changes the number
 * of scenarios, 1000 by default). The failure message shows the tree, the events with the process each one hit, and
 * what the model expected.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Option, Scope } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { Actor, Process, Selector, StaticSupervisor, Subject, Supervision, Testing } from "../src/index.js"
import type { Command } from "./fixtures.js"
import { obey, othersAlive } from "./fixtures.js"
import * as Model from "./model/supervisorModel.js"

afterEach(Testing.leakCheck())

// ---------------------------------------------------------------------------------------------------------------
// Instrumented children
// ---------------------------------------------------------------------------------------------------------------

/** What the instrumented tree reports to the test's log subject. */
type Entry =
  | {
    readonly _tag: "Start"
    readonly path: string
    readonly pid: Process.Pid
    readonly self: Subject.Subject<Command>
  }
  | { readonly _tag: "Stop"; readonly path: string; readonly reason: string }
  | { readonly _tag: "SupervisorStarting"; readonly path: string }
  | { readonly _tag: "SupervisorStarted"; readonly path: string; readonly sup: StaticSupervisor.Supervisor }

/**
 * A worker: logs its start (with its pid and subject) and its graceful stops (onTerminate, so it traps exits).
 * Its init timeout is infinite, and so is its shutdown time (see `childSpec`): it inits at once and obeys `Shutdown`
 * at once, so these timers would never fire, and a cancelled TestClock sleep stays queued in the TestClock, costing
 * a few milliseconds of real time at each later `TestClock.adjust` that passes it.
 */
const worker = (log: Subject.Subject<Entry>, path: string) =>
  Actor.newWithInitialiser(Duration.infinity, (self: Subject.Subject<Command>) =>
    Effect.gen(function*() {
      const pid = yield* Process.self
      yield* Subject.send(log, { _tag: "Start", path, pid, self })
      return Actor.initialised<string, Command>(path)
    })).pipe(
      Actor.onMessage(obey<string>),
      Actor.onTerminate((_: string, reason) => Subject.send(log, { _tag: "Stop", path, reason: reason._tag })),
      Actor.start
    )

const builder = (log: Subject.Subject<Entry>, spec: Model.SupervisorSpec, path: string): StaticSupervisor.Builder =>
  spec.children.reduce(
    (b, child, id) => StaticSupervisor.add(b, childSpec(log, child, Model.childPath(path, id))),
    StaticSupervisor.new(spec.strategy).pipe(
      StaticSupervisor.restartTolerance({ intensity: spec.intensity, period: Duration.seconds(spec.period) }),
      StaticSupervisor.autoShutdown(spec.autoShutdown)
    )
  )

/** A nested supervisor: logs that it starts (before its children) and hands its handle to the test. */
const nested = (log: Subject.Subject<Entry>, spec: Model.SupervisorSpec, path: string) =>
  Effect.gen(function*() {
    yield* Subject.send(log, { _tag: "SupervisorStarting", path })
    const started = yield* StaticSupervisor.start(builder(log, spec, path))
    yield* Subject.send(log, { _tag: "SupervisorStarted", path, sup: started.data })
    return started
  })

const childSpec = (
  log: Subject.Subject<Entry>,
  spec: Model.ChildSpec,
  path: string
): Supervision.ChildSpecification<unknown> => {
  const base: Supervision.ChildSpecification<unknown> = spec._tag === "Worker" ?
    Supervision.worker(worker(log, path)).pipe(Supervision.shutdown("Infinity")) :
    Supervision.supervisor(nested(log, spec, path))
  return base.pipe(Supervision.restart(spec.restart), Supervision.significant(spec.significant))
}

// ---------------------------------------------------------------------------------------------------------------
// The running scenario, as the test sees it
// ---------------------------------------------------------------------------------------------------------------

interface World {
  readonly log: Subject.Subject<Entry>
  readonly rootPid: Process.Pid
  /** The current incarnation of every worker and supervisor, by path (the root under `root`). */
  readonly workers: Map<string, { readonly pid: Process.Pid; readonly self: Subject.Subject<Command> }>
  readonly supervisors: Map<string, StaticSupervisor.Supervisor>
  /** Monitored processes: pid (as a string) to path. */
  readonly paths: Map<string, string>
  readonly starts: Record<string, number>
}

type Message =
  | { readonly _tag: "Entry"; readonly entry: Entry }
  | { readonly _tag: "Down"; readonly down: Process.Down }
  | { readonly _tag: "Exit" }

/** Everything the test process receives: the log, the Downs of its monitors, the root's exit (it traps exits). */
const inbox = (log: Subject.Subject<Entry>) =>
  Selector.make<Message>().pipe(
    Selector.selectMap(log, (entry): Message => ({ _tag: "Entry", entry })),
    Selector.selectMonitors((down): Message => ({ _tag: "Down", down })),
    Selector.selectTrappedExits((): Message => ({ _tag: "Exit" }))
  )

const watch = (world: World, pid: Process.Pid, path: string) =>
  Effect.andThen(Effect.sync(() => world.paths.set(String(pid), path)), Process.monitor(pid))

/** Takes every message waiting in the test's mailbox, as log lines; registers and monitors new processes. */
const drain = (world: World) =>
  Effect.gen(function*() {
    const selector = inbox(world.log)
    const lines: Array<string> = []
    const started = (path: string) => {
      lines.push(`start ${path}`)
      world.starts[path] = (world.starts[path] ?? 0) + 1
    }
    while (true) {
      const next = yield* Effect.option(Selector.receive(selector, 0))
      if (Option.isNone(next)) return lines
      const message = next.value
      switch (message._tag) {
        case "Entry": {
          const entry = message.entry
          switch (entry._tag) {
            case "Start":
              started(entry.path)
              world.workers.set(entry.path, { pid: entry.pid, self: entry.self })
              yield* watch(world, entry.pid, entry.path)
              break
            case "SupervisorStarting":
              started(entry.path)
              break
            case "SupervisorStarted":
              world.supervisors.set(entry.path, entry.sup)
              yield* watch(world, entry.sup.pid, entry.path)
              break
            case "Stop":
              lines.push(`stop ${entry.path} ${entry.reason}`)
              break
          }
          break
        }
        case "Down":
          lines.push(
            `down ${world.paths.get(String(message.down.pid)) ?? String(message.down.pid)} ${message.down.reason._tag}`
          )
          break
        case "Exit":
          break
      }
    }
  })

const parentOf = (path: string): string => {
  const parts = path.split(".")
  parts.pop()
  return parts.length === 0 ? Model.ROOT : parts.join(".")
}

/**
 * After an event that hit `path`: waits for the supervisors above it to have handled what happened. The closest one
 * answering `whichChildren` has handled the exit (and done its restarts); one that died instead is waited for, and
 * then its parent is asked, up to the root.
 */
const climb = (world: World, path: string) =>
  Effect.gen(function*() {
    let current = parentOf(path)
    while (true) {
      const sup = world.supervisors.get(current)!
      const answer = yield* Effect.result(StaticSupervisor.whichChildren(sup))
      if (answer._tag === "Success") return
      yield* Process.awaitExit(sup.pid)
      if (current === Model.ROOT) return
      current = parentOf(current)
    }
  })

const commands: Record<"Normal" | "Shutdown" | "Abnormal", Command> = {
  Normal: "Stop",
  Shutdown: "Shutdown",
  Abnormal: "Crash"
}

/** Performs the action on the real tree and waits until the tree has handled it. */
const perform = (world: World, action: Model.Action) =>
  Effect.gen(function*() {
    switch (action._tag) {
      case "Nothing":
        return
      case "Advance":
        return yield* TestClock.adjust(Duration.seconds(action.seconds))
      case "Exit": {
        const target = world.workers.get(action.path)!
        yield* Subject.send(target.self, commands[action.reason])
        yield* Process.awaitExit(target.pid)
        return yield* climb(world, action.path)
      }
      case "Kill": {
        const pid = action.kind === "Worker" ?
          world.workers.get(action.path)!.pid :
          world.supervisors.get(action.path)!.pid
        yield* Process.kill(pid)
        yield* Process.awaitExit(pid)
        return yield* climb(world, action.path)
      }
    }
  })

/** The real tree as `whichChildren` shows it, every running supervisor from the root down. */
const walk = (world: World) =>
  Effect.gen(function*() {
    const rootAlive = yield* Process.isAlive(world.rootPid)
    const supervisors: Record<string, ReadonlyArray<string>> = {}
    const problems: Array<string> = []
    const visit = (path: string, sup: StaticSupervisor.Supervisor): Effect.Effect<void> =>
      Effect.gen(function*() {
        const answer = yield* Effect.result(StaticSupervisor.whichChildren(sup))
        if (answer._tag === "Failure") {
          problems.push(`whichChildren(${path}) failed: ${answer.failure._tag}`)
          return
        }
        supervisors[path] = answer.success.map((c) => `${c.id}:${Option.isSome(c.pid) ? "up" : "down"}:${c.type}`)
        for (const c of answer.success) {
          if (c.type !== "supervisor" || Option.isNone(c.pid)) continue
          const childPath = Model.childPath(path, c.id)
          const known = world.supervisors.get(childPath)
          if (known === undefined || String(known.pid) !== String(c.pid.value)) {
            problems.push(`supervisor ${childPath} runs as ${String(c.pid.value)}, its start was not reported`)
            continue
          }
          yield* visit(childPath, known)
        }
      })
    if (rootAlive) yield* visit(Model.ROOT, world.supervisors.get(Model.ROOT)!)
    return { rootAlive, supervisors, problems }
  })

/** The actual log, cut like the expected segments: unordered segments are sorted on both sides. */
const normalise = (segments: ReadonlyArray<Model.Segment>, actual: ReadonlyArray<string>) => {
  const expected: Array<ReadonlyArray<string>> = []
  const got: Array<ReadonlyArray<string>> = []
  let at = 0
  for (const segment of segments) {
    const slice = actual.slice(at, at + segment.entries.length)
    at += segment.entries.length
    expected.push(segment.ordered ? segment.entries : segment.entries.slice().sort())
    got.push(segment.ordered ? slice : slice.slice().sort())
  }
  if (at < actual.length) got.push(actual.slice(at))
  return { expected, got }
}

// ---------------------------------------------------------------------------------------------------------------
// One scenario
// ---------------------------------------------------------------------------------------------------------------

interface Scenario {
  readonly root: Model.SupervisorSpec
  readonly events: ReadonlyArray<Model.Event>
}

const describeAction = (action: Model.Action): string => {
  switch (action._tag) {
    case "Nothing":
      return "nothing to hit"
    case "Advance":
      return `advance ${action.seconds} s`
    case "Exit":
      return `worker ${action.path} exits ${action.reason}`
    case "Kill":
      return `kill ${action.kind.toLowerCase()} ${action.path}`
  }
}

interface Observed {
  readonly log: ReadonlyArray<ReadonlyArray<string>>
  readonly rootAlive: boolean
  readonly supervisors: Readonly<Record<string, ReadonlyArray<string>>>
  readonly starts: Readonly<Record<string, number>>
  readonly problems: ReadonlyArray<string>
}

/** JSON with object keys sorted, to compare records whatever their insertion order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ?
      Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) :
      v)

/** What the scenarios exercised, summed over a run (printed at the end). */
const coverage = {
  counts: {} as Record<string, number>,
  bump(key: string, by = 1) {
    this.counts[key] = (this.counts[key] ?? 0) + by
  },
  record(result: Model.StepResult) {
    const action = result.action
    if (action._tag === "Exit") this.bump(`exit ${action.reason}`)
    if (action._tag === "Kill") this.bump(`kill ${action.kind.toLowerCase()}`)
    for (const path of result.escalated) this.bump(path === Model.ROOT ? "root gave up" : "nested gave up")
    for (const path of result.autoShutdown) {
      this.bump(path === Model.ROOT ? "root auto-shutdown" : "nested auto-shutdown")
    }
    this.bump("restarts", result.log.flatMap((s) => s.entries).filter((e) => e.startsWith("start ")).length)
  },
  summary(): string {
    return Object.entries(this.counts).map(([key, n]) => `${key}: ${n}`).join(", ")
  }
}

const flatten = (segments: ReadonlyArray<Model.Segment>): string =>
  JSON.stringify(segments.map((s) => s.ordered ? s.entries : { anyOrder: s.entries }))

/** One scenario: start the tree, then each event (clock advances lazily, see the header), then close the scope. */
const runScenario = (scenario: Scenario, where: { current: string }) =>
  Effect.gen(function*() {
    yield* Process.trapExits(true)
    const log = yield* Subject.make<Entry>()
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    where.current = "start"
    const root = yield* StaticSupervisor.start(builder(log, scenario.root, Model.ROOT)).pipe(Scope.provide(scope))
    const world: World = {
      log,
      rootPid: root.pid,
      workers: new Map(),
      supervisors: new Map([[Model.ROOT, root.data]]),
      paths: new Map(),
      starts: {}
    }
    yield* watch(world, root.pid, Model.ROOT)

    const trace: Array<string> = [`tree: ${Model.describe(scenario.root)}`]
    const check = (expected: Model.StepResult) =>
      Effect.gen(function*() {
        const lines = yield* drain(world)
        const tree = yield* walk(world)
        const { expected: expectedLog, got } = normalise(expected.log, lines)
        const model = Model.snapshot(expected.state)
        const notes = [
          ...expected.escalated.map((p) => `${p} gives up`),
          ...expected.autoShutdown.map((p) => `${p} auto-shutdown`)
        ]
        trace.push(`${where.current}: ${flatten(expected.log)}${notes.length > 0 ? ` (${notes.join(", ")})` : ""}`)
        const actual: Observed = {
          log: got,
          rootAlive: tree.rootAlive,
          supervisors: tree.supervisors,
          starts: world.starts,
          problems: tree.problems
        }
        const wanted: Observed = {
          log: expectedLog,
          rootAlive: model.rootAlive,
          supervisors: model.supervisors,
          starts: model.starts,
          problems: []
        }
        const differences = (Object.keys(wanted) as Array<keyof Observed>)
          .filter((key) => canonical(actual[key]) !== canonical(wanted[key]))
          .map((key) => `${key}:\n    real  ${canonical(actual[key])}\n    model ${canonical(wanted[key])}`)
        if (differences.length > 0) {
          assert.fail(
            `the real supervisors differ from the model at ${where.current}\n  ${differences.join("\n  ")}\n` +
              `the model's expectations, step by step (the real log matched them up to the last step):\n  ${
                trace.join("\n  ")
              }\n`
          )
        }
      })

    let result = Model.init(scenario.root)
    yield* check(result)
    let pending = 0
    for (let i = 0; i < scenario.events.length; i++) {
      const before = result.state
      result = Model.step(before, scenario.events[i])
      const action = result.action
      if (action._tag === "Advance") {
        pending += action.seconds
        continue
      }
      if (action._tag !== "Nothing" && pending > 0) {
        where.current = `clock +${pending} s (now ${before.now} s)`
        yield* perform(world, { _tag: "Advance", seconds: pending })
        pending = 0
        yield* check({ state: before, action, log: [], escalated: [], autoShutdown: [] })
        coverage.bump("clock adjusts")
      }
      where.current = `event ${i} (${describeAction(action)})`
      yield* perform(world, action)
      yield* check(result)
      coverage.record(result)
    }

    where.current = "closing the scope"
    yield* Scope.close(scope, Exit.void)
    assert.deepStrictEqual(yield* othersAlive, [], "processes left after the scenario's scope closed")
  })

/** A hang guard (a live timer that never fires in a passing run): turns a stuck scenario into a replayable failure. */
const watchdog = <A, E, R>(where: { current: string }, effect: Effect.Effect<A, E, R>) =>
  Effect.raceFirst(
    effect,
    Effect.callback<never, Error>((resume) => {
      const timer = setTimeout(
        () => resume(Effect.fail(new Error(`scenario stuck for 20 s (real time) at ${where.current}`))),
        20_000
      )
      return Effect.sync(() => clearTimeout(timer))
    })
  )

// ---------------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------------

/** Levels of supervisors: the root is level 1; supervisors at the last level have only workers. */
const MAX_LEVELS = 3

const restartArb = fc.constantFrom<Model.Restart>("Permanent", "Transient", "Temporary")
const reasonArb = fc.constantFrom<Model.Reason>("Normal", "Shutdown", "Abnormal", "Killed")
const strategyArb = fc.constantFrom<Model.Strategy>("OneForOne", "OneForAll", "RestForOne")
const autoShutdownArb = fc.oneof(
  { arbitrary: fc.constant<Model.AutoShutdown>("Never"), weight: 2 },
  { arbitrary: fc.constant<Model.AutoShutdown>("AnySignificant"), weight: 1 },
  { arbitrary: fc.constant<Model.AutoShutdown>("AllSignificant"), weight: 1 }
)

/** 0..3, with 0 (the first restart gives up) less often, so that more scenarios live long enough to do things. */
const intensityArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 5 }
)

const workerArb: fc.Arbitrary<Model.ChildSpec> = fc.record({
  _tag: fc.constant("Worker" as const),
  restart: restartArb,
  significant: fc.boolean()
})

const childArb = (level: number): fc.Arbitrary<Model.ChildSpec> =>
  level > MAX_LEVELS ?
    workerArb :
    fc.oneof({ arbitrary: workerArb, weight: 3 }, { arbitrary: supervisorArb(level), weight: 1 })

/** A supervisor at `level`; its children's significant flags are dropped where Erlang would reject them. */
const supervisorArb = (level: number): fc.Arbitrary<Model.SupervisorSpec> =>
  fc.record({
    _tag: fc.constant("Supervisor" as const),
    restart: restartArb,
    significant: fc.boolean(),
    strategy: strategyArb,
    intensity: intensityArb,
    period: fc.integer({ min: 1, max: 10 }),
    autoShutdown: autoShutdownArb,
    children: fc.array(childArb(level + 1), { minLength: 1, maxLength: level === 1 ? 4 : 3 })
  }).map((spec) => ({
    ...spec,
    children: spec.children.map((child) => ({
      ...child,
      significant: child.significant && child.restart !== "Permanent" && spec.autoShutdown !== "Never"
    }))
  }))

const rootArb = supervisorArb(1).map((spec): Model.SupervisorSpec => ({
  ...spec,
  restart: "Permanent",
  significant: false
}))

const eventArb: fc.Arbitrary<Model.Event> = fc.oneof(
  {
    arbitrary: fc.record({
      _tag: fc.constant("Crash" as const),
      target: fc.oneof(
        { arbitrary: fc.constant("Worker" as const), weight: 5 },
        { arbitrary: fc.constant("Supervisor" as const), weight: 1 }
      ),
      pick: fc.nat({ max: 15 }),
      reason: reasonArb
    }),
    weight: 3
  },
  {
    arbitrary: fc.record({ _tag: fc.constant("Advance" as const), seconds: fc.integer({ min: 0, max: 6 }) }),
    weight: 1
  }
)

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  root: rootArb,
  events: fc.array(eventArb, { maxLength: 15 })
})

// ---------------------------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------------------------

const env = (name: string): string | undefined => {
  const value = process.env[name]
  return value === undefined || value === "" ? undefined : value
}

const seed = env("MODEL_SEED")
const path = env("MODEL_PATH")
const numRuns = Number(env("MODEL_RUNS") ?? 1000)

const parameters: fc.Parameters<[Scenario]> = {
  numRuns,
  ...(seed === undefined ? {} : { seed: Number(seed) }),
  ...(path === undefined ? {} : { path, endOnFailure: true })
}

describe("StaticSupervisor against the model of Erlang's supervisor", () => {
  // One test environment (one TestClock) for all the scenarios, built once by `it.effect` rather than per scenario.
  // Each scenario runs as a root fiber of its own (so its own implicit process) with the test's services, captured
  // with `Effect.context`; the model only uses time relative to the scenario's start.
  it.effect(
    "random trees and events: the same log, tree, restarts and escalations as the model",
    () =>
      Effect.gen(function*() {
        const run = Effect.runPromiseWith(yield* Effect.context<never>())
        let scenarios = 0
        const started = performance.now()
        yield* Effect.tryPromise({
          try: () =>
            fc.assert(
              fc.asyncProperty(scenarioArb, (scenario) => {
                scenarios++
                const where = { current: "start" }
                return run(watchdog(where, Effect.scoped(runScenario(scenario, where))))
              }),
              parameters
            ),
          catch: (error) => error
        })
        const millis = performance.now() - started
        console.log(
          `SupervisorModel: ${scenarios} scenarios in ${millis.toFixed(0)} ms (${
            (millis / scenarios).toFixed(2)
          } ms each); ${coverage.summary()}`
        )
      }),
    300_000
  )
})
