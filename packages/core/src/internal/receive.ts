/**
 * The one way a process waits for a message. `Subject.receive`, `Selector.receive`, `Subject.call`, the start
 * handshake, `Task.await` and the actor loop all wait through a `Receiver`:
 *
 * 1. inside `Effect.callback`, it takes the first queued message it selects, if any, and the fiber goes on at once;
 * 2. otherwise it parks in the mailbox as a waiter, arms its timeout, and runs the queue of woken processes
 *    (`runQueued`) before its fiber suspends: whoever it just sent to runs now, and may answer before the fiber has
 *    even suspended;
 * 3. the mailbox hands it a message it selects (taking the receiver off the mailbox in the same step), or the timeout
 *    passes; either way the fiber's resumption waits in the run queue (`wake`), and the message waits with it;
 * 4. a receive interrupted in between (its fiber interrupted before the queue resumed it) gives the message back to
 *    the mailbox, in its place, so that no message is lost with a receive that did not complete.
 *
 * The actor loop registers no canceller (step 4): its fiber is only interrupted when its process ends, and a
 * message handed over then is lost with the process, as in Erlang. A parked actor then carries no canceller.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { Identity } from "./identity.js"
import type { Envelope, Handler, Matcher, Waiter } from "./mailbox.js"
import type { ProcessState } from "./process.js"
import { runQueued, wake } from "./scheduler.js"
import type { Cancel } from "./timer.js"
import { clockOf, schedule } from "./timer.js"

/** A handler that passes the message on as it is. @internal */
export const identity: Handler = (value) => value

/** What a receiver resumes its fiber with for a message: the value, or the handler's result (a throw is a defect). @internal */
export const applyHandler = <A>(handler: Handler, value: unknown): Effect.Effect<A> =>
  handler === identity ? Exit.succeed(value as A) : Effect.sync(() => handler(value) as A)

/** What a receive without a timeout resumes with when its timeout passes: never. @internal */
export const neverTimesOut = (): Effect.Effect<never> => Effect.die(new Error("a receive without a timeout timed out"))

/** A receive in progress. Subclasses say what it selects and what the fiber gets. @internal */
export abstract class Receiver<A, E> extends Identity implements Waiter {
  /** The waiting fiber's resumption, while it waits. */
  resume: ((effect: Effect.Effect<A, E>) => void) | undefined = undefined
  timer: Cancel | undefined = undefined
  /** The envelope the mailbox handed over, while the resumption waits in the run queue. */
  inFlight: Envelope | undefined = undefined
  inFlightHandler: Handler | undefined = undefined
  /**
   * The last queued envelope this receive rejected: the next scan starts after it. A receiver that keeps what it
   * selects (the actor loop) does not rescan a backlog of messages it does not select; a call starts after the
   * mailbox's tail at the time it sent its request, as Erlang skips the messages older than a call's reference.
   */
  scanned: Envelope | undefined = undefined

  constructor(readonly self: ProcessState) {
    super()
  }

  toString() {
    return `Receive(${this.self.pid.toString()})`
  }
  toJSON(): unknown {
    return { _id: "Receive", pid: this.self.pid.toString() }
  }

  /** Whether this receive selects the envelope, and with which handler. */
  abstract match(envelope: Envelope): Handler | undefined

  /** What the fiber resumes with for a message it selected. */
  abstract received(handler: Handler, value: unknown): Effect.Effect<A, E>

  /** What the fiber resumes with when the timeout passes (a receive without a timeout never gets here). */
  timedOut(): Effect.Effect<A, E> {
    return neverTimesOut()
  }

  /** Called once when the receive ends, however it ends (message, timeout, interruption). */
  ended(): void {}

  finished = false

  finish(): void {
    if (this.finished) return
    this.finished = true
    this.ended()
  }

  /** Takes the first queued envelope this receive selects (its handler is then `mailbox.selected`). */
  take(): Envelope | undefined {
    const mailbox = this.self.mailbox
    const found = mailbox.takeAfter(this, this.scanned)
    this.scanned = mailbox.rejected
    return found
  }

  /**
   * Runs inside `Effect.callback`: resumes at once with a queued message, or with the timeout when `millis` is 0 (a
   * poll); otherwise parks for `millis` (Infinity: for ever). Returns the canceller when `cancellable` and parked.
   */
  wait(
    resume: (effect: Effect.Effect<A, E>) => void,
    millis: number,
    cancellable: boolean
  ): Effect.Effect<void> | undefined {
    const self = this.self
    this.finished = false
    // A process with a pending exit signal takes no more messages: it waits for the signal to end it.
    const found = self.alive ? this.take() : undefined
    if (found !== undefined) {
      self.messagesIn++
      this.finish()
      resume(this.received(self.mailbox.selected!, found.value))
      return undefined
    }
    if (millis <= 0) {
      this.finish()
      resume(this.timedOut())
      return undefined
    }
    this.resume = resume
    self.mailbox.park(this)
    if (millis !== Infinity) this.timer = schedule(clockOf(Fiber.getCurrent()!), millis, () => this.timeout())
    runQueued()
    return cancellable ? Effect.sync(() => this.cancel()) : undefined
  }

  /** The mailbox selected an envelope for this parked receive (it took the receive off already). */
  wake(handler: Handler, envelope: Envelope): void {
    if (this.timer !== undefined) {
      this.timer.cancel()
      this.timer = undefined
    }
    this.self.messagesIn++
    this.inFlight = envelope
    this.inFlightHandler = handler
    this.finish()
    wake(deliver, this)
  }

  /** The timeout passed while parked. */
  timeout(): void {
    this.timer = undefined
    if (!this.self.mailbox.unpark(this)) return
    this.finish()
    this.expired()
    wake(expire, this)
  }

  /** Called when the timeout passed, after `ended`, before the fiber resumes with `timedOut`. */
  expired(): void {}

  /** The fiber was interrupted while waiting: nothing is left behind, and a message handed over goes back. */
  cancel(): void {
    this.self.mailbox.unpark(this)
    if (this.timer !== undefined) {
      this.timer.cancel()
      this.timer = undefined
    }
    this.resume = undefined
    const envelope = this.inFlight
    if (envelope !== undefined) {
      this.inFlight = undefined
      if (this.self.alive) this.self.mailbox.giveBack(envelope)
    }
    this.finish()
  }
}

/** Resumes a receiver with the message it took (unless its receive was cancelled since). */
const deliver = (receiver: Receiver<any, any>): void => {
  const envelope = receiver.inFlight
  const resume = receiver.resume
  if (envelope === undefined || resume === undefined) return
  receiver.inFlight = undefined
  receiver.resume = undefined
  resume(receiver.received(receiver.inFlightHandler!, envelope.value))
}

/** Resumes a receiver whose timeout passed (unless its receive was cancelled since). */
const expire = (receiver: Receiver<any, any>): void => {
  const resume = receiver.resume
  if (resume === undefined) return
  receiver.resume = undefined
  resume(receiver.timedOut())
}

/** A receive of the first message a matcher selects; `onTimeout` says what a timeout gives. @internal */
export class MatchReceiver<A, E> extends Receiver<A, E> {
  constructor(self: ProcessState, readonly matcher: Matcher, readonly onTimeout: () => Effect.Effect<A, E>) {
    super(self)
  }
  match(envelope: Envelope): Handler | undefined {
    return this.matcher(envelope)
  }
  received(handler: Handler, value: unknown): Effect.Effect<A, E> {
    return applyHandler(handler, value)
  }
  override timedOut(): Effect.Effect<A, E> {
    return this.onTimeout()
  }
}

/**
 * Selective receive: the first queued message the matcher selects, else the first one to arrive within `millis`
 * (0 polls, Infinity waits for ever).
 * @internal
 */
export const receiveMatching = <A, E>(
  self: ProcessState,
  millis: number,
  match: Matcher,
  onTimeout: () => Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.callback<A, E>((resume) => new MatchReceiver<A, E>(self, match, onTimeout).wait(resume, millis, true))
