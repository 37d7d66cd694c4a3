/**
 * Subjects (typed addresses), send, selective receive, call, and timers that send.
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Fiber from "effect/Fiber"
import * as Hash from "effect/Hash"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import type * as Subject from "../Subject.js"
import { CalleeDown, CallingSelf, CallTimeout, NoProcess, ReceiveTimeout } from "./errors.js"
import { deferred, overBudget, resumeFairly } from "./fairness.js"
import type { Envelope, Handler, Matcher, Waiter } from "./mailbox.js"
import type { NameImpl } from "./name.js"
import type { MonitorEntry, ProcessState } from "./process.js"
import { CalleeExited, currentProcess, whereis, withSelf } from "./process.js"
import type { Cancel } from "./timer.js"
import { clockOf, schedule } from "./timer.js"

/** @internal */
export const SubjectTypeId: Subject.SubjectTypeId = Symbol.for("@effect-otp/core/Subject") as Subject.SubjectTypeId

let nextTag = 1

/** Shared by every subject, so a subject costs one small object (no per-instance closure). */
const variance = { _A: (_: any) => _ }

/** The tag a process's mailbox files a subject's messages under. A reply tag is deactivated after its call. */
export class Tag {
  readonly id = nextTag++
  active = true
  /** The process that owns the subject filed under this tag, when the tag is one subject's (not a shared one). */
  constructor(readonly owner?: ProcessState) {}
}

/** @internal */
export abstract class SubjectImpl<A> implements Subject.Subject<A> {
  readonly [SubjectTypeId]: { readonly _A: (_: A) => A } = variance
  /** What the owner's mailbox files this subject's messages under. */
  abstract readonly tag: unknown
  /** The live process this subject reaches now, if any. */
  abstract resolve(): ProcessState | undefined
  /** `false` once a reply subject's call has ended: messages to it are dropped. */
  get active(): boolean {
    return true
  }
  abstract toString(): string
  abstract [Equal.symbol](that: unknown): boolean
  abstract [Hash.symbol](): number
  toJSON() {
    return { _id: "Subject", address: this.toString() }
  }
  [Inspectable.NodeInspectSymbol]() {
    return this.toString()
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
}

/** @internal */
export const isSubject = (u: unknown): u is SubjectImpl<unknown> =>
  typeof u === "object" && u !== null && SubjectTypeId in u

/** A subject owned by a process: its pid and a unique tag. @internal */
export class OwnedSubject<A> extends SubjectImpl<A> {
  constructor(readonly owner: ProcessState, readonly tag: Tag) {
    super()
  }
  resolve(): ProcessState | undefined {
    return this.owner.alive ? this.owner : undefined
  }
  override get active(): boolean {
    return this.tag.active
  }
  toString() {
    return `Subject(${this.owner.pid.toString()}, #${this.tag.id})`
  }
  [Equal.symbol](that: unknown): boolean {
    return that instanceof OwnedSubject && that.tag === this.tag
  }
  [Hash.symbol](): number {
    return Hash.number(this.tag.id)
  }
}

/** A subject that reaches whichever process is registered under a name at each send. @internal */
export class NamedSubject<A> extends SubjectImpl<A> {
  readonly tag: string
  constructor(readonly name: NameImpl<A>) {
    super()
    this.tag = name.key
  }
  resolve(): ProcessState | undefined {
    return whereis(this.name)
  }
  toString() {
    return `Subject(${this.name.key})`
  }
  [Equal.symbol](that: unknown): boolean {
    return that instanceof NamedSubject && that.tag === this.tag
  }
  [Hash.symbol](): number {
    return Hash.string(this.tag)
  }
}

/** @internal */
export const make = <A>(): Effect.Effect<SubjectImpl<A>> =>
  withSelf((self) => Effect.succeed(new OwnedSubject<A>(self, new Tag(self))))

/** @internal */
export const named = <A>(name: NameImpl<A>): SubjectImpl<A> => new NamedSubject(name)

/** Delivers at once, from any code (also from timers and callbacks); `false` when nobody got it. @internal */
export const unsafeSend = <A>(subject: SubjectImpl<A>, message: A): boolean => {
  const target = subject.resolve()
  if (target === undefined || !subject.active) return false
  target.mailbox.deliver(subject.tag, message)
  return true
}

/** @internal */
export const send = <A>(subject: SubjectImpl<A>, message: A): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    const sender = fiber.getFiberRef(currentProcess)
    if (sender !== undefined) sender.messagesOut++
    unsafeSend(subject, message)
    return Effect.void
  })

/** @internal */
export const trySend = <A>(subject: SubjectImpl<A>, message: A): Effect.Effect<void, NoProcess> =>
  Effect.suspend(() =>
    unsafeSend(subject, message) ? Effect.void : Effect.fail(new NoProcess({ target: subject.toString() }))
  )

const identity: Handler = (value) => value

/** A matcher that selects the messages filed under one tag. @internal */
export const matchTag = (tag: unknown): Matcher => (envelope: Envelope) => envelope.tag === tag ? identity : undefined

const applyHandler = <A>(handler: Handler, value: unknown): Effect.Effect<A> =>
  handler === identity ? Effect.succeed(value as A) : Effect.sync(() => handler(value) as A)

/**
 * Selective receive: the first queued message the matcher selects, else the first one to arrive within `millis`
 * (0 polls, Infinity waits forever). The mailbox is checked inside the registration itself, so a message sent
 * while the receiver was getting ready is never missed.
 * @internal
 */
export const receiveMatching = <A, E>(
  self: ProcessState,
  millis: number,
  match: Matcher,
  onTimeout: () => E
): Effect.Effect<A, E> =>
  Effect.withFiberRuntime<A, E>((fiber) =>
    Effect.async<A, E>((resume) => {
      const received = (handler: Handler, envelope: Envelope) => {
        self.messagesIn++
        resume(applyHandler(handler, envelope.value))
      }
      const found = self.mailbox.take(match)
      if (found !== undefined) return received(found[0], found[1])
      if (millis <= 0) {
        resume(Effect.fail(onTimeout()))
        return
      }
      let cancel: Cancel | undefined
      // The envelope taken while the resumption is deferred for fairness: a receive interrupted before it resumes
      // gives it back, so the message is not lost.
      let inFlight: Envelope | undefined
      const waiter: Waiter = {
        match,
        wake: (handler, envelope) => {
          if (cancel !== undefined) cancel.cancel()
          if (!overBudget()) return received(handler, envelope)
          inFlight = envelope
          deferred(() => {
            if (inFlight !== envelope) return
            inFlight = undefined
            received(handler, envelope)
          })
        }
      }
      self.mailbox.park(waiter)
      if (millis !== Infinity) {
        cancel = schedule(clockOf(fiber), millis, () => {
          if (self.mailbox.unpark(waiter)) resume(Effect.fail(onTimeout()))
        })
      }
      return Effect.sync(() => {
        self.mailbox.unpark(waiter)
        if (cancel !== undefined) cancel.cancel()
        if (inFlight !== undefined) {
          const envelope = inFlight
          inFlight = undefined
          self.mailbox.giveBack(envelope)
        }
      })
    })
  )

/** @internal */
export const describeMillis = (millis: number): string => Duration.format(Duration.millis(millis))

const ownerCheck = <A>(self: ProcessState, subject: SubjectImpl<A>): void => {
  const owner = subject instanceof OwnedSubject ? (subject as OwnedSubject<unknown>).owner : subject.resolve()
  if (owner !== self) {
    throw new Error(
      `Subject.receive: ${subject.toString()} is not owned by the receiving process ${self.pid.toString()}; ` +
        `only the owner of a subject can receive from it`
    )
  }
}

/** @internal */
export const receive = <A>(subject: SubjectImpl<A>, millis: number): Effect.Effect<A, ReceiveTimeout> =>
  withSelf((self) => {
    ownerCheck(self, subject)
    return receiveMatching<A, ReceiveTimeout>(
      self,
      millis,
      matchTag(subject.tag),
      () => new ReceiveTimeout({ timeout: describeMillis(millis) })
    )
  })

/**
 * One `call` in flight. To keep the round trip lean it is at once the reply subject handed to the callee (its own
 * tag), the entry in the callee's `monitoredBy` (the callee's death arrives under the same tag), and the waiter
 * parked in the caller's mailbox.
 */
class PendingCall<R> extends SubjectImpl<R> implements Waiter, MonitorEntry {
  readonly id = nextTag++
  live = true
  resume: ((effect: Effect.Effect<R, CallTimeout | CalleeDown>) => void) | undefined = undefined
  cancelTimer: Cancel | undefined = undefined
  constructor(readonly owner: ProcessState, readonly target: ProcessState, readonly millis: number) {
    super()
  }
  readonly tag: unknown = this
  readonly replyTag: unknown = this
  override get active(): boolean {
    return this.live
  }
  resolve(): ProcessState | undefined {
    return this.owner.alive ? this.owner : undefined
  }
  toString() {
    return `Subject(${this.owner.pid.toString()}, #${this.id})`
  }
  [Equal.symbol](that: unknown): boolean {
    return that === this
  }
  [Hash.symbol](): number {
    return Hash.number(this.id)
  }
  match(envelope: Envelope): Handler | undefined {
    return envelope.tag === this ? identity : undefined
  }
  wake(_: Handler, envelope: Envelope): void {
    if (this.cancelTimer !== undefined) this.cancelTimer.cancel()
    this.finish(envelope.value)
  }
  /** The call ended: no more replies, no more monitor. */
  settle(): void {
    this.live = false
    // Not `unmonitor`: the set stays for the next call to the same process (a call is the hot path).
    this.target.monitoredBy?.delete(this)
  }
  /** The reply (or the callee's exit) arrived. */
  finish(value: unknown): void {
    this.end(
      value instanceof CalleeExited ?
        Effect.fail(new CalleeDown({ reason: value.reason })) :
        Effect.succeed(value as R)
    )
  }
  timeout(): void {
    if (!this.owner.mailbox.unpark(this)) return
    this.end(Effect.fail(new CallTimeout({ timeout: describeMillis(this.millis) })))
  }
  /** The call settles at once; the caller resumes fairly. */
  private end(outcome: Effect.Effect<R, CallTimeout | CalleeDown>): void {
    this.settle()
    const resume = this.resume!
    this.resume = undefined
    resumeFairly(resume, outcome)
  }
  interrupted(): void {
    this.owner.mailbox.unpark(this)
    if (this.cancelTimer !== undefined) this.cancelTimer.cancel()
    this.settle()
  }
}

/**
 * A request-reply round trip, Erlang's `gen_server:call`: monitor the callee, send the request carrying a fresh reply
 * subject, wait for the reply or the callee's death. The reply subject is deactivated when the call ends, so a late
 * reply is dropped instead of filling the caller's mailbox.
 * @internal
 */
export const call = <A, R>(
  subject: SubjectImpl<A>,
  make: (replyTo: SubjectImpl<R>) => A,
  millis: number
): Effect.Effect<R, CallTimeout | CalleeDown | NoProcess | CallingSelf> =>
  // One `Effect.async` does the whole call (its registration runs on the calling fiber, which it reads with
  // `Fiber.getCurrentFiber`): a call is the library's hottest path, and every Effect operation counts.
  Effect.async<R, CallTimeout | CalleeDown | NoProcess | CallingSelf>((resume) => {
    const fiber = Option.getOrUndefined(Fiber.getCurrentFiber())
    const self = fiber?.getFiberRef(currentProcess)
    if (self === undefined) {
      // Code outside any process: it becomes one first.
      resume(withSelf(() => call(subject, make, millis)))
      return
    }
    const target = subject.resolve()
    if (target === undefined) return resume(Effect.fail(new NoProcess({ target: subject.toString() })))
    if (target === self) return resume(Effect.fail(new CallingSelf({ target: subject.toString() })))
    const pending = new PendingCall<R>(self, target, millis)
    // Nothing queued before this call can be its reply: its receive starts after the current tail.
    const mark = self.mailbox.tail
    const message = make(pending)
    if (target.monitoredBy === undefined) target.monitoredBy = new Set()
    target.monitoredBy.add(pending)
    target.mailbox.deliver(subject.tag, message)
    pending.resume = resume
    const found = self.mailbox.takeTag(pending, mark)
    if (found !== undefined) {
      pending.finish(found.value)
      return
    }
    self.mailbox.park(pending)
    if (millis !== Infinity) pending.cancelTimer = schedule(clockOf(fiber!), millis, () => pending.timeout())
    return Effect.sync(() => pending.interrupted())
  })

// ---------------------------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export const TimerTypeId: Subject.TimerTypeId = Symbol.for("@effect-otp/core/Timer") as Subject.TimerTypeId

let nextTimer = 1

/** @internal */
export class TimerImpl implements Subject.Timer {
  readonly [TimerTypeId]: Subject.TimerTypeId = TimerTypeId
  readonly id = nextTimer++
  done = false
  cancel: () => void = () => {}
  constructor(readonly fireAt: number) {}
  toString() {
    return `#Ref<timer.${this.id}>`
  }
  toJSON() {
    return { _id: "Timer", id: this.id, fireAt: this.fireAt }
  }
  [Inspectable.NodeInspectSymbol]() {
    return this.toString()
  }
}

/** @internal */
export const sendAfter = <A>(subject: SubjectImpl<A>, millis: number, message: A): Effect.Effect<TimerImpl> =>
  Effect.withFiberRuntime((fiber) => {
    const clock = clockOf(fiber)
    const timer = new TimerImpl(clock.unsafeCurrentTimeMillis() + millis)
    if (millis === 0) {
      timer.done = true
      unsafeSend(subject, message)
      return Effect.succeed(timer)
    }
    // Erlang cancels a timer whose destination process dies; a named destination is resolved when it fires.
    const owner = subject instanceof OwnedSubject ? subject.owner : undefined
    const scheduled = schedule(clock, millis, () => {
      timer.done = true
      owner?.timers?.delete(timer)
      unsafeSend(subject, message)
    })
    timer.cancel = () => {
      timer.done = true
      owner?.timers?.delete(timer)
      scheduled.cancel()
    }
    if (owner !== undefined) {
      if (owner.timers === undefined) owner.timers = new Set()
      owner.timers.add(timer)
    }
    return Effect.succeed(timer)
  })

/** @internal */
export type Cancelled =
  | { readonly _tag: "Cancelled"; readonly remaining: Duration.Duration }
  | { readonly _tag: "TimerNotFound" }

/** @internal */
export const cancelTimer = (timer: TimerImpl): Effect.Effect<Cancelled> =>
  Effect.withFiberRuntime((fiber) => {
    if (timer.done) return Effect.succeed<Cancelled>({ _tag: "TimerNotFound" })
    timer.cancel()
    const remaining = Math.max(0, timer.fireAt - clockOf(fiber).unsafeCurrentTimeMillis())
    return Effect.succeed<Cancelled>({ _tag: "Cancelled", remaining: Duration.millis(remaining) })
  })
