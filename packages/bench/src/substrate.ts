/**
 * The substrate: the leanest mailbox one can write on Effect, to measure what `@effect-otp/core` adds on top of
 * bare fibers.
 *
 * A `LeanMailbox` has one consumer. `offer` appends a message, or hands it straight to the consumer when it is
 * parked; `take` returns the oldest message, or parks the consumer with `Effect.callback` until one is offered. No
 * selective receive, timeouts, links, monitors, names or system messages: only the cost of resuming a fiber.
 *
 * Two kinds, which differ only in how the consumer parks:
 *
 * - `LeanMailbox`: the parked consumer registers an interrupt canceller (the callback registration returns an
 *   Effect that forgets the waiting consumer). A call that can time out or be interrupted needs it, or the next
 *   message would go to a fiber that is gone; Effect then keeps a finalizer frame on the parked fiber's stack.
 * - `LeanMailboxNoCanceller`: the same without the canceller, the least work a park can be on Effect 4. A consumer
 *   interrupted while parked leaves a stale waiter behind, which swallows the next message.
 *
 * Effect 4 runs a fiber woken by `Effect.callback`'s resume at once, on the waker's stack. A chain of fibers that
 * wake one another (a ring passing a token) would nest one fiber's run loop in the previous one's and overflow the
 * stack after about a thousand. So `offer` resumes inline only while fewer than `maxInlineDepth` resumes are under
 * way on the stack (a counter shared by every mailbox); deeper than that, it queues the message and resumes the
 * consumer from a microtask, on a fresh stack, where it takes the message from the queue (and the message stays
 * queued if the consumer was interrupted in the meantime).
 */
import * as Effect from "effect/Effect"

/** How many resumes `offer` may nest, one inside another, before it hands the next one to a microtask. */
export const maxInlineDepth = 8

/** Resumes under way on the stack right now (all mailboxes together). */
let depth = 0

type Resume<A> = (effect: Effect.Effect<A>) => void

/** A FIFO with a single consumer fiber, parked through `Effect.callback` (with a canceller) while it is empty. */
export class LeanMailbox<A> {
  protected items: Array<A | undefined> = []
  protected head = 0
  protected waiting: Resume<A> | undefined = undefined

  /** Messages queued and not yet taken. */
  get size(): number {
    return this.items.length - this.head
  }

  /** Queues `message`, or resumes the parked consumer with it. Never blocks, from any code. */
  offer(message: A): void {
    const resume = this.waiting
    if (resume === undefined) {
      this.items.push(message)
      return
    }
    this.waiting = undefined
    if (depth < maxInlineDepth) {
      depth++
      try {
        resume(Effect.succeed(message))
      } finally {
        depth--
      }
      return
    }
    this.items.push(message)
    queueMicrotask(() => {
      depth++
      try {
        resume(Effect.sync(() => this.shift()))
      } finally {
        depth--
      }
    })
  }

  /** The oldest message; parks the calling fiber until there is one. Only one fiber may take at a time. */
  take(): Effect.Effect<A> {
    if (this.head < this.items.length) return Effect.succeed(this.shift())
    return this.park()
  }

  /** Parks the consumer until `offer` resumes it. */
  protected park(): Effect.Effect<A> {
    return Effect.callback<A>((resume) => {
      // A message may have arrived between building this effect and running it.
      if (this.head < this.items.length) {
        resume(Effect.succeed(this.shift()))
        return
      }
      this.waiting = resume
      return Effect.sync(() => {
        if (this.waiting === resume) this.waiting = undefined
      })
    })
  }

  protected shift(): A {
    const items = this.items
    const message = items[this.head] as A
    items[this.head] = undefined
    this.head++
    if (this.head === items.length) {
      items.length = 0
      this.head = 0
    } else if (this.head >= 4096 && this.head * 2 >= items.length) {
      this.items = items.slice(this.head)
      this.head = 0
    }
    return message
  }
}

/** `LeanMailbox` whose parked consumer registers no interrupt canceller. */
export class LeanMailboxNoCanceller<A> extends LeanMailbox<A> {
  protected override park(): Effect.Effect<A> {
    return Effect.callback<A>((resume) => {
      if (this.head < this.items.length) {
        resume(Effect.succeed(this.shift()))
        return
      }
      this.waiting = resume
    })
  }
}

/** The two kinds of lean mailbox, by whether the parked consumer registers an interrupt canceller. */
export type LeanKind = "canceller" | "noCanceller"

/** A new lean mailbox of the given kind. */
export const leanMailbox = <A>(kind: LeanKind): LeanMailbox<A> =>
  kind === "canceller" ? new LeanMailbox<A>() : new LeanMailboxNoCanceller<A>()
