/**
 * The state machine's loop (gen_statem's): take the next event, run the handler, apply the transition and its
 * actions, run the state enter call after a state change, start the timeouts; answer system messages between two
 * events taken from the mailbox.
 *
 * Where the next event comes from, in order (each rule checked on Erlang/OTP 25, see `StateMachine.test.ts`):
 * 1. the queue of events inserted by `nextEvent` and of postponed events retried after a state change: the inserted
 *    events of the last transition first, in the order of its actions, then the postponed events, in the order they
 *    first arrived (gen_statem's `lists:reverse(NextEventsR, lists:reverse(Postponed, Events))`);
 * 2. then the timeouts of 0 (Erlang enqueues them "before any not yet received external event, but after already
 *    queued events"), in the order of the last action of each kind;
 * 3. then the mailbox, where system messages are answered too (gen_statem only reads them in its receive, so a
 *    machine working through queued events answers them afterwards).
 *
 * Timers deliver to the machine's mailbox, as Erlang's timer messages do, so a timeout that expires is ordered with
 * the messages by arrival. A timer cancelled or restarted after it fired is not handled (gen_statem flushes it).
 *
 * @internal
 */
import type { Clock } from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import type { ExitMessage, ExitReason } from "../Process.js"
import type * as StateMachine from "../StateMachine.js"
import {
  annotateBehaviour,
  ExitSignal,
  LoopMetrics,
  matchBehaviour,
  stopsOnExit,
  SystemMessage,
  terminateThenEnd
} from "./loop.js"
import type { Envelope, Handler } from "./mailbox.js"
import { enabledIn } from "./metrics.js"
import type { ProcessState } from "./process.js"
import { identity, Receiver } from "./receive.js"
import { terminatingReport } from "./report.js"
import type { ActionImpl, StatemBuilder, TimeoutAction, TransitionImpl } from "./statem.js"
import { actionImpl, CANCEL, EVENT_TIMEOUT, STATE_TIMEOUT } from "./statem.js"
import type { SubjectImpl } from "./subject.js"
import { unsafeSend } from "./subject.js"
import { answerSystem } from "./sys.js"
import type { Cancel } from "./timer.js"
import { clockOf, schedule } from "./timer.js"
import type { TraceMessage } from "./trace.js"
import { untraced } from "./trace.js"

type Event = StateMachine.Event<unknown>

/** The tag the machine's own timers deliver under. */
const timerTag = { toString: () => "StateMachine.timer" }

/**
 * One running timeout of a kind (the event timeout, the state timeout, a generic timeout by name): a timer, or a
 * timeout of 0 waiting in the queue of zero timeouts. The machine keeps the current one per kind; a fired timer
 * whose slot is no longer current is stale.
 */
class Slot {
  timer: Cancel | undefined = undefined
  constructor(readonly key: string, readonly event: Event) {}
  cancel(): void {
    this.timer?.cancel()
    this.timer = undefined
  }
}

/** A programmer mistake in what a handler answered: the machine crashes with it, as gen_statem does. */
const badReturn = (message: string) => Effect.die(new Error(`StateMachine: ${message}`))

/** @internal */
export class Machine extends Receiver<unknown, never> {
  suspended = false
  /** Events postponed in the current state, oldest first. */
  postponed: Array<Event> = []
  /** Events to handle before the mailbox: inserted ones, and postponed ones retried after a state change. */
  queue: Array<Event> = []
  /** Timeouts of 0, handled after the queue and before the mailbox. */
  zero: Array<Slot> = []
  readonly slots = new Map<string, Slot>()
  /** The event being handled, or handled last, for the crash report. */
  last: unknown = undefined
  trace: TraceMessage = untraced
  clock: Clock | undefined = undefined
  /** Its metrics, when they are on: the actor's (messages handled, a named one's mailbox length). */
  metrics: LoopMetrics | undefined = undefined
  readonly handler: StatemBuilder["handler"]
  readonly enter: StatemBuilder["enter"]
  readonly terminate: StatemBuilder["terminate"]
  readonly reportState: StatemBuilder["reportState"]

  constructor(
    self: ProcessState,
    readonly parent: ProcessState,
    builder: StatemBuilder,
    public current: unknown,
    public data: unknown,
    readonly ownTag: unknown
  ) {
    super(self)
    this.handler = builder.handler
    this.enter = builder.enter
    this.terminate = builder.terminate
    this.reportState = builder.reportState
  }

  /** What `System.getState` shows and `System.replaceState` replaces: the state and the data. */
  get state(): { readonly state: unknown; readonly data: unknown } {
    return { state: this.current, data: this.data }
  }
  set state(value: { readonly state: unknown; readonly data: unknown }) {
    this.current = value.state
    this.data = value.data
  }

  // -------------------------------------------------------------------------------------------------------------
  // The receive
  // -------------------------------------------------------------------------------------------------------------

  /** The actor loop's rule; its parent's exit signal stops it whatever the reason, as gen_statem's does. */
  match(envelope: Envelope): Handler | undefined {
    return matchBehaviour(this, envelope, true)
  }

  /** Its own subject's messages and its timers'. */
  selectUser(envelope: Envelope): Handler | undefined {
    return envelope.tag === this.ownTag || envelope.tag === timerTag ? identity : undefined
  }

  received(handler: Handler, value: unknown): Effect.Effect<unknown> {
    return Effect.sync(() => handler(value))
  }

  /** Runs the machine on its own fiber, with its log annotations, spans and metrics; `actions` are init's. */
  run(
    name: string | undefined,
    actions: ReadonlyArray<StateMachine.Action<unknown>>
  ): Effect.Effect<void, unknown, unknown> {
    this.self.behaviour = this
    const pid = this.self.pid.toString()
    return Effect.withFiber<void, unknown, unknown>((fiber) => {
      this.trace = annotateBehaviour(fiber, pid, name)
      this.clock = clockOf(fiber)
      if (enabledIn(fiber)) this.metrics = new LoopMetrics(fiber.context, this.self)
      // gen_statem's init is a transition from the initial state to itself: the enter call runs for the initial
      // state (old state = the initial state), then init's actions apply (its inserted events come after the call).
      const initial = this.current
      return this.transition(undefined, new TransitionImplLike("RepeatState", actions), initial)
    })
  }

  // -------------------------------------------------------------------------------------------------------------
  // The loop
  // -------------------------------------------------------------------------------------------------------------

  /** Handles the next event: queued, then a timeout of 0, then from the mailbox. */
  next(): Effect.Effect<void, unknown, unknown> {
    if (!this.self.alive) return Effect.never
    const queued = this.queue.shift()
    if (queued !== undefined) return this.handle(queued)
    const zero = this.zero.shift()
    if (zero !== undefined) {
      this.slots.delete(zero.key)
      return this.handle(zero.event)
    }
    return Effect.flatMap(
      Effect.callback<unknown>((resume) => {
        this.wait(resume, Infinity, false)
      }),
      (message) => this.dispatch(message)
    )
  }

  private dispatch(message: unknown): Effect.Effect<void, unknown, unknown> {
    if (message instanceof SystemMessage) {
      answerSystem(this, message.request)
      return this.next()
    }
    if (message instanceof ExitSignal) {
      this.last = message.exit
      return this.exit(message.exit) ?? this.next()
    }
    if (message instanceof Slot) {
      // A timer cancelled or restarted after it fired: gen_statem flushes its message.
      if (this.slots.get(message.key) !== message) return this.next()
      this.slots.delete(message.key)
      return this.handle(message.event)
    }
    return this.handle({ _tag: "Message", event: message })
  }

  /** Runs the handler on one event, then applies its transition. */
  private handle(event: Event): Effect.Effect<void, unknown, unknown> {
    // Any event cancels the event timeout (gen_statem: "cancelled by any event").
    this.cancelSlot(EVENT_TIMEOUT)
    this.last = event
    this.metrics?.handled()
    const state = this.current
    return Effect.flatMap(
      this.trace(this.handler(event, state, this.data)),
      (transition) => this.transition(event, transition, state)
    )
  }

  /**
   * Applies a handler's transition (or init's, `event` undefined): replies, postpone, the new state and data; after
   * a state change the postponed events are queued again and the state timeout is cancelled; then the enter call;
   * then the inserted events and the timeouts.
   */
  private transition(
    event: Event | undefined,
    transition: TransitionImpl | TransitionImplLike,
    old: unknown
  ): Effect.Effect<void, unknown, unknown> {
    if (transition.kind === "Stop") return this.stopWith(transition as TransitionImpl)
    const inserted: Array<unknown> = []
    const timeouts: Array<TimeoutAction> = []
    let postpone = false
    for (const action of transition.actions) {
      const impl = actionImpl(action)
      if (impl._tag === "Postpone") postpone = true
      else if (impl._tag === "NextEvent") inserted.push(impl.event)
      else this.effectOf(impl, timeouts)
    }
    if (postpone && event === undefined) return badReturn("postpone is not allowed from init")
    if (postpone) this.postponed.push(event!)
    const changed = transition.kind === "NextState" && !Equal.equals(this.current, transition.state)
    if (transition.kind === "NextState") this.current = transition.state
    if (transition.hasData) this.data = transition.data
    if (changed) {
      // A state change retries the postponed events, and cancels the state timeout.
      if (this.postponed.length > 0) {
        this.queue = this.postponed.concat(this.queue)
        this.postponed = []
      }
      this.cancelSlot(STATE_TIMEOUT)
    }
    const queueInserted = () => {
      if (inserted.length > 0) {
        const events: Array<Event> = inserted.map((value) => ({ _tag: "Internal", event: value }))
        this.queue = events.concat(this.queue)
      }
    }
    if (this.enter !== undefined && (changed || transition.kind === "RepeatState")) {
      return this.enterCall(old, timeouts, queueInserted)
    }
    queueInserted()
    this.startTimeouts(timeouts)
    return this.next()
  }

  /** Sends a reply at once, or collects a timeout action. */
  private effectOf(impl: ActionImpl, timeouts: Array<TimeoutAction>): void {
    if (impl._tag === "Reply") {
      this.self.messagesOut++
      unsafeSend(impl.replyTo as SubjectImpl<unknown>, impl.value)
    } else if (impl._tag === "Timeout") {
      timeouts.push(impl)
    }
  }

  /**
   * The state enter call: it may keep or repeat the state, change the data, stop, and set timeouts and reply; it may
   * not change the state, postpone or insert events (gen_statem crashes with `bad_state_enter_return` /
   * `bad_state_enter_action`). Its timeouts apply after the handler's, so the last of each kind wins.
   */
  private enterCall(
    old: unknown,
    timeouts: Array<TimeoutAction>,
    queueInserted: () => void
  ): Effect.Effect<void, unknown, unknown> {
    const state = this.current
    return Effect.flatMap(this.enter!(old, state, this.data), (result) => {
      if (result.kind === "Stop") return this.stopWith(result)
      if (result.kind === "NextState" && !Equal.equals(result.state, state)) {
        return badReturn("an enter call may not change the state (gen_statem's bad_state_enter_return)")
      }
      for (const action of result.actions) {
        const impl = actionImpl(action)
        if (impl._tag === "Postpone" || impl._tag === "NextEvent") {
          return badReturn(`an enter call may not ${impl._tag === "Postpone" ? "postpone" : "insert events"}`)
        }
        this.effectOf(impl, timeouts)
      }
      if (result.hasData) this.data = result.data
      // repeat_state from an enter call runs the enter call again (gen_statem's rule).
      if (result.kind === "RepeatState") return this.enterCall(old, timeouts, queueInserted)
      queueInserted()
      this.startTimeouts(timeouts)
      return this.next()
    })
  }

  // -------------------------------------------------------------------------------------------------------------
  // Timeouts
  // -------------------------------------------------------------------------------------------------------------

  /**
   * Starts the timeouts of one transition. Only the last action of each kind counts (gen_statem walks them from the
   * last, skipping kinds it has seen). Infinity starts nothing and cancels a running one of its kind; 0 queues the
   * timeout event after the queued events, in the order of those last actions. An event timeout is not started when
   * events are queued: the first of them would cancel it.
   */
  private startTimeouts(timeouts: ReadonlyArray<TimeoutAction>): void {
    if (timeouts.length === 0) return
    const seen = new Set<string>()
    const zeros: Array<Slot> = []
    for (let i = timeouts.length - 1; i >= 0; i--) {
      const timeout = timeouts[i]
      if (seen.has(timeout.key)) continue
      seen.add(timeout.key)
      this.cancelSlot(timeout.key)
      if (timeout.millis === CANCEL || timeout.millis === Infinity) continue
      if (timeout.key === EVENT_TIMEOUT && this.queue.length > 0) continue
      const slot = new Slot(timeout.key, timeout.event!)
      this.slots.set(timeout.key, slot)
      if (timeout.millis === 0) {
        zeros.unshift(slot)
      } else {
        const self = this.self
        const timer = schedule(this.clock!, timeout.millis, () => {
          self.timers?.delete(timer)
          slot.timer = undefined
          if (self.alive) self.mailbox.deliver(timerTag, slot)
        })
        slot.timer = timer
        if (self.timers === undefined) self.timers = new Set()
        self.timers.add(timer)
      }
    }
    if (zeros.length > 0) this.zero.push(...zeros)
  }

  private cancelSlot(key: string): void {
    const slot = this.slots.get(key)
    if (slot === undefined) return
    this.slots.delete(key)
    if (slot.timer !== undefined) {
      this.self.timers?.delete(slot.timer)
      slot.cancel()
    } else {
      const at = this.zero.indexOf(slot)
      if (at >= 0) this.zero.splice(at, 1)
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // The end
  // -------------------------------------------------------------------------------------------------------------

  private stopWith(transition: TransitionImpl): Effect.Effect<void, unknown, unknown> {
    // {stop_and_reply, Reason, Replies}: the replies are sent before the machine terminates. Any other action
    // crashes it once the replies before it are sent, as gen_statem does (checked on erl).
    for (const action of transition.actions) {
      const impl = actionImpl(action)
      if (impl._tag !== "Reply") {
        return badReturn(
          `stop may only carry replies, got ${impl._tag} (gen_statem's bad_reply_action_from_state_function)`
        )
      }
      this.effectOf(impl, [])
    }
    if (transition.hasData) this.data = transition.data
    return this.stop(transition.reason)
  }

  /** A linked process exited and the machine traps exits (it has `onTerminate`): the actor loop's rule. */
  private exit(exit: ExitMessage): Effect.Effect<void, unknown, unknown> | undefined {
    return stopsOnExit(exit, this.parent, true) ? this.stop(exit.reason) : undefined
  }

  private stop(reason: ExitReason): Effect.Effect<void, unknown, unknown> {
    return terminateThenEnd(this.self, reason, this.terminate?.(this.current, this.data, reason))
  }

  /** The machine is ending: its mailbox gauge goes with it. */
  released(): void {
    this.metrics?.mailbox?.remove()
  }

  /** gen_statem's "terminating" error report (see `terminatingReport`), with the state and the last event. */
  crashReport(reason: ExitReason, signalled: boolean): Effect.Effect<void> | undefined {
    const format = this.reportState
    return terminatingReport(
      "state machine",
      this.self,
      reason,
      signalled,
      () => ({ last_event: this.last, postponed: this.postponed.length }),
      format === undefined ? undefined : () => format(this.current, this.data)
    )
  }
}

/** Init's actions, applied as a repeat of the initial state (an enter call, no state change). */
class TransitionImplLike {
  readonly hasData = false
  readonly data = undefined
  readonly state = undefined
  constructor(readonly kind: "RepeatState", readonly actions: ReadonlyArray<StateMachine.Action<unknown>>) {}
}
