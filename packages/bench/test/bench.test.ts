/**
 * The smoke test of the benchmark: every case, ours and every substrate (not Erlang), at a tiny size, in this
 * process. It checks that each implementation runs to the end and reports every figure it should, so the
 * benchmark cannot rot while the library changes. No timing is asserted.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { cases, formatSize, implementation, parseSize } from "../src/cases.js"
import { LeanMailbox } from "../src/substrate.js"

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
      })
    }
  }

  it("sizes round-trip", () => {
    expect(parseSize("1000000")).toEqual({ n: 1_000_000, m: 1 })
    expect(parseSize("100x20")).toEqual({ n: 100, m: 20 })
    expect(formatSize(parseSize("100x20"))).toBe("100x20")
    expect(() => parseSize("ten")).toThrow()
  })

  it.effect("the lean mailbox hands messages over in order, parked or not", () =>
    Effect.gen(function*() {
      const mailbox = new LeanMailbox<number>()
      mailbox.offer(1)
      mailbox.offer(2)
      expect(mailbox.size).toBe(2)
      expect(yield* mailbox.take()).toBe(1)
      expect(yield* mailbox.take()).toBe(2)
      const taker = yield* Effect.fork(mailbox.take())
      yield* Effect.yieldNow()
      mailbox.offer(3)
      expect(yield* taker.await).toEqual(yield* Effect.exit(Effect.succeed(3)))
      for (let i = 0; i < 10_000; i++) mailbox.offer(i)
      for (let i = 0; i < 10_000; i++) expect(yield* mailbox.take()).toBe(i)
      expect(mailbox.size).toBe(0)
    }))
})
