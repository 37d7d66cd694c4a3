/**
 * The pipeline's stage, loaded by both threads: the main thread starts it on a node by its name, the node's entry
 * (`worker.ts`) imports this module so that the name is known there.
 *
 * A stage counts the primes in a range of numbers by trial division (a deterministic CPU job of a few
 * milliseconds), and tells the producer, whose subject it was started with, first that it is ready and then each
 * result. Its messages cross threads, so they are `Schema`s.
 */
import { Actor, Process, Subject } from "@effect-otp/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** A work item: count the primes in `[from, to)`. */
export const Job = Schema.TaggedStruct("Job", { id: Schema.Number, from: Schema.Number, to: Schema.Number })
export type Job = typeof Job.Type

/** What a stage tells the producer: it has started (and where), or an item's result. */
export const StageEvent = Schema.Union([
  Schema.TaggedStruct("Ready", { stage: Subject.schema(Job), pid: Process.PidSchema }),
  Schema.TaggedStruct("Done", { id: Schema.Number, primes: Schema.Number, pid: Process.PidSchema })
])
export type StageEvent = typeof StageEvent.Type

/** The stage's arguments: the producer to report to. */
export const StageArguments = Schema.Struct({ producer: Subject.schema(StageEvent) })
export type StageArguments = typeof StageArguments.Type

/** The number of primes in `[from, to)`, by trial division by odd numbers: slow on purpose. */
export const countPrimes = (from: number, to: number): number => {
  let count = 0
  for (let n = Math.max(from, 2); n < to; n++) {
    if (n % 2 === 0) {
      if (n === 2) count++
      continue
    }
    let prime = true
    for (let d = 3; d * d <= n; d += 2) {
      if (n % d === 0) {
        prime = false
        break
      }
    }
    if (prime) count++
  }
  return count
}

/** The stage: says `Ready` as it starts, then answers each `Job` with its `Done`. */
export const Stage = Actor.define(
  "parallel/stage",
  { arguments: StageArguments, messages: Job },
  ({ producer }) =>
    Actor.newWithInitialiser("5 seconds", (self: Subject.Subject<Job>) =>
      Effect.gen(function*() {
        const pid = yield* Process.self
        yield* Subject.send(producer, { _tag: "Ready", stage: self, pid })
        return Actor.initialised<typeof pid, Job>(pid)
      })).pipe(
        Actor.onMessage((pid: Process.Pid, job: Job) =>
          Effect.as(
            Subject.send(producer, { _tag: "Done", id: job.id, primes: countPrimes(job.from, job.to), pid }),
            Actor.continue(pid)
          )
        )
      )
)
