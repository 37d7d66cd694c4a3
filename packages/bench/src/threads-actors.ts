/**
 * The actor definitions of the threads cases (`threads.ts`), loaded by the main thread and by every node (the
 * worker entry, `threads-worker.ts`, imports this module): a node starts them by name.
 */
import { Actor, Subject } from "@effect-otp/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * A deterministic busy computation of `iterations` steps (a linear congruential generator), whose result is kept so
 * that the JIT cannot drop it. The cases calibrate `iterations` to 1 ms on the main thread (Erlang: `burn/2`).
 */
export const burn = (iterations: number, seed: number): number => {
  let x = seed | 0
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 1103515245) + 12345) | 0
  return x
}

/** The iterations of `burn` that take `millis` on this thread, measured over a run of about 50 ms. */
export const calibrate = (millis: number): number => {
  let iterations = 100_000
  for (;;) {
    const start = performance.now()
    burn(iterations, 1)
    const elapsed = performance.now() - start
    if (elapsed >= 50) return Math.max(1, Math.round((iterations * millis) / elapsed))
    iterations *= 2
  }
}

/** The start arguments of a worker that reports to `report` once it has handled `expect` messages. */
const Reporting = Schema.Struct({ report: Subject.schema(Schema.Number), expect: Schema.Number })

/**
 * The CPU-bound worker: each message (a seed) costs a `burn` of `iterations` steps; after `expect` messages it
 * reports its last result to `report` and starts counting again.
 */
export const Burner = Actor.define(
  "bench/burner",
  {
    arguments: Schema.Struct({
      report: Subject.schema(Schema.Number),
      expect: Schema.Number,
      iterations: Schema.Number
    }),
    messages: Schema.Number
  },
  (args) =>
    Actor.new(0).pipe(Actor.onMessage((count: number, seed: number) => {
      const result = burn(args.iterations, seed)
      const next = count + 1
      return next === args.expect
        ? Effect.as(Subject.send(args.report, result), Actor.continue(0))
        : Effect.succeed(Actor.continue(next))
    }))
)

/** The one-way sink: counts plain numbers, reports to `report` once it has `expect` of them, and starts again. */
export const Sink = Actor.define(
  "bench/sink",
  { arguments: Reporting, messages: Schema.Number },
  (args) =>
    Actor.new(0).pipe(Actor.onMessage((count: number, _: number) => {
      const next = count + 1
      return next === args.expect
        ? Effect.as(Subject.send(args.report, next), Actor.continue(0))
        : Effect.succeed(Actor.continue(next))
    }))
)

/** The messages of the call and restart cases' counter. */
export const EchoMessage = Schema.Union([
  Schema.TaggedStruct("Get", { replyTo: Subject.schema(Schema.Number) }),
  /** Ends the whole thread with `process.exit(code)`. */
  Schema.TaggedStruct("ExitThread", { code: Schema.Number }),
  /** Blocks the thread's event loop for good (the heartbeat's case). */
  Schema.TaggedStruct("Spin", {})
])
export type EchoMessage = typeof EchoMessage.Type

/** A `Get` request for `Subject.call`. */
export const get = (replyTo: Subject.Subject<number>): EchoMessage => ({ _tag: "Get", replyTo })

const handleEcho = (n: number, message: EchoMessage) => {
  switch (message._tag) {
    case "Get":
      return Effect.as(Subject.send(message.replyTo, n), Actor.continue(n))
    case "ExitThread":
      return Effect.sync(() => process.exit(message.code))
    case "Spin":
      return Effect.sync(() => {
        for (;;) {
          // a thread stuck in a loop
        }
      })
  }
}

/** The call case's counter: answers `Get` with its number. */
export const Echo = Actor.define(
  "bench/echo",
  { arguments: Schema.Number, messages: EchoMessage },
  (n) => Actor.new(n).pipe(Actor.onMessage(handleEcho))
)

/**
 * The restart case's counter: as `Echo`, and it sends its own subject to `announce` when it starts, so the main
 * thread learns the subject of each incarnation a supervisor starts.
 */
export const Announced = Actor.define(
  "bench/announced",
  { arguments: Schema.Struct({ announce: Subject.schema(Subject.schema(EchoMessage)) }), messages: EchoMessage },
  (args) =>
    Actor.newWithInitialiser(
      "10 seconds",
      (self: Subject.Subject<EchoMessage>) =>
        Effect.as(Subject.send(args.announce, self), Actor.initialised<number, EchoMessage>(0))
    ).pipe(
      Actor.onMessage(handleEcho)
    )
)
