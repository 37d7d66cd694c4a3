/**
 * The typed errors of `@effect-otp/core`, in one place. Each module re-exports those its functions fail with
 * (`Subject.CallTimeout`, `Actor.InitFailed`, `Task.TaskExited`...), and each error says in its `message` what went
 * wrong.
 *
 * @since 1.0.0
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import { describeReason, describeValue } from "./internal/report.js"
import type { ExitReason, Pid } from "./Process.js"

/** An exit reason in a message: its tag, and an abnormal reason's cause or value. */
const describe = (reason: ExitReason): string =>
  reason._tag === "Abnormal" ?
    `Abnormal(${Cause.isCause(reason.reason) ? Cause.pretty(reason.reason) : describeValue(reason.reason)})` :
    reason._tag

/**
 * No matching message arrived before the receive timeout.
 *
 * @since 1.0.0
 * @category errors
 */
export class ReceiveTimeout extends Data.TaggedError("ReceiveTimeout")<{ readonly timeout: string }> {
  override get message() {
    return `no matching message arrived within ${this.timeout}`
  }
}

/**
 * The callee did not reply before the call timeout. A reply that arrives later is dropped.
 *
 * @since 1.0.0
 * @category errors
 */
export class CallTimeout extends Data.TaggedError("CallTimeout")<{ readonly timeout: string }> {
  override get message() {
    return `the callee did not reply within ${this.timeout}`
  }
}

/**
 * The callee ended before replying; `reason` is its exit reason.
 *
 * @since 1.0.0
 * @category errors
 */
export class CalleeDown extends Data.TaggedError("CalleeDown")<{ readonly reason: ExitReason }> {
  override get message() {
    return `the callee exited before replying: ${describe(this.reason)}`
  }
}

/**
 * Nobody is there: the process is dead, or no live process is registered under the name.
 *
 * @since 1.0.0
 * @category errors
 */
export class NoProcess extends Data.TaggedError("NoProcess")<{ readonly target: string }> {
  override get message() {
    return `no live process at ${this.target}`
  }
}

/**
 * A process called a subject it owns itself. It could never reply while waiting, so the call fails at
 * once (Erlang's `calling_self`) instead of deadlocking until the timeout.
 *
 * @since 1.0.0
 * @category errors
 */
export class CallingSelf extends Data.TaggedError("CallingSelf")<{ readonly target: string }> {
  override get message() {
    return `a process called itself through ${this.target}: it cannot reply while it waits`
  }
}

/**
 * The name is registered to another live process.
 *
 * @since 1.0.0
 * @category errors
 */
export class NameTaken extends Data.TaggedError("NameTaken")<{ readonly name: string; readonly owner: string }> {
  override get message() {
    return `the name ${this.name} is already registered to ${this.owner}`
  }
}

/**
 * The process already has a name: a process has at most one.
 *
 * @since 1.0.0
 * @category errors
 */
export class AlreadyNamed extends Data.TaggedError("AlreadyNamed")<{ readonly pid: string; readonly name: string }> {
  override get message() {
    return `${this.pid} is already registered as ${this.name}`
  }
}

/**
 * No live process is registered under the name.
 *
 * @since 1.0.0
 * @category errors
 */
export class NotRegistered extends Data.TaggedError("NotRegistered")<{ readonly name: string }> {
  override get message() {
    return `no process is registered as ${this.name}`
  }
}

/**
 * The process did not finish initialising within its init timeout. It was unlinked and killed; the caller gets no
 * exit signal.
 *
 * @since 1.0.0
 * @category errors
 */
export class InitTimeout extends Data.TaggedError("InitTimeout")<{ readonly timeout: string }> {
  override get message() {
    return `the process did not initialise within ${this.timeout}; it was killed`
  }
}

/**
 * Initialisation returned an error (the child then exited `Normal`), or a child of a supervisor failed to start;
 * `reason` keeps the original error.
 *
 * @since 1.0.0
 * @category errors
 */
export class InitFailed extends Data.TaggedError("InitFailed")<{ readonly reason: unknown }> {
  override get message() {
    return `initialisation failed: ${reasonText(this.reason)}`
  }
}

/** What a failed initialisation's reason says: its message (an error's), or the value. */
const reasonText = (reason: unknown): string => {
  const error = reason as { readonly message?: unknown } | undefined
  return typeof error === "object" && error !== null && typeof error.message === "string" ?
    error.message :
    String(reason)
}

/** Why a child failed to start, without repeating "initialisation failed" at each level of a tree. */
const startErrorText = (error: StartError): string =>
  error._tag === "InitFailed" ? reasonText(error.reason) : error.message

/**
 * The process crashed or was killed while initialising; `reason` is its exit reason.
 *
 * @since 1.0.0
 * @category errors
 */
export class InitExited extends Data.TaggedError("InitExited")<{ readonly reason: ExitReason }> {
  override get message() {
    return `the process exited while initialising: ${describe(this.reason)}`
  }
}

/**
 * Code outside any process (the main program, a test) that became a process was ended by an exit signal: a linked
 * process crashed (or a root supervisor gave up and exited `Shutdown`), or it was sent `Process.exit`/`kill`. Its
 * fiber is interrupted where it was, and this defect is added to the interruption when the `Scope` it spawned in
 * closes, so the program fails with the reason instead of ending as if interrupted: `runPromise` rejects with this
 * error, `NodeRuntime.runMain` prints it and exits with code 1. `from` says who sent the signal (with its name, if it
 * had one).
 *
 * @since 1.0.0
 * @category errors
 */
export class ExitSignal extends Data.TaggedError("ExitSignal")<{
  readonly pid: Pid
  readonly from: string | undefined
  readonly reason: ExitReason
}> {
  override get message() {
    const from = this.from === undefined ? "" : ` from ${this.from}`
    return `${this.pid.toString()} was ended by an exit signal${from}: ${describeReason(this.reason)}`
  }
}

/**
 * Every way starting a process (an actor, a supervisor, a child) can fail.
 *
 * @since 1.0.0
 * @category errors
 */
export type StartError = InitTimeout | InitFailed | InitExited

/**
 * A callback given to a system message (`System.replaceState`) threw; the state was left unchanged.
 *
 * @since 1.0.0
 * @category errors
 */
export class CallbackFailed extends Data.TaggedError("CallbackFailed")<{ readonly error: unknown }> {
  override get message() {
    return `the callback failed and the state was left unchanged: ${String(this.error)}`
  }
}

/**
 * Every way a call (`Subject.call`, `System` requests, supervisor requests) can fail.
 *
 * @since 1.0.0
 * @category errors
 */
export type CallError = CallTimeout | CalleeDown | NoProcess | CallingSelf

/**
 * A supervisor or child specification is invalid. `start` fails with `InitFailed` whose `reason` is this error;
 * `field` names what is wrong (`children[2].significant`, `restartTolerance.intensity`, ...).
 *
 * @since 1.0.0
 * @category errors
 */
export class InvalidSpecification extends Data.TaggedError("InvalidSpecification")<{
  readonly field: string
  readonly detail: string
}> {
  override get message() {
    return `invalid ${this.field}: ${this.detail}`
  }
}

/**
 * A child failed to start while its supervisor started; `id` (its position) and `child` (its label, registered
 * name or position: what reports call it) say which, `error` why. The supervisor's `start` fails with `InitFailed`
 * whose `reason` is this error. A nested tree's message names each level once: `initialisation failed: child
 * app/Bank failed to start: child app/Accounts failed to start: ...`.
 *
 * @since 1.0.0
 * @category errors
 */
export class ChildFailedToStart extends Data.TaggedError("ChildFailedToStart")<{
  readonly id: number
  readonly child: string
  readonly error: StartError
}> {
  override get message() {
    return `child ${this.child} failed to start: ${startErrorText(this.error)}`
  }
}

/**
 * `Supervision.tree` was given a live process that is not a supervisor: it fails at once instead of waiting for an
 * answer that will not come. `kind` says what runs there (`actor` or `process`).
 *
 * @since 1.0.0
 * @category errors
 */
export class NotASupervisor extends Data.TaggedError("NotASupervisor")<{
  readonly pid: string
  readonly kind: "actor" | "process"
}> {
  override get message() {
    return `${this.pid} is not a supervisor (it runs ${this.kind === "actor" ? "an actor" : "a plain process"})`
  }
}

/**
 * A supervisor has no child with that id (or pid): it never had one, or it was temporary and has ended.
 *
 * @since 1.0.0
 * @category errors
 */
export class ChildNotFound extends Data.TaggedError("ChildNotFound")<{ readonly child: string }> {
  override get message() {
    return `the supervisor has no child ${this.child}`
  }
}

/**
 * `restartChild` on a child that is running.
 *
 * @since 1.0.0
 * @category errors
 */
export class ChildRunning extends Data.TaggedError("ChildRunning")<{ readonly id: number }> {
  override get message() {
    return `child ${this.id} is running; terminate it before restarting it`
  }
}

/**
 * `startChild` on a factory supervisor that already has `maxChildren` children.
 *
 * @since 1.0.0
 * @category errors
 */
export class MaxChildren extends Data.TaggedError("MaxChildren")<{ readonly max: number }> {
  override get message() {
    return `the factory supervisor already has its maximum of ${this.max} children`
  }
}

/**
 * The task did not finish in time. It is still running: `Task.shutdown` stops it.
 *
 * @since 1.0.0
 * @category errors
 */
export class TaskTimeout extends Data.TaggedError("TaskTimeout")<{ readonly timeout: string }> {
  override get message() {
    return `the task did not finish within ${this.timeout}`
  }
}

/**
 * The task ended without a result: it crashed, was killed, or exited otherwise; `reason` is its exit reason.
 *
 * @since 1.0.0
 * @category errors
 */
export class TaskExited extends Data.TaggedError("TaskExited")<{ readonly reason: ExitReason }> {
  override get message() {
    return `the task exited without a result: ${describe(this.reason)}`
  }
}

/**
 * `Registry.register` on a unique-keys registry under a key that a live process holds; `pid` is that process.
 *
 * @since 1.0.0
 * @category errors
 */
export class AlreadyRegistered extends Data.TaggedError("AlreadyRegistered")<{
  readonly key: unknown
  readonly pid: Pid
}> {
  override get message() {
    return `the key ${String(this.key)} is already registered by ${this.pid.toString()}`
  }
}

/**
 * `Subject.trySend` to a bounded subject that is full, whose policy is `"Fail"` or `"BackPressure"` (which `trySend`
 * never waits for). The message was not queued, and it is counted with the mailbox's dropped messages. `target` is
 * the subject, `pid` its owner, `capacity` and `overflow` the bound it has.
 *
 * @since 1.0.0
 * @category errors
 */
export class MailboxFull extends Data.TaggedError("MailboxFull")<{
  readonly target: string
  readonly pid: Pid
  readonly capacity: number
  readonly overflow: "DropNewest" | "DropOldest" | "Fail" | "BackPressure"
}> {
  override get message() {
    return `the mailbox of ${this.target} at ${this.pid.toString()} is full (capacity ${this.capacity}, ` +
      `overflow ${this.overflow})`
  }
}
