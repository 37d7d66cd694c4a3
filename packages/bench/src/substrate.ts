/**
 * The substrate: the leanest mailbox one can write on Effect, to measure what `@effect-otp/core` adds on top of
 * bare fibers.
 *
 * A `LeanMailbox` has one consumer. `offer` appends a message, or hands it straight to the consumer when it is
 * parked; `take` returns the oldest message, or parks the consumer with `Effect.async` until one is offered. No
 * selective receive, no timeouts, no links, monitors, names or system messages: only the cost of resuming a fiber.
 */
import * as Effect from "effect/Effect"

/** A FIFO with a single consumer fiber, parked through `Effect.async` while the FIFO is empty. */
export class LeanMailbox<A> {
  private items: Array<A | undefined> = []
  private head = 0
  private waiting: ((effect: Effect.Effect<A>) => void) | undefined = undefined

  /** Messages queued and not yet taken. */
  get size(): number {
    return this.items.length - this.head
  }

  /** Queues `message`, or resumes the parked consumer with it. Never blocks, from any code. */
  offer(message: A): void {
    const resume = this.waiting
    if (resume !== undefined) {
      this.waiting = undefined
      resume(Effect.succeed(message))
      return
    }
    this.items.push(message)
  }

  /** The oldest message; parks the calling fiber until there is one. Only one fiber may take at a time. */
  take(): Effect.Effect<A> {
    if (this.head < this.items.length) return Effect.succeed(this.shift())
    return Effect.async<A>((resume) => {
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

  private shift(): A {
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
