/**
 * Subjects: typed addresses of processes.
 *
 * In Erlang any term can be sent to any pid. A `Subject<A>` adds a type: it is owned by one process, only
 * messages of type `A` can be sent to it, and only its owner can receive from it. A process can own many subjects;
 * their messages wait in one mailbox, in arrival order, and each receive picks the messages of the subject (or
 * selector) it asks for, leaving the others queued.
 *
 * `call` is the request-reply round trip of `gen_server:call`: the request carries a fresh reply subject, the caller
 * monitors the callee while it waits, and it gets the reply, a `CallTimeout`, a `CalleeDown` with the callee's exit
 * reason, or `NoProcess`. A reply that arrives after a timeout is dropped.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process, Subject } from "@effect-otp/core"
 *
 * type Request = { readonly n: number; readonly replyTo: Subject.Subject<number> }
 *
 * const program = Effect.gen(function*() {
 *   const ready = yield* Subject.make<Subject.Subject<Request>>()
 *   yield* Process.spawn(Effect.gen(function*() {
 *     const requests = yield* Subject.make<Request>()
 *     yield* Subject.send(ready, requests)
 *     const { n, replyTo } = yield* Subject.receiveForever(requests)
 *     yield* Subject.send(replyTo, n * 2)
 *   }))
 *   const doubler = yield* Subject.receive(ready, "1 second")
 *   return yield* Subject.call(doubler, (replyTo) => ({ n: 21, replyTo }), "1 second") // 42
 * })
 *
 * Effect.runPromise(Effect.scoped(program)).then(console.log)
 * ```
 *
 * @since 1.0.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Equal from "effect/Equal"
import { dual } from "effect/Function"
import type * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Schema from "effect/Schema"
import type * as Types from "effect/Types"
import type { CallError, MailboxFull, NoProcess, ReceiveTimeout } from "./Errors.js"
import * as remoteSubject from "./internal/remoteSubject.js"
import * as timers from "./internal/sendAfter.js"
import * as internal from "./internal/subject.js"
import { decodeTimeout } from "./internal/timer.js"
import type { Name } from "./Name.js"
import type { Pid } from "./Process.js"

/**
 * @since 1.0.0
 * @category symbols
 */
export const SubjectTypeId: typeof internal.SubjectTypeId = internal.SubjectTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type SubjectTypeId = typeof SubjectTypeId

/**
 * A typed address: an owner process and a tag, or a name resolved at each send.
 *
 * @since 1.0.0
 * @category models
 */
export interface Subject<in out A> extends Equal.Equal, Inspectable.Inspectable, Pipeable {
  readonly [SubjectTypeId]: { readonly _A: Types.Invariant<A> }
}

/**
 * @since 1.0.0
 * @category refinements
 */
export const isSubject: (u: unknown) => u is Subject<unknown> = internal.isSubject

/**
 * @since 1.0.0
 * @category symbols
 */
export const TimerTypeId: typeof timers.TimerTypeId = timers.TimerTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type TimerTypeId = typeof TimerTypeId

/**
 * A pending `sendAfter`, to be cancelled with `cancelTimer`.
 *
 * @since 1.0.0
 * @category models
 */
export interface Timer extends Inspectable.Inspectable {
  readonly [TimerTypeId]: TimerTypeId
}

/**
 * The result of `cancelTimer`: the time that was left, or `TimerNotFound` when it had already fired or been
 * cancelled.
 *
 * @since 1.0.0
 * @category models
 */
export type Cancelled =
  | { readonly _tag: "Cancelled"; readonly remaining: Duration.Duration }
  | { readonly _tag: "TimerNotFound" }

/** Every subject is made by the library. */
const impl = internal.subjectImpl

/** The default timeout of `call`, as for `gen_server:call`. */
const defaultCallTimeout: Duration.Input = "5 seconds"

/**
 * Makes a new subject owned by the calling process.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = <A>(): Effect.Effect<Subject<A>> => internal.make<A>()

/**
 * The `Schema` of a subject whose messages are coded by `messages`, for subjects carried inside messages that cross
 * nodes (a call's `replyTo`, a subscriber's address): the subject crosses as its address (node, pid, tag), and the
 * node that receives it sends back messages encoded with `messages`. A subject reaches another node only through
 * this schema, so a subject whose messages have no schema cannot leave its node. Only process-owned and named
 * subjects can leave (a `Registry.via` subject cannot: encoding it is a defect). See `@effect-otp/node`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Subject } from "@effect-otp/core"
 *
 * const Get = Schema.TaggedStruct("Get", { replyTo: Subject.schema(Schema.Number) })
 * ```
 *
 * @since 1.0.0
 * @category schemas
 */
export const schema = <A, I>(messages: Schema.Codec<A, I>): Schema.Codec<Subject<A>, SubjectAddress> =>
  remoteSubject.subjectSchema(messages) as unknown as Schema.Codec<Subject<A>, SubjectAddress>

/**
 * A subject as it crosses threads: the node and pid number of its owner, and its tag there (a number, or the key of
 * a name).
 *
 * @since 1.0.0
 * @category models
 */
export interface SubjectAddress {
  readonly n: number
  readonly p: number
  readonly t: number | string
}

/**
 * A subject that sends to whichever process is registered under `name` at the time of each send. The registered
 * process receives through this same subject (or a selector that selects it).
 *
 * @since 1.0.0
 * @category constructors
 */
export const named = <A>(name: Name<A>): Subject<A> => internal.named(name)

/**
 * The process that receives this subject's messages now: the owner, or the process registered under the name.
 *
 * @since 1.0.0
 * @category getters
 */
export const owner = <A>(subject: Subject<A>): Effect.Effect<Option.Option<Pid>> =>
  Effect.sync(() => {
    const s = impl(subject)
    const state = s instanceof internal.OwnedSubject ? (s as internal.OwnedSubject<A>).owner : s.resolve()
    return state === undefined ? Option.none<Pid>() : Option.some<Pid>(state.pid)
  })

/**
 * Sends a message. Never fails: a message to a dead owner is lost, as in Erlang; one to a free name is dropped too
 * (where Erlang raises `badarg` and Gleam panics). Use `trySend` to know whether it was delivered. The message is
 * checked against the subject's type `A` (it never widens `A`).
 *
 * It never waits either, except for room in a full bounded subject whose overflow is `"BackPressure"` (see
 * `makeBounded`): then it waits until the receiver takes a message, in line with the other senders; if the receiver
 * ends meanwhile, it resumes and the message is lost; if it is interrupted, the message is not sent. To a full
 * subject with another policy, the message (or, with `"DropOldest"`, the oldest queued one) is dropped and counted.
 *
 * @since 1.0.0
 * @category sending
 */
export const send: {
  <A>(message: A): (subject: Subject<A>) => Effect.Effect<void>
  <A>(subject: Subject<A>, message: NoInfer<A>): Effect.Effect<void>
} = dual(2, <A>(subject: Subject<A>, message: A): Effect.Effect<void> => internal.send(impl(subject), message))

/**
 * Sends a message, failing with `NoProcess` when nobody got it (the owner is dead or the name is free), and with
 * `MailboxFull` when a full bounded subject refused it: one whose overflow is `"Fail"`, or `"BackPressure"` (which
 * `trySend` never waits for). To a full subject that drops (`"DropNewest"`, `"DropOldest"`), it succeeds as `send`
 * does, and the drop is counted. (`MailboxFull` was added to its error type with bounded mailboxes: an unbounded
 * subject, the default, never fails with it.)
 *
 * @since 1.0.0
 * @category sending
 */
export const trySend: {
  <A>(message: A): (subject: Subject<A>) => Effect.Effect<void, NoProcess | MailboxFull>
  <A>(subject: Subject<A>, message: NoInfer<A>): Effect.Effect<void, NoProcess | MailboxFull>
} = dual(
  2,
  <A>(subject: Subject<A>, message: A): Effect.Effect<void, NoProcess | MailboxFull> =>
    internal.trySend(impl(subject), message)
)

/**
 * What a full bounded subject does with one more message, named after Effect's bounded queues:
 *
 * - `"DropNewest"`: drops it (`Queue.dropping`);
 * - `"DropOldest"`: drops the subject's oldest queued message, and queues it (`Queue.sliding`);
 * - `"Fail"`: drops it, and `trySend` fails with `MailboxFull` (`send` cannot fail: it drops);
 * - `"BackPressure"`: `send` waits for room (`Queue.bounded`), senders getting in in the order they came; `trySend`
 *   fails with `MailboxFull` rather than wait.
 *
 * @since 1.0.0
 * @category models
 */
export type Overflow = "DropNewest" | "DropOldest" | "Fail" | "BackPressure"

/**
 * A mailbox bound: how many of a subject's messages may wait to be received (a positive integer), and what happens to
 * one more.
 *
 * @since 1.0.0
 * @category models
 */
export interface Bounded {
  readonly capacity: number
  readonly overflow: Overflow
}

/**
 * Makes a new subject owned by the calling process, whose queued messages count against a bound of their own.
 * Mailboxes are unbounded by default, as in Erlang; a bounded subject sheds load, or slows its senders down, when its
 * receiver falls behind.
 *
 * What counts is the subject's messages waiting in the mailbox: a message handed at once to a receiver that waits for
 * it never counts, and other messages (other subjects, exit signals, `Down`s, call replies, system messages) neither
 * count nor are ever dropped or held back. Messages kept out (dropped, or refused to `trySend`) are counted in
 * `Process.info`'s `messagesDropped` and the `otp_mailbox_messages_dropped` metric. A `call` whose request is dropped
 * ends with `CallTimeout`, as an ask to a full bounded mailbox does in Akka; under `"BackPressure"` the request waits
 * for room within the call's timeout. A process never waits for room in its own mailbox: its sends to its own full
 * subject take their place in line without waiting. Back-pressure can deadlock, as Akka's blocking mailboxes can:
 * two processes that send to each other's full `"BackPressure"` subjects wait for ever, and so does a receiver's
 * callee that sends to it while the receiver waits for its reply (until the call times out). Where such a cycle is
 * possible, send there with `trySend`, or use a policy that drops.
 *
 * A capacity that is not a positive integer, or an unknown overflow, is a defect naming the field.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Subject } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const latest = yield* Subject.makeBounded<number>({ capacity: 2, overflow: "DropOldest" })
 *   for (let i = 1; i <= 5; i++) yield* Subject.send(latest, i) // keeps the 2 newest
 *   const first = yield* Subject.receive(latest, "1 second")
 *   const second = yield* Subject.receive(latest, "1 second")
 *   return [first, second] // [4, 5]
 * })
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const makeBounded = <A>(options: Bounded): Effect.Effect<Subject<A>> => internal.makeBounded<A>(options)

export {
  /**
   * No matching message arrived before the receive timeout.
   *
   * @since 1.0.0
   * @category errors
   */
  ReceiveTimeout
} from "./Errors.js"

/**
 * Receives the first queued message of this subject, or waits up to `timeout` for one; other messages stay
 * queued. `timeout` 0 only looks at what is queued. Receiving from a subject owned by another process is a defect.
 *
 * @since 1.0.0
 * @category receiving
 */
export const receive: {
  (timeout: Duration.Input): <A>(subject: Subject<A>) => Effect.Effect<A, ReceiveTimeout>
  <A>(subject: Subject<A>, timeout: Duration.Input): Effect.Effect<A, ReceiveTimeout>
} = dual(2, internal.receiveWithin)

/**
 * Receives the first message of this subject, waiting as long as it takes.
 *
 * @since 1.0.0
 * @category receiving
 */
export const receiveForever = <A>(subject: Subject<A>): Effect.Effect<A> => internal.receiveForever(impl(subject))

/**
 * Sends `message` after `delay` (read from Effect's `Clock`). The timer is cancelled if the owner dies first.
 *
 * @since 1.0.0
 * @category timers
 */
export const sendAfter: {
  <A>(delay: Duration.Input, message: A): (subject: Subject<A>) => Effect.Effect<Timer>
  <A>(subject: Subject<A>, delay: Duration.Input, message: NoInfer<A>): Effect.Effect<Timer>
} = dual(
  3,
  <A>(subject: Subject<A>, delay: Duration.Input, message: A): Effect.Effect<Timer> =>
    Effect.suspend(() => timers.sendAfter(impl(subject), decodeTimeout(delay, "Subject.sendAfter delay"), message))
)

/**
 * Cancels a `sendAfter` timer: `Cancelled` with the time that was left, or `TimerNotFound` if it already fired.
 *
 * @since 1.0.0
 * @category timers
 */
export const cancelTimer = (timer: Timer): Effect.Effect<Cancelled> => timers.cancelTimer(timer as timers.TimerImpl)

/**
 * The reply type of a request message: the type of its `replyTo` subject (`unknown` when it has none).
 *
 * @since 1.0.0
 * @category models
 */
export type ReplyOf<A> = [RepliesOf<A>] extends [never] ? unknown : RepliesOf<A>

/**
 * The reply types of the members of a request union that carry a `replyTo` subject.
 *
 * @since 1.0.0
 * @category models
 */
export type RepliesOf<A> = A extends { readonly replyTo: Subject<infer R> } ? R : never

/** Brands `ReplySubject`; a type only. */
declare const ReplySubjectTypeId: unique symbol

/**
 * The reply subject `call` hands to `make` when its parameter is not annotated: it fits the `replyTo` field of any
 * request, and `call` then takes the reply type from the member of the request union the request is (`CallReply`).
 * Only a type: at run time it is an ordinary subject.
 *
 * @since 1.0.0
 * @category models
 */
export interface ReplySubject extends Subject<any> {
  readonly [ReplySubjectTypeId]: typeof ReplySubjectTypeId
}

/**
 * The members of the request union `A` that the request `X` is one of, picked by its literal fields (such as `_tag`);
 * `never` when `X` is not one member (a `make` whose return type is annotated with the whole union).
 *
 * @since 1.0.0
 * @category models
 */
export type MembersFor<A, X> = A extends unknown ? [X] extends [A] ? A : never : never

/**
 * The reply type of a call to a `Subject<A>` whose `make` takes a `P` and returns the request `X`: the type of
 * `replyTo` when `make` annotates it (`P` is a `Subject<R>`); otherwise the reply type of the member of `A` that the
 * request is; otherwise (the return type of `make` is annotated with a union) the reply types of that union.
 *
 * @since 1.0.0
 * @category models
 */
export type CallReply<A, X, P = ReplySubject> = [P] extends [ReplySubject] ?
  [MembersFor<A, X>] extends [never] ? ReplyOf<X> : ReplyOf<MembersFor<A, X>>
  : P extends Subject<infer R> ? R
  : unknown

/** Some members carry `replyTo` subjects of different types. */
type Disagree<Members, All = RepliesOf<Members>> = true extends (
  Members extends { readonly replyTo: Subject<infer R> } ? [R] extends [All] ? [All] extends [R] ? false : true : true
    : false
) ? true
  : false

/**
 * What `call` requires of `make` besides making a request: nothing, unless the reply type cannot be inferred (the
 * request matches members of the union with different reply types, and `replyTo` is not annotated). Then the
 * argument fails to typecheck with a message that names the fix and lists the reply types of the subject's messages.
 *
 * @since 1.0.0
 * @category models
 */
// Written with care: a check in `call`'s signature that puts `X` naked, or on the right of an `extends`, stops
// TypeScript from inferring `X` from the request (it falls back to the whole union); `MembersFor` puts it on the left.
export type CheckReply<A, X, P = ReplySubject> = [P] extends [ReplySubject] ?
  Disagree<MembersFor<A, X>> extends true ? { readonly "annotate replyTo: Subject<...>, one of": RepliesOf<A> }
  : unknown
  : unknown

/** What the data-last `call` requires of the subject it is piped: that the request is one of its messages. */
type CheckRequest<A, X, P> = [X] extends [A] ? CheckReply<A, X, P>
  : { readonly "the request is not a message of": A }

/** Brands `Inferred`; a type only. */
declare const InferredTypeId: unique symbol

/**
 * The default of the data-last `call`'s `A`: not given (`call(make)`, as opposed to `call<A, R>(make)`). Type
 * arguments given explicitly switch TypeScript's inference off for the remaining parameters, which then take their
 * defaults; the sentinel tells `call` which of its two typings applies.
 */
interface Inferred {
  readonly [InferredTypeId]: typeof InferredTypeId
}

/** `A` was left to its default `Inferred`. A given `any` counts as given. */
type NotGiven<A> = 0 extends 1 & A ? false : [A] extends [Inferred] ? true : false

export {
  /**
   * The callee ended before replying; `reason` is its exit reason.
   *
   * @since 1.0.0
   * @category errors
   */
  CalleeDown,
  /**
   * Every way a call (`Subject.call`, `System` requests, supervisor requests) can fail.
   *
   * @since 1.0.0
   * @category errors
   */
  type CallError,
  /**
   * A process called a subject it owns itself. It could never reply while waiting, so the call fails at
   * once (Erlang's `calling_self`) instead of deadlocking until the timeout.
   *
   * @since 1.0.0
   * @category errors
   */
  CallingSelf,
  /**
   * The callee did not reply before the call timeout. A reply that arrives later is dropped.
   *
   * @since 1.0.0
   * @category errors
   */
  CallTimeout,
  /**
   * A full bounded subject refused a message sent with `trySend` (its overflow is `"Fail"` or `"BackPressure"`).
   *
   * @since 1.0.0
   * @category errors
   */
  MailboxFull,
  /**
   * Nobody is there: the process is dead, or no live process is registered under the name.
   *
   * @since 1.0.0
   * @category errors
   */
  NoProcess
} from "./Errors.js"

/**
 * Sends the request made by `make` (given a fresh reply subject) and waits up to `timeout` (default 5 seconds) for
 * the reply.
 *
 * The reply type is inferred from the request: `make` returns one member of the subject's message union (picked by
 * its literal fields, such as `_tag`), and the reply is the type of that member's `replyTo`. No annotation is needed,
 * even when the members have different reply types. If `replyTo`'s parameter is annotated, its type is the reply
 * type. When the request matches several members with different reply types, the call fails to typecheck with
 * "annotate replyTo: Subject<...>" and the candidate reply types. Explicit type arguments `call<A, R>` (or `call<A>`,
 * with `R` = `ReplyOf<A>`) type it as they always did: `make` takes a `Subject<R>` and returns an `A`, and the reply
 * is an `R`.
 *
 * Fails with `NoProcess` when nobody is at the subject, `CalleeDown` when the callee ends before replying,
 * `CallTimeout` when it does not reply in time (a later reply is dropped), `CallingSelf` when the caller owns it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Subject } from "@effect-otp/core"
 *
 * type Msg =
 *   | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }
 *   | { readonly _tag: "Name"; readonly replyTo: Subject.Subject<string> }
 * declare const counter: Subject.Subject<Msg>
 *
 * const value = Subject.call(counter, (replyTo) => ({ _tag: "Get", replyTo }), "1 second") // Effect<number, CallError>
 * const name = Subject.call(counter, (replyTo) => ({ _tag: "Name", replyTo })) // Effect<string, CallError>
 * ```
 *
 * @since 1.0.0
 * @category calling
 */
export const call: {
  // `A, R` come first so that `call<A, R>` and `call<A>` type the call as they always did: `make` takes a
  // `Subject<R>`, `R` defaults to `ReplyOf<A>` and is the reply type. Given no type arguments, `X` and `P` are
  // inferred instead (`R` is then unused; `NoInfer` keeps an annotated `replyTo` from inferring it). `E` only tells
  // the two apart: inferred from the subject, it is `unknown` only when type arguments are given.
  <A, R = ReplyOf<A>, const X extends A = A, P = ReplySubject, E = unknown>(
    subject: Subject<A> & E,
    make:
      & ((replyTo: unknown extends E ? Subject<NoInfer<R>> : P) => X)
      & (unknown extends E ? unknown : CheckReply<A, X, P>),
    timeout?: Duration.Input
  ): Effect.Effect<unknown extends E ? R : CallReply<A, X, P>, CallError>
  // The same for the data-last form, where `A` is given or left to the sentinel `Inferred`.
  <A = Inferred, R = ReplyOf<A>, const X = A, P = ReplySubject>(
    make: (replyTo: NotGiven<A> extends true ? P : Subject<NoInfer<R>>) => X,
    timeout?: Duration.Input
  ): NotGiven<A> extends true ?
    <B>(subject: Subject<B> & CheckRequest<B, X, P>) => Effect.Effect<CallReply<B, X, P>, CallError>
    : (subject: Subject<NoInfer<A>>) => Effect.Effect<R, CallError>
} = dual(
  (args) => internal.isSubject(args[0]),
  <A, R>(
    subject: Subject<A>,
    make: (replyTo: Subject<R>) => A,
    timeout: Duration.Input = defaultCallTimeout
  ): Effect.Effect<R, CallError> => {
    let millis: number
    try {
      millis = decodeTimeout(timeout, "Subject.call timeout")
    } catch (defect) {
      return Effect.die(defect)
    }
    return internal.call<A, R>(impl(subject), make, millis)
  }
)
