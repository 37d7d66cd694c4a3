/**
 * The process table and Erlang's signal rules: what happens when a process dies, how exit signals travel
 * through links, how monitors fire, and how a Scope ends the processes spawned in it.
 *
 * A process is an Effect fiber plus a `ProcessState`. Its death is observed from outside the fiber (the fiber's
 * observer), never only from its own finalizers, because a fiber interrupted before it started runs none of them.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import type { Down, ExitMessage, ExitReason, Pid } from "../Process.js"
import { ExitReason as Reason, killed, noconnection, noproc, normal } from "./exitReason.js"
import { counters, globalValue } from "./global.js"
import { Mailbox } from "./mailbox.js"
import type { NameImpl } from "./name.js"
import { names } from "./name.js"
import { MonitorImpl, PidImpl, stateOf } from "./pid.js"
import { processLabel } from "./report.js"
import { runQueued, wake } from "./scheduler.js"
import type { Group } from "./spawn.js"
import { clockOf, schedule } from "./timer.js"

/** Tag of trapped exit messages in a mailbox. @internal */
export const EXIT_TAG: unique symbol = Symbol.for("@effect-otp/core/ExitMessage")

/** Tag of monitor notifications in a mailbox. @internal */
export const DOWN_TAG: unique symbol = Symbol.for("@effect-otp/core/Down")

/**
 * How long a process may take to stop once it was sent `Shutdown` before it is killed, when nothing says otherwise:
 * a worker's default shutdown time, and what a closing scope gives the processes spawned in it. @internal
 */
export const DEFAULT_SHUTDOWN = "5 seconds" satisfies Duration.Input

/** `DEFAULT_SHUTDOWN` in milliseconds. @internal */
export const DEFAULT_SHUTDOWN_MILLIS = Duration.toMillis(Duration.fromInputUnsafe(DEFAULT_SHUTDOWN))

/**
 * What a process's `monitoredBy` holds: a monitor, or a call waiting for a reply (which delivers the callee's exit
 * under its reply tag, without allocating a monitor of its own).
 * @internal
 */
export interface MonitorEntry {
  readonly owner: ProcessState
  readonly target: ProcessState
  readonly replyTag: unknown
  /**
   * Set by the entries that are not delivered into their owner's mailbox: a monitor a peer node holds on a local
   * process (its `Down` goes to that node), or a wait for a remote process's exit. Called instead of delivering.
   */
  readonly fired?: ((reason: ExitReason) => void) | undefined
}

/**
 * What a process on another node (see `remote.ts`) does with the signals sent to it: the stand-in `ProcessState` of
 * a remote pid forwards them to its node, which applies them to the process itself. @internal
 */
export interface RemoteEnd {
  /** `from` linked to the remote process (already recorded on this side). */
  link(from: ProcessState): void
  /** `from` unlinked from it (already dropped on this side). */
  unlink(from: ProcessState): void
  /** An exit signal from `from`: through a link (`viaLink`, the link already dropped here) or `Process.exit`. */
  exit(from: Pid, reason: ExitReason, viaLink: boolean): void
  /** Ends it with `reason`, whether it traps exits or not (a kill, a shutdown deadline). */
  terminate(reason: ExitReason): void
  /** A monitor on it (already in its `monitoredBy` here, so that the node's loss fires it). */
  monitor(entry: MonitorEntry): void
  /** The monitor is gone. */
  demonitor(entry: MonitorEntry): void
}

/** What a `call` receives under its reply tag when the callee dies first. @internal */
export class CalleeExited {
  constructor(readonly reason: ExitReason) {}
}

/** @internal */
export const ALIVE = 0
/** @internal */
export const DYING = 1
/** @internal */
export const DEAD = 2

/** @internal */
export class ProcessState extends Mailbox {
  readonly pid: Pid
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
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  /** `true` for code outside any process that was made a process on first use (Erlang's shell). */
  readonly implicit: boolean
  readonly startedAt: number
  /** Messages this process received (any subject, exits and downs included). */
  messagesIn = 0
  /** Messages this process sent. */
  messagesOut = 0
  /** Run when the process dies, before its links and monitors fire (registry entries leave with it). */
  exitHooks: Set<() => void> | undefined = undefined
  /** The body of a spawned process, until its fiber takes it (then forgotten, so as not to keep what it ran). */
  body: Effect.Effect<unknown, unknown, unknown> | undefined = undefined
  /** The context its fiber runs with, until its first turn makes the fiber. */
  start: Context.Context<never> | undefined = undefined
  /** The process's own scope, provided to its body and closed when the body ends. */
  own: Scope.Closeable | undefined = undefined
  /**
   * Its place among the processes spawned into one scope (see `spawn.ts`): closing that scope shuts it down.
   * `prev` and `next` are its neighbours in that group.
   */
  group: Group | undefined = undefined
  prev: ProcessState | undefined = undefined
  next: ProcessState | undefined = undefined
  /** The process that spawned it, and how long the scope it was spawned in waits for it to stop. */
  spawner: ProcessState | undefined = undefined
  shutdownMillis = DEFAULT_SHUTDOWN_MILLIS
  /**
   * The behaviour running in the process (an actor's loop), for the module-level effects that run it, and to give
   * back what it registered when the process ends (`released`, called by `died`).
   */
  behaviour: { readonly released?: () => void } | undefined = undefined
  /** Set on the stand-in of a process that lives on another node (see `remote.ts`), never on a local process. */
  remote: RemoteEnd | undefined = undefined

  /** A local process; or, given its pid, the stand-in of a remote one (not in the local table). */
  constructor(implicit: boolean, startedAt: number, pid?: Pid) {
    super()
    this.implicit = implicit
    this.startedAt = startedAt
    if (pid === undefined) {
      this.pid = new PidImpl(++counters.pid, this)
      table.set(this.pid.id, this)
    } else {
      this.pid = pid
    }
  }

  get alive(): boolean {
    if (this.implicit && this.status === ALIVE) reap(this)
    return this.status === ALIVE
  }

  /** The process's mailbox: the process itself (one object fewer per process). */
  get mailbox(): Mailbox {
    return this
  }
}

/**
 * An implicit process (code outside any process) ends with its fiber, which reports it from an observer. Effect 4
 * runs a fiber's observers in the order they were added, and resumes a fiber that awaits another (`Fiber.join`)
 * right there: the joiner, which observed the fiber first, would see the process still alive. So whoever looks at
 * an implicit process first reports its end, if its fiber has ended.
 */
const reap = (self: ProcessState): void => {
  const exit = self.fiber?.pollUnsafe()
  if (exit !== undefined) exited(self, exit)
}

/** The processes that have not ended, implicit ones whose fiber has ended reported first. @internal */
export const liveProcesses = (): Array<ProcessState> => {
  const live: Array<ProcessState> = []
  for (const state of Array.from(table.values())) {
    if (state.implicit) reap(state)
    if (state.status !== DEAD) live.push(state)
  }
  return live
}

/** Every process that has not ended yet, by pid number. @internal */
export const table: Map<number, ProcessState> = globalValue("processTable", () => new Map<number, ProcessState>())

/**
 * The process the current fiber belongs to. It is part of the fiber's context, so fibers forked inside a process
 * inherit it (they belong to the process).
 * @internal
 */
export const CurrentProcess: Context.Reference<ProcessState | undefined> = Context.Reference<
  ProcessState | undefined
>("@effect-otp/core/CurrentProcess", { defaultValue: () => undefined })

/**
 * The implicit processes of fibers outside any process, by fiber. A fiber's context is restored when an `Effect.provide`
 * or `Effect.scoped` it runs ends, which would drop the process set in it; the fiber keeps its process here.
 */
const implicitProcesses = new WeakMap<Fiber.Fiber<unknown, unknown>, ProcessState>()

/**
 * The services of a context captured in one process to be provided to code that runs in another (a supervisor
 * starting a child with the services its starter had): without what belongs to the capturing fiber itself, its
 * process, its scope, its log annotations and span, which the other process has of its own.
 * @internal
 */
export const servicesOf = <R>(context: Context.Context<R>): Context.Context<R> =>
  Context.omit(
    CurrentProcess,
    Scope.Scope,
    References.CurrentLogAnnotations,
    References.CurrentLogSpans,
    Tracer.ParentSpan
  )(context) as Context.Context<R>

/** The process the fiber belongs to, if any. @internal */
export const processOf = (fiber: Fiber.Fiber<unknown, unknown>): ProcessState | undefined =>
  fiber.getRef(CurrentProcess) ?? implicitProcesses.get(fiber)

// ---------------------------------------------------------------------------------------------------------------
// The current process
// ---------------------------------------------------------------------------------------------------------------

/**
 * What an implicit process ended by an exit signal keeps for its `ExitSignal` (see `spawn.ts`): who sent the signal
 * (name and pid), and whether its end was logged already. Kept beside the process, not in it: few processes need it.
 * @internal
 */
export interface ImplicitEnd {
  signalledBy: string | undefined
  logged: boolean
}

/** @internal */
export const implicitEnds = new WeakMap<ProcessState, ImplicitEnd>()

/**
 * Processes that serve the runtime for the whole program (a node's spawner, the global name server): the leak check
 * neither reports nor ends them. @internal
 */
export const systemProcesses: WeakSet<ProcessState> = globalValue("systemProcesses", () => new WeakSet<ProcessState>())

/** The processes that run a supervisor, and which kind (for `Supervision.tree` and `Process.info`). @internal */
export const supervisorKinds = new WeakMap<ProcessState, "static" | "factory">()

/** What runs in a process: a supervisor, an actor (any other behaviour), or a plain process. @internal */
export const processKind = (state: ProcessState): "supervisor" | "actor" | "process" =>
  supervisorKinds.has(state) ? "supervisor" : state.behaviour !== undefined ? "actor" : "process"

/** @internal */
export const implicitEndOf = (self: ProcessState): ImplicitEnd => {
  let end = implicitEnds.get(self)
  if (end === undefined) {
    end = { signalledBy: undefined, logged: false }
    implicitEnds.set(self, end)
  }
  return end
}

/**
 * Runs `f` with the process the current fiber belongs to. Code outside any process is made a process on first
 * use, like Erlang's shell: its fiber is the process, and an exit signal that kills it interrupts that fiber.
 * @internal
 */
export const withSelf = <A, E, R>(
  f: (self: ProcessState, fiber: Fiber.Fiber<unknown, unknown>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => Effect.withFiber((fiber) => f(selfOf(fiber), fiber))

/** The process of the fiber, made on first use for a fiber outside any process. @internal */
export const selfOf = (fiber: Fiber.Fiber<unknown, unknown>): ProcessState => {
  const self = processOf(fiber)
  if (self !== undefined) return self
  const implicit = new ProcessState(true, clockOf(fiber).currentTimeMillisUnsafe())
  implicit.fiber = fiber
  implicitProcesses.set(fiber, implicit)
  fiber.addObserver((exit) => exited(implicit, exit))
  fiber.setContext(Context.add(fiber.context, CurrentProcess, implicit))
  return implicit
}

// ---------------------------------------------------------------------------------------------------------------
// Death and exit signals: what happens when a process dies
// ---------------------------------------------------------------------------------------------------------------

const reasonOf = (exit: Exit.Exit<unknown, unknown>): ExitReason => {
  if (Exit.isSuccess(exit)) return normal
  return Reason.Abnormal({ reason: exit.cause })
}

/** Why a process whose fiber or body ended with `exit` ends: the reason of the signal that ended it, if any. */
export const reasonFor = (self: ProcessState, exit: Exit.Exit<unknown, unknown>): ExitReason =>
  // Interrupted from outside the library (for example by the test runner): as good as killed.
  self.pendingReason ?? (Exit.hasInterrupts(exit) ? killed : reasonOf(exit))

/** The fiber of a process ended: report it. */
export const exited = (self: ProcessState, exit: Exit.Exit<unknown, unknown>): void => {
  if (self.status !== DEAD) died(self, reasonFor(self, exit))
  if (self.implicit) self.fiber = undefined
}

/**
 * The one place that ends a process: it leaves the table and the name registry, its timers are cancelled, its
 * behaviour gives back what it registered (an actor's mailbox gauge, its idle timer), its mailbox is dropped, every
 * linked process gets an exit signal with the same reason, every monitor delivers a `Down`, and whoever awaits its
 * exit is woken. A killed process is dead here at once, before its fiber has finished: what it registered goes now,
 * not when its finalizers have run, so that nobody woken by its exit still sees it.
 * @internal
 */
export const died = (self: ProcessState, reason: ExitReason): void => {
  if (self.status === DEAD) return
  self.status = DEAD
  self.reason = reason
  if (self.remote === undefined) table.delete(self.pid.id)
  if (self.name !== undefined) {
    if (names.get(self.name.key) === self) names.delete(self.name.key)
    self.name = undefined
  }
  if (self.timers !== undefined) {
    for (const timer of self.timers) timer.cancel()
    self.timers = undefined
  }
  self.behaviour?.released?.()
  const hooks = self.exitHooks
  self.exitHooks = undefined
  if (hooks !== undefined) {
    for (const hook of hooks) hook()
  }
  self.mailbox.clear()
  signalLinks(self, reason)
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

/**
 * Sends the exit signal of a process that ends to every process linked to it, and drops the links. A process's
 * links are signalled as soon as its body has ended, before its own scope closes (whatever that scope still holds is
 * shut down after): a child linked to a parent that crashes gets the parent's reason, as in Erlang, not the
 * `Shutdown` of the parent's scope. Its monitors and waiters are told when it has fully ended (`died`).
 */
export const signalLinks = (self: ProcessState, reason: ExitReason): void => {
  const links = self.links
  self.links = undefined
  if (links instanceof ProcessState) {
    linkSignal(links, self, reason)
  } else if (links !== undefined) {
    for (const linked of links) linkSignal(linked, self, reason)
  }
}

const linkSignal = (linked: ProcessState, self: ProcessState, reason: ExitReason): void => {
  dropLink(linked, self)
  if (linked.remote !== undefined) linked.remote.exit(self.pid, reason, true)
  else exitSignal(linked, self.pid, reason)
}

/** Tells the owner of a monitor that its target ended: a `Down`, or the reason under a call's reply tag. @internal */
export const fire = (monitor: MonitorEntry, reason: ExitReason): void => {
  if (monitor.fired !== undefined) return monitor.fired(reason)
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
  if (self.remote !== undefined) return self.remote.terminate(reason)
  self.status = DYING
  self.pendingReason = reason
  const fiber = self.fiber
  if (fiber === undefined) {
    if (!self.implicit) died(self, reason)
  } else if (reason._tag === "Killed") {
    // A kill is immediate, as in Erlang: the process is dead for everyone at once (its links get `Killed`, its
    // monitors fire, its name is free) while its fiber runs its finalizers; the scope it lives in waits for those.
    if (Fiber.getCurrent() === fiber) killNow(self)
    else wake(killNow, self)
  } else {
    // Other reasons are reported when the fiber has finished, so a process's children are down before it is.
    interrupt(fiber)
  }
}

/**
 * Ends a killed process: reported dead, then its fiber interrupted. A chain of linked processes killed one by the
 * other ends one link at a time through the run queue, not in one deepening stack.
 */
const killNow = (self: ProcessState): void => {
  const fiber = self.fiber
  died(self, killed)
  if (fiber !== undefined) {
    if (Fiber.getCurrent() === fiber) fiber.interruptUnsafe()
    else wake(interruptFiber, fiber)
  }
}

/**
 * Interrupts a process's fiber: at once when it is the running fiber (it stops at its next operation), else through
 * the run queue, so that a chain of processes ending one another does not nest in one stack.
 */
const interrupt = (fiber: Fiber.Fiber<unknown, unknown>): void => {
  if (Fiber.getCurrent() === fiber) fiber.interruptUnsafe()
  else wake(interruptFiber, fiber)
}

const interruptFiber = (fiber: Fiber.Fiber<unknown, unknown>): void => fiber.interruptUnsafe()

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
  if (target.remote !== undefined) return target.remote.exit(from, reason, false)
  if (target.trapExit) {
    const message: ExitMessage = { pid: from, reason }
    target.mailbox.deliver(EXIT_TAG, message)
  } else if (reason._tag !== "Normal") {
    if (target.implicit) implicitEndOf(target).signalledBy = processLabel(stateOf(from))
    terminate(target, reason)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Links, monitors, kill, exit
// ---------------------------------------------------------------------------------------------------------------

/**
 * What a link or monitor to a dead stand-in of a remote process answers: `noconnection` when its node was lost (as
 * in Erlang), `noproc` when the process is known to have ended. @internal
 */
export const remoteDeathReason = (state: ProcessState): ExitReason =>
  state.reason === noconnection ? noconnection : noproc

/** @internal */
export const link = (self: ProcessState, other: ProcessState): boolean => {
  if (self === other) return true
  if (other.remote !== undefined) {
    // As in Erlang's distribution: linking to a remote process always succeeds here; a dead one answers with an
    // exit signal (`noproc`, or `noconnection` when its node is down).
    if (other.status === ALIVE) bind(self, other)
    other.remote.link(self)
    return true
  }
  if (!other.alive) return false
  bind(self, other)
  return true
}

/** Records a link both ways (nothing is sent: for a remote process, the caller tells its node). @internal */
export const bind = (self: ProcessState, other: ProcessState): void => {
  addLink(self, other)
  addLink(other, self)
}

/** Drops a link both ways (nothing is sent). @internal */
export const sever = (self: ProcessState, other: ProcessState): void => {
  dropLink(self, other)
  dropLink(other, self)
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
  sever(self, other)
  if (other.remote !== undefined && other.status === ALIVE) other.remote.unlink(self)
}

/** Whether `self` is linked to `other`. @internal */
export const isLinked = (self: ProcessState, other: ProcessState): boolean => {
  const links = self.links
  return links === other || (links instanceof Set && links.has(other))
}

/**
 * Drops what a process record keeps for reuse and can rebuild (an actor's hibernation): the containers of its
 * links, monitors, exit waiters, exit hooks and timers stay allocated once made, empty or grown to their largest
 * size, so that the next call or timer allocates nothing. Empty ones go; a single link goes back to being held as
 * is; other sets are copied to their current size (a JavaScript `Set` does not shrink its table as it empties).
 * @internal
 */
export const compact = (self: ProcessState): void => {
  const links = self.links
  if (links instanceof Set) {
    self.links = links.size === 0 ? undefined : links.size === 1 ? links.values().next().value : new Set(links)
  }
  self.monitoredBy = compactSet(self.monitoredBy)
  self.exitHooks = compactSet(self.exitHooks)
  self.timers = compactSet(self.timers)
  if (self.exitWaiters !== undefined) {
    self.exitWaiters = self.exitWaiters.length === 0
      ? undefined
      : [...self.exitWaiters]
  }
  self.mailbox.compact()
}

const compactSet = <A>(set: Set<A> | undefined): Set<A> | undefined =>
  set === undefined || set.size === 0 ? undefined : new Set(set)

/**
 * Puts a monitor entry on its target (a monitor, a call, a wait for its exit), and, for a remote process, has its
 * node watch it too. @internal
 */
export const addMonitor = (target: ProcessState, entry: MonitorEntry): void => {
  if (target.monitoredBy === undefined) target.monitoredBy = new Set()
  target.monitoredBy.add(entry)
  if (target.remote !== undefined) target.remote.monitor(entry)
}

/** @internal */
export const monitor = (owner: ProcessState, target: ProcessState, replyTag?: unknown): MonitorImpl => {
  const ref = new MonitorImpl(owner, target, replyTag)
  if (target.alive) {
    addMonitor(target, ref)
  } else if (target.remote !== undefined) {
    fire(ref, remoteDeathReason(target))
  } else if (replyTag === undefined) {
    // Erlang: monitoring a process that does not exist delivers a 'DOWN' with reason noproc at once.
    fire(ref, noproc)
  } else {
    fire(ref, target.reason ?? noproc)
  }
  return ref
}

/**
 * Takes a monitor entry off its target. An emptied set is dropped: most processes end up monitored by nobody (a
 * start handshake's monitor, a task's), and an empty set would stay with each of them for its whole life. (A `call`
 * keeps its own removal, which leaves the set for the next call to the same process.) @internal
 */
export const unmonitor = (entry: MonitorEntry): void => {
  const target = entry.target
  const monitors = target.monitoredBy
  if (monitors !== undefined && monitors.delete(entry)) {
    if (monitors.size === 0) target.monitoredBy = undefined
    if (target.remote !== undefined) target.remote.demonitor(entry)
  }
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
export const awaitExit = (target: ProcessState, then?: () => void): Effect.Effect<ExitReason> =>
  Effect.callback<ExitReason>((resume) => {
    if (target.status === DEAD) {
      resume(Exit.succeed(target.reason!))
      return
    }
    if (target.remote !== undefined) {
      // A remote process's end arrives as a monitor's: one that wakes this wait instead of delivering a `Down`.
      const entry: MonitorEntry = {
        owner: target,
        target,
        replyTag: undefined,
        fired: (reason) => wake(resume, Exit.succeed(reason))
      }
      addMonitor(target, entry)
      // What the wait is for (a shutdown's exit signal) goes after the monitor: the node then answers with the
      // process's real reason, not `noproc` for a process already gone when the monitor arrives.
      then?.()
      runQueued()
      return Effect.sync(() => unmonitor(entry))
    }
    const ended = (reason: ExitReason) => wake(resume, Exit.succeed(reason))
    if (target.exitWaiters === undefined) target.exitWaiters = []
    target.exitWaiters.push(ended)
    runQueued()
    return Effect.sync(() => {
      const waiters = target.exitWaiters
      if (waiters !== undefined) {
        const index = waiters.indexOf(ended)
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
  Effect.withFiber((fiber) => {
    if (target.status === DEAD) return Effect.succeed(target.reason!)
    if (millis < 0) {
      terminate(target, killed)
      return awaitExit(target)
    }
    const deadline = schedule(clockOf(fiber), millis, () => terminate(target, killed))
    const wait = target.remote === undefined
      ? (exitSignal(target, from.pid, reason), awaitExit(target))
      : awaitExit(target, () => exitSignal(target, from.pid, reason))
    return Effect.ensuring(wait, Effect.sync(() => deadline.cancel()))
  })

/** @internal */
export const pidOption = (state: ProcessState | undefined): Option.Option<Pid> =>
  state === undefined ? Option.none() : Option.some(state.pid)
