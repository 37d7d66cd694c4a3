/**
 * Supervisors (Erlang's `supervisor`), static and factory, on top of the actor loop.
 *
 * A supervisor is an actor that traps exits. Its children are started inside it, one after the other, each in its
 * own `Scope` forked from the supervisor's, and linked to it. When a child exits, the supervisor decides by the
 * child's restart type whether to restart it, asks its restart policy (a `Schedule`: the intensity window, and the
 * user's backoff) when, and restarts it (and its siblings, by strategy). Children are shut down the way Erlang does
 * it: unlink, flush a pending exit message, send `Shutdown`, kill after the child's shutdown time, wait for the end.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Pull from "effect/Pull"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as actor from "./actor.js"
import type { StartError } from "./errors.js"
import { InitFailed } from "./errors.js"
import type { ExitReason } from "./exitReason.js"
import { ExitReason as Reason, shutdown as shutdownReason } from "./exitReason.js"
import type { NameImpl } from "./name.js"
import type { ExitMessage, Pid, ProcessState } from "./process.js"
import { EXIT_TAG, link, shutdownProcess, unlink, withSelf } from "./process.js"
import * as selector from "./selector.js"
import type { Started } from "./start.js"
import type { SubjectImpl } from "./subject.js"
import { OwnedSubject, sendAfter, Tag } from "./subject.js"
import { clockOf, decodeTimeout } from "./timer.js"

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

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
 * A child failed to start while its supervisor started; `id` says which, `error` why. The supervisor's `start`
 * fails with `InitFailed` whose `reason` is this error.
 *
 * @since 1.0.0
 * @category errors
 */
export class ChildFailedToStart extends Data.TaggedError("ChildFailedToStart")<{
  readonly id: number
  readonly error: StartError
}> {
  override get message() {
    return `child ${this.id} failed to start: ${this.error.message}`
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

// ---------------------------------------------------------------------------------------------------------------
// Child specifications
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export type Restart = "Permanent" | "Transient" | "Temporary"

/** @internal */
export type ChildType = "worker" | "supervisor"

/** @internal */
export type ShutdownInput = "BrutalKill" | "Infinity" | Duration.Input

/** @internal */
export type AutoShutdown = "Never" | "AnySignificant" | "AllSignificant"

/** @internal */
export type Strategy = "OneForOne" | "OneForAll" | "RestForOne"

/** @internal */
export const ChildSpecTypeId: unique symbol = Symbol.for("@effect-otp/core/Supervision/ChildSpecification")

const variance = { _D: (_: any) => _, _R: (_: never) => _ }

/** @internal */
export class ChildSpecImpl {
  readonly [ChildSpecTypeId] = variance
  constructor(
    readonly start: Effect.Effect<Started<any>, StartError, any>,
    readonly type: ChildType,
    readonly restart: Restart,
    readonly significant: boolean,
    readonly shutdown: ShutdownInput
  ) {}
  with(fields: Partial<Pick<ChildSpecImpl, "start" | "restart" | "significant" | "shutdown">>): ChildSpecImpl {
    return new ChildSpecImpl(
      fields.start ?? this.start,
      this.type,
      fields.restart ?? this.restart,
      fields.significant ?? this.significant,
      fields.shutdown ?? this.shutdown
    )
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const isChildSpec = (u: unknown): u is ChildSpecImpl =>
  typeof u === "object" && u !== null && ChildSpecTypeId in u

/** @internal */
export const worker = (start: Effect.Effect<Started<any>, StartError, any>): ChildSpecImpl =>
  new ChildSpecImpl(start, "worker", "Permanent", false, "5 seconds")

/** @internal */
export const supervisor = (start: Effect.Effect<Started<any>, StartError, any>): ChildSpecImpl =>
  new ChildSpecImpl(start, "supervisor", "Permanent", false, "Infinity")

/** A decoded shutdown: `BrutalKill` is -1 (as `shutdownProcess` takes it), `Infinity` is Infinity. */
type ShutdownMillis = number

const BRUTAL_KILL = -1

const restarts: ReadonlyArray<Restart> = ["Permanent", "Transient", "Temporary"]

const decodeShutdown = (input: ShutdownInput, field: string): ShutdownMillis | InvalidSpecification => {
  if (input === "BrutalKill") return BRUTAL_KILL
  if (input === "Infinity") return Infinity
  try {
    return decodeTimeout(input, field)
  } catch (error) {
    return new InvalidSpecification({
      field,
      detail: `${String(input)} is not "BrutalKill", "Infinity" or a non-negative duration (${
        (error as Error).message
      })`
    })
  }
}

/** Checks a child specification; returns the decoded shutdown or what is wrong with it. @internal */
export const validateChild = (
  spec: ChildSpecImpl,
  where: string,
  autoShutdown: AutoShutdown
): ShutdownMillis | InvalidSpecification => {
  if (!isChildSpec(spec)) {
    return new InvalidSpecification({ field: where, detail: "not a child specification (use Supervision.worker)" })
  }
  if (!restarts.includes(spec.restart)) {
    return new InvalidSpecification({
      field: `${where}.restart`,
      detail: `${String(spec.restart)} is not Permanent, Transient or Temporary`
    })
  }
  if (spec.significant && spec.restart === "Permanent") {
    return new InvalidSpecification({
      field: `${where}.significant`,
      detail: "a Permanent child cannot be significant (Erlang's bad_combination); make it Transient or Temporary"
    })
  }
  if (spec.significant && autoShutdown === "Never") {
    return new InvalidSpecification({
      field: `${where}.significant`,
      detail: "significant children need autoShutdown AnySignificant or AllSignificant, not Never"
    })
  }
  return decodeShutdown(spec.shutdown, `${where}.shutdown`)
}

// ---------------------------------------------------------------------------------------------------------------
// Restart policy: the intensity window as a Schedule
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export interface Tolerance {
  readonly intensity: number
  readonly period: Duration.Input
}

/** @internal */
export const DEFAULT_TOLERANCE: Tolerance = { intensity: 2, period: "5 seconds" }

/** Checks a restart tolerance; returns the period in milliseconds or what is wrong. @internal */
export const validateTolerance = (tolerance: Tolerance): number | InvalidSpecification => {
  const { intensity, period } = tolerance
  if (typeof intensity !== "number" || !Number.isInteger(intensity) || intensity < 0) {
    return new InvalidSpecification({
      field: "restartTolerance.intensity",
      detail: `${String(intensity)} is not a whole number of restarts, 0 or more`
    })
  }
  let millis: number
  try {
    millis = decodeTimeout(period, "restartTolerance.period")
  } catch (error) {
    return new InvalidSpecification({ field: "restartTolerance.period", detail: (error as Error).message })
  }
  if (!(millis > 0)) {
    return new InvalidSpecification({
      field: "restartTolerance.period",
      detail: `${String(period)} is not a positive duration`
    })
  }
  return millis
}

/**
 * Erlang's restart intensity as a Schedule: each step is one restart at `now`; the restarts of the last `period`
 * (inclusive, as Erlang keeps those at or after `now - period`) are kept; more than `intensity` of them ends the
 * schedule. It never delays. The output is the number of restarts in the window.
 * @internal
 */
export const intensityWindow = (intensity: number, periodMillis: number): Schedule.Schedule<number, unknown> =>
  Schedule.fromStep(Effect.sync(() => {
    let window: ReadonlyArray<number> = []
    return (now: number, _: unknown): Pull.Pull<[number, Duration.Duration], never, number> => {
      const threshold = now - periodMillis
      const kept = window.filter((at) => at >= threshold)
      kept.push(now)
      window = kept
      return kept.length > intensity ? Cause.done(kept.length) : Effect.succeed([kept.length, Duration.zero])
    }
  }))

/**
 * A supervisor's restart policy: its intensity window, and the user's schedule when there is one; both must go on
 * for a restart to happen, after the longer of their delays (`Schedule.max`).
 * @internal
 */
export const restartPolicy = (
  tolerance: Tolerance,
  periodMillis: number,
  schedule: Schedule.Schedule<unknown, ExitReason> | undefined
): Schedule.Schedule<unknown, ExitReason> => {
  const window = intensityWindow(tolerance.intensity, periodMillis)
  return schedule === undefined ? window : Schedule.max([window, schedule])
}

/** One step of a running restart policy: the delay in milliseconds before the restart, or `undefined` to give up. */
type PolicyStep = (now: number, reason: ExitReason) => Effect.Effect<number | undefined>

/** Starts a restart policy: its schedule's step function, which keeps the schedule's state. */
const startPolicy = (schedule: Schedule.Schedule<unknown, ExitReason>): Effect.Effect<PolicyStep> =>
  Effect.map(Schedule.toStep(schedule), (step) => (now, reason) =>
    Pull.matchEffect(step(now, reason), {
      onSuccess: ([, delay]) => Effect.succeed(Math.max(0, Duration.toMillis(delay))),
      onDone: () => Effect.succeed(undefined),
      // A user schedule that fails (a defect in its code) gives up, as one that ends does.
      onFailure: () => Effect.succeed(undefined)
    }))

// ---------------------------------------------------------------------------------------------------------------
// The supervisor
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export type Request =
  | { readonly _tag: "WhichChildren"; readonly replyTo: SubjectImpl<ReadonlyArray<ChildInfo>> }
  | { readonly _tag: "CountChildren"; readonly replyTo: SubjectImpl<ChildCount> }
  | { readonly _tag: "TerminateChild"; readonly child: number | object; readonly replyTo: SubjectImpl<Reply<void>> }
  | { readonly _tag: "RestartChild"; readonly id: number; readonly replyTo: SubjectImpl<Reply<Pid>> }
  | { readonly _tag: "StartChild"; readonly arg: unknown; readonly replyTo: SubjectImpl<Reply<Started<unknown>>> }
  | { readonly _tag: "RestartDue"; readonly child: ChildRecord; readonly generation: number }

/** A reply that is either a value or a typed error. @internal */
export type Reply<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: unknown }

/** @internal */
export interface ChildInfo {
  readonly id: number
  readonly pid: Option.Option<Pid>
  readonly restart: Restart
  readonly type: ChildType
  readonly restarts: number
}

/** @internal */
export interface ChildCount {
  readonly specs: number
  readonly active: number
  readonly workers: number
  readonly supervisors: number
}

class ChildExit {
  constructor(readonly exit: ExitMessage) {}
}

/** @internal */
export class ChildRecord {
  process: ProcessState | undefined = undefined
  scope: Scope.Closeable | undefined = undefined
  /** The generation of the restart timer this child waits for; 0 when none. */
  pending = 0
  /** How many times it started; its restart count is one less. */
  starts = 0
  removed = false
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
  readonly strategy: Strategy
  readonly schedule: Schedule.Schedule<unknown, ExitReason>
  readonly autoShutdown: AutoShutdown
  readonly children: ReadonlyArray<ChildRecord>
  readonly context: Context.Context<never>
  /** Factory supervisors: the child specification for an argument. */
  readonly template?: (arg: unknown) => ChildSpecImpl
  readonly templateShutdown?: ShutdownMillis
  readonly maxChildren?: number
}

type Next = actor.Next<Core, unknown>

/** The state of a running supervisor. It lives in the supervisor's own process and is only touched there. */
class Core {
  readonly children: Array<ChildRecord>
  readonly byProcess = new Map<ProcessState, ChildRecord>()
  /** Processes that were children: a late exit message from one is stale, not an order to stop. */
  readonly former = new WeakSet<ProcessState>()
  nextId: number
  generation = 0
  constructor(
    readonly config: Config,
    readonly self: ProcessState,
    readonly scope: Scope.Scope,
    readonly subject: SubjectImpl<Request>,
    readonly policy: PolicyStep
  ) {
    this.children = config.children.slice()
    this.nextId = this.children.length
  }

  // -- starting and stopping one child ---------------------------------------------------------------------

  /** Starts one child in a fresh scope; links it to the supervisor (a child must be linked to be supervised). */
  startChild(child: ChildRecord): Effect.Effect<Started<unknown>, StartError> {
    return Effect.flatMap(
      Scope.fork(this.scope),
      (scope) =>
        (child.spec.start as Effect.Effect<Started<unknown>, StartError>).pipe(
          Effect.provideService(Scope.Scope, scope),
          Effect.provideContext(this.config.context),
          Effect.catchDefect((defect) => Effect.fail(new InitFailed({ reason: defect }))),
          Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, exit)),
          Effect.tap((started) =>
            Effect.sync(() => {
              const process = (started.pid as Pid).state
              child.process = process
              child.scope = scope
              child.pending = 0
              child.starts++
              this.byProcess.set(process, child)
              if (!link(this.self, process)) {
                // It ended before we could link: its exit is as good as a linked exit.
                const exit: ExitMessage = {
                  pid: process.pid,
                  reason: process.reason ?? Reason.Abnormal({ reason: "noproc" })
                }
                this.self.mailbox.deliver(EXIT_TAG, exit)
              }
            })
          )
        )
    )
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

  /** Erlang's shutdown of a child: unlink (and drop its pending exit), `Shutdown`, kill after its time, wait. */
  signalStop(child: ChildRecord): Effect.Effect<void> {
    const process = child.process
    if (process === undefined) return Effect.void
    unlink(this.self, process)
    if (this.self.mailbox.length > 0) {
      this.self.mailbox.removeWhere((envelope) =>
        envelope.tag === EXIT_TAG && (envelope.value as ExitMessage).pid === process.pid
      )
    }
    return Effect.asVoid(shutdownProcess(this.self, process, shutdownReason, child.shutdownMillis))
  }

  stopChild(child: ChildRecord): Effect.Effect<void> {
    child.pending = 0
    return Effect.andThen(this.signalStop(child), this.forget(child))
  }

  remove(child: ChildRecord): void {
    child.removed = true
    const index = this.children.indexOf(child)
    if (index >= 0) this.children.splice(index, 1)
  }

  /** Stops every child: static supervisors in reverse start order, factory supervisors all at once. */
  stopAll(): Effect.Effect<void> {
    const running = this.children.slice().reverse()
    for (const child of running) child.pending = 0
    if (this.config.kind === "factory") {
      return Effect.asVoid(Effect.forEach(running, (child) => this.stopChild(child), { concurrency: "unbounded" }))
    }
    return Effect.forEach(running, (child) => this.stopChild(child), { discard: true })
  }

  // -- init ---------------------------------------------------------------------------------------------------

  /** Starts the children in order; on the first failure stops those started, in reverse, and fails. */
  init(): Effect.Effect<void, ChildFailedToStart> {
    return Effect.suspend(() => {
      const loop = (index: number): Effect.Effect<void, ChildFailedToStart> => {
        if (index >= this.children.length) return Effect.void
        const child = this.children[index]
        return Effect.matchEffect(this.startChild(child), {
          onFailure: (error) =>
            Effect.andThen(
              Effect.forEach(this.children.slice(0, index).reverse(), (started) => this.stopChild(started), {
                discard: true
              }),
              Effect.fail(new ChildFailedToStart({ id: child.id, error }))
            ),
          onSuccess: () => loop(index + 1)
        })
      }
      return loop(0)
    })
  }

  // -- exits and restarts ---------------------------------------------------------------------------------

  onExit(exit: ExitMessage): Effect.Effect<Next> {
    const child = this.byProcess.get(exit.pid.state)
    if (child === undefined) {
      // A former child's late exit (it died while being started or stopped) is stale. Otherwise a non-Normal exit
      // from the parent, the scope's owner or another linked process is the order to stop.
      if (this.former.has(exit.pid.state) || exit.reason._tag === "Normal") return Effect.succeed(this.continue)
      return Effect.succeed(new actor.Stop(exit.reason))
    }
    return Effect.andThen(this.forget(child), this.childExited(child, exit.reason))
  }

  childExited(child: ChildRecord, reason: ExitReason): Effect.Effect<Next> {
    const restart = child.spec.restart
    const restarting = restart === "Permanent" ||
      (restart === "Transient" && reason._tag !== "Normal" && reason._tag !== "Shutdown")
    if (restarting) return this.restartEvent(child, reason)
    if (restart === "Temporary" || this.config.kind === "factory") this.remove(child)
    if (child.spec.significant && this.autoShutdownDue()) return Effect.succeed(new actor.Stop(shutdownReason))
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

  /** One restart, counted by the policy: give up (stop everything, exit Shutdown), restart now, or later. */
  restartEvent(child: ChildRecord, reason: ExitReason): Effect.Effect<Next> {
    return withSelf((_, fiber) =>
      Effect.flatMap(this.policy(clockOf(fiber).currentTimeMillisUnsafe(), reason), (delay) => {
        if (delay === undefined) return Effect.succeed<Next>(new actor.Stop(shutdownReason))
        if (delay === 0) return this.restart(child)
        const generation = ++this.generation
        child.pending = generation
        return Effect.as(
          sendAfter(this.subject, delay, { _tag: "RestartDue", child, generation }),
          this.continue
        )
      })
    )
  }

  /** Restarts `child` and, by strategy, its siblings. A failed start is one more restart event. */
  restart(child: ChildRecord): Effect.Effect<Next> {
    return Effect.suspend(() => {
      if (child.removed) return Effect.succeed(this.continue)
      child.pending = 0
      let toRestart: Array<ChildRecord>
      switch (this.config.strategy) {
        case "OneForOne":
          toRestart = [child]
          break
        case "OneForAll":
          toRestart = this.children.slice()
          break
        case "RestForOne":
          toRestart = this.children.slice(this.children.indexOf(child))
          break
      }
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
      const startInOrder = (index: number): Effect.Effect<Next> => {
        if (index >= toRestart.length) return Effect.succeed(this.continue)
        const next = toRestart[index]
        if (next.removed || next.process !== undefined) return startInOrder(index + 1)
        return Effect.matchEffect(this.startChild(next), {
          onFailure: (error) => this.restartEvent(next, Reason.Abnormal({ reason: error })),
          onSuccess: () => startInOrder(index + 1)
        })
      }
      return Effect.andThen(stopSiblings, Effect.suspend(() => startInOrder(0)))
    })
  }

  // -- requests -------------------------------------------------------------------------------------------

  get continue(): Next {
    return new actor.Continue(this, Option.none())
  }

  info(child: ChildRecord): ChildInfo {
    return {
      id: child.id,
      pid: child.process === undefined ? Option.none() : Option.some(child.process.pid),
      restart: child.spec.restart,
      type: child.spec.type,
      restarts: Math.max(0, child.starts - 1)
    }
  }

  find(key: number | object): ChildRecord | undefined {
    return typeof key === "number" ?
      this.children.find((child) => child.id === key) :
      this.children.find((child) => child.process !== undefined && child.process.pid === key)
  }

  onRequest(request: Request): Effect.Effect<Next> {
    switch (request._tag) {
      case "WhichChildren":
        return this.reply(request.replyTo, this.children.map((child) => this.info(child)))
      case "CountChildren": {
        let active = 0
        let workers = 0
        for (const child of this.children) {
          if (child.process !== undefined) active++
          if (child.spec.type === "worker") workers++
        }
        return this.reply(request.replyTo, {
          specs: this.children.length,
          active,
          workers,
          supervisors: this.children.length - workers
        })
      }
      case "TerminateChild": {
        const child = this.find(request.child)
        if (child === undefined) {
          return this.reply(request.replyTo, { ok: false, error: new ChildNotFound({ child: String(request.child) }) })
        }
        return Effect.andThen(
          this.stopChild(child),
          Effect.suspend(() => {
            if (child.spec.restart === "Temporary" || this.config.kind === "factory") this.remove(child)
            return this.reply(request.replyTo, { ok: true, value: undefined })
          })
        )
      }
      case "RestartChild": {
        const child = this.find(request.id)
        if (child === undefined) {
          return this.reply(request.replyTo, { ok: false, error: new ChildNotFound({ child: String(request.id) }) })
        }
        if (child.process !== undefined) {
          return this.reply(request.replyTo, { ok: false, error: new ChildRunning({ id: child.id }) })
        }
        return Effect.matchEffect(this.startChild(child), {
          onFailure: (error) => this.reply(request.replyTo, { ok: false, error }),
          onSuccess: (started) => this.reply(request.replyTo, { ok: true, value: started.pid })
        })
      }
      case "StartChild": {
        const max = this.config.maxChildren ?? Infinity
        if (this.children.length >= max) {
          return this.reply(request.replyTo, { ok: false, error: new MaxChildren({ max }) })
        }
        let spec: ChildSpecImpl
        try {
          spec = this.config.template!(request.arg)
        } catch (defect) {
          return this.reply(request.replyTo, { ok: false, error: new InitFailed({ reason: defect }) })
        }
        const child = new ChildRecord(this.nextId++, spec, this.config.templateShutdown!, request.arg)
        this.children.push(child)
        return Effect.matchEffect(this.startChild(child), {
          onFailure: (error) => {
            this.remove(child)
            return this.reply(request.replyTo, { ok: false, error })
          },
          onSuccess: (started) => this.reply(request.replyTo, { ok: true, value: started })
        })
      }
      case "RestartDue":
        if (request.child.pending !== request.generation) return Effect.succeed(this.continue)
        return this.restart(request.child)
    }
  }

  reply<A>(replyTo: SubjectImpl<A>, value: A): Effect.Effect<Next> {
    return Effect.sync(() => {
      const target = replyTo.resolve()
      if (target !== undefined) target.mailbox.deliver(replyTo.tag, value)
      return this.continue
    })
  }
}

/** The tag every supervisor also files requests under, so it can be reached by pid alone (like `sys`). @internal */
export const supervisorTag = new Tag()

/** The handle of the supervisor running as `pid` (any supervisor, static or factory). @internal */
export const handleOf = (pid: Pid): SupervisorHandle =>
  new SupervisorHandle(pid, new OwnedSubject<Request>(pid.state, supervisorTag))

/** The handle of a running supervisor: its pid and where its requests go. @internal */
export class SupervisorHandle {
  constructor(readonly pid: Pid | undefined, readonly subject: SubjectImpl<Request>) {}
  toString() {
    return this.pid === undefined ? `Supervisor(${this.subject.toString()})` : `Supervisor(${this.pid.toString()})`
  }
  toJSON() {
    return { _id: "Supervisor", pid: this.pid?.toString(), subject: this.subject.toString() }
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/**
 * Starts a supervisor process: validated by the caller, named if `name` is given, children started in order
 * during init. The supervisor's own shutdown, when its scope closes, waits for its children (Infinity).
 * @internal
 */
export const start = (
  config: Config,
  name: NameImpl<any> | undefined
): Effect.Effect<Started<SupervisorHandle>, StartError, Scope.Scope> => {
  const init = (self: SubjectImpl<Request>) =>
    withSelf((process) =>
      Effect.flatMap(Effect.zip(Effect.service(Scope.Scope), startPolicy(config.schedule)), ([scope, policy]) => {
        const core = new Core(config, process, scope, self, policy)
        process.trapExit = true
        return Effect.as(
          core.init(),
          new actor.Initialised(
            core,
            Option.some(
              selector.selectTrappedExits(
                selector.selectMap(
                  selector.selectMap(selector.make<Request | ChildExit>(), self, (request) => request),
                  new OwnedSubject<Request>(process, supervisorTag),
                  (request) => request
                ),
                (exit: ExitMessage) => new ChildExit(exit)
              )
            ),
            new SupervisorHandle(process.pid, self)
          )
        )
      })
    )
  const handler = (core: Core, message: Request | ChildExit): Effect.Effect<Next> =>
    message instanceof ChildExit ? core.onExit(message.exit) : core.onRequest(message)
  const builder = actor.make({ _tag: "Init", init }, Infinity).with({
    handler,
    terminate: (core: Core) => core.stopAll(),
    name,
    shutdownMillis: Infinity,
    stopsOnParentNormal: false
  })
  return actor.start(builder) as Effect.Effect<Started<SupervisorHandle>, StartError, Scope.Scope>
}

/** Calls a supervisor; the reply is a value or a typed error. @internal */
export const failOnError = <A>(reply: Reply<A>): Effect.Effect<A, any> =>
  reply.ok ? Effect.succeed(reply.value) : Effect.fail(reply.error)
