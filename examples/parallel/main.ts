/**
 * A supervised pipeline over worker threads: a producer on the main thread feeds CPU-bound items to a stage on each
 * node, a collector on the main thread receives the results. The same work runs on 1 node, then on 2, and the
 * speed-up is printed. Midway through the 2-node run one node's thread is terminated: its supervisor restarts it
 * (as a new node) with its stage, and the producer re-sends the items that were in flight there, so no item is lost.
 *
 * ```sh
 * npm run example -- examples/parallel/main.ts                    # 1,000 items of ~3 ms, the kill at 40%
 * npm run example -- examples/parallel/main.ts --items 500 --kill-at 0.6
 * kill -USR2 <pid>                                                # by hand: terminate a node's thread (pid printed)
 * ```
 *
 * The tree, per run: a OneForOne root over one RestForOne per node, whose children are the node (its thread) and
 * then its stage (`Node.onNode`): a dead thread takes its stage down with `noconnection`, and both come back.
 */
import { Process, Selector, StaticSupervisor, Subject } from "@effect-otp/core"
import { Node } from "@effect-otp/node"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as os from "node:os"
import { parseArgs } from "node:util"
import type { CollectorMessage, Summary, Work } from "./collector.js"
import { rangeOf, startCollector } from "./collector.js"
import type { Job, StageEvent } from "./stages.js"
import { Stage } from "./stages.js"

// Run from source (`npm run example`, vitest), a node's thread loads TypeScript too: tsx, and the export condition
// that resolves `@effect-otp/*` to their sources. Built (`.js`), it needs neither.
const fromSource = import.meta.url.endsWith(".ts")
const entry = new URL(fromSource ? "./worker.ts" : "./worker.js", import.meta.url)
const startOptions: Node.StartOptions = fromSource
  ? { execArgv: ["--import", "tsx", "--conditions=@effect-otp/source"] }
  : {}

/** How to run the example. */
export interface Options extends Work {
  /** Items in flight per stage: enough that a stage never waits for its next item. */
  readonly window: number
  /** How far into the 2-node run (a fraction of the items done) to terminate a node's thread; `undefined`: never. */
  readonly killAt: number | undefined
  /** Terminate a node's thread on `SIGUSR2` too (`kill -USR2 <pid>`). */
  readonly byHand: boolean
  readonly log: (line: string) => void
}

/** The defaults: 1,000 items of 10,000 numbers from 10,000,000 (about 3 ms each), the kill at 40%. */
export const defaults: Options = {
  items: 1_000,
  width: 10_000,
  base: 10_000_000,
  window: 4,
  killAt: 0.4,
  byHand: false,
  log: (line) => console.log(line)
}

/** What one run did. */
export interface RunReport {
  readonly nodes: number
  readonly millis: number
  /** The nodes terminated, by number. */
  readonly killed: ReadonlyArray<number>
  /** Each node terminated, and the number its supervisor restarted it as (a new number, a new incarnation). */
  readonly restarted: ReadonlyArray<{ readonly node: number; readonly as: number }>
  /** Items sent again because the stage they were in flight to went down. */
  readonly resent: number
  /** How far the run had come when the first node was terminated (items done, milliseconds since the start). */
  readonly beforeKill: { readonly items: number; readonly millis: number } | undefined
  /** Results that came twice (an item re-sent whose first result arrived after all): dropped by the producer. */
  readonly duplicates: number
  readonly summary: Summary
}

/** What `run` returns: both runs and the speed-up. */
export interface Report {
  readonly one: RunReport
  readonly two: RunReport
  readonly speedup: number
}

/** A stage as the producer sees it: its subject, its pid (monitored), and the items in flight to it. */
interface Live {
  readonly stage: Subject.Subject<Job>
  readonly pid: Process.Pid
  readonly inFlight: Set<number>
}

type Event =
  | { readonly _tag: "Stage"; readonly event: StageEvent }
  | { readonly _tag: "Down"; readonly down: Process.Down }
  | { readonly _tag: "Kill" }

const reasonText = (reason: Process.ExitReason): string =>
  reason._tag === "Abnormal" ? String(reason.reason) : reason._tag

/**
 * Runs the work on `count` nodes under a supervision tree, with the producer (this process) and a collector, and
 * returns once every item has a result.
 */
const runOn = (count: number, options: Options) =>
  Effect.gen(function*() {
    const log = options.log
    const inbox = yield* Subject.make<StageEvent>()
    const control = yield* Subject.make<"kill">()
    const collector = yield* startCollector(options)
    const nodes = Array.from({ length: count }, () => Node.make(entry, startOptions))
    const tree = nodes.reduce(
      (root, node) =>
        StaticSupervisor.add(
          root,
          StaticSupervisor.supervised(
            StaticSupervisor.new("RestForOne").pipe(
              StaticSupervisor.add(node.child),
              StaticSupervisor.add(Node.onNode(node, Stage, { producer: inbox }))
            )
          )
        ),
      StaticSupervisor.new("OneForOne")
    )
    yield* StaticSupervisor.start(tree)
    if (options.byHand) {
      const onSignal = () => Effect.runFork(Subject.send(control, "kill"))
      yield* Effect.acquireRelease(
        Effect.sync(() => process.on("SIGUSR2", onSignal)),
        () => Effect.sync(() => process.off("SIGUSR2", onSignal))
      )
    }
    log(`${count} node${count === 1 ? "" : "s"} (${nodes.map((node) => node.current).join(", ")}): started`)

    const selector = Selector.make<Event>().pipe(
      Selector.selectMap(inbox, (event): Event => ({ _tag: "Stage", event })),
      Selector.selectMap(control, (): Event => ({ _tag: "Kill" })),
      Selector.selectMonitors((down): Event => ({ _tag: "Down", down }))
    )
    const stages = new Map<string, Live>()
    const retry: Array<number> = []
    const done = new Set<number>()
    const killed: Array<number> = []
    const restarted: Array<{ node: number; as: number }> = []
    const killTimes: Array<number> = []
    let beforeKill: RunReport["beforeKill"] = undefined
    let ready = 0
    let next = 0
    let resent = 0
    let duplicates = 0
    const killAt = count > 1 && options.killAt !== undefined ? Math.floor(options.items * options.killAt) : -1

    const fill = (live: Live) =>
      Effect.gen(function*() {
        while (live.inFlight.size < options.window) {
          const id = retry.length > 0 ? retry.shift()! : next < options.items ? next++ : undefined
          if (id === undefined) return
          live.inFlight.add(id)
          const [from, to] = rangeOf(options, id)
          yield* Subject.send(live.stage, { _tag: "Job", id, from, to })
        }
      })
    const kill = Effect.gen(function*() {
      const victim = nodes[nodes.length - 1]
      if (victim.handle === undefined || killed.includes(victim.current)) return
      killed.push(victim.current)
      killTimes.push(performance.now())
      beforeKill ??= { items: done.size, millis: performance.now() - started }
      log(`  ${done.size}/${options.items} done: terminating node ${victim.current}'s thread (Node.terminate)`)
      yield* Node.terminate(victim.handle)
    })

    const started = performance.now()
    let millis = 0
    // Until every item is done, then until every node terminated is back (outside the time measured).
    while (done.size < options.items || restarted.length < killed.length) {
      const event = yield* Selector.receive(selector, "30 seconds")
      switch (event._tag) {
        case "Stage": {
          const message = event.event
          if (message._tag === "Ready") {
            const live: Live = { stage: message.stage, pid: message.pid, inFlight: new Set() }
            stages.set(String(message.pid), live)
            yield* Process.monitor(message.pid)
            if (++ready > count && restarted.length < killed.length) {
              const restart = { node: killed[restarted.length], as: message.pid.node }
              restarted.push(restart)
              const after = (performance.now() - killTimes[restarted.length - 1]) / 1000
              log(
                `  node ${restart.node} restarted as node ${restart.as} (${after.toFixed(2)} s later): ` +
                  `its stage ${message.pid} is ready`
              )
            }
            yield* fill(live)
          } else {
            const live = stages.get(String(message.pid))
            live?.inFlight.delete(message.id)
            if (done.has(message.id)) {
              duplicates++
            } else {
              // A result from a stage that went down meanwhile: its item need not go out again.
              const queued = retry.indexOf(message.id)
              if (queued >= 0) retry.splice(queued, 1)
              done.add(message.id)
              const result: CollectorMessage = {
                _tag: "Result",
                id: message.id,
                primes: message.primes,
                node: message.pid.node
              }
              yield* Subject.send(collector.data, result)
            }
            if (done.size === killAt && killed.length === 0) yield* kill
            if (live !== undefined) yield* fill(live)
            if (done.size === options.items && millis === 0) millis = performance.now() - started
          }
          break
        }
        case "Down": {
          const key = String(event.down.pid)
          const live = stages.get(key)
          if (live === undefined) break
          stages.delete(key)
          const lost = Array.from(live.inFlight).filter((id) => !done.has(id))
          retry.push(...lost)
          resent += lost.length
          log(
            `  stage ${event.down.pid} down (${reasonText(event.down.reason)}): ${lost.length} items were in flight ` +
              `to it, sent again`
          )
          for (const other of stages.values()) yield* fill(other)
          break
        }
        case "Kill":
          yield* kill
          break
      }
    }
    const summary = yield* Subject.call(
      collector.data,
      (replyTo: Subject.Subject<Summary>): CollectorMessage => ({ _tag: "Summary", replyTo }),
      "30 seconds"
    )
    const perNode = Array.from(summary.perNode, ([node, n]) => `node ${node}: ${n}`).join(", ")
    log(
      `${count} node${count === 1 ? "" : "s"}: ${options.items} items in ${(millis / 1000).toFixed(2)} s ` +
        `(${Math.round(options.items / (millis / 1000))} items/s; ${perNode})`
    )
    const report: RunReport = { nodes: count, millis, killed, restarted, resent, beforeKill, duplicates, summary }
    return report
  }).pipe(Effect.scoped)

/** Every item done exactly once, every result right, every node terminated restarted. */
export const isClean = (run: RunReport, items: number): boolean =>
  run.summary.once === items && run.summary.received === items && run.summary.wrong.length === 0 &&
  run.restarted.length === run.killed.length

const checkText = (run: RunReport, items: number): string =>
  `${isClean(run, items) ? "ok" : "FAILED"}: ` +
  `${run.summary.once}/${items} items done exactly once, ${run.resent} re-sent, ${run.duplicates} duplicate results ` +
  `dropped; ${run.summary.wrong.length === 0 ? "all" : `${items - run.summary.wrong.length}/${items}`} results ` +
  `match a sieve (${run.summary.primes} primes)`

/** Runs the work on 1 node, then on 2 (with a node's thread terminated midway), and prints the speed-up. */
export const run = (overrides: Partial<Options> = {}) =>
  Effect.gen(function*() {
    const options: Options = { ...defaults, ...overrides }
    const log = options.log
    const [from] = rangeOf(options, 0)
    const [, to] = rangeOf(options, options.items - 1)
    log(
      `counting primes in [${from}, ${to}): ${options.items} items of ${options.width} numbers, ` +
        `${os.availableParallelism()} CPUs`
    )
    if (options.byHand) log(`terminate a node's thread by hand: kill -USR2 ${process.pid}`)
    const one = yield* runOn(1, options)
    log(`  check ${checkText(one, options.items)}`)
    const two = yield* runOn(2, options)
    log(`  check ${checkText(two, options.items)}`)
    const speedup = one.millis / two.millis
    const until = two.beforeKill
    // Up to the kill, both nodes worked: items per second then against the 1-node run's.
    const clean = until === undefined || until.millis === 0
      ? ""
      : `; ${((until.items / until.millis) / (options.items / one.millis)).toFixed(2)}x up to the kill`
    log(
      `speed-up on 2 nodes: ${speedup.toFixed(2)}x` +
        `${two.killed.length > 0 ? ` with a node lost and restarted${clean}` : ""}`
    )
    const report: Report = { one, two, speedup }
    return report
  })

if (process.argv[1]?.endsWith("parallel/main.ts")) {
  const { values } = parseArgs({
    options: {
      items: { type: "string" },
      width: { type: "string" },
      "kill-at": { type: "string" }
    }
  })
  const killAt = values["kill-at"] === undefined ? defaults.killAt : Number(values["kill-at"])
  Effect.runPromise(Effect.provide(
    run({
      items: values.items === undefined ? defaults.items : Number(values.items),
      width: values.width === undefined ? defaults.width : Number(values.width),
      killAt: killAt !== undefined && killAt > 0 ? killAt : undefined,
      byHand: true
    }),
    Logger.layer([Logger.consoleLogFmt]) // the supervisors' reports, one line each
  )).then(
    (report) => {
      const items = values.items === undefined ? defaults.items : Number(values.items)
      process.exit(isClean(report.one, items) && isClean(report.two, items) ? 0 : 1)
    },
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
}
