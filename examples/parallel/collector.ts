/**
 * The collector, on the main thread: receives each item's result from the producer, counts how often each item
 * came, and checks the results against a sieve (a different algorithm from the stages', and much faster).
 */
import { Actor, Subject } from "@effect-otp/core"
import * as Effect from "effect/Effect"

/** An item's result, with the node that computed it. */
export interface Result {
  readonly _tag: "Result"
  readonly id: number
  readonly primes: number
  readonly node: number
}

/** What the collector saw: items received once, more than once, per node, and whether every result is right. */
export interface Summary {
  readonly received: number
  readonly once: number
  readonly repeated: number
  readonly perNode: ReadonlyMap<number, number>
  readonly primes: number
  readonly wrong: ReadonlyArray<number>
}

export type CollectorMessage = Result | { readonly _tag: "Summary"; readonly replyTo: Subject.Subject<Summary> }

/** The work: `items` ranges of `width` numbers from `base`, item `id` being `[base + id * width, ... + width)`. */
export interface Work {
  readonly items: number
  readonly width: number
  readonly base: number
}

export const rangeOf = (work: Work, id: number): readonly [number, number] => [
  work.base + id * work.width,
  work.base + (id + 1) * work.width
]

/** The number of primes in each item's range, by a segmented sieve of Eratosthenes over all of them. */
export const sieveCounts = (work: Work): Array<number> => {
  const low = work.base
  const high = work.base + work.items * work.width
  const composite = new Uint8Array(high - low)
  const limit = Math.floor(Math.sqrt(high))
  const small = new Uint8Array(limit + 1)
  for (let p = 2; p <= limit; p++) {
    if (small[p] === 1) continue
    for (let m = p * p; m <= limit; m += p) small[m] = 1
    for (let m = Math.max(p * p, Math.ceil(low / p) * p); m < high; m += p) composite[m - low] = 1
  }
  const counts = new Array<number>(work.items).fill(0)
  for (let n = Math.max(low, 2); n < high; n++) {
    if (composite[n - low] === 0) counts[Math.floor((n - low) / work.width)]++
  }
  return counts
}

/** Starts the collector for `work`. */
export const startCollector = (work: Work) =>
  Actor.start(
    Actor.new({
      seen: new Array<number>(work.items).fill(0),
      primes: new Array<number>(work.items).fill(0),
      perNode: new Map<number, number>()
    }).pipe(
      Actor.onMessage((state, message: CollectorMessage) => {
        if (message._tag === "Result") {
          state.seen[message.id]++
          state.primes[message.id] = message.primes
          state.perNode.set(message.node, (state.perNode.get(message.node) ?? 0) + 1)
          return Effect.succeed(Actor.continue(state))
        }
        const expected = sieveCounts(work)
        const summary: Summary = {
          received: state.seen.reduce((sum, n) => sum + n, 0),
          once: state.seen.filter((n) => n === 1).length,
          repeated: state.seen.filter((n) => n > 1).length,
          perNode: new Map(state.perNode),
          primes: state.primes.reduce((sum, n) => sum + n, 0),
          wrong: expected.flatMap((count, id) => count === state.primes[id] ? [] : [id])
        }
        return Effect.as(Subject.send(message.replyTo, summary), Actor.continue(state))
      })
    )
  )
