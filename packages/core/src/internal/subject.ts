/**
 * Subjects: typed addresses. A subject is owned by a process (its pid and a tag its mailbox files the subject's
 * messages under), or a `Name` (or a `Registry.via` key) resolved at each send. `send` never fails; `receive` is
 * selective; `call` is Erlang's `gen_server:call`.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Hash from "effect/Hash"
import type { MailboxFull } from "../Errors.js"
import { CalleeDown, CallingSelf, CallTimeout, NoProcess, ReceiveTimeout } from "../Errors.js"
import type * as Name from "../Name.js"
import type * as Subject from "../Subject.js"
import * as bounded from "./bound.js"
import { counters } from "./global.js"
import { Identity } from "./identity.js"
import type { Envelope, Handler, Matcher } from "./mailbox.js"
import type { CallTimer } from "./metrics.js"
import { callTimer, switches } from "./metrics.js"
import type { NameImpl } from "./name.js"
import { checked, whereis } from "./name.js"
import type { MonitorEntry, ProcessState } from "./process.js"
import { addMonitor, CalleeExited, processOf, selfOf, unmonitor, withSelf } from "./process.js"
import { identity, neverTimesOut, receiveMatching, Receiver } from "./receive.js"
import { unexport } from "./remoteExports.js"
import { decodeTimeout } from "./timer.js"

/** @internal */
export const SubjectTypeId: unique symbol = Symbol.for("@effect-otp/core/Subject")

/** Shared by every subject, so a subject costs one small object (no per-instance closure). */
const variance = { _A: (_: any) => _ }

/** Every `Subject` is made by the library, so it is a `SubjectImpl`. @internal */
export const subjectImpl = <A>(subject: Subject.Subject<A>): SubjectImpl<A> => subject as SubjectImpl<A>

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
export abstract class SubjectBase<A> extends Identity implements SubjectImpl<A> {
  readonly [SubjectTypeId]: { readonly _A: (_: A) => A } = variance
  abstract readonly tag: unknown
  abstract resolve(): ProcessState | undefined
  get active(): boolean {
    return true
  }
  abstract [Equal.symbol](that: unknown): boolean
  abstract [Hash.symbol](): number
  toJSON() {
    return { _id: "Subject", address: this.toString() }
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
    return whereis(checked(this.name))
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
export const named = <A>(name: Name.Name<A>): SubjectImpl<A> => new NamedSubject(name as NameImpl<A>)

/**
 * The process a message sent to `subject` reaches now; `undefined` when nobody would get it (a dead owner, a free
 * name, a subject no longer active, as a call's reply subject once the call is over).
 */
const receiverOf = <A>(subject: SubjectImpl<A>): ProcessState | undefined => {
  const target = subject.resolve()
  return target === undefined || !subject.active ? undefined : target
}

/** Delivers at once, from any code (also from timers and callbacks); `false` when nobody got it. @internal */
export const unsafeSend = <A>(subject: SubjectImpl<A>, message: A): boolean => {
  const target = receiverOf(subject)
  if (target === undefined) return false
  if (target.bounds !== undefined) bounded.sendNow(target, subject.tag, message)
  else target.mailbox.deliver(subject.tag, message)
  return true
}

/** @internal */
export const send = <A>(subject: SubjectImpl<A>, message: A): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const sender = processOf(fiber)
    if (sender !== undefined) sender.messagesOut++
    const target = receiverOf(subject)
    if (target === undefined) return Effect.void
    if (target.bounds !== undefined) return bounded.send(target, subject.tag, message, sender)
    target.mailbox.deliver(subject.tag, message)
    return Effect.void
  })

/** @internal */
export const trySend = <A>(subject: SubjectImpl<A>, message: A): Effect.Effect<void, NoProcess | MailboxFull> =>
  Effect.suspend((): Effect.Effect<void, NoProcess | MailboxFull> => {
    const target = receiverOf(subject)
    if (target === undefined) return Effect.fail(new NoProcess({ target: subject.toString() }))
    if (target.bounds !== undefined) {
      const full = bounded.trySend(target, subject.tag, message, () => subject.toString())
      if (full !== undefined) return Effect.fail(full)
    } else {
      target.mailbox.deliver(subject.tag, message)
    }
    return Effect.void
  })

/**
 * A subject whose messages count against a bound of their own in the calling process's mailbox (see `bound.ts`). An
 * invalid bound is a defect naming the field. @internal
 */
export const makeBounded = <A>(options: bounded.BoundOptions): Effect.Effect<SubjectImpl<A>> =>
  withSelf((self, fiber) => {
    const invalid = bounded.invalidBound(options, "Subject.makeBounded")
    if (invalid !== undefined) return Effect.die(invalid)
    const tag = new Tag(self)
    bounded.install(self, fiber, tag, options, self.name?.prefix)
    return Effect.succeed(new OwnedSubject<A>(self, tag))
  })

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

/** `Subject.receive`: decodes the timeout when the effect runs (an invalid one is a defect). @internal */
export const receiveWithin = <A>(
  subject: Subject.Subject<A>,
  timeout: Duration.Input
): Effect.Effect<A, ReceiveTimeout> =>
  Effect.suspend(() => receive(subjectImpl(subject), decodeTimeout(timeout, "Subject.receive timeout")))

/** @internal */
export const receiveForever = <A>(subject: SubjectImpl<A>): Effect.Effect<A> =>
  withSelf((self) => {
    ownerCheck(self, subject)
    return receiveMatching<A, never>(self, Infinity, matchTag(subject.tag), neverTimesOut)
  })

/**
 * One `call` in flight. To keep the round trip lean it is at once the receive that waits for the reply, the reply
 * subject handed to the callee (its own tag), and the entry in the callee's `monitoredBy` (the callee's death arrives
 * under the same tag, in order after anything it sent first). The call ending deactivates it as a subject, so a late
 * reply is dropped instead of filling the caller's mailbox.
 */
export class PendingCall<R> extends Receiver<R, CallTimeout | CalleeDown> implements SubjectImpl<R>, MonitorEntry {
  readonly [SubjectTypeId]: { readonly _A: (_: R) => R } = variance
  readonly id = ++counters.tag
  live = true
  /** Times the call for the call-duration histogram, when metrics are on in the caller. */
  latency: CallTimer | undefined = undefined
  /** The request's place in line, while it waits for room in a bounded subject under `BackPressure`. */
  admission: { cancel(): void } | undefined = undefined
  /** Sent to another node as a reply subject (see `remote.ts`): it leaves the table of exported subjects with the call. */
  exported = false
  constructor(self: ProcessState, readonly target: ProcessState, readonly millis: number) {
    super(self)
  }
  // As the reply subject
  get tag(): unknown {
    return this
  }
  get active(): boolean {
    return this.live
  }
  resolve(): ProcessState | undefined {
    return this.self.alive ? this.self : undefined
  }
  // As the monitor entry
  get owner(): ProcessState {
    return this.self
  }
  get replyTag(): unknown {
    return this
  }
  // As the receive
  match(envelope: Envelope): Handler | undefined {
    return envelope.tag === this ? identity : undefined
  }
  received(_: Handler, value: unknown): Effect.Effect<R, CallTimeout | CalleeDown> {
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
    if (this.latency !== undefined) this.latency.stop()
    if (this.admission !== undefined) this.admission.cancel()
    // Not `unmonitor`: the set stays for the next call to the same process (a call is the hot path).
    if (this.target.remote !== undefined) unmonitor(this)
    else this.target.monitoredBy?.delete(this)
    if (this.exported) unexport(this.id)
  }
  override toString() {
    return `Subject(${this.self.pid.toString()}, #${this.id})`
  }
  override toJSON() {
    return { _id: "Subject", address: this.toString() }
  }
  [Equal.symbol](that: unknown): boolean {
    return that === this
  }
  [Hash.symbol](): number {
    return Hash.number(this.id)
  }
}

/**
 * A request-reply round trip, Erlang's `gen_server:call`: monitor the callee, send the request carrying a fresh reply
 * subject, wait for the reply or the callee's death.
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
    if (switches.everEnabled) pending.latency = callTimer(Fiber.getCurrent()!, target)
    // Nothing queued before this call can be its reply: its receive starts after the current tail.
    pending.scanned = self.mailbox.tail
    const message = make(pending)
    addMonitor(target, pending)
    if (target.remote !== undefined) {
      // A request to another node is encoded on its way: one that does not encode (a schema mismatch) is a defect
      // of the caller, and the call leaves nothing behind (its monitor, its exported reply subject).
      try {
        target.mailbox.deliver(subject.tag, message)
      } catch (error) {
        pending.ended()
        return resume(Effect.die(error))
      }
      return pending.wait(resume, millis, true)
    }
    // To a bounded subject, a request is a message like any other, and the call's timeout covers its wait for room.
    if (target.bounds !== undefined) pending.admission = bounded.sendNow(target, subject.tag, message)
    else target.mailbox.deliver(subject.tag, message)
    return pending.wait(resume, millis, true)
  })
