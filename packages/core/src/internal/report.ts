/**
 * Reports: what Erlang's logger prints for supervisors (child terminated, restarted, failed to restart, gave up)
 * and for gen_servers (the crash report), written through Effect's `Logger`. Each report is one log entry at
 * Erlang's level, whose message a person reads and whose annotations a program filters on; a crash's `Cause` goes
 * with it, so that the logger prints its stack. Turning reports off or down is ordinary Effect logging
 * configuration (`Logger.layer`, `References.MinimumLogLevel`).
 *
 * A report is cheap when its level is filtered out: its message and annotations are only made when it is logged.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import type { ExitReason } from "../Process.js"
import type { ProcessState } from "./process.js"

/**
 * The kinds of report, as Erlang names them, in each entry's `otp_report` annotation: a logger can keep or drop the
 * library's reports by it (Erlang marks them with the `[otp, sasl]` domain).
 * @internal
 */
export type ReportKind =
  | "child_terminated"
  | "progress"
  | "start_error"
  | "shutdown"
  | "shutdown_error"
  | "crash_report"
  | "exit_signal"

/**
 * Logs a report at `level` unless the minimum log level filters it out or there is no logger. A report never fails:
 * a logger (or a value shown) that throws loses the report, not the process that reports.
 * @internal
 */
export const report = (
  kind: ReportKind,
  level: LogLevel.Severity,
  message: () => string,
  annotations: () => Record<string, unknown>,
  cause?: Cause.Cause<unknown>
): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    if (LogLevel.isGreaterThan(fiber.getRef(References.MinimumLogLevel), level)) return Effect.void
    if (fiber.getRef(Logger.CurrentLoggers).size === 0) return Effect.void
    let log: Effect.Effect<void>
    try {
      const text = message()
      log = Effect.annotateLogs(
        cause === undefined ? Effect.logWithLevel(level)(text) : Effect.logWithLevel(level)(text, cause),
        { otp_report: kind, ...annotations() }
      )
    } catch {
      return Effect.void
    }
    return Effect.catchCause(log, () => Effect.void)
  })

/** How a process is named in a report: its registered name and pid, or its pid. @internal */
export const processLabel = (process: ProcessState): string =>
  process.name === undefined ? process.pid.toString() : `${process.name.key} ${process.pid.toString()}`

/** What a behaviour's `reportState` makes of its state for a crash report, or why it could not. */
const reportedState = (format: () => unknown): unknown => {
  try {
    return format()
  } catch (error) {
    return `reportState failed: ${describeValue(error)}`
  }
}

/** A value in one line: an error's name and message, a string as is, anything else as JSON when it can be. */
export const describeValue = (value: unknown): string => {
  if (value instanceof Error) {
    const tag = (value as { readonly _tag?: unknown })._tag
    const name = typeof tag === "string" ? tag : value.name
    return value.message === "" ? name : `${name}: ${value.message}`
  }
  if (typeof value === "string") return value
  if (Cause.isCause(value)) return describeCause(value)
  try {
    const json = JSON.stringify(value)
    if (json !== undefined) return json
  } catch {
    // A value JSON cannot show (a cycle, a bigint): `String` shows it.
  }
  return String(value)
}

const describeCause = (cause: Cause.Cause<unknown>): string => {
  const reason = cause.reasons[0]
  if (reason === undefined) return "empty cause"
  switch (reason._tag) {
    case "Fail":
      return describeValue(reason.error)
    case "Die":
      return describeValue(reason.defect)
    case "Interrupt":
      return "interrupted"
  }
}

/** An exit reason in one line: `Normal`, `Shutdown`, `Killed`, or `Abnormal(what went wrong)`. @internal */
export const describeReason = (reason: ExitReason): string =>
  reason._tag === "Abnormal" ? `Abnormal(${describeValue(reason.reason)})` : reason._tag

/** The `Cause` an exit reason carries (a process that failed or died), for the logger to print with its stack. */
export const causeOfReason = (reason: ExitReason): Cause.Cause<unknown> | undefined =>
  reason._tag === "Abnormal" && Cause.isCause(reason.reason) ? reason.reason : undefined

/** Whether a process that ends with `reason` crashed, as gen_server decides what to report (not normal, not shutdown). */
export const isCrash = (reason: ExitReason): boolean => reason._tag === "Abnormal" || reason._tag === "Killed"

/**
 * A behaviour's crash report (gen_server's and gen_statem's "terminating" error report, `what` naming which), when
 * it ends with a reason other than `Normal` or `Shutdown` by its own doing: a handler that failed or died, a stop it
 * asked for, an exit signal it trapped. Not when a signal ends it from outside (a kill, a link it does not trap):
 * Erlang reports none either. It runs on the behaviour's fiber, whose annotations already name it. `fields` are what
 * the behaviour adds (its last message), `state` what its `reportState` shows, when the user gave one.
 * @internal
 */
export const terminatingReport = (
  what: string,
  self: ProcessState,
  reason: ExitReason,
  signalled: boolean,
  fields: () => Record<string, unknown>,
  state: (() => unknown) | undefined
): Effect.Effect<void> | undefined => {
  if (signalled || !isCrash(reason)) return undefined
  return report(
    "crash_report",
    "Error",
    () => `${what} ${self.name?.key ?? self.pid.toString()} terminating: ${describeReason(reason)}`,
    () => {
      const annotations: Record<string, unknown> = { reason: describeReason(reason), ...fields() }
      if (state !== undefined) annotations.state = reportedState(state)
      return annotations
    },
    causeOfReason(reason)
  )
}
