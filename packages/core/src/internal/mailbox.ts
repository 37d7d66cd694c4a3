/**
 * The mailbox of a process: one FIFO of envelopes for every subject the process owns, plus trapped exits and
 * monitor notifications, with selective receive scanning from the head.
 *
 * It is a singly linked list (O(1) append, O(1) removal while scanning) rather than an array, because selective
 * receive removes from the middle and `Array.prototype.splice` / `shift` are O(n) on large backlogs.
 * Receivers that find nothing park as waiters; a new envelope is offered to the waiters first (oldest first), so no
 * receiver ever waits while a message it selects is queued.
 *
 * @internal
 */

/** @internal */
export interface Envelope {
  readonly tag: unknown
  readonly value: unknown
  next: Envelope | undefined
  /** Set when it leaves the queue, so a scan mark pointing at it is known to be stale. */
  removed: boolean
  /** Arrival order in this mailbox, to give back an envelope in its place (`giveBack`). */
  readonly seq: number
}

/** What a receiver does with a message it selected. @internal */
export type Handler = (value: any) => unknown

/** Returns the handler for an envelope the receiver selects, or `undefined` to leave it queued. @internal */
export type Matcher = (envelope: Envelope) => Handler | undefined

/** Something that selects messages: a receiver, a selector. @internal */
export interface Selects {
  match(envelope: Envelope): Handler | undefined
}

/** A receiver parked in a mailbox: the mailbox removes it, then calls `wake` with the envelope it selected. @internal */
export interface Waiter extends Selects {
  wake(handler: Handler, envelope: Envelope): void
}

/**
 * The bound of one bounded subject (see `bound.ts`), as the mailbox sees it: told when one of the subject's messages
 * leaves the queue, and when the mailbox is dropped with its process. @internal
 */
export interface MailboxBound {
  /** One of its messages left the queue (taken, dropped, or removed): room for one more. */
  left(): void
  /** A message of the subject went back into the queue (`giveBack`). */
  entered(): void
  /** The process ended: senders waiting for room resume, their messages lost. */
  closed(): void
}

/** @internal */
export class Mailbox {
  head: Envelope | undefined = undefined
  tail: Envelope | undefined = undefined
  length = 0
  /**
   * The oldest waiting receiver, then the others in arrival order. Most mailboxes have one receiver at most (an
   * actor's loop, or a caller awaiting a reply), so it gets a field, not an array: nothing is allocated per park and
   * an idle actor carries no array. Invariant: `rest` is empty whenever `first` is `undefined`.
   */
  private first: Waiter | undefined = undefined
  private rest: Array<Waiter> | undefined = undefined
  private delivered = 0
  /**
   * The bounded subjects whose messages wait here, by tag; `undefined` (one field, nothing allocated) for the
   * unbounded mailboxes, the default: the send paths test this field once and go on as they always did.
   */
  bounds: Map<unknown, MailboxBound> | undefined = undefined

  /** Hands the envelope to the first waiter that selects it, or queues it; `true` when it was queued. */
  deliver(tag: unknown, value: unknown): boolean {
    const envelope: Envelope = { tag, value, next: undefined, removed: false, seq: this.delivered++ }
    if (this.handToWaiter(envelope)) return false
    if (this.tail === undefined) {
      this.head = this.tail = envelope
    } else {
      this.tail.next = envelope
      this.tail = envelope
    }
    this.length++
    return true
  }

  /** Wakes the first (oldest) waiter that selects the envelope; `false` when none does. */
  private handToWaiter(envelope: Envelope): boolean {
    const first = this.first
    if (first === undefined) return false
    let handler = first.match(envelope)
    if (handler !== undefined) {
      this.dropFirst()
      first.wake(handler, envelope)
      return true
    }
    const rest = this.rest
    if (rest === undefined) return false
    for (let i = 0; i < rest.length; i++) {
      const waiter = rest[i]
      handler = waiter.match(envelope)
      if (handler !== undefined) {
        rest.splice(i, 1)
        waiter.wake(handler, envelope)
        return true
      }
    }
    return false
  }

  private dropFirst(): void {
    const rest = this.rest
    this.first = rest !== undefined && rest.length > 0 ? rest.shift() : undefined
  }

  /** Hands an envelope to every waiter that selects it, queueing nothing; returns how many took it. */
  offerToWaiters(tag: unknown, value: unknown): number {
    if (this.first === undefined) return 0
    let woken = 0
    // Waiters woken here may park again at once (a receiver that loops): only those waiting now are offered it.
    const waiting = this.rest === undefined ? [this.first] : [this.first, ...this.rest]
    for (const waiter of waiting) {
      const envelope: Envelope = { tag, value, next: undefined, removed: false, seq: this.delivered++ }
      const handler = waiter.match(envelope)
      if (handler === undefined || !this.unpark(waiter)) continue
      waiter.wake(handler, envelope)
      woken++
    }
    return woken
  }

  /**
   * Removes and returns the first envelope filed under `tag` (a call's reply, say), or `undefined`. With `after`
   * (the tail when the tag was made: nothing before it can carry the tag) the scan starts there, as Erlang skips
   * the messages older than a call's reference.
   */
  takeTag(tag: unknown, after?: Envelope): Envelope | undefined {
    let prev: Envelope | undefined = after !== undefined && !after.removed ? after : undefined
    let current = prev === undefined ? this.head : prev.next
    while (current !== undefined) {
      if (current.tag === tag) {
        this.unlink(prev, current)
        return current
      }
      prev = current
      current = current.next
    }
    return undefined
  }

  /** After `takeAfter`: the last envelope it examined that the matcher rejected (a mark for the next scan). */
  rejected: Envelope | undefined = undefined
  /** After `takeAfter` found an envelope: the handler the matcher gave for it. */
  selected: Handler | undefined = undefined

  /**
   * Removes and returns the first envelope `selects` selects; its handler is left in `selected` (no pair is
   * allocated: this is the busy actor's path). The scan starts after `mark`, an envelope the same matcher already
   * rejected (when it is still queued): a receiver that keeps its matcher does not rescan a backlog of messages it
   * does not select.
   */
  takeAfter(selects: Selects, mark: Envelope | undefined): Envelope | undefined {
    let prev: Envelope | undefined = mark !== undefined && !mark.removed ? mark : undefined
    let current = prev === undefined ? this.head : prev.next
    while (current !== undefined) {
      const handler = selects.match(current)
      if (handler !== undefined) {
        this.unlink(prev, current)
        this.rejected = prev
        this.selected = handler
        return current
      }
      prev = current
      current = current.next
    }
    this.rejected = prev
    return undefined
  }

  /** Removes every queued envelope for which the predicate holds. */
  removeWhere(predicate: (envelope: Envelope) => boolean): void {
    let prev: Envelope | undefined = undefined
    let current = this.head
    while (current !== undefined) {
      const next: Envelope | undefined = current.next
      if (predicate(current)) {
        this.unlink(prev, current)
      } else {
        prev = current
      }
      current = next
    }
  }

  /**
   * Takes back an envelope handed to a receiver that was interrupted before its fiber resumed with it (the
   * resumption was deferred for fairness, see `fairness.ts`): another waiter that selects it gets it, or it is
   * queued where its arrival order puts it, so the message is not lost with the receive.
   */
  giveBack(envelope: Envelope): void {
    if (this.handToWaiter(envelope)) return
    let prev: Envelope | undefined = undefined
    let current = this.head
    while (current !== undefined && current.seq < envelope.seq) {
      prev = current
      current = current.next
    }
    envelope.next = current
    envelope.removed = false
    if (prev === undefined) this.head = envelope
    else prev.next = envelope
    if (current === undefined) this.tail = envelope
    this.length++
    if (this.bounds !== undefined) this.bounds.get(envelope.tag)?.entered()
  }

  park(waiter: Waiter): void {
    if (this.first === undefined) {
      this.first = waiter
    } else {
      if (this.rest === undefined) this.rest = []
      this.rest.push(waiter)
    }
  }

  unpark(waiter: Waiter): boolean {
    if (this.first === waiter) {
      this.dropFirst()
      return true
    }
    const rest = this.rest
    if (rest === undefined) return false
    const index = rest.indexOf(waiter)
    if (index < 0) return false
    rest.splice(index, 1)
    return true
  }

  clear(): void {
    this.head = this.tail = undefined
    this.length = 0
    this.first = this.rest = undefined
    const bounds = this.bounds
    if (bounds !== undefined) {
      this.bounds = undefined
      for (const bound of bounds.values()) bound.closed()
    }
  }

  private unlink(prev: Envelope | undefined, envelope: Envelope): void {
    if (prev === undefined) {
      this.head = envelope.next
    } else {
      prev.next = envelope.next
    }
    if (this.tail === envelope) this.tail = prev
    envelope.next = undefined
    envelope.removed = true
    this.length--
    if (this.bounds !== undefined) this.bounds.get(envelope.tag)?.left()
  }
}
