/**
 * Recent reports per process: a `Logger`, added to the loggers already there, that keeps the last entries logged
 * about each pid, so that a process's details can show what its supervisor said about it (Erlang's observer shows a
 * process's log through its group leader; here the library's reports carry the pids as annotations).
 *
 * An entry is filed under its `pid` annotation (the process that logged it: an actor, a supervisor) and under its
 * `child_pid` (the child a supervisor reports about): a crash is then found both on the supervisor and on the child
 * that crashed, and a restart on the new child too (`progress` reports name the new pid). Entries without either
 * are not kept.
 *
 * The memory is bounded twice: `PER_PROCESS` entries per pid, and the `PROCESSES` pids written to most recently
 * (a system that restarts children all day makes new pids all day).
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import type { ReportEntry } from "../Observer.js"

/** Entries kept per pid. @internal */
export const PER_PROCESS = 50
/** Pids kept; the one written to longest ago goes first. @internal */
export const PROCESSES = 5_000
/** An annotation longer than this is cut: a report may carry a last message or a state. */
const MAX_ANNOTATION = 500

/** The report log: its logger, and what it kept about a pid. @internal */
export interface ReportLog {
  readonly logger: Logger.Logger<unknown, void>
  /** The entries about `pid` (as `String(pid)`, `<0.42>`), oldest first. */
  readonly recent: (pid: string) => ReadonlyArray<ReportEntry>
}

/** The observer's report log, as a service: provided by `Observer.layerReports`. @internal */
export class Reports extends Context.Service<Reports, ReportLog>()("@effect-otp/observer/Reports") {}

const text = (value: unknown): string => {
  const shown = typeof value === "string" ? value : Inspectable.toStringUnknown(value, 0)
  return shown.length > MAX_ANNOTATION ? `${shown.slice(0, MAX_ANNOTATION)}…` : shown
}

/** @internal */
export const makeReportLog = (perProcess = PER_PROCESS, processes = PROCESSES): ReportLog => {
  // A Map keeps insertion order: moving a pid to the end on each write makes the first key the least recent.
  const byPid = new Map<string, Array<ReportEntry>>()
  const file = (pid: string, entry: ReportEntry) => {
    let entries = byPid.get(pid)
    if (entries === undefined) {
      entries = []
      if (byPid.size >= processes) byPid.delete(byPid.keys().next().value!)
    } else {
      byPid.delete(pid)
    }
    byPid.set(pid, entries)
    entries.push(entry)
    if (entries.length > perProcess) entries.shift()
  }
  const logger = Logger.make<unknown, void>(({ date, fiber, logLevel, message }) => {
    const annotations = fiber.getRef(References.CurrentLogAnnotations)
    const pid = annotations.pid
    const childPid = annotations.child_pid
    if (pid === undefined && childPid === undefined) return
    const shown: Record<string, string> = {}
    for (const key of Object.keys(annotations)) shown[key] = text(annotations[key])
    const entry: ReportEntry = {
      at: date.getTime(),
      level: logLevel,
      message: (Array.isArray(message) ? message : [message]).map(text).join(" "),
      report: typeof annotations.otp_report === "string" ? annotations.otp_report : null,
      annotations: shown
    }
    if (pid !== undefined) file(String(pid), entry)
    if (childPid !== undefined && String(childPid) !== String(pid)) file(String(childPid), entry)
  })
  return { logger, recent: (pid) => byPid.get(pid) ?? [] }
}

/**
 * A fresh report log as the `Reports` service, and its logger added to the loggers of the context it is built in
 * (so the application's own logging goes on as before).
 * @internal
 */
export const layer: Layer.Layer<Reports> = Layer.effectContext(Effect.withFiber((fiber) => {
  const log = makeReportLog()
  const loggers = new Set(fiber.getRef(Logger.CurrentLoggers))
  loggers.add(log.logger)
  return Effect.succeed(Context.make(Reports, log).pipe(Context.add(Logger.CurrentLoggers, loggers)))
}))
