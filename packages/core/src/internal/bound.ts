/**
 * Bounded mailboxes. Erlang's mailboxes are unbounded, and so are this library's by default: a bound is something a
 * subject is given (`Subject.makeBounded`), or an actor gives its own subject (`Actor.mailbox`). A bound counts the
 * messages of one subject that wait in its owner's mailbox: what a receive takes at once, handed to a parked receiver,
 * was never queued and never counts; other messages (system messages, exit signals, `Down`s, call replies, other
 * subjects) never count and are never dropped or held back. So selective receive is not in the way of a bound: a
 * subject's own backlog is what fills it.
 *
 * When a subject is full, its overflow policy says what a send does, as Effect's bounded queues do
 * (`Queue.dropping`, `Queue.sliding`, `Queue.bounded`):
 *
 * - `DropNewest` drops the message sent (`Queue.dropping`);
 * - `DropOldest` drops the subject's oldest queued message and queues the new one (`Queue.sliding`);
 * - `Fail` drops it too, and `trySend` fails with `MailboxFull` instead (`send` never fails);
 * - `BackPressure` makes `send` wait for room (`Queue.bounded`): waiting senders get in, one per message taken, in the
 *   order they came; `trySend` fails with `MailboxFull` rather than wait. A send that cannot wait (a timer's, or a
 *   process's send to its own subject, which would wait for ever) takes its place in the line without waiting.
 *
 * Every message the bound kept out (dropped, or refused to `trySend`) is counted, per subject, for `Process.info` and
 * the `otp_mailbox_messages_dropped` metric.
 *
 * The unbounded mailbox pays one test of one field (`bounds`) per send, and one per message taken.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import { MailboxFull } from "../Errors.js"
import type { MailboxBound } from "./mailbox.js"
import { actorMetrics, enabledIn, updaterOf } from "./metrics.js"
import type { ProcessState } from "./process.js"
import { runQueued, wake } from "./scheduler.js"

/** What a bounded subject does with a message that finds it full. @internal */
export type Overflow = "DropNewest" | "DropOldest" | "Fail" | "BackPressure"

/** A bound: how many of a subject's messages may wait, and what happens to one more. @internal */
export interface BoundOptions {
  readonly capacity: number
  readonly overflow: Overflow
}

const overflows: ReadonlySet<unknown> = new Set<Overflow>(["DropNewest", "DropOldest", "Fail", "BackPressure"])

/** The programmer mistake in a bound's options, as an error naming the field, or `undefined` when they are valid. @internal */
export const invalidBound = (options: BoundOptions, what: string): Error | undefined => {
  if (typeof options !== "object" || options === null) {
    return new Error(`${what}: expected { capacity, overflow }, got ${String(options)}`)
  }
  const { capacity, overflow } = options
  if (typeof capacity !== "number" || !Number.isSafeInteger(capacity) || capacity < 1) {
    return new Error(`${what}: capacity must be a positive integer, got ${String(capacity)}`)
  }
  if (!overflows.has(overflow)) {
    return new Error(
      `${what}: overflow must be "DropNewest", "DropOldest", "Fail" or "BackPressure", got ${String(overflow)}`
    )
  }
  return undefined
}

/** A message waiting for room under `BackPressure`, with its sender's resumption (none for a send that cannot wait). */
class Waiting {
  constructor(
    readonly bound: Bound,
    readonly value: unknown,
    readonly resume: ((effect: Effect.Effect<void>) => void) | undefined
  ) {}
  /** Leaves the line (an interrupted sender, a call that ended): its message is not sent. */
  cancel(): void {
    this.bound.leave(this)
  }
}

const resumeSender = (waiting: Waiting): void => waiting.resume!(Exit.void)

/** The bound of one subject in its owner's mailbox. @internal */
export class Bound implements MailboxBound {
  /** The subject's messages waiting in the mailbox. */
  queued = 0
  /** Messages kept out: dropped by the policy, or refused to `trySend`. */
  dropped = 0
  /** Under `BackPressure`, the messages waiting for room, oldest first; `undefined` when none waits. */
  waiting: Array<Waiting> | undefined = undefined
  /** Counts a drop in the metric, when metrics are on in the owner. */
  counted: ((n: number) => void) | undefined = undefined

  constructor(
    readonly owner: ProcessState,
    readonly tag: unknown,
    readonly capacity: number,
    readonly overflow: Overflow
  ) {}

  /** Whether one more message must overflow: no room, or others waiting for room before it. */
  get full(): boolean {
    return this.queued >= this.capacity || this.waiting !== undefined
  }

  /** Delivers a message that has room (it counts when it is queued rather than handed to a receiver). */
  put(value: unknown): void {
    if (this.owner.deliver(this.tag, value)) this.queued++
  }

  drop(): void {
    this.dropped++
    if (this.counted !== undefined) this.counted(1)
  }

  /**
   * A message that finds the subject full and whose sender does not wait: dropped, or the oldest dropped for it, or
   * (`BackPressure`) in line without a sender to resume. Returns its place in line, if it got one.
   */
  overflowed(value: unknown): Waiting | undefined {
    switch (this.overflow) {
      case "DropOldest":
        // `takeTag` takes the oldest of the subject's queued messages; its leaving counts down `queued`.
        this.owner.takeTag(this.tag)
        this.drop()
        this.put(value)
        return undefined
      case "BackPressure":
        return this.wait(value, undefined)
      default:
        this.drop()
        return undefined
    }
  }

  wait(value: unknown, resume: Waiting["resume"]): Waiting {
    const waiting = new Waiting(this, value, resume)
    if (this.waiting === undefined) this.waiting = []
    this.waiting.push(waiting)
    return waiting
  }

  leave(waiting: Waiting): void {
    const line = this.waiting
    if (line === undefined) return
    const index = line.indexOf(waiting)
    if (index < 0) return
    line.splice(index, 1)
    if (line.length === 0) this.waiting = undefined
  }

  refused(target: string): MailboxFull {
    this.drop()
    return new MailboxFull({ target, pid: this.owner.pid, capacity: this.capacity, overflow: this.overflow })
  }

  // As the mailbox sees it

  left(): void {
    this.queued--
    if (this.waiting !== undefined && this.queued < this.capacity) this.admit()
  }

  entered(): void {
    this.queued++
  }

  closed(): void {
    const line = this.waiting
    this.waiting = undefined
    if (line === undefined) return
    for (const waiting of line) {
      if (waiting.resume !== undefined) wake(resumeSender, waiting)
    }
  }

  /** Room was made: the messages first in line get in, and their senders resume (through the run queue). */
  private admit(): void {
    const line = this.waiting!
    while (line.length > 0 && this.queued < this.capacity) {
      const next = line.shift()!
      if (line.length === 0 && this.waiting === line) this.waiting = undefined
      this.put(next.value)
      if (next.resume !== undefined) wake(resumeSender, next)
    }
  }
}

/** Gives `owner` a bound for the messages it files under `tag`; drops are counted in `actor`'s metric series. @internal */
export const install = (
  owner: ProcessState,
  fiber: Fiber.Fiber<unknown, unknown>,
  tag: unknown,
  options: BoundOptions,
  actor: string | undefined
): Bound => {
  const bound = new Bound(owner, tag, options.capacity, options.overflow)
  if (enabledIn(fiber)) bound.counted = updaterOf(actorMetrics(actor).dropped, fiber.context)
  if (owner.bounds === undefined) owner.bounds = new Map()
  owner.bounds.set(tag, bound)
  return bound
}

/**
 * Delivers a message that has room (a subject without a bound always has): `undefined` then; otherwise the subject's
 * bound, full, for the caller's policy to decide.
 */
const fits = (target: ProcessState, tag: unknown, value: unknown): Bound | undefined => {
  const bound = target.bounds!.get(tag) as Bound | undefined
  if (bound === undefined) {
    target.deliver(tag, value)
    return undefined
  }
  if (bound.full) return bound
  bound.put(value)
  return undefined
}

/**
 * A send that does not wait, to a process with bounded subjects (a timer's, a call's request): returns its place in
 * the line when it waits for room under `BackPressure`. @internal
 */
export const sendNow = (target: ProcessState, tag: unknown, value: unknown): Waiting | undefined =>
  fits(target, tag, value)?.overflowed(value)

/** `Subject.send` to a process with bounded subjects: waits for room under `BackPressure`. @internal */
export const send = (
  target: ProcessState,
  tag: unknown,
  value: unknown,
  sender: ProcessState | undefined
): Effect.Effect<void> => {
  const bound = fits(target, tag, value)
  if (bound === undefined) return Effect.void
  // A process never waits for room in its own mailbox: only it makes room there.
  if (bound.overflow !== "BackPressure" || sender === target) {
    bound.overflowed(value)
    return Effect.void
  }
  return Effect.callback<void>((resume) => {
    const waiting = bound.wait(value, resume)
    // The receiver may be among the processes this one woke: they run before it suspends, and may make room.
    runQueued()
    return Effect.sync(() => waiting.cancel())
  })
}

/** `Subject.trySend` to a process with bounded subjects: the `MailboxFull` it fails with, if any. @internal */
export const trySend = (
  target: ProcessState,
  tag: unknown,
  value: unknown,
  label: () => string
): MailboxFull | undefined => {
  const bound = fits(target, tag, value)
  if (bound === undefined) return undefined
  if (bound.overflow === "Fail" || bound.overflow === "BackPressure") return bound.refused(label())
  bound.overflowed(value)
  return undefined
}

/** The messages the bounds of a live process kept out, all its subjects together (for `Process.info`). @internal */
export const droppedBy = (state: ProcessState): number => {
  let dropped = 0
  if (state.bounds !== undefined) {
    for (const bound of state.bounds.values()) dropped += (bound as Bound).dropped
  }
  return dropped
}
