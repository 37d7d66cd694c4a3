import { Testing } from "@effect-otp/core"
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { isClean, run } from "../parallel/main.js"

// The pipeline leaves nothing running (the main thread's spawner and name server are the runtime's, not leaks).
afterEach(Testing.leakCheck())

describe("the parallel pipeline (examples/parallel)", () => {
  it.live(
    "runs on 1 node, then on 2 with one terminated midway: every item done once and right, the node restarted",
    () =>
      Effect.gen(function*() {
        const lines: Array<string> = []
        const items = 300
        const report = yield* run({ items, width: 2_000, killAt: 0.4, log: (line) => lines.push(line) })
        for (const pass of [report.one, report.two]) {
          expect(pass.summary.received).toBe(items)
          expect(pass.summary.once).toBe(items)
          expect(pass.summary.wrong).toEqual([])
          expect(isClean(pass, items)).toBe(true)
        }
        expect(report.one.killed).toEqual([])
        expect(report.one.resent).toBe(0)
        // The second node of the 2-node run was terminated, and came back as a new node.
        expect(report.two.killed).toHaveLength(1)
        const [killed] = report.two.killed
        expect(report.two.restarted).toHaveLength(1)
        expect(report.two.restarted[0].node).toBe(killed)
        expect(report.two.restarted[0].as).toBeGreaterThan(killed)
        // The items in flight to it were sent again, and each result was kept once.
        expect(report.two.resent).toBeGreaterThan(0)
        const as = report.two.restarted[0].as
        expect(lines).toContainEqual(
          expect.stringMatching(
            new RegExp(
              `^  node ${killed} restarted as node ${as} \\([\\d.]+ s later\\): its stage <${as}\\.\\d+> is ready`
            )
          )
        )
        expect(lines).toContainEqual(
          expect.stringMatching(
            new RegExp(`^  stage <${killed}\\.\\d+> down \\(noconnection\\): \\d+ items were in flight`)
          )
        )
        expect(lines.filter((line) => line.startsWith("  check ok:"))).toHaveLength(2)
      }).pipe(Effect.provide(Logger.layer([]))), // the supervisors' reports of the kill: not here
    60_000
  )
})
