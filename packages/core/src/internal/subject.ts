/**
 * Subjects (typed addresses), send, selective receive, call, and timers that send.
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Hash from "effect/Hash"
import * as Inspectable from "effect/Inspectable"
import { pipeArguments } from "effect/Pipeable"
import type * as Subject from "../Subject.js"
import { CalleeDown, CallingSelf, CallTimeout, NoProcess, ReceiveTimeout } from "./errors.js"
import { counters } from "./global.js"
import type { Envelope, Handler, Matcher } from "./mailbox.js"
import type { NameImpl } from "./name.js"
import type { MonitorEntry, ProcessState } from "./process.js"
import { CalleeExited, processOf, selfOf, whereis, withSelf } from "./process.js"
import { identity, receiveMatching, Receiver } from "./receive.js"
import { clockOf, schedule } from "./timer.js"

/** @internal */
export const SubjectTypeId: Subject.SubjectTypeId = Symbol.for("@effect-otp/core/Subject") as Subject.SubjectTypeId

/** Shared by every subject, so a subject costs one small object (no per-instance closure). */
const variance = { _A: (_: any) => _ }

/** The tag a process's mailbox files a subject's messages under. A reply tag is deactivated after its call. */
export class Tag {
  readonly id = ++counters.tag
  active = true
  /** The process that owns the subject filed under this tag, when the tag is one subject's (not a shared one). */
  constructor(readonly owner?: ProcessState) {}
}

/** What every subject is inside the library: where its messages go. @internal */
export interface SubjectImpl<A> extends Subject.Subject<A> {
  /** What the owner's mailbox files this subject's messages under. */
  readonly tag: unknown
  /** The live process this subject reaches now, if any. */
  resolve(): ProcessState | undefined
  /** `false` once a reply subject's call has ended: messages to it are dropped. */
  readonly active: boolean
}

/** What the kinds of subject share. @internal */
export abstract class SubjectBase<A> implements SubjectImpl<A> {
  readonly [SubjectTypeId]: { readonly _A: (_: A) => A } = variance
  abstract readonly tag: unknown
  abstract resolve(): ProcessState | undefined
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
export class OwnedSubject<A> extends SubjectBase<A> {
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
export class NamedSubject<A> extends SubjectBase<A> {
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
  Effect.withFiber((fiber) => {
    const sender = processOf(fiber)
    if (sender !== undefined) sender.messagesOut++
    unsafeSend(subject, message)
    return Effect.void
  })

/** @internal */
export const trySend = <A>(subject: SubjectImpl<A>, message: A): Effect.Effect<void, NoProcess> =>
  Effect.suspend(() =>
    unsafeSend(subject, message) ? Effect.void : Effect.fail(new NoProcess({ target: subject.toString() }))
  )

/** A matcher that selects the messages filed under one tag. @internal */
export const matchTag = (tag: unknown): Matcher => (envelope: Envelope) => envelope.tag === tag ? identity : undefined

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
      () => Effect.fail(new ReceiveTimeout({ timeout: describeMillis(millis) }))
    )
  })

/**
 * One `call` in flight. To keep the round trip lean it is at once the receive that waits for the reply, the reply
 * subject handed to the callee (its own tag), and the entry in the callee's `monitoredBy` (the callee's death arrives
 * under the same tag, in order after anything it sent first).
 */
class PendingCall<R> extends Receiver<R, CallTimeout | CalleeDown> implements SubjectImpl<R>, MonitorEntry {
  readonly [SubjectTypeId]: { readonly _A: (_: R) => R } = variance
  readonly id = ++counters.tag
  live = true
  constructor(self: ProcessState, readonly target: ProcessState, readonly millis: number) {
    super(self)
  }
  get owner(): ProcessState {
    return this.self
  }
  get tag(): unknown {
    return this
  }
  get replyTag(): unknown {
    return this
  }
  get active(): boolean {
    return this.live
  }
  resolve(): ProcessState | undefined {
    return this.self.alive ? this.self : undefined
  }
  match(envelope: Envelope): Handler | undefined {
    return envelope.tag === this ? identity : undefined
  }
  override received(_: Handler, value: unknown): Effect.Effect<R, CallTimeout | CalleeDown> {
    return value instanceof CalleeExited ?
      Effect.fail(new CalleeDown({ reason: value.reason })) :
      Exit.succeed(value as R)
  }
  override timedOut(): Effect.Effect<R, CallTimeout | CalleeDown> {
    return Effect.fail(new CallTimeout({ timeout: describeMillis(this.millis) }))
  }
  /** The call ended (reply, callee down, timeout, interruption): no more replies, no more monitor. */
  override ended(): void {
    this.live = false
    // Not `unmonitor`: the set stays for the next call to the same process (a call is the hot path).
    this.target.monitoredBy?.delete(this)
  }
  override toString() {
    return `Subject(${this.self.pid.toString()}, #${this.id})`
  }
  [Equal.symbol](that: unknown): boolean {
    return that === this
  }
  [Hash.symbol](): number {
    return Hash.number(this.id)
  }
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
  // One `Effect.callback` does the whole call (its registration runs on the calling fiber, which it reads with
  // `Fiber.getCurrent`): a call is the library's hottest path, and every Effect operation counts.
  Effect.callback<R, CallTimeout | CalleeDown | NoProcess | CallingSelf>((resume) => {
    const self = selfOf(Fiber.getCurrent()!)
    const target = subject.resolve()
    if (target === undefined) return resume(Effect.fail(new NoProcess({ target: subject.toString() })))
    if (target === self) return resume(Effect.fail(new CallingSelf({ target: subject.toString() })))
    const pending = new PendingCall<R>(self, target, millis)
    // Nothing queued before this call can be its reply: its receive starts after the current tail.
    pending.scanned = self.mailbox.tail
    const message = make(pending)
    if (target.monitoredBy === undefined) target.monitoredBy = new Set()
    target.monitoredBy.add(pending)
    target.mailbox.deliver(subject.tag, message)
    return pending.wait(resume, millis, true)
  })

// ---------------------------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export const TimerTypeId: Subject.TimerTypeId = Symbol.for("@effect-otp/core/Timer") as Subject.TimerTypeId

/** @internal */
export class TimerImpl implements Subject.Timer {
  readonly [TimerTypeId]: Subject.TimerTypeId = TimerTypeId
  readonly id = ++counters.timer
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
  Effect.withFiber((fiber) => {
    const clock = clockOf(fiber)
    const timer = new TimerImpl(clock.currentTimeMillisUnsafe() + millis)
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
  Effect.withFiber((fiber) => {
    if (timer.done) return Effect.succeed<Cancelled>({ _tag: "TimerNotFound" })
    timer.cancel()
    const remaining = Math.max(0, timer.fireAt - clockOf(fiber).currentTimeMillisUnsafe())
    return Effect.succeed<Cancelled>({ _tag: "Cancelled", remaining: Duration.millis(remaining) })
  })
