/**
 * Fan-out with tasks: 1,000 items mapped through `Task.asyncStream`, each in its own process, at most 16 at a
 * time. A few items are slow and time out (their tasks are killed and the items skipped), the rest are summed.
 *
 * Run with `npm run example -- examples/task-fanout.ts`.
 */
import { Process, Task } from "@effect-otp/core"
import { Console, Effect, Ref, Stream } from "effect"

const items = Array.from({ length: 1_000 }, (_, i) => i + 1)

const program = Effect.gen(function*() {
  const self = yield* Process.self
  const running = yield* Ref.make(0)
  const peak = yield* Ref.make(0)

  /** Every 100th item takes too long; the others take a millisecond or two. */
  const work = (n: number) =>
    Effect.gen(function*() {
      const now = yield* Ref.updateAndGet(running, (k) => k + 1)
      yield* Ref.update(peak, (p) => Math.max(p, now))
      yield* Effect.sleep(n % 100 === 0 ? "5 seconds" : `${1 + (n % 2)} millis`)
      return n * n
    }).pipe(Effect.ensuring(Ref.update(running, (k) => k - 1)))

  const started = Date.now()
  const results = yield* Task.asyncStream(items, work, {
    maxConcurrency: 16,
    ordered: false,
    timeout: "300 millis",
    onTimeout: "killTask"
  }).pipe(
    Stream.runFold(() => ({ count: 0, sum: 0 }), (acc, square) => ({ count: acc.count + 1, sum: acc.sum + square }))
  )

  yield* Console.log(`items:        ${items.length}`)
  yield* Console.log(`results:      ${results.count} (${items.length - results.count} timed out and were killed)`)
  yield* Console.log(`sum:          ${results.sum}`)
  yield* Console.log(`peak tasks:   ${yield* Ref.get(peak)} (limit 16)`)
  const others = (yield* Process.list).filter((pid) => pid !== self)
  yield* Console.log(`tasks alive:  ${others.length} after the stream`)
  yield* Console.log(`elapsed:      ${Date.now() - started} ms`)
})

Effect.runPromise(Effect.scoped(program))
