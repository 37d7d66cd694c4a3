/**
 * Starting a supervisor: its configuration checked (each mistake named by its field), then an actor that traps exits,
 * whose initialiser starts the children in order, and the handle that reaches it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type { Started } from "../../Actor.js"
import type { CallError, StartError } from "../../Errors.js"
import { InitFailed, InvalidSpecification } from "../../Errors.js"
import type * as FactorySupervisor from "../../FactorySupervisor.js"
import type { ExitMessage, ExitReason, Pid } from "../../Process.js"
import type * as StaticSupervisor from "../../StaticSupervisor.js"
import type * as Supervision from "../../Supervision.js"
import * as actor from "../actor.js"
import { Identity } from "../identity.js"
import type { NameImpl } from "../name.js"
import { stateOf } from "../pid.js"
import type { ProcessState } from "../process.js"
import { supervisorKinds, withSelf } from "../process.js"
import * as selector from "../selector.js"
import type { SubjectImpl } from "../subject.js"
import { call, OwnedSubject, Tag } from "../subject.js"
import type { Config, Reply, Request } from "./core.js"
import { ChildExit, ChildRecord, Core } from "./core.js"
import { startRestartPolicy, validateTolerance } from "./policy.js"
import { onRequest } from "./requests.js"
import { ChildSpecImpl, validateBackoff, validateChild, validateRestart, validateShutdown } from "./spec.js"

/** @internal */
export const FactorySupervisorTypeId: unique symbol = Symbol.for("@effect-otp/core/FactorySupervisor")

const variance = { _A: (_: unknown) => {}, _D: (_: never) => _ }

/** The tag every supervisor also files requests under, so that it can be reached by pid alone (like `sys`). @internal */
export const supervisorTag = new Tag()

/**
 * The handle of a supervisor (static or factory): where its requests go, and its pid. A handle got by name reaches
 * whichever supervisor holds the name at each request, and its pid is that supervisor's (undefined while none is).
 * @internal
 */
export class SupervisorHandle extends Identity
  implements StaticSupervisor.Supervisor, FactorySupervisor.FactorySupervisor<any, any>
{
  readonly [FactorySupervisorTypeId] = variance
  constructor(readonly subject: SubjectImpl<Request>, private readonly started?: Pid) {
    super()
  }
  get pid(): Pid {
    return (this.started ?? this.current()?.pid)!
  }
  /** The supervisor behind the handle's name now: none while nobody holds it, nor when the name is invalid. */
  private current(): ProcessState | undefined {
    try {
      return this.subject.resolve()
    } catch {
      return undefined
    }
  }
  /** The same supervisor: started once (the same pid), or reached by the same name. */
  [Equal.symbol](that: unknown): boolean {
    return that instanceof SupervisorHandle && Equal.equals(that.subject, this.subject) &&
      Equal.equals(that.started, this.started)
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.hash(this.subject))(Hash.hash(this.started))
  }
  toString() {
    return this.started === undefined ? `Supervisor(${this.subject.toString()})` : `Supervisor(${this.started})`
  }
  toJSON() {
    return { _id: "Supervisor", pid: this.pid?.toString(), subject: this.subject.toString() }
  }
}

/** The handle of the supervisor running as `pid` (any supervisor, static or factory). @internal */
export const handleOf = (pid: Pid): SupervisorHandle =>
  new SupervisorHandle(new OwnedSubject<Request>(stateOf(pid), supervisorTag), pid)

/** Asks a supervisor (it answers every request; no timeout). @internal */
export const request = <A>(
  supervisor: StaticSupervisor.Supervisor | FactorySupervisor.FactorySupervisor<any, any>,
  make: (replyTo: SubjectImpl<A>) => Request,
  millis = Infinity
): Effect.Effect<A, CallError> => call((supervisor as SupervisorHandle).subject, make, millis)

/** Asks a supervisor a request whose reply is a value or a typed error. @internal */
export const requestOrFail = <A, E>(
  supervisor: StaticSupervisor.Supervisor | FactorySupervisor.FactorySupervisor<any, any>,
  make: (replyTo: SubjectImpl<Reply<A>>) => Request
): Effect.Effect<A, CallError | E> =>
  Effect.flatMap(
    request<Reply<A>>(supervisor, make),
    (reply) => reply.ok ? Effect.succeed(reply.value) : Effect.fail(reply.error as E)
  )

// ---------------------------------------------------------------------------------------------------------------
// Configurations
// ---------------------------------------------------------------------------------------------------------------

const strategies: ReadonlyArray<StaticSupervisor.Strategy> = ["OneForOne", "OneForAll", "RestForOne"]
const autoShutdowns: ReadonlyArray<StaticSupervisor.AutoShutdown> = ["Never", "AnySignificant", "AllSignificant"]

/** What a static supervisor is built from. @internal */
export interface StaticFields {
  readonly strategy: StaticSupervisor.Strategy
  readonly tolerance: Supervision.Tolerance
  readonly schedule: Schedule.Schedule<unknown, ExitReason> | undefined
  readonly autoShutdown: StaticSupervisor.AutoShutdown
  readonly children: ReadonlyArray<Supervision.ChildSpecification<unknown, any>>
}

/** Checks a static supervisor's builder; the configuration to start it with, or what is wrong. @internal */
export const configureStatic = (builder: StaticFields): Config | InvalidSpecification => {
  if (!strategies.includes(builder.strategy)) {
    return new InvalidSpecification({
      field: "strategy",
      detail: `${String(builder.strategy)} is not OneForOne, OneForAll or RestForOne`
    })
  }
  if (!autoShutdowns.includes(builder.autoShutdown)) {
    return new InvalidSpecification({
      field: "autoShutdown",
      detail: `${String(builder.autoShutdown)} is not Never, AnySignificant or AllSignificant`
    })
  }
  const period = validateTolerance(builder.tolerance)
  if (typeof period !== "number") return period
  const children: Array<ChildRecord> = []
  for (let id = 0; id < builder.children.length; id++) {
    const child = builder.children[id]
    const shutdown = validateChild(child, `children[${id}]`, builder.autoShutdown)
    if (typeof shutdown !== "number") return shutdown
    children.push(new ChildRecord(id, child as ChildSpecImpl, shutdown))
  }
  return {
    kind: "static",
    strategy: builder.strategy,
    intensity: builder.tolerance.intensity,
    periodMillis: period,
    schedule: builder.schedule,
    autoShutdown: builder.autoShutdown,
    children
  }
}

/** What a factory supervisor is built from. @internal */
export interface FactoryFields {
  /** Starts the child for an argument (the template's argument type is the builder's). */
  readonly start: (arg: any) => Effect.Effect<Started<unknown>, StartError, unknown>
  readonly type: Supervision.ChildType
  readonly restart: Supervision.Restart
  readonly shutdown: Supervision.Shutdown
  readonly tolerance: Supervision.Tolerance
  readonly schedule: Schedule.Schedule<unknown, ExitReason> | undefined
  /** Every child's own backoff (`FactorySupervisor.backoff`), if any. */
  readonly backoff: Supervision.Backoff | undefined
  readonly maxChildren: number
}

/** Checks a factory supervisor's builder; the configuration to start it with, or what is wrong. @internal */
export const configureFactory = (builder: FactoryFields): Config | InvalidSpecification => {
  const period = validateTolerance(builder.tolerance)
  if (typeof period !== "number") return period
  const max = builder.maxChildren
  if (typeof max !== "number" || !(max === Infinity || (Number.isInteger(max) && max >= 1))) {
    return new InvalidSpecification({
      field: "maxChildren",
      detail: `${String(max)} is not a whole number of children, 1 or more`
    })
  }
  const restart = validateRestart(builder.restart, "restartStrategy")
  if (restart !== undefined) return restart
  const shutdown = validateShutdown(builder.shutdown, "timeout")
  if (typeof shutdown !== "number") return shutdown
  const backoff = validateBackoff(builder.backoff, "backoff")
  if (backoff !== undefined) return backoff
  return {
    kind: "factory",
    strategy: "OneForOne",
    intensity: builder.tolerance.intensity,
    periodMillis: period,
    schedule: builder.schedule,
    autoShutdown: "Never",
    children: [],
    template: (arg) =>
      new ChildSpecImpl({
        start: builder.start(arg),
        type: builder.type,
        restart: builder.restart,
        significant: false,
        shutdown: builder.shutdown,
        label: undefined,
        backoff: builder.backoff
      }),
    templateShutdown: () => shutdown,
    maxChildren: max
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The supervisor process
// ---------------------------------------------------------------------------------------------------------------

/**
 * Starts a supervisor process from a configuration (`configureStatic` / `configureFactory`), named if `name` is
 * given, its children started in order during its init. Its own shutdown, when its scope closes, waits for its
 * children (Infinity).
 * @internal
 */
export const start = (
  config: Config | InvalidSpecification,
  name: NameImpl<any> | undefined
): Effect.Effect<Started<SupervisorHandle>, StartError, Scope.Scope> => {
  if (config instanceof InvalidSpecification) return Effect.fail(new InitFailed({ reason: config }))
  const init = (self: SubjectImpl<Request>) =>
    withSelf((process) =>
      Effect.flatMap(
        Effect.zip(
          Effect.service(Scope.Scope),
          startRestartPolicy(config.intensity, config.periodMillis, config.schedule)
        ),
        ([scope, policy]) => {
          const core = new Core(config, process, scope, self, policy)
          process.trapExit = true
          supervisorKinds.set(process, config.kind)
          const receives = selector.make<Request | ChildExit>().pipe(
            (s) => selector.selectMap(s, self, (request: Request) => request),
            (s) =>
              selector.selectMap(s, new OwnedSubject<Request>(process, supervisorTag), (request: Request) => request),
            (s) => selector.selectTrappedExits(s, (exit: ExitMessage) => new ChildExit(exit))
          )
          return Effect.as(
            core.init(),
            new actor.Initialised(core, Option.some(receives), new SupervisorHandle(self, process.pid))
          )
        }
      )
    )
  const builder = actor.make({ _tag: "Init", init }, Infinity).with({
    handler: (core: Core, message: Request | ChildExit) =>
      message instanceof ChildExit ? core.onExit(message.exit) : onRequest(core, message),
    terminate: (core: Core) => core.stopAll(),
    name,
    shutdownMillis: Infinity,
    stopsOnParentNormal: false
  })
  // The supervisor's init returns its handle as the data of `Started`.
  return actor.start(builder) as Effect.Effect<Started<SupervisorHandle>, StartError, Scope.Scope>
}
