/**
 * Spawning a process, and the lifetime that binds it to the `Scope` it is spawned in.
 *
 * A process runs its body on a fiber of its own, with its own scope, closed when the body ends, so that whatever it
 * spawns ends with it. It lives in the scope it was spawned in: when that scope closes first, the process is
 * unlinked from its spawner and shut down (`Shutdown`, then `kill` after its shutdown time, 5 seconds by default;
 * supervisors wait for their children), in reverse start order with its siblings.
 *
 * The processes spawned one after the other into a scope form a group: the scope holds one finalizer for the group,
 * not one per process, and each process holds its place in the group's list (a process that ends leaves the list, so
 * a long-lived scope keeps nothing of the processes that came and went). A new group is started whenever anything
 * else was added to (or removed from) the scope since the last spawn into it, so that the scope's finalizers still
 * run in the reverse order of everything added to it: a resource acquired after a process was spawned is released
 * before that process is stopped.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import { ExitSignal } from "../Errors.js"
import type { ExitReason } from "../Process.js"
import { shutdown } from "./exitReason.js"
import { List } from "./list.js"
import { countEnd, enabledIn } from "./metrics.js"
import type { ProcessState } from "./process.js"
import {
  CurrentProcess,
  DEAD,
  exited,
  implicitEndOf,
  link,
  processOf,
  ProcessState as Process,
  reasonFor,
  selfOf,
  shutdownProcess,
  signalLinks,
  unlink
} from "./process.js"
import { causeOfReason, describeReason, processLabel, report } from "./report.js"
import { runQueued, wake } from "./scheduler.js"
import { clockOf } from "./timer.js"

/** How a process is spawned. @internal */
export interface SpawnOptions {
  /** Linked to the spawner (Erlang's `spawn_link`). */
  readonly linked: boolean
  /** How long closing the enclosing scope waits for it to stop before killing it (default 5 seconds). */
  readonly shutdownMillis?: number | undefined
}

/**
 * Spawns `body` as a new process living in the current `Scope`. As in Erlang, `spawn` returns before the new process
 * has run: it runs from the run queue, when its spawner waits (a start handshake then finds its answer at once) or
 * has finished its synchronous run.
 * @internal
 */
export const spawn = <A, E, R>(
  body: Effect.Effect<A, E, R>,
  options: SpawnOptions
): Effect.Effect<ProcessState, never, Scope.Scope | Exclude<R, Scope.Scope>> =>
  Effect.withFiber((parentFiber) => {
    const parent = selfOf(parentFiber)
    const scope = Context.getOrUndefined(parentFiber.context, Scope.Scope)
    if (scope === undefined) return Effect.die(new Error("spawn: no Scope to spawn the process in"))
    const child = new Process(false, clockOf(parentFiber).currentTimeMillisUnsafe())
    if (options.linked) link(parent, child)
    child.spawner = parent
    if (options.shutdownMillis !== undefined) child.shutdownMillis = options.shutdownMillis
    launch(parentFiber.context, child, body)
    if (parent.implicit && !raisingScopes.has(scope)) {
      return Effect.as(Effect.andThen(raiseOnClose(scope), join(scope, child)), child)
    }
    return Effect.as(join(scope, child), child)
  })

// ---------------------------------------------------------------------------------------------------------------
// Code outside any process, ended by an exit signal
// ---------------------------------------------------------------------------------------------------------------

/** The scopes code outside any process spawned in, each holding the finalizer below (once). */
const raisingScopes = new WeakSet<Scope.Scope>()

/**
 * Code outside any process (the main program) that spawns into a scope leaves there, once per scope, the finalizer
 * that makes its death by an exit signal a failure. Such a signal (a linked crash, a root supervisor that gave up)
 * can only interrupt the fiber where it is, and an interruption alone looks like a program stopped on purpose:
 * `runMain` would exit as if it had been. When the killed fiber itself closes the scope (`Effect.scoped`,
 * `Layer.launch`, `Effect.provide(layer)` as it unwinds), `ExitSignal`, with the reason, is added to its end. A scope
 * closed by another fiber is left alone: that fiber was not ended by the signal.
 */
const raiseOnClose = (scope: Scope.Scope): Effect.Effect<void> => {
  raisingScopes.add(scope)
  return Scope.addFinalizerExit(scope, (exit) => Effect.withFiber((fiber) => raise(fiber, exit)))
}

const raise = (fiber: Fiber.Fiber<unknown, unknown>, exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> => {
  const self = processOf(fiber)
  if (self === undefined || !self.implicit || self.fiber !== fiber) return Effect.void
  const reason = self.pendingReason
  if (reason === undefined || reason._tag === "Normal") return Effect.void
  // Raised once per end: an inner scope's ExitSignal already on its way out is not added again (but one that the
  // program caught and dropped is).
  if (Exit.isFailure(exit) && exit.cause.reasons.some((r) => isExitSignalOf(r, self))) return Effect.void
  const end = implicitEndOf(self)
  const error = new ExitSignal({ pid: self.pid, from: end.signalledBy, reason })
  if (end.logged) return Effect.die(error)
  end.logged = true
  // Said here: an interrupted program's own error reporting (`runMain`'s) does not run any more.
  return Effect.andThen(
    report(
      "exit_signal",
      "Error",
      () => error.message,
      () => ({ pid: self.pid.toString(), reason: describeReason(reason) }),
      causeOfReason(reason)
    ),
    Effect.die(error)
  )
}

const isExitSignalOf = (reason: Cause.Reason<unknown>, self: ProcessState): boolean =>
  reason._tag === "Die" && reason.defect instanceof ExitSignal && reason.defect.pid === self.pid

// ---------------------------------------------------------------------------------------------------------------
// Groups: the processes spawned into one scope
// ---------------------------------------------------------------------------------------------------------------

/** The processes spawned one after the other into a scope, shut down together, in reverse order, when it closes. */
export class Group extends List<ProcessState> {
  /** How many finalizers the scope had when this group was last joined: more or fewer, and the group is closed. */
  finalizers = 0

  add(child: ProcessState): void {
    child.group = this
    this.append(child)
  }

  remove(child: ProcessState): void {
    this.unlink(child)
    child.group = undefined
  }

  /** The scope closes: shut every process of the group down, the last spawned first, each waited for. */
  readonly close: Effect.Effect<void> = Effect.suspend(() => {
    const last = this.tail
    if (last === undefined) return Effect.void
    return Effect.andThen(
      stop(last),
      Effect.suspend(() => {
        // Stopped: it left the group when it ended (this makes sure, so that the loop always moves on).
        if (last.group === this) this.remove(last)
        return this.close
      })
    )
  })
}

/** The group each scope's latest spawns joined (forgotten with the scope). */
const groups = new WeakMap<Scope.Scope, Group>()

/** How many finalizers a scope holds now (`Scope.State` is public). */
const finalizerCount = (scope: Scope.Scope): number => {
  const state = scope.state
  if (state._tag !== "Open") return 0
  return state.finalizers?.size ?? (state.finalizer !== undefined ? 1 : 0)
}

/** Puts a new process into the scope's current group, or into a new one when the scope changed since. */
const join = (scope: Scope.Scope, child: ProcessState): Effect.Effect<void> => {
  const current = groups.get(scope)
  if (current !== undefined && current.finalizers === finalizerCount(scope) && scope.state._tag === "Open") {
    current.add(child)
    return Effect.void
  }
  const group = new Group()
  group.add(child)
  groups.set(scope, group)
  // On a closed scope the finalizer runs at once: the process is shut down right away.
  return Effect.andThen(
    Scope.addFinalizer(scope, group.close),
    Effect.sync(() => {
      group.finalizers = finalizerCount(scope)
    })
  )
}

/**
 * Shuts a process of a closing scope down: unlinked from its spawner (so that the owner of the scope is not
 * signalled by the shutdown it caused), `Shutdown`, kill after its shutdown time; it leaves its group when it ends.
 */
const stop = (child: ProcessState): Effect.Effect<void> => {
  if (child.status === DEAD) {
    // Dead (a kill is reported at once): wait for its fiber to have run its finalizers.
    const fiber = child.fiber
    if (fiber === undefined) {
      child.group?.remove(child)
      return Effect.void
    }
    return fiberEnded(fiber)
  }
  unlink(child.spawner!, child)
  return Effect.asVoid(shutdownProcess(child.spawner!, child, shutdown, child.shutdownMillis))
}

/**
 * Waits for a fiber to end. Unlike `Fiber.await`, which Effect resumes inside the ended fiber's own stack, the waiter
 * resumes from the run queue: a chain of processes each waiting for the next to end unwinds one at a time.
 * @internal
 */
export const fiberEnded = (fiber: Fiber.Fiber<unknown, unknown>): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (fiber.pollUnsafe() !== undefined) return resume(Effect.void)
    const remove = fiber.addObserver(() => wake(resume, Effect.void))
    runQueued()
    return Effect.sync(remove)
  })

// ---------------------------------------------------------------------------------------------------------------
// The fiber of a process
// ---------------------------------------------------------------------------------------------------------------

/**
 * Prepares a spawned process: its own scope, and the context its fiber will run with. Its fiber is made when the run
 * queue gives the process its first turn (`start`); until then a signal that ends it ends it at once (it has no
 * fiber to interrupt), and it never runs.
 */
const launch = <A, E, R>(context: Context.Context<never>, child: ProcessState, body: Effect.Effect<A, E, R>): void => {
  const own = Scope.makeUnsafe()
  child.body = body as Effect.Effect<unknown, unknown, unknown>
  child.own = own
  child.start = Context.add(Context.add(context, CurrentProcess, child), Scope.Scope, own as Scope.Scope)
  wake(start, child)
}

/**
 * The first turn of a process: its fiber is made and runs its body until it first waits. Everything the fiber runs
 * for every process is made once, here at module level, and finds its process in the fiber's context: a process
 * carries no closures or effects of its own for its start and its end, only what its body needs.
 */
const start = (child: ProcessState): void => {
  const context = child.start!
  child.start = undefined
  if (child.status === DEAD) {
    // Ended before its first turn: its body never runs.
    child.body = child.own = child.spawner = undefined
    child.group?.remove(child)
    return
  }
  Effect.runForkWith(context)(runProcess, { uninterruptible: true })
}

/** The process the running fiber belongs to, for the code of a spawned process itself. */
const ownProcess = (fiber: Fiber.Fiber<unknown, unknown>): ProcessState => fiber.getRef(CurrentProcess)!

/** The start of a process's fiber: it takes its body (and forgets it, so as not to keep what it ran). */
const startBody: Effect.Effect<unknown, unknown> = Effect.withFiber((fiber) => {
  const child = ownProcess(fiber)
  child.fiber = fiber
  const body = child.body!
  child.body = undefined
  return body as Effect.Effect<unknown, unknown>
})

/**
 * Ends a process whose body ended with `exit`: its links are signalled at once (a child linked to a parent that
 * crashes gets the parent's reason, as in Erlang, not the `Shutdown` of the parent's scope), then its own scope is
 * closed (what it spawned is shut down, its finalizers run), then it is reported dead. A finalizer that fails adds
 * its cause to the body's, as `Effect.onExit` does: neither is lost.
 */
const endProcess = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<unknown, unknown> =>
  Effect.withFiber((fiber) => {
    const child = ownProcess(fiber)
    const reason = reasonFor(child, exit)
    // A behaviour (an actor) reports its own crash first, as gen_server logs before it exits.
    // Ended by a signal (a kill, an untrapped link): its fiber was interrupted for the reason the signal set.
    const signalled = child.pendingReason !== undefined && Exit.hasInterrupts(exit)
    const behaviour = child.behaviour as Behaviour | undefined
    const crashReport = behaviour?.crashReport !== undefined ?
      behaviour.crashReport(reason, signalled) :
      !signalled && Exit.isFailure(exit) && Cause.hasDies(exit.cause) ?
      processCrash(child, reason, exit.cause) :
      undefined
    const metrics = enabledIn(fiber) ? fiber.context : undefined
    if (crashReport !== undefined) {
      return Effect.andThen(crashReport, Effect.suspend(() => closeProcess(child, exit, reason, metrics)))
    }
    return closeProcess(child, exit, reason, metrics)
  })

/**
 * A process that is no behaviour (a plain `spawn`, a task, an actor still initialising) and dies of a defect: Erlang
 * logs "Error in process ... with exit value" for a process that ends by an error (not for one that exits with a
 * reason, as a typed failure does here).
 */
const processCrash = (child: ProcessState, reason: ExitReason, cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  report(
    "crash_report",
    "Error",
    () => `process ${processLabel(child)} crashed: ${describeReason(reason)}`,
    () => ({ pid: child.pid.toString(), reason: describeReason(reason) }),
    cause
  )

/** What a behaviour running in a process may do when the process ends: report a crash. */
interface Behaviour {
  readonly crashReport?: (reason: ExitReason, signalled: boolean) => Effect.Effect<void> | undefined
}

const closeProcess = (
  child: ProcessState,
  exit: Exit.Exit<unknown, unknown>,
  reason: ExitReason,
  metrics: Context.Context<never> | undefined
) => {
  signalLinks(child, reason)
  return Effect.matchCauseEffect(Scope.close(child.own!, exit), {
    onFailure: (cleanup) =>
      counted(
        ended(child, Exit.failCause(Cause.combine((exit as Exit.Failure<unknown, unknown>).cause, cleanup))),
        reason,
        metrics
      ),
    onSuccess: () => counted(ended(child, exit), reason, metrics)
  })
}

/** Counts a process's end in the metrics, when they are on; returns `result`. */
const counted = <A>(result: A, reason: ExitReason, metrics: Context.Context<never> | undefined): A => {
  if (metrics !== undefined) countEnd(reason, metrics)
  return result
}

/** The process has fully ended: it is reported dead, and leaves the group of the scope it was spawned in. */
const ended = (child: ProcessState, exit: Exit.Exit<unknown, unknown>): Exit.Exit<unknown, unknown> => {
  exited(child, exit)
  child.group?.remove(child)
  child.own =
    child.behaviour =
    child.fiber =
    child.spawner =
      undefined
  return exit
}

/**
 * What a process's fiber runs: its body, always interruptible (a process spawned from a finalizer can still be shut
 * down), inside a fiber that is uninterruptible from its start, so that `endProcess` always runs.
 */
const runProcess: Effect.Effect<unknown, unknown> = Effect.matchCauseEffect(Effect.interruptible(startBody), {
  onFailure: (cause) => endProcess(Exit.failCause(cause)),
  onSuccess: (value) => endProcess(Exit.succeed(value))
})
