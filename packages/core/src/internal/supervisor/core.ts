/**
 * The supervisor's state machine (Erlang's `supervisor` callbacks): it starts its children in order, restarts them
 * by their restart type and its strategy when they exit, asks its restart policy when, and stops them the way Erlang
 * does: unlink, flush a pending exit message, `Shutdown`, kill after the child's shutdown time, wait for the end.
 * Each request (`whichChildren`, `terminateChild`...) is one function, in `requests.ts`.
 *
 * The state lives in the supervisor's own process and is only touched there.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type { Started } from "../../Actor.js"
import type { Next } from "../../Actor.js"
import type { StartError } from "../../Errors.js"
import { ChildFailedToStart, InitFailed } from "../../Errors.js"
import type { ExitMessage, ExitReason, Pid } from "../../Process.js"
import type * as StaticSupervisor from "../../StaticSupervisor.js"
import type * as Supervision from "../../Supervision.js"
import { Continue, Stop } from "../actor.js"
import { ExitReason as Reason, shutdown } from "../exitReason.js"
import { enabledIn, restarts as restartsMetric } from "../metrics.js"
import { stateOf } from "../pid.js"
import type { ProcessState } from "../process.js"
import { EXIT_TAG, link, shutdownProcess, unlink, withSelf } from "../process.js"
import { describeReason, describeValue, processLabel, report } from "../report.js"
import type { TimerImpl } from "../sendAfter.js"
import { sendAfter } from "../sendAfter.js"
import type { SubjectImpl } from "../subject.js"
import { unsafeSend } from "../subject.js"
import { clockOf } from "../timer.js"
import type { PolicyStep, RestartPolicy } from "./policy.js"
import { startPolicy } from "./policy.js"
import type { ChildSpecImpl, ShutdownMillis } from "./spec.js"
import { forgottenWhenEnded, resetAfterMillis, restarts } from "./spec.js"

/** A reply that is either a value or a typed error. @internal */
export type Reply<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: unknown }

/** What a supervisor is asked, through its subject. @internal */
export type Request =
  | { readonly _tag: "WhichChildren"; readonly replyTo: SubjectImpl<ReadonlyArray<Supervision.ChildInfo>> }
  | { readonly _tag: "CountChildren"; readonly replyTo: SubjectImpl<Supervision.ChildCount> }
  | { readonly _tag: "DescribeChildren"; readonly replyTo: SubjectImpl<ReadonlyArray<Supervision.TreeNode>> }
  | { readonly _tag: "TerminateChild"; readonly child: number | Pid; readonly replyTo: SubjectImpl<Reply<void>> }
  | { readonly _tag: "RestartChild"; readonly id: number; readonly replyTo: SubjectImpl<Reply<Pid>> }
  // The data of a factory child is typed by the supervisor's template (`FactorySupervisor<A, D>`): the core, which
  // serves every template, does not know `D`.
  | { readonly _tag: "StartChild"; readonly arg: unknown; readonly replyTo: SubjectImpl<Reply<Started<any>>> }
  | { readonly _tag: "RestartDue"; readonly child: ChildRecord; readonly generation: number }

/** A child exited (a trapped exit message from a linked process). @internal */
export class ChildExit {
  constructor(readonly exit: ExitMessage) {}
}

/** One child of a supervisor: its specification, and its process while it runs. @internal */
export class ChildRecord {
  process: ProcessState | undefined = undefined
  scope: Scope.Closeable | undefined = undefined
  /** The generation of the restart timer this child waits for; 0 when none. */
  pending = 0
  /** That timer, cancelled when the wait is over some other way (stopped, started by `restartChild`). */
  timer: TimerImpl | undefined = undefined
  /** Its backoff's running schedule (`Supervision.backoff`): made at its first restart, dropped to start over. */
  backoff: PolicyStep | undefined = undefined
  /** Clock time at which its process started; none once its exit was counted, or while it is not running. */
  startedAt: number | undefined = undefined
  /** How many times it started; its restart count is one less. */
  starts = 0
  removed = false
  /** The name its process registered, kept for the reports made after it ended. */
  name: string | undefined = undefined
  constructor(
    readonly id: number,
    readonly spec: ChildSpecImpl,
    readonly shutdownMillis: ShutdownMillis,
    readonly arg?: unknown
  ) {}
}

/** How a supervisor is configured; static and factory supervisors differ only here. @internal */
export interface Config {
  readonly kind: "static" | "factory"
  readonly strategy: StaticSupervisor.Strategy
  /** The restart tolerance: the intensity window, and the default `resetAfter` of the children's backoffs. */
  readonly intensity: number
  readonly periodMillis: number
  /** The supervisor's restart schedule (`restartSchedule`), for the children without a backoff of their own. */
  readonly schedule: Schedule.Schedule<unknown, ExitReason> | undefined
  readonly autoShutdown: StaticSupervisor.AutoShutdown
  readonly children: ReadonlyArray<ChildRecord>
  /** Factory supervisors: the child specification for an argument, and its decoded shutdown. */
  readonly template?: ((arg: unknown) => ChildSpecImpl) | undefined
  readonly templateShutdown?: ((arg: unknown) => ShutdownMillis) | undefined
  readonly maxChildren?: number | undefined
}

/** What the supervisor's loop does next. @internal */
export type SupervisorNext = Next<Core, unknown>

/** Why a supervisor gives up: its intensity, its restart schedule ended, or a child's backoff ended. */
type GiveUp = "intensity" | "schedule" | "backoff"

/** The state of a running supervisor. @internal */
export class Core {
  readonly children: Array<ChildRecord>
  readonly byProcess = new Map<ProcessState, ChildRecord>()
  /** Processes that were children: a late exit message from one is stale, not an order to stop. */
  readonly former = new WeakSet<ProcessState>()
  nextId: number
  generation = 0
  /** When the restarts of the tolerance's last period happened, for the report of a supervisor that gives up. */
  readonly recentRestarts: Array<number> = []
  constructor(
    readonly config: Config,
    readonly self: ProcessState,
    readonly scope: Scope.Scope,
    readonly subject: SubjectImpl<Request>,
    readonly policy: RestartPolicy
  ) {
    this.children = config.children.slice()
    this.nextId = this.children.length
  }

  get continue(): SupervisorNext {
    return new Continue(this, Option.none())
  }

  // -- starting and stopping one child ---------------------------------------------------------------------

  /** Starts one child in a scope of its own; links it to the supervisor (a child must be linked to be supervised). */
  startChild(child: ChildRecord): Effect.Effect<Started<unknown>, StartError> {
    // What the child's start requires was required of the supervisor's start (`R`): its fiber has it.
    const start = child.spec.start as Effect.Effect<Started<unknown>, StartError>
    return Effect.flatMap(Scope.fork(this.scope), (scope) =>
      start.pipe(
        Scope.provide(scope),
        Effect.catchDefect((defect) => Effect.fail(new InitFailed({ reason: defect }))),
        Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, exit)),
        Effect.tap((started) =>
          Effect.withFiber((fiber) => {
            this.started(child, scope, started, clockOf(fiber).currentTimeMillisUnsafe())
            return Effect.void
          })
        )
      ))
  }

  private started(child: ChildRecord, scope: Scope.Closeable, started: Started<unknown>, now: number): void {
    const process = stateOf(started.pid)
    child.process = process
    child.scope = scope
    this.cancelWait(child)
    child.startedAt = now
    child.starts++
    child.name = process.name?.key
    this.byProcess.set(process, child)
    if (!link(this.self, process)) {
      // It ended before it could be linked: its exit is as good as a linked exit.
      const exit: ExitMessage = { pid: process.pid, reason: process.reason ?? Reason.Abnormal({ reason: "noproc" }) }
      this.self.mailbox.deliver(EXIT_TAG, exit)
    }
  }

  /** The child ended (or was stopped): forget its process and release its scope. */
  forget(child: ChildRecord): Effect.Effect<void> {
    const process = child.process
    const scope = child.scope
    if (process !== undefined) {
      this.byProcess.delete(process)
      this.former.add(process)
    }
    child.process = undefined
    child.scope = undefined
    return scope === undefined ? Effect.void : Scope.close(scope, Exit.void)
  }

  /**
   * Erlang's shutdown of a child: unlink it first, so that the supervisor does not receive the exit it causes (and
   * drop one already queued), then `Shutdown`, kill after its shutdown time, and wait for its end.
   */
  stopChild(child: ChildRecord): Effect.Effect<void> {
    this.cancelWait(child)
    const process = child.process
    if (process === undefined) return this.forget(child)
    unlink(this.self, process)
    if (this.self.mailbox.length > 0) {
      this.self.mailbox.removeWhere((envelope) =>
        envelope.tag === EXIT_TAG && (envelope.value as ExitMessage).pid === process.pid
      )
    }
    return Effect.andThen(
      Effect.flatMap(
        shutdownProcess(this.self, process, shutdown, child.shutdownMillis),
        (reason) => this.reportShutdown(child, process.pid, reason)
      ),
      this.forget(child)
    )
  }

  /** The child no longer waits for a delayed restart: its timer is cancelled (a message already sent is stale). */
  cancelWait(child: ChildRecord): void {
    child.pending = 0
    child.timer?.cancel()
    child.timer = undefined
  }

  remove(child: ChildRecord): void {
    child.removed = true
    const index = this.children.indexOf(child)
    if (index >= 0) this.children.splice(index, 1)
  }

  /** Stops every child: a static supervisor in reverse start order, a factory supervisor all at once. */
  stopAll(): Effect.Effect<void> {
    const running = this.children.slice().reverse()
    for (const child of running) this.cancelWait(child)
    return Effect.forEach(running, (child) => this.stopChild(child), {
      discard: true,
      concurrency: this.config.kind === "factory" ? "unbounded" : 1
    })
  }

  /** Stops `children` one after the other, in the order given. */
  stopInOrder(children: ReadonlyArray<ChildRecord>): Effect.Effect<void> {
    return Effect.forEach(children, (child) => this.stopChild(child), { discard: true })
  }

  // -- init ---------------------------------------------------------------------------------------------------

  /** Starts the children in order; on the first failure stops those started, in reverse, and fails. */
  init(): Effect.Effect<void, ChildFailedToStart> {
    const startFrom = (index: number): Effect.Effect<void, ChildFailedToStart> => {
      if (index >= this.children.length) return Effect.void
      const child = this.children[index]
      return Effect.matchEffect(this.startChild(child), {
        onFailure: (error) =>
          Effect.andThen(
            this.stopInOrder(this.children.slice(0, index).reverse()),
            Effect.fail(new ChildFailedToStart({ id: child.id, child: this.childLabel(child), error }))
          ),
        onSuccess: () => startFrom(index + 1)
      })
    }
    return Effect.suspend(() => startFrom(0))
  }

  // -- exits and restarts ---------------------------------------------------------------------------------

  onExit(exit: ExitMessage): Effect.Effect<SupervisorNext> {
    const child = this.byProcess.get(stateOf(exit.pid))
    if (child === undefined) {
      // A former child's late exit (it died while being started or stopped) is stale. Otherwise a non-Normal exit
      // from the parent, the scope's owner or another linked process is the order to stop.
      const stale = this.former.has(stateOf(exit.pid))
      if (stale || exit.reason._tag === "Normal") return Effect.succeed(this.continue)
      return Effect.succeed(new Stop(exit.reason))
    }
    return Effect.andThen(
      this.forget(child),
      Effect.andThen(this.reportExit(child, exit.pid, exit.reason), this.childExited(child, exit.reason))
    )
  }

  childExited(child: ChildRecord, reason: ExitReason): Effect.Effect<SupervisorNext> {
    if (restarts(child.spec.restart, reason)) return this.restartEvent(child, reason)
    if (forgottenWhenEnded(child.spec.restart, this.config.kind)) this.remove(child)
    if (child.spec.significant && this.autoShutdownDue()) return Effect.succeed(new Stop(shutdown))
    return Effect.succeed(this.continue)
  }

  /** A significant child ended for good (Erlang's auto_shutdown). */
  autoShutdownDue(): boolean {
    switch (this.config.autoShutdown) {
      case "Never":
        return false
      case "AnySignificant":
        return true
      case "AllSignificant":
        return !this.children.some((child) =>
          child.spec.significant && (child.process !== undefined || child.pending !== 0)
        )
    }
  }

  /**
   * One restart, counted by the policy: give up (stop everything, exit Shutdown), restart now, or later. Every
   * restart steps the intensity window; the delay is the next step of the child's own backoff when it has one, else
   * of the supervisor's restart schedule, else none. Either schedule ending gives up, as the window does.
   */
  restartEvent(child: ChildRecord, reason: ExitReason): Effect.Effect<SupervisorNext> {
    return withSelf((_, fiber) => {
      const now = clockOf(fiber).currentTimeMillisUnsafe()
      this.countInWindow(now)
      return Effect.flatMap(this.policy.window(now, reason), (inWindow) => {
        if (inWindow === undefined) return this.giveUp(child, reason, "intensity")
        return Effect.flatMap(this.delayOf(child, now, reason), (delay) => {
          if (delay === undefined) return this.giveUp(child, reason, child.spec.backoff ? "backoff" : "schedule")
          if (delay === 0) return this.restart(child)
          const generation = ++this.generation
          child.pending = generation
          return Effect.map(sendAfter(this.subject, delay, { _tag: "RestartDue", child, generation }), (timer) => {
            child.timer = timer
            return this.continue
          })
        })
      })
    })
  }

  /**
   * The delay before `child` restarts, or `undefined` when its schedule ended: the next step of its own backoff,
   * started over first if its last run lasted `resetAfter` (Akka's reset: a child that was stable is treated as
   * crashing for the first time), else the next step of the supervisor's restart schedule, else none.
   */
  private delayOf(child: ChildRecord, now: number, reason: ExitReason): Effect.Effect<number | undefined> {
    const startedAt = child.startedAt
    // Counted once: a failed restart attempt that follows did not run, and does not reset the backoff.
    child.startedAt = undefined
    const backoff = child.spec.backoff
    if (backoff === undefined) return this.policy.schedule?.(now, reason) ?? Effect.succeed(0)
    if (startedAt !== undefined && now - startedAt >= resetAfterMillis(backoff, this.config.periodMillis)) {
      child.backoff = undefined
    }
    const step = child.backoff
    if (step !== undefined) return step(now, reason)
    return Effect.flatMap(startPolicy(backoff.schedule), (started) => {
      child.backoff = started
      return started(now, reason)
    })
  }

  private giveUp(child: ChildRecord, reason: ExitReason, why: GiveUp): Effect.Effect<SupervisorNext> {
    return Effect.as(this.reportGiveUp(child, reason, why), new Stop(shutdown))
  }

  private countInWindow(now: number): void {
    const threshold = now - this.config.periodMillis
    const recent = this.recentRestarts
    let stale = 0
    while (stale < recent.length && recent[stale] < threshold) stale++
    if (stale > 0) recent.splice(0, stale)
    recent.push(now)
  }

  /** The children a strategy restarts when `child` exited. */
  private affected(child: ChildRecord): Array<ChildRecord> {
    switch (this.config.strategy) {
      case "OneForOne":
        return [child]
      case "OneForAll":
        return this.children.slice()
      case "RestForOne":
        return this.children.slice(this.children.indexOf(child))
    }
  }

  /** Restarts `child` and, by strategy, its siblings. A failed start is one more restart event. */
  restart(child: ChildRecord): Effect.Effect<SupervisorNext> {
    return Effect.suspend(() => {
      if (child.removed) return Effect.succeed(this.continue)
      this.cancelWait(child)
      const toRestart = this.affected(child)
      const stopSiblings = Effect.forEach(
        toRestart.filter((other) => other !== child).reverse(),
        (other) =>
          Effect.andThen(
            this.stopChild(other),
            Effect.sync(() => {
              // Erlang deletes temporary children its strategy stops; the others start again below.
              if (other.spec.restart === "Temporary") this.remove(other)
            })
          ),
        { discard: true }
      )
      const startFrom = (index: number): Effect.Effect<SupervisorNext> => {
        if (index >= toRestart.length) return Effect.succeed(this.continue)
        const next = toRestart[index]
        if (next.removed || next.process !== undefined) return startFrom(index + 1)
        return Effect.matchEffect(this.startChild(next), {
          onFailure: (error) =>
            Effect.andThen(
              this.reportRestartFailed(next, error),
              this.restartEvent(next, Reason.Abnormal({ reason: error }))
            ),
          onSuccess: () => Effect.andThen(this.reportRestarted(next), startFrom(index + 1))
        })
      }
      return Effect.andThen(stopSiblings, Effect.suspend(() => startFrom(0)))
    })
  }

  // -- reports (Erlang's supervisor reports) --------------------------------------------------------------

  /**
   * What reports call a child: its label, else the name its process registered, else (a factory child) its argument
   * when that is a string, else its id.
   */
  childLabel(child: ChildRecord): string {
    return child.spec.label ?? child.name ?? (typeof child.arg === "string" ? child.arg : String(child.id))
  }

  private fields(child: ChildRecord): Record<string, unknown> {
    return {
      supervisor: processLabel(this.self),
      child: this.childLabel(child),
      child_id: child.id,
      restart_type: child.spec.restart,
      restarts: Math.max(0, child.starts - 1)
    }
  }

  /**
   * A child exited: reported as an error unless the exit was expected, as Erlang's `child_terminated` (a permanent
   * child's every exit; a transient or temporary child's unless it is `Normal` or `Shutdown`). The reason is given in
   * one line: an actor's own crash report, just before, carries its stack.
   */
  reportExit(child: ChildRecord, pid: Pid, reason: ExitReason): Effect.Effect<void> {
    if (child.spec.restart !== "Permanent" && (reason._tag === "Normal" || reason._tag === "Shutdown")) {
      return Effect.void
    }
    return report(
      "child_terminated",
      "Error",
      () => `child ${this.childLabel(child)} (${pid}) terminated: ${describeReason(reason)}`,
      () => ({ ...this.fields(child), child_pid: pid.toString(), reason: describeReason(reason) })
    )
  }

  /**
   * A child stopped by its supervisor that did not end with `Shutdown` (killed after its shutdown time, or ended
   * otherwise meanwhile): Erlang's `shutdown_error`. A brutal kill is expected to end in `Killed`, and a transient or
   * temporary child may end `Normal`.
   */
  private reportShutdown(child: ChildRecord, pid: Pid, reason: ExitReason): Effect.Effect<void> {
    if (
      reason._tag === "Shutdown" || (reason._tag === "Killed" && child.shutdownMillis < 0) ||
      (reason._tag === "Normal" && child.spec.restart !== "Permanent")
    ) {
      return Effect.void
    }
    return report(
      "shutdown_error",
      "Error",
      () => `child ${this.childLabel(child)} (${pid}) ended with ${describeReason(reason)} when stopped, not Shutdown`,
      () => ({ ...this.fields(child), child_pid: pid.toString(), reason: describeReason(reason) })
    )
  }

  private reportRestarted(child: ChildRecord): Effect.Effect<void> {
    return Effect.andThen(this.countRestartMetric(child), this.restartReport(child))
  }

  /** The restart in the metrics, when they are on: by supervisor (its name) and child (its label). */
  private countRestartMetric(child: ChildRecord): Effect.Effect<void> {
    return Effect.withFiber((fiber) => {
      if (enabledIn(fiber)) {
        const attributes = { supervisor: this.self.name?.prefix ?? "unnamed", child: this.metricLabel(child) }
        Metric.withAttributes(restartsMetric, attributes).updateUnsafe(1, fiber.context)
      }
      return Effect.void
    })
  }

  /**
   * What the metrics call a child: its label, or its registered name's prefix, or its position; every child of a
   * factory supervisor is `child` (one series per account, say, would grow without end).
   */
  private metricLabel(child: ChildRecord): string {
    if (child.spec.label !== undefined) return child.spec.label
    if (this.config.kind === "factory") return "child"
    return child.process?.name?.prefix ?? String(child.id)
  }

  private restartReport(child: ChildRecord): Effect.Effect<void> {
    return report(
      "progress",
      "Info",
      () => `child ${this.childLabel(child)} restarted as ${child.process?.pid}`,
      () => ({ ...this.fields(child), child_pid: String(child.process?.pid) })
    )
  }

  private reportRestartFailed(child: ChildRecord, error: StartError): Effect.Effect<void> {
    return report(
      "start_error",
      "Error",
      () => `child ${this.childLabel(child)} failed to restart: ${describeValue(error)}`,
      () => ({ ...this.fields(child), error: describeValue(error) })
    )
  }

  /**
   * The supervisor gives up (Erlang's `reached_max_restart_intensity`, or a schedule that ended): said with the
   * window's figures.
   */
  private reportGiveUp(child: ChildRecord, reason: ExitReason, cause: GiveUp): Effect.Effect<void> {
    const { intensity, periodMillis } = this.config
    const inWindow = this.recentRestarts.length
    const period = Duration.format(Duration.millis(periodMillis))
    const why = cause === "intensity" ?
      `reached its restart intensity: ${inWindow} restarts within ${period}, more than the ${intensity} allowed` :
      cause === "schedule" ?
      `its restart schedule ended after ${inWindow} restarts within ${period}` :
      `the backoff of child ${this.childLabel(child)} ended (${inWindow} restarts within ${period})`
    return report(
      "shutdown",
      "Error",
      () =>
        `supervisor ${processLabel(this.self)} gave up: ${why}; the last was child ${this.childLabel(child)} (${
          describeReason(reason)
        }). It stops its children and exits Shutdown`,
      () => ({
        ...this.fields(child),
        reason: describeReason(reason),
        intensity,
        period_ms: periodMillis,
        restarts_in_period: inWindow
      })
    )
  }

  // -- requests -------------------------------------------------------------------------------------------

  info(child: ChildRecord): Supervision.ChildInfo {
    return {
      id: child.id,
      pid: child.process === undefined ? Option.none() : Option.some(child.process.pid),
      restart: child.spec.restart,
      type: child.spec.type,
      restarts: Math.max(0, child.starts - 1)
    }
  }

  /** A child as `Supervision.tree` shows it: its info, label, registered name, status and mailbox. */
  describe(child: ChildRecord): Supervision.TreeNode {
    const process = child.process
    return {
      ...this.info(child),
      // A factory child is labelled by its argument when that is a string (an account id, say).
      label: Option.fromUndefinedOr(child.spec.label ?? (typeof child.arg === "string" ? child.arg : undefined)),
      name: Option.fromUndefinedOr(process?.name?.key ?? (process === undefined ? undefined : child.name)),
      status: process !== undefined ? "running" : child.pending !== 0 ? "restarting" : "stopped",
      messageQueueLength: process?.mailbox.length ?? 0
    }
  }

  find(key: number | Pid): ChildRecord | undefined {
    return typeof key === "number" ?
      this.children.find((child) => child.id === key) :
      this.children.find((child) => child.process !== undefined && child.process.pid === key)
  }

  /** Replies, unless the call is over (it timed out, or its caller was interrupted): a late reply is dropped. */
  reply<A>(replyTo: SubjectImpl<A>, value: A): SupervisorNext {
    unsafeSend(replyTo, value)
    return this.continue
  }
}
