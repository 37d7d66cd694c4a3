/**
 * The smoke test of the benchmark: every case, ours and every substrate (not Erlang), at a tiny size, in this
 * process. It checks that each implementation runs to the end and reports every figure it should, so the
 * benchmark cannot rot while the library changes. No timing is asserted.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { cases, implementation } from "../src/cases.js"
import { formatSize, parseSize } from "../src/model.js"
import { leanMailbox } from "../src/substrate.js"

describe("bench", () => {
  for (const [name, benchCase] of Object.entries(cases)) {
    const impls = ["ours", ...Object.keys(benchCase.substrates).map((key) => `substrate:${key}`)]
    for (const impl of impls) {
      it(`${name} ${impl} at ${formatSize(benchCase.sizes.smoke)}`, async () => {
        const run = implementation(benchCase, impl)
        expect(run).toBeDefined()
        const figures = await Effect.runPromise(run!(benchCase.sizes.smoke))
        const keys = impl === "ours" ? benchCase.metrics.map((m) => m.key) : Object.keys(figures)
        for (const key of keys) {
          expect(Number.isFinite(figures[key]), `${key} = ${figures[key]}`).toBe(true)
        }
        if (impl !== "ours") {
          // A substrate reports a subset of the case's figures, and nothing else.
          for (const key of keys) expect(benchCase.metrics.map((m) => m.key)).toContain(key)
        }
        // The threads cases start worker threads that load the TypeScript sources (tsx): seconds each. cluster-call
        // starts a runner process (tsx) and needs PostgreSQL (127.0.0.1:5432, database `test`): 4 to 10 s.
      }, name.startsWith("threads-") || name.startsWith("cluster-") ? 120_000 : undefined)
    }
  }

  it("sizes round-trip", () => {
    expect(parseSize("1000000")).toEqual({ n: 1_000_000, m: 1 })
    expect(parseSize("100x20")).toEqual({ n: 100, m: 20 })
    expect(formatSize(parseSize("100x20"))).toBe("100x20")
    expect(() => parseSize("ten")).toThrow()
  })

  for (const kind of ["canceller", "noCanceller"] as const) {
    it.effect(`the lean mailbox (${kind}) hands messages over in order, parked or not`, () =>
      Effect.gen(function*() {
        const mailbox = leanMailbox<number>(kind)
        mailbox.offer(1)
        mailbox.offer(2)
        expect(mailbox.size).toBe(2)
        expect(yield* mailbox.take()).toBe(1)
        expect(yield* mailbox.take()).toBe(2)
        const taker = yield* Effect.forkChild(mailbox.take())
        yield* Effect.yieldNow
        mailbox.offer(3)
        expect(yield* Fiber.join(taker)).toBe(3)
        for (let i = 0; i < 10_000; i++) mailbox.offer(i)
        for (let i = 0; i < 10_000; i++) expect(yield* mailbox.take()).toBe(i)
        expect(mailbox.size).toBe(0)
      }))

    it.effect(`a chain of fibers waking one another through lean mailboxes (${kind}) keeps the stack shallow`, () =>
      Effect.gen(function*() {
        // Each fiber takes one message and offers the next one along: without the depth bound, the wake-ups nest
        // one fiber's run loop inside the previous one's until the stack overflows.
        const length = 20_000
        const mailboxes = Array.from({ length: length + 1 }, () => leanMailbox<number>(kind))
        const fibers = []
        for (let i = 0; i < length; i++) {
          fibers.push(yield* Effect.forkChild(Effect.map(mailboxes[i]!.take(), (n) => mailboxes[i + 1]!.offer(n + 1))))
        }
        yield* Effect.yieldNow
        mailboxes[0]!.offer(0)
        // A fiber whose wake-up overflowed the stack died of the RangeError: joining them all says so.
        for (const fiber of fibers) yield* Fiber.join(fiber)
        expect(yield* mailboxes[length]!.take()).toBe(length)
      }))
  }

  it.effect("an interrupted consumer of a lean mailbox with a canceller does not swallow the next message", () =>
    Effect.gen(function*() {
      const mailbox = leanMailbox<number>("canceller")
      const taker = yield* Effect.forkChild(mailbox.take())
      yield* Effect.yieldNow
      yield* Fiber.interrupt(taker)
      mailbox.offer(1)
      expect(mailbox.size).toBe(1)
      expect(yield* mailbox.take()).toBe(1)
    }))
})
