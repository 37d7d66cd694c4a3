/**
 * The process table and Erlang's signal rules: what happens when a process dies, how exit signals travel
 * through links, how monitors fire, and how a Scope ends the processes spawned in it.
 *
 * A process is an Effect fiber plus a `ProcessState`. Its death is observed from outside the fiber (the fiber's
 * observer), never only from its own finalizers, because a fiber interrupted before it started runs none of them.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import * as Hash from "effect/Hash"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import * as Scope from "effect/Scope"
import type * as Process from "../Process.js"
import { AlreadyNamed, NameTaken, NoProcess, NotRegistered } from "./errors.js"
import type { ExitReason } from "./exitReason.js"
import { ExitReason as Reason, killed, normal, shutdown } from "./exitReason.js"
import { Mailbox } from "./mailbox.js"
import type { NameImpl } from "./name.js"
import { clockOf, schedule } from "./timer.js"

/** @internal */
export const PidTypeId: Process.PidTypeId = Symbol.for("@effect-otp/core/Pid") as Process.PidTypeId

/** @internal */
export const MonitorTypeId: Process.MonitorTypeId = Symbol.for("@effect-otp/core/Monitor") as Process.MonitorTypeId

/** Tag of trapped exit messages in a mailbox. @internal */
export const EXIT_TAG: unique symbol = Symbol.for("@effect-otp/core/ExitMessage")

/** Tag of monitor notifications in a mailbox. @internal */
export const DOWN_TAG: unique symbol = Symbol.for("@effect-otp/core/Down")

/** How long a scope waits for a process it shut down before killing it (a worker's default shutdown). @internal */
export const DEFAULT_SHUTDOWN_MILLIS = 5_000

let nextPid = 1
let nextMonitor = 1

/** @internal */
export class Pid implements Process.Pid {
  readonly [PidTypeId]: Process.PidTypeId = PidTypeId
  constructor(readonly id: number, readonly state: ProcessState) {}
  [Equal.symbol](that: unknown): boolean {
    return isPid(that) && that.id === this.id
  }
  [Hash.symbol](): number {
    return Hash.cached(this, Hash.number(this.id))
  }
  toString() {
    return `<0.${this.id}>`
  }
  toJSON() {
    return { _id: "Pid", id: this.toString() }
  }
  [Inspectable.NodeInspectSymbol]() {
    return this.toString()
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const isPid = (u: unknown): u is Pid => typeof u === "object" && u !== null && PidTypeId in u

/**
 * A monitor held by `owner` on `target`. A user monitor delivers a `Down` into the owner's mailbox; the monitor a
 * `call` sets up instead delivers the callee's exit reason under the call's reply tag.
 * @internal
 */
export class MonitorImpl implements Process.Monitor {
  readonly [MonitorTypeId]: Process.MonitorTypeId = MonitorTypeId
  readonly id = nextMonitor++
  constructor(
    readonly owner: ProcessState,
    readonly target: ProcessState,
    readonly replyTag: unknown = undefined
  ) {}
  [Equal.symbol](that: unknown): boolean {
    return typeof that === "object" && that !== null && MonitorTypeId in that && (that as MonitorImpl).id === this.id
  }
  [Hash.symbol](): number {
    return Hash.number(this.id)
  }
  toString() {
    return `#Ref<monitor.${this.id}>`
  }
  toJSON() {
    return { _id: "Monitor", id: this.id, target: this.target.pid.toString() }
  }
  [Inspectable.NodeInspectSymbol]() {
    return this.toString()
  }
}

/**
 * What a process's `monitoredBy` holds: a monitor, or a call waiting for a reply (which delivers the callee's exit
 * under its reply tag, without allocating a monitor of its own).
 * @internal
 */
export interface MonitorEntry {
  readonly owner: ProcessState
  readonly target: ProcessState
  readonly replyTag: unknown
}

/** A monitor notification, as delivered to the monitoring process. @internal */
export interface Down {
  readonly monitor: MonitorImpl
  readonly pid: Pid
  readonly reason: ExitReason
}

/** A trapped exit signal, as delivered to a process that traps exits. @internal */
export interface ExitMessage {
  readonly pid: Pid
  readonly reason: ExitReason
}

/** What a `call` receives under its reply tag when the callee dies first. @internal */
export class CalleeExited {
  constructor(readonly reason: ExitReason) {}
}

const ALIVE = 0
const DYING = 1
const DEAD = 2

/** @internal */
export class ProcessState {
  readonly pid: Pid
  readonly mailbox = new Mailbox()
  status: 0 | 1 | 2 = ALIVE
  reason: ExitReason | undefined = undefined
  /** Set by the signal that kills the process; the fiber's end is reported with it. */
  pendingReason: ExitReason | undefined = undefined
  trapExit = false
  /** The linked processes: one is held as is (most processes have a single link, to their parent), more in a set. */
  links: ProcessState | Set<ProcessState> | undefined = undefined
  /** Monitors other processes hold on this one. */
  monitoredBy: Set<MonitorEntry> | undefined = undefined
  exitWaiters: Array<(reason: ExitReason) => void> | undefined = undefined
  timers: Set<{ cancel: () => void }> | undefined = undefined
  name: NameImpl<any> | undefined = undefined
  fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined = undefined
  /** `true` for code outside any process that was made a process on first use (Erlang's shell). */
  readonly implicit: boolean
  readonly startedAt: number
  /** Messages this process received (any subject, exits and downs included). */
  messagesIn = 0
  /** Messages this process sent. */
  messagesOut = 0
  /** Run when the process dies, before its links and monitors fire (registry entries leave with it). */
  exitHooks: Set<() => void> | undefined = undefined

  constructor(implicit: boolean, startedAt: number) {
    this.pid = new Pid(nextPid++, this)
    this.implicit = implicit
    this.startedAt = startedAt
    table.set(this.pid.id, this)
  }

  get alive(): boolean {
    return this.status === ALIVE
  }
}

/** Every process that has not ended yet, by pid number. @internal */
export const table: Map<number, ProcessState> = globalValue(
  Symbol.for("@effect-otp/core/ProcessTable"),
  () => new Map<number, ProcessState>()
)

/** Registered names. @internal */
export const names: Map<string, ProcessState> = globalValue(
  Symbol.for("@effect-otp/core/Names"),
  () => new Map<string, ProcessState>()
)

/** The process the current fiber belongs to; fibers forked inside a process inherit it. @internal */
export const currentProcess: FiberRef.FiberRef<ProcessState | undefined> = globalValue(
  Symbol.for("@effect-otp/core/currentProcess"),
  () => FiberRef.unsafeMake<ProcessState | undefined>(undefined, { fork: (parent) => parent, join: (parent) => parent })
)

// ---------------------------------------------------------------------------------------------------------------
// The current process
// ---------------------------------------------------------------------------------------------------------------

/**
 * Runs `f` with the process the current fiber belongs to. Code outside any process is made a process on first
 * use, like Erlang's shell: its fiber is the process, and an exit signal that kills it interrupts that fiber.
 * @internal
 */
export const withSelf = <A, E, R>(
  f: (self: ProcessState, fiber: Fiber.RuntimeFiber<unknown, unknown>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    const self = fiber.getFiberRef(currentProcess)
    if (self !== undefined) return f(self, fiber)
    const implicit = new ProcessState(true, clockOf(fiber).unsafeCurrentTimeMillis())
    implicit.fiber = fiber
    fiber.addObserver((exit) => exited(implicit, exit))
    return Effect.zipRight(FiberRef.set(currentProcess, implicit), f(implicit, fiber))
  })

// ---------------------------------------------------------------------------------------------------------------
// Death and exit signals: what happens when a process dies
// ---------------------------------------------------------------------------------------------------------------

const reasonOf = (exit: Exit.Exit<unknown, unknown>): ExitReason => {
  if (Exit.isSuccess(exit)) return normal
  return Reason.Abnormal({ reason: exit.cause })
}

/** The fiber of a process ended: report it with the reason of the signal that ended it, if any. */
const exited = (self: ProcessState, exit: Exit.Exit<unknown, unknown>): void => {
  if (self.status === DEAD) return
  let reason = self.pendingReason
  if (reason === undefined) {
    // Interrupted from outside the library (for example by the test runner): as good as killed.
    reason = Exit.isInterrupted(exit) ? killed : reasonOf(exit)
  }
  died(self, reason)
}

/**
 * The one place that ends a process: it leaves the table and the name registry, its timers are cancelled, its
 * mailbox is dropped, every linked process gets an exit signal with the same reason, every monitor delivers a
 * `Down`, and whoever awaits its exit is woken.
 * @internal
 */
export const died = (self: ProcessState, reason: ExitReason): void => {
  if (self.status === DEAD) return
  self.status = DEAD
  self.reason = reason
  table.delete(self.pid.id)
  if (self.name !== undefined) {
    if (names.get(self.name.key) === self) names.delete(self.name.key)
    self.name = undefined
  }
  if (self.timers !== undefined) {
    for (const timer of self.timers) timer.cancel()
    self.timers = undefined
  }
  const hooks = self.exitHooks
  self.exitHooks = undefined
  if (hooks !== undefined) {
    for (const hook of hooks) hook()
  }
  self.mailbox.clear()
  self.fiber = undefined
  const links = self.links
  self.links = undefined
  if (links instanceof ProcessState) {
    dropLink(links, self)
    exitSignal(links, self.pid, reason)
  } else if (links !== undefined) {
    for (const linked of links) {
      dropLink(linked, self)
      exitSignal(linked, self.pid, reason)
    }
  }
  const monitors = self.monitoredBy
  self.monitoredBy = undefined
  if (monitors !== undefined) {
    for (const monitor of monitors) fire(monitor, reason)
  }
  const waiters = self.exitWaiters
  self.exitWaiters = undefined
  if (waiters !== undefined) {
    for (const wake of waiters) wake(reason)
  }
}

const fire = (monitor: MonitorEntry, reason: ExitReason): void => {
  const owner = monitor.owner
  if (!owner.alive) return
  if (monitor.replyTag !== undefined) {
    owner.mailbox.deliver(monitor.replyTag, new CalleeExited(reason))
  } else {
    const down: Down = { monitor: monitor as MonitorImpl, pid: monitor.target.pid, reason }
    owner.mailbox.deliver(DOWN_TAG, down)
  }
}

/**
 * Ends a live process with `reason`: it stops being alive at once (sends to it are dropped, `isAlive` is false),
 * its fiber is interrupted, and its links and monitors fire when the fiber has finished (its own scope closed).
 * @internal
 */
export const terminate = (self: ProcessState, reason: ExitReason): void => {
  if (self.status !== ALIVE) return
  self.status = DYING
  self.pendingReason = reason
  const fiber = self.fiber
  if (fiber !== undefined) {
    fiber.unsafeInterruptAsFork(FiberId.none)
    // A kill is immediate, as in Erlang: the process is dead for everyone at once (its links get `Killed`, its
    // monitors fire, its name is free) while its fiber runs its finalizers; the scope it lives in waits for those.
    // Other reasons are reported when the fiber has finished, so a process's children are down before it is.
    if (reason._tag === "Killed") died(self, reason)
  } else if (!self.implicit) {
    died(self, reason)
  }
}

/**
 * Marks the calling process as ending with `reason` when its body returns (Erlang's `exit(Reason)` from inside,
 * used by behaviours that stop with a reason of their choosing).
 * @internal
 */
export const endWith = (self: ProcessState, reason: ExitReason): void => {
  if (self.status !== ALIVE) return
  self.status = DYING
  self.pendingReason = reason
}

/**
 * An exit signal from `from` reaches `target`, through a link or from `Process.exit`. Erlang's rules: a process that
 * traps exits gets an `ExitMessage`; otherwise `Normal` is dropped and any other reason ends it with that reason.
 * @internal
 */
export const exitSignal = (target: ProcessState, from: Pid, reason: ExitReason): void => {
  if (target.status !== ALIVE) return
  if (target.trapExit) {
    const message: ExitMessage = { pid: from, reason }
    target.mailbox.deliver(EXIT_TAG, message)
  } else if (reason._tag !== "Normal") {
    terminate(target, reason)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Links, monitors, kill, exit
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export const link = (self: ProcessState, other: ProcessState): boolean => {
  if (self === other) return true
  if (!other.alive) return false
  addLink(self, other)
  addLink(other, self)
  return true
}

const addLink = (self: ProcessState, other: ProcessState): void => {
  const links = self.links
  if (links === undefined) self.links = other
  else if (links instanceof ProcessState) {
    if (links !== other) self.links = new Set([links, other])
  } else links.add(other)
}

const dropLink = (self: ProcessState, other: ProcessState): void => {
  const links = self.links
  if (links === other) self.links = undefined
  else if (links instanceof Set) links.delete(other)
}

/** @internal */
export const unlink = (self: ProcessState, other: ProcessState): void => {
  dropLink(self, other)
  dropLink(other, self)
}

/** @internal */
export const monitor = (owner: ProcessState, target: ProcessState, replyTag?: unknown): MonitorImpl => {
  const ref = new MonitorImpl(owner, target, replyTag)
  if (target.alive) {
    if (target.monitoredBy === undefined) target.monitoredBy = new Set()
    target.monitoredBy.add(ref)
  } else if (replyTag === undefined) {
    // Erlang: monitoring a process that does not exist delivers a 'DOWN' with reason noproc at once.
    fire(ref, Reason.Abnormal({ reason: "noproc" }))
  } else {
    fire(ref, target.reason ?? Reason.Abnormal({ reason: "noproc" }))
  }
  return ref
}

/**
 * Takes a monitor entry off its target. An emptied set is dropped: most processes end up monitored by nobody (a
 * start handshake's monitor, a task's), and an empty set would stay with each of them for its whole life. (A `call`
 * keeps its own removal, which leaves the set for the next call to the same process.) @internal
 */
export const unmonitor = (entry: MonitorEntry): void => {
  const monitors = entry.target.monitoredBy
  if (monitors !== undefined && monitors.delete(entry) && monitors.size === 0) entry.target.monitoredBy = undefined
}

/** Removes the monitor, and a `Down` it already delivered that was not received yet. @internal */
export const demonitor = (ref: MonitorImpl): void => {
  unmonitor(ref)
  if (ref.owner.mailbox.length > 0) {
    ref.owner.mailbox.removeWhere((envelope) => envelope.tag === DOWN_TAG && (envelope.value as Down).monitor === ref)
  }
}

/** Erlang's `exit(Pid, Reason)` sent by `from`. @internal */
export const sendExit = (from: ProcessState, target: ProcessState, reason: ExitReason): void => {
  if (target === from && reason._tag === "Normal" && !target.trapExit) {
    // exit(self(), normal) ends the caller itself.
    terminate(target, normal)
    return
  }
  exitSignal(target, from.pid, reason)
}

/** Resolves with the exit reason once the process has ended (at once if it has). @internal */
export const awaitExit = (target: ProcessState): Effect.Effect<ExitReason> =>
  Effect.async<ExitReason>((resume) => {
    if (target.status === DEAD) {
      resume(Effect.succeed(target.reason!))
      return
    }
    const wake = (reason: ExitReason) => resume(Effect.succeed(reason))
    if (target.exitWaiters === undefined) target.exitWaiters = []
    target.exitWaiters.push(wake)
    return Effect.sync(() => {
      const waiters = target.exitWaiters
      if (waiters !== undefined) {
        const index = waiters.indexOf(wake)
        if (index >= 0) waiters.splice(index, 1)
      }
    })
  })

/**
 * Shuts a process down the way a supervisor shuts down a worker: the signal `reason` from `from`, then `kill`
 * after `millis` if it is still alive, or a kill at once when `millis` is negative (Erlang's `brutal_kill`);
 * resolves when it has ended. The deadline is a plain timer, so this works inside finalizers and uninterruptible
 * regions. @internal
 */
export const shutdownProcess = (
  from: ProcessState,
  target: ProcessState,
  reason: ExitReason,
  millis: number
): Effect.Effect<ExitReason> =>
  Effect.withFiberRuntime((fiber) => {
    if (target.status === DEAD) return Effect.succeed(target.reason!)
    if (millis < 0) {
      terminate(target, killed)
      return awaitExit(target)
    }
    exitSignal(target, from.pid, reason)
    const deadline = schedule(clockOf(fiber), millis, () => terminate(target, killed))
    return Effect.ensuring(awaitExit(target), Effect.sync(() => deadline.cancel()))
  })

// ---------------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export const register = (
  target: ProcessState,
  name: NameImpl<any>
): Effect.Effect<void, NameTaken | NoProcess | AlreadyNamed> => {
  if (!target.alive) return Effect.fail(new NoProcess({ target: target.pid.toString() }))
  const owner = names.get(name.key)
  if (owner !== undefined && owner.alive) {
    return Effect.fail(new NameTaken({ name: name.key, owner: owner.pid.toString() }))
  }
  if (target.name !== undefined) {
    return Effect.fail(new AlreadyNamed({ pid: target.pid.toString(), name: target.name.key }))
  }
  names.set(name.key, target)
  target.name = name
  return Effect.void
}

/** @internal */
export const unregister = (name: NameImpl<any>): Effect.Effect<void, NotRegistered> => {
  const owner = names.get(name.key)
  if (owner === undefined || !owner.alive) return Effect.fail(new NotRegistered({ name: name.key }))
  names.delete(name.key)
  owner.name = undefined
  return Effect.void
}

/** The live process registered under the name, if any. @internal */
export const whereis = (name: NameImpl<any>): ProcessState | undefined => {
  const owner = names.get(name.key)
  return owner !== undefined && owner.alive ? owner : undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Spawning, and lifetimes bound to a Scope
// ---------------------------------------------------------------------------------------------------------------

/**
 * Spawns `body` as a new process living in the current `Scope`. The body gets the process's own scope, closed when
 * it ends, so whatever it spawns ends with it. When the enclosing scope closes first, the process is unlinked from
 * its spawner and shut down (`Shutdown`, then `kill` after `shutdownMillis`, 5 seconds by default; supervisors wait
 * for their children), in reverse start order with its siblings.
 * @internal
 */
export const spawn = <A, E, R>(
  body: Effect.Effect<A, E, R>,
  linked: boolean,
  setup?: (child: ProcessState) => void,
  shutdownMillis: number = DEFAULT_SHUTDOWN_MILLIS
): Effect.Effect<ProcessState, never, Scope.Scope | Exclude<R, Scope.Scope>> =>
  withSelf((parent, parentFiber) =>
    Effect.flatMap(
      Scope.Scope,
      (scope) =>
        Effect.flatMap(Effect.zip(Scope.fork(scope, ExecutionStrategy.sequential), Scope.make()), ([lifetime, own]) => {
          const child = new ProcessState(false, clockOf(parentFiber).unsafeCurrentTimeMillis())
          if (linked) link(parent, child)
          if (setup !== undefined) setup(child)
          return launch(parent, child, body, lifetime, own, shutdownMillis)
        })
    )
  )

/**
 * Starts the fiber of a spawned process. Apart from `spawn` so that the closures made here, which live as long as
 * the process, do not share a context with `body` (V8 keeps a function's captured variables in one context for all
 * its closures), and so do not keep the effects the process has already run.
 */
const launch = <A, E, R>(
  parent: ProcessState,
  child: ProcessState,
  body: Effect.Effect<A, E, R>,
  lifetime: Scope.CloseableScope,
  own: Scope.CloseableScope,
  shutdownMillis: number
): Effect.Effect<ProcessState, never, Exclude<R, Scope.Scope>> => {
  let ownClosed = false
  const closeOwn = (exit: Exit.Exit<unknown, unknown>) =>
    Effect.suspend(() => {
      if (ownClosed) return Effect.void
      ownClosed = true
      return Scope.close(own, exit)
    })
  // The fiber is the process's own: its fiber refs are set once rather than with `locally` or `provideService`,
  // which would keep restore frames on its stack for its whole life (memory per process).
  let pending: Effect.Effect<A, E, R> | undefined = Effect.zipRight(
    FiberRef.set(currentProcess, child),
    Effect.zipRight(FiberRef.update(FiberRef.currentContext, Context.add(Scope.Scope, own as Scope.Scope)), body)
  )
  // The frames that close the process's own scope stay on its stack for its whole life, and a frame keeps the
  // effect it wraps: that effect hands the body over once and forgets it, so a long-lived process does not carry
  // the effects it has already run. Like `Effect.onExit`, but the body is always interruptible (a process spawned
  // from a finalizer can still be shut down) and the mask costs one frame fewer.
  const once = Effect.suspend(() => {
    const started = pending!
    pending = undefined
    return started
  })
  const run = Effect.uninterruptible(Effect.matchCauseEffect(Effect.interruptible(once), {
    onFailure: (cause) =>
      Effect.matchCauseEffect(closeOwn(Exit.failCause(cause)), {
        // A finalizer that fails adds its cause to the body's, as `Effect.onExit` does: neither is lost.
        onFailure: (cleanup) => Effect.failCause(Cause.sequential(cause, cleanup)),
        onSuccess: () => Effect.failCause(cause)
      }),
    onSuccess: (value) => Effect.as(closeOwn(Exit.succeed(value)), value)
  })) as Effect.Effect<A, E, never>
  return Effect.flatMap(Effect.forkDaemon(run), (fiber) => {
    child.fiber = fiber as Fiber.RuntimeFiber<unknown, unknown>
    fiber.addObserver((exit) => {
      if (ownClosed) {
        exited(child, exit)
        closeLifetime(lifetime)
      } else {
        // Interrupted before it started: its finalizers never ran, so close its scope from here.
        Effect.runFork(closeOwn(exit)).addObserver(() => {
          exited(child, exit)
          closeLifetime(lifetime)
        })
      }
    })
    if (child.pendingReason !== undefined) fiber.unsafeInterruptAsFork(FiberId.none)
    return Effect.as(
      Scope.addFinalizer(
        lifetime,
        Effect.suspend(() => {
          // Dead (a kill is reported at once): wait for its fiber to have run its finalizers.
          if (child.status === DEAD) return Effect.asVoid(Fiber.await(fiber))
          unlink(parent, child)
          return shutdownProcess(parent, child, shutdown, shutdownMillis)
        })
      ),
      child
    )
  })
}

/** The process ended by itself: drop its entry from the enclosing scope (its finalizer has nothing left to do). */
const closeLifetime = (lifetime: Scope.CloseableScope): void => {
  Effect.runFork(Scope.close(lifetime, Exit.void))
}

/** @internal */
export const pidOption = (state: ProcessState | undefined): Option.Option<Pid> =>
  state === undefined ? Option.none() : Option.some(state.pid)
