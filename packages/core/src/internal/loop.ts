/**
 * The actor loop (gen_server's): receive a message, run the handler, repeat; answer system messages (Erlang's
 * `sys`) in between; stop on the handler's request, or on an exit signal it traps (its parent's, a linked process's).
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as References from "effect/References"
import type { IdleTimeout as IdleTimeoutModel, Next } from "../Actor.js"
import type { ExitMessage, ExitReason } from "../Process.js"
import type { Statistics, Status } from "../System.js"
import type { ActorBuilder, Continue } from "./actor.js"
import type { Envelope, Handler } from "./mailbox.js"
import { actorMetrics, enabledIn, registerMailbox, updaterOf } from "./metrics.js"
import { stateOf } from "./pid.js"
import type { ProcessState } from "./process.js"
import { compact, endWith, EXIT_TAG, processOf } from "./process.js"
import { Receiver } from "./receive.js"
import { terminatingReport } from "./report.js"
import type { SelectorImpl } from "./selector.js"
import type { SubjectImpl } from "./subject.js"
import { OwnedSubject, Tag } from "./subject.js"
import { answerSystem } from "./sys.js"
import type { TraceMessage } from "./trace.js"
import { traceMessages, untraced } from "./trace.js"

// ---------------------------------------------------------------------------------------------------------------
// System messages (Erlang's sys)
// ---------------------------------------------------------------------------------------------------------------

/** The tag every actor files system messages under, so `System` reaches an actor by its pid. @internal */
export const systemTag = new Tag()

/** @internal */
export type SystemRequest =
  | { readonly _tag: "GetState"; readonly replyTo: SubjectImpl<unknown> }
  | { readonly _tag: "GetStatus"; readonly replyTo: SubjectImpl<Status> }
  | {
    readonly _tag: "ReplaceState"
    readonly f: (state: unknown) => unknown
    readonly replyTo: SubjectImpl<{ readonly ok: boolean; readonly value: unknown }>
  }
  | { readonly _tag: "Suspend"; readonly replyTo: SubjectImpl<void> }
  | { readonly _tag: "Resume"; readonly replyTo: SubjectImpl<void> }
  | { readonly _tag: "Statistics"; readonly replyTo: SubjectImpl<Statistics> }

/** The subject that reaches the system-message handler of the actor `target`. @internal */
export const systemSubject = (target: ProcessState): SubjectImpl<SystemRequest> =>
  new OwnedSubject<SystemRequest>(target, systemTag)

/** @internal */
export class SystemMessage {
  constructor(readonly request: SystemRequest) {}
}

/** @internal */
export class ExitSignal {
  constructor(readonly exit: ExitMessage) {}
}

/** Applies a selector's handler to a received value; a handler that throws is a defect of the receiver. */
const apply = (handler: Handler, value: unknown): Effect.Effect<unknown> => {
  try {
    return Exit.succeed(handler(value))
  } catch (defect) {
    return Effect.die(defect)
  }
}

/** How many queued messages the loop handles in a row before it yields to the other fibers. */
const BATCH = 256

/** @internal */
export const toSystem: Handler = (request) => new SystemMessage(request)
const identity: Handler = (message) => message
/** @internal */
export const toExit: Handler = (exit) => new ExitSignal(exit)

/**
 * What a behaviour that takes system messages receives (the actor loop and the state machine): system messages
 * always; its parent's exit signal (when it traps exits) even while suspended, a `Normal` one only if
 * `parentNormal`; otherwise what `user` selects, and the exit signals it does not select.
 * @internal
 */
export const matchBehaviour = (
  target: {
    readonly parent: ProcessState
    readonly suspended: boolean
    selectUser(envelope: Envelope): Handler | undefined
  },
  envelope: Envelope,
  parentNormal: boolean
): Handler | undefined => {
  const tag = envelope.tag
  if (tag === systemTag) return toSystem
  if (tag === EXIT_TAG) {
    const exit = envelope.value as ExitMessage
    if (stateOf(exit.pid) === target.parent && (exit.reason._tag !== "Normal" || parentNormal)) return toExit
    if (target.suspended) return undefined
    return target.selectUser(envelope) ?? toExit
  }
  if (target.suspended) return undefined
  return target.selectUser(envelope)
}

/**
 * Whether a behaviour that traps exits (it has `onTerminate`) stops on an exit signal it received: its parent's
 * stops it with the same reason (a `Normal` one only if `parentNormal`), as a gen_server's parent does; any other
 * behaves as for a process that does not trap exits: `Normal` is ignored, any other reason stops it, gracefully, so
 * that `onTerminate` runs.
 * @internal
 */
export const stopsOnExit = (exit: ExitMessage, parent: ProcessState, parentNormal: boolean): boolean =>
  exit.reason._tag !== "Normal" || (parentNormal && stateOf(exit.pid) === parent)

/**
 * A behaviour's graceful stop: its `onTerminate` effect when it has one (a failure of it is logged, not raised),
 * then the end of its process with `reason`.
 * @internal
 */
export const terminateThenEnd = (
  self: ProcessState,
  reason: ExitReason,
  terminate: Effect.Effect<void, never, unknown> | undefined
): Effect.Effect<void, unknown, unknown> => {
  const end = Effect.sync(() => endWith(self, reason))
  if (terminate === undefined) return end
  return Effect.andThen(Effect.catchCause(terminate, (cause) => Effect.logError(cause)), end)
}

// ---------------------------------------------------------------------------------------------------------------
// What the loop does before its next wait
// ---------------------------------------------------------------------------------------------------------------

/**
 * How an actor goes on after a handler or its initialiser, besides its state and selector (the third element of
 * Erlang's `{noreply, State, _}` and `{ok, State, _}`): a message to handle before any other (`withContinue`), an
 * idle timeout for the next wait (`withIdleTimeout`), and whether to hibernate (`hibernate`). One object is shared by
 * every plain `Actor.continue(state)`, so the common answer allocates nothing more.
 * @internal
 */
export class After<M> {
  constructor(
    readonly continuation: Option.Option<M>,
    readonly idleTimeout: IdleTimeout<M> | undefined,
    readonly hibernate: boolean
  ) {}
}

/** @internal */
export const plain: After<never> = new After(Option.none(), undefined, false)

/** An idle timeout: `millis` decoded once; a duration that does not decode is a defect of the actor. @internal */
export class IdleTimeout<M> implements IdleTimeoutModel<M> {
  constructor(
    readonly millis: number,
    readonly message: M,
    readonly invalid: Error | undefined = undefined
  ) {}
  get duration(): Duration.Duration {
    return Duration.millis(this.millis)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------------------------------------------------

/**
 * The actor's loop, and its receive: an actor has one receive outstanding at a time, so the loop is its own
 * receiver, and allocates as little as it can, per message and per actor (its receive effect and continuations are
 * made once).
 */
/** @internal */
export class Loop extends Receiver<unknown, never> {
  state: unknown
  suspended = false
  /** What the user selects; `undefined` for the default, the actor's own subject, whose tag is `ownTag`. */
  user: SelectorImpl<unknown> | undefined
  trace: TraceMessage = untraced
  readonly handler: ActorBuilder["handler"]
  readonly terminate: ActorBuilder["terminate"]
  readonly stopsOnParentNormal: boolean
  readonly reportState: ActorBuilder["reportState"]
  /** The last message the actor took, for its crash report (as gen_server's "Last message in"). */
  last: unknown = undefined
  /** Its metrics, when they are on (see `metrics.ts`). */
  metrics: LoopMetrics | undefined = undefined
  /** The idle timeout of the next wait, when the last answer asked for one (`withIdleTimeout`). */
  idle: IdleTimeout<unknown> | undefined = undefined
  /**
   * Whether the last answer asked to hibernate: the actor hibernates each time it parks, until a handler answers
   * otherwise (a gen_server hibernated stays so through system messages).
   */
  hibernating = false
  /** Whether `continuation` is to be handled before the next message (`withContinue`). */
  continuing = false
  continuation: unknown = undefined
  constructor(
    self: ProcessState,
    readonly parent: ProcessState,
    builder: ActorBuilder,
    state: unknown,
    user: SelectorImpl<unknown> | undefined,
    readonly ownTag: unknown
  ) {
    super(self)
    this.state = state
    this.user = user
    // What the loop needs of its builder: the builder itself can go (a program may make one per actor).
    this.handler = builder.handler
    this.terminate = builder.terminate
    this.stopsOnParentNormal = builder.stopsOnParentNormal
    this.reportState = builder.reportState
  }

  /**
   * What the actor receives: system messages always; the exit signal of its parent (when it traps exits) even while
   * suspended; otherwise the user's selector, and the exits the user does not select.
   */
  match(envelope: Envelope): Handler | undefined {
    return matchBehaviour(this, envelope, this.stopsOnParentNormal)
  }

  /** What the user's selector (or the actor's own subject) takes. */
  selectUser(envelope: Envelope): Handler | undefined {
    const user = this.user
    if (user === undefined) return envelope.tag === this.ownTag ? identity : undefined
    return user.match(envelope)
  }

  received(handler: Handler, value: unknown): Effect.Effect<unknown> {
    return apply(handler, value)
  }

  /**
   * How long the next wait lasts before the idle timeout's message: for ever without one, and while suspended
   * (a suspended gen_server waits for system messages only; it waits its whole timeout again once resumed).
   */
  waitMillis(): number {
    return this.idle === undefined || this.suspended ? Infinity : this.idle.millis
  }

  /** The idle timeout passed: the actor handles its message, as gen_server's `handle_info(timeout, State)`. */
  override timedOut(): Effect.Effect<unknown> {
    return Exit.succeed(this.idle!.message)
  }

  /** Takes a handler's answer: `undefined` to go on with the next message, or the effect that stops the actor. */
  next(next: Next<unknown, unknown>): Effect.Effect<void, unknown, unknown> | undefined {
    if (next._tag === "Stop") return this.stop(next.reason)
    // Handled: an idle actor does not keep its last message alive.
    this.last = undefined
    this.state = next.state
    if (next.selector._tag === "Some") {
      this.user = next.selector.value as SelectorImpl<unknown>
      this.scanned = undefined
    }
    return this.proceed((next as Continue<unknown, unknown>).after)
  }

  /**
   * Takes what a handler's (or the initialiser's) answer asks for before the next wait: the idle timeout of that
   * wait (any earlier one is gone: it applies to one wait, as the timeout of a gen_server's return does), a message
   * to handle before any other, hibernation. `undefined`, or the defect of an invalid timeout.
   */
  proceed(after: After<unknown>): Effect.Effect<never> | undefined {
    if (after === plain) {
      this.idle = undefined
      this.hibernating = false
      return undefined
    }
    const idle = after.idleTimeout
    if (idle?.invalid !== undefined) return Effect.die(idle.invalid)
    this.idle = idle
    this.hibernating = after.hibernate
    if (after.continuation._tag === "Some") {
      this.continuing = true
      this.continuation = after.continuation.value
    }
    return undefined
  }

  /**
   * Erlang's hibernation (`{noreply, State, hibernate}`) drops an idle process's stack and compacts its heap with a
   * full garbage collection. A JavaScript heap is one for all, collected as V8 sees fit, and a parked actor's fiber
   * holds no stack of the handler's: what an idle actor can drop is what the library keeps to go faster and can
   * rebuild, the loop's scan mark and the process record's containers left empty or oversized by earlier calls,
   * timers, links and waiters (see `compact` in `process.ts`). Its last message is already gone: `next` drops it once
   * handled.
   */
  hibernate(): void {
    this.scanned = undefined
    compact(this.self)
  }

  /**
   * Handles one message: `undefined` when that is done already (a system message, or a handler that answered with
   * `Effect.succeed(next)`, an `Exit`, which needs no continuation frame unless every message gets its own span),
   * or the effect that handles it and goes on.
   */
  handle(message: unknown): Effect.Effect<void, unknown, unknown> | undefined {
    if (this.metrics !== undefined) this.metrics.handled()
    if (message instanceof SystemMessage) {
      this.system(message.request)
      return undefined
    }
    if (message instanceof ExitSignal) {
      this.last = message.exit
      return this.exit(message.exit)
    }
    this.last = message
    const handled = this.handler(this.state, message)
    if (this.trace === untraced && Exit.isExit(handled) && Exit.isSuccess(handled)) {
      return this.next(handled.value as Next<unknown, unknown>)
    }
    return Effect.flatMap(this.trace(handled), afterHandler)
  }

  /**
   * The loop proper. Queued messages are handled right here, in a plain loop, as long as their handlers answer at
   * once: a busy actor goes through the runtime only for handlers that need it, and suspends its fiber (an
   * `Effect.callback` round trip) only when nothing it selects is queued. After a batch it yields to the other
   * fibers, as an Erlang process is preempted after a budget of reductions.
   */
  drain(): Effect.Effect<void, unknown, unknown> {
    const self = this.self
    const mailbox = self.mailbox
    for (let i = 0; i < BATCH; i++) {
      // A process with a pending exit signal takes no more messages (a handler may also have ended its own process).
      if (!self.alive) return parked
      let message: unknown
      if (this.continuing) {
        // `withContinue`: handled before anything the mailbox holds, system messages included, as gen_server runs
        // `handle_continue` before its loop receives again.
        message = this.continuation
        this.continuing = false
        this.continuation = undefined
      } else {
        if (mailbox.length === 0) return parked
        const found = this.take()
        if (found === undefined) return parked
        self.messagesIn++
        try {
          message = mailbox.selected!(found.value)
        } catch (defect) {
          return Effect.die(defect)
        }
      }
      const effect = this.handle(message)
      if (effect !== undefined) return effect
    }
    return yieldThenStep
  }

  /** Runs the loop on the actor's own fiber, with its log annotations and message spans. */
  run(name: string | undefined): Effect.Effect<void, unknown, unknown> {
    this.self.behaviour = this
    const pid = this.self.pid.toString()
    // The actor's fiber is its own: its annotations are set once in its context, not with `annotateLogs`, which
    // keeps a restore frame on the stack for the actor's whole life.
    return Effect.withFiber<void, unknown, unknown>((fiber) => {
      this.trace = annotateBehaviour(fiber, pid, name)
      if (enabledIn(fiber)) this.metrics = new LoopMetrics(fiber.context, this.self)
      return step
    })
  }

  /** A linked process exited and this actor traps exits (it has `onTerminate`, or its init asked to). */
  exit(exit: ExitMessage): Effect.Effect<void, unknown, unknown> | undefined {
    return stopsOnExit(exit, this.parent, this.stopsOnParentNormal) ? this.stop(exit.reason) : undefined
  }

  stop(reason: ExitReason): Effect.Effect<void, unknown, unknown> {
    return terminateThenEnd(this.self, reason, this.terminate?.(this.state, reason))
  }

  /**
   * The actor is ending: its mailbox gauge goes with it, and so does the timer of an idle timeout it was waiting
   * with (its receive registers no canceller, see `receiveNext`).
   */
  released(): void {
    this.metrics?.mailbox?.remove()
    if (this.timer !== undefined) {
      this.timer.cancel()
      this.timer = undefined
    }
  }

  /** The actor's crash report (gen_server's "terminating" error report): see `terminatingReport`. */
  crashReport(reason: ExitReason, signalled: boolean): Effect.Effect<void> | undefined {
    const format = this.reportState
    return terminatingReport(
      "actor",
      this.self,
      reason,
      signalled,
      () => ({ last_message: this.last }),
      format === undefined ? undefined : () => format(this.state)
    )
  }

  system(request: SystemRequest): void {
    answerSystem(this, request)
  }
}

/**
 * Annotates the logs of a behaviour's own fiber with its pid and name (an unnamed one does not keep the `actor`
 * annotation of the actor that spawned it), and gives the span its messages are handled in.
 * @internal
 */
export const annotateBehaviour = (
  fiber: Fiber.Fiber<unknown, unknown>,
  pid: string,
  name: string | undefined
): TraceMessage => {
  const { actor: _, ...inherited } = fiber.getRef(References.CurrentLogAnnotations)
  const annotations = name === undefined ? { ...inherited, pid } : { ...inherited, pid, actor: name }
  fiber.setContext(Context.add(fiber.context, References.CurrentLogAnnotations, annotations))
  const attributes: Record<string, unknown> = name === undefined ?
    { "otp.pid": pid } :
    { "otp.pid": pid, "otp.name": name }
  return traceMessages(fiber, name ?? pid, attributes)
}

/**
 * An actor's metrics, labelled with its name's prefix: messages handled (a counter updated per message), and, for a
 * named actor, its mailbox length (a gauge read from the mailbox when the metrics are, given back when it ends).
 */
/** @internal */
export class LoopMetrics {
  readonly handled: () => void
  readonly mailbox: Metric.Registration | undefined
  constructor(context: Context.Context<never>, self: ProcessState) {
    const name = self.name?.prefix
    const count = updaterOf(actorMetrics(name).handled, context)
    this.handled = () => count(1)
    this.mailbox = name === undefined ? undefined : registerMailbox(name, self.mailbox, context)
  }
}

// The loop's effects are made once for every actor: each finds its loop through the fiber it runs on, so that an
// idle actor carries no closures or effects of its own.

/** The loop of the actor whose fiber is running. */
const currentLoop = (): Loop => processOf(Fiber.getCurrent()!)!.behaviour as Loop

/**
 * The next message the actor selects (system messages and the parent's exit included).
 *
 * It registers no canceller, on purpose: the actor's fiber is only ever interrupted when its process ends (a signal,
 * a kill, or interruption from outside, which ends the process too), and then the mailbox is dropped with its waiter,
 * while a message handed to the loop before that is lost with the process, as in Erlang. Without a canceller, a
 * parked actor carries no finalizer frame for as long as it waits.
 */
const receiveNext: Effect.Effect<unknown> = Effect.callback<unknown>((resume) => {
  const loop = currentLoop()
  loop.wait(resume, loop.waitMillis(), false)
  // Parked, idle: `wait` ran the processes it woke first (a caller it replied to has taken its reply and dropped
  // its entry from this actor's monitors), so what hibernation drops is what the actor keeps while idle.
  if (loop.hibernating && loop.resume !== undefined) loop.hibernate()
})

const afterHandler = (next: Next<unknown, unknown>): Effect.Effect<void, unknown, unknown> => {
  const loop = currentLoop()
  return loop.next(next) ?? loop.drain()
}

const dispatch = (message: unknown): Effect.Effect<void, unknown, unknown> => {
  const loop = currentLoop()
  return loop.handle(message) ?? loop.drain()
}

/** Parks until a message the actor selects arrives, then handles it. */
const parked: Effect.Effect<void, unknown, unknown> = Effect.flatMap(receiveNext, dispatch)

const step: Effect.Effect<void, unknown, unknown> = Effect.suspend(() => currentLoop().drain())

const yieldThenStep: Effect.Effect<void, unknown, unknown> = Effect.andThen(Effect.yieldNow, step)
