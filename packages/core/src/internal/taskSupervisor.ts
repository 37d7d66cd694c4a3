/**
 * Task supervisors (Elixir's `Task.Supervisor`): a factory supervisor whose children are tasks, each started from
 * the effect it runs.
 *
 * A task started for an owner (`async`, `asyncNolink`, the streams) is a temporary child of the supervisor, linked
 * to it as every child is. Elixir's protocol (`Task.Supervised.reply`) is kept: the supervisor spawns the task, which
 * waits at its gate; the owner, once it has the pid, links to it (`async` only), monitors it under the task's reply
 * tag, then opens the gate. So the owner's monitor is in place before the effect runs, and a task whose owner never
 * got its pid (the owner was interrupted or died while asking) never runs its effect: it ends `Shutdown`, as
 * Elixir's task exits `{shutdown, Reason}` when its owner goes down before it was told to start.
 *
 * `startChild` tasks run at once (fire-and-forget, Elixir's `noreply`): their outcome is their exit reason, a typed
 * failure included, so that a `Transient` task that fails is restarted.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Exit from "effect/Exit"
import * as Hash from "effect/Hash"
import type * as Scope from "effect/Scope"
import type { Started } from "../Actor.js"
import type { CallError, MaxChildren, StartError } from "../Errors.js"
import { InitExited, InitFailed, InitTimeout, InvalidSpecification } from "../Errors.js"
import type { Pid } from "../Process.js"
import type * as Supervision from "../Supervision.js"
import type * as TaskSupervisor from "../TaskSupervisor.js"
import { shutdown as shutdownReason } from "./exitReason.js"
import { Identity } from "./identity.js"
import { stateOf } from "./pid.js"
import type { ProcessState } from "./process.js"
import { endWith, link, monitor, servicesOf, withSelf } from "./process.js"
import { neverTimesOut, receiveMatching } from "./receive.js"
import { spawn } from "./spawn.js"
import { matchTag, Tag } from "./subject.js"
import type { Config } from "./supervisor/core.js"
import type { ShutdownMillis } from "./supervisor/spec.js"
import { validateRestart, validateShutdown } from "./supervisor/spec.js"
import type { FactoryFields, SupervisorHandle } from "./supervisor/start.js"
import { configureFactory, requestOrFail } from "./supervisor/start.js"
import { replying, TaskImpl } from "./task.js"

/** @internal */
export const TaskSupervisorTypeId: unique symbol = Symbol.for("@effect-otp/core/TaskSupervisor")

/** The handle of a task supervisor: the handle of the factory supervisor it is. @internal */
export class TaskSupervisorImpl extends Identity implements TaskSupervisor.TaskSupervisor {
  readonly [TaskSupervisorTypeId]: typeof TaskSupervisorTypeId = TaskSupervisorTypeId
  constructor(readonly supervisor: SupervisorHandle) {
    super()
  }
  [Equal.symbol](that: unknown): boolean {
    return that instanceof TaskSupervisorImpl && Equal.equals(that.supervisor, this.supervisor)
  }
  [Hash.symbol](): number {
    return Hash.hash(this.supervisor)
  }
  toString() {
    return `Task${this.supervisor.toString()}`
  }
  toJSON() {
    return { _id: "TaskSupervisor", supervisor: this.supervisor.toJSON() }
  }
}

/** @internal */
export const isTaskSupervisor = (u: unknown): u is TaskSupervisorImpl =>
  typeof u === "object" && u !== null && TaskSupervisorTypeId in u

/** Every task supervisor is made by this module. @internal */
export const impl = (self: TaskSupervisor.TaskSupervisor): TaskSupervisorImpl => self as TaskSupervisorImpl

// ---------------------------------------------------------------------------------------------------------------
// The gate: a task started for an owner waits until the owner watches it
// ---------------------------------------------------------------------------------------------------------------

/**
 * Where a task started for an owner waits to be told to run (`true`) or to give up (`false`): one message in its
 * mailbox, under the gate itself. The owner may decide before the supervisor has spawned the task; the decision
 * then waits here until it has.
 * @internal
 */
export class Gate {
  private process: ProcessState | undefined = undefined
  private decision: boolean | undefined = undefined

  /** The supervisor spawned the task. */
  spawned(process: ProcessState): void {
    this.process = process
    if (this.decision !== undefined) process.mailbox.deliver(this, this.decision)
  }

  /** The owner's decision; the first one counts. */
  open(go: boolean): void {
    if (this.decision !== undefined) return
    this.decision = go
    if (this.process !== undefined) this.process.mailbox.deliver(this, go)
  }

  /** What the task runs: `body` once told to, else nothing (it ends `Shutdown`). */
  guard<E>(body: Effect.Effect<void, E>): Effect.Effect<void, E> {
    return withSelf((self) =>
      Effect.flatMap(
        receiveMatching<unknown, never>(self, Infinity, matchTag(this), neverTimesOut),
        (go) => go === true ? body : Effect.sync(() => endWith(self, shutdownReason))
      )
    )
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------------

/** What a task supervisor's builder holds. @internal */
export interface Fields {
  readonly restart: Supervision.Restart
  readonly shutdown: Supervision.Shutdown
  readonly tolerance: Supervision.Tolerance
  readonly maxChildren: number
}

/**
 * One task for the supervisor to start (the argument of the factory's template): what its process runs, and its
 * restart type and shutdown when they are not the supervisor's.
 * @internal
 */
export interface TaskStart {
  readonly body: Effect.Effect<void, unknown>
  readonly restart: Supervision.Restart | undefined
  readonly shutdown: Supervision.Shutdown | undefined
  readonly shutdownMillis: ShutdownMillis | undefined
  readonly gate: Gate | undefined
}

/** Spawns the task in the supervisor (whose scope for the child is the current one), linked to it. */
const startTask = (task: TaskStart): Effect.Effect<Started<undefined>, never, Scope.Scope> =>
  Effect.map(spawn(task.body, { linked: true }), (process) => {
    task.gate?.spawned(process)
    return { pid: process.pid, data: undefined }
  })

/** Checks a task supervisor's builder; its configuration (a factory supervisor's), or what is wrong. @internal */
export const configure = (fields: Fields): Config | InvalidSpecification => {
  const factory: FactoryFields = {
    start: startTask,
    type: "worker",
    restart: fields.restart,
    shutdown: fields.shutdown,
    tolerance: fields.tolerance,
    schedule: undefined,
    maxChildren: fields.maxChildren,
    backoff: undefined
  }
  const config = configureFactory(factory)
  if (config instanceof InvalidSpecification) return config
  const shutdownMillis = config.templateShutdown!(undefined)
  return {
    ...config,
    // The factory's child specification, with the task's own restart type and shutdown when it has them.
    template: (arg) => {
      const task = arg as TaskStart
      return config.template!(task).with({
        restart: task.restart ?? fields.restart,
        shutdown: task.shutdown ?? fields.shutdown
      })
    },
    templateShutdown: (arg) => (arg as TaskStart).shutdownMillis ?? shutdownMillis
  }
}

/** Decodes a task's own shutdown; a bad one is a programmer's mistake (a defect). */
const decodeShutdown = (shutdown: Supervision.Shutdown | undefined): ShutdownMillis | undefined => {
  if (shutdown === undefined) return undefined
  const millis = validateShutdown(shutdown, "shutdown")
  if (millis instanceof InvalidSpecification) throw millis
  return millis
}

// ---------------------------------------------------------------------------------------------------------------
// Starting tasks
// ---------------------------------------------------------------------------------------------------------------

const isStartError = (error: unknown): error is StartError =>
  error instanceof InitFailed || error instanceof InitTimeout || error instanceof InitExited

/** Asks the supervisor to start a task; its pid. (Spawning a task cannot fail: a start error is a defect.) */
const request = (self: TaskSupervisorImpl, task: TaskStart): Effect.Effect<Pid, MaxChildren | CallError> =>
  Effect.catch(
    Effect.map(
      requestOrFail<Started<undefined>, StartError | MaxChildren>(self.supervisor, (replyTo) => ({
        _tag: "StartChild",
        arg: task,
        replyTo
      })),
      (started) => started.pid
    ),
    (error) => isStartError(error) ? Effect.die(error) : Effect.fail(error)
  )

/** The caller's services, for the task's effect: it runs in another process. */
const withCallerServices = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<Effect.Effect<A, E>, never, Exclude<R, Scope.Scope>> =>
  Effect.map(
    Effect.context<Exclude<R, Scope.Scope>>(),
    (context) => Effect.provideContext(effect as Effect.Effect<A, E, Exclude<R, Scope.Scope>>, servicesOf(context))
  )

/** `startChild`: a task that runs at once, for nobody; its pid. @internal */
export const startChild = <A, E, R>(
  self: TaskSupervisorImpl,
  effect: Effect.Effect<A, E, R>,
  options: { readonly restart?: Supervision.Restart | undefined; readonly shutdown?: Supervision.Shutdown | undefined }
): Effect.Effect<Pid, MaxChildren | CallError, Exclude<R, Scope.Scope>> =>
  Effect.suspend(() => {
    const restart = options.restart === undefined ? undefined : validateRestart(options.restart, "restart")
    if (restart !== undefined) return Effect.die(restart)
    const shutdownMillis = decodeShutdown(options.shutdown)
    return Effect.flatMap(withCallerServices(effect), (body) =>
      request(self, {
        body: Effect.asVoid(body),
        restart: options.restart,
        shutdown: options.shutdown,
        shutdownMillis,
        gate: undefined
      }))
  })

/**
 * `async` (linked) and `asyncNolink`: a temporary task whose outcome goes to the caller, its owner. The request is the
 * only step that waits; if the caller is interrupted there, the task (started or about to be) is told to give up.
 * @internal
 */
export const async = <A, E, R>(
  self: TaskSupervisorImpl,
  effect: Effect.Effect<A, E, R>,
  options: { readonly linked: boolean; readonly shutdown?: Supervision.Shutdown | undefined }
): Effect.Effect<TaskImpl<A, E>, MaxChildren | CallError, Exclude<R, Scope.Scope>> =>
  withSelf((owner) =>
    Effect.flatMap(withCallerServices(effect), (body) => {
      const tag = new Tag()
      const gate = new Gate()
      const task: TaskStart = {
        body: gate.guard(replying(body, owner, tag)),
        restart: "Temporary",
        shutdown: options.shutdown,
        shutdownMillis: decodeShutdown(options.shutdown),
        gate
      }
      return Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(
          Effect.onExit(
            restore(request(self, task)),
            (exit) => Exit.isSuccess(exit) ? Effect.void : Effect.sync(() => gate.open(false))
          ),
          (pid) =>
            Effect.sync(() => {
              const process = stateOf(pid)
              // A task already gone (its supervisor died meanwhile) cannot be linked: its monitor reports its end.
              if (options.linked) link(owner, process)
              const started = new TaskImpl<A, E>(process, owner, tag, monitor(owner, process, tag))
              gate.open(true)
              return started
            })
        )
      )
    })
  )
