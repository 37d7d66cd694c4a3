import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { Observer } from "../src/index.js"
import { makeReportLog } from "../src/internal/reports.js"

describe("the report log", () => {
  it.effect("files an entry under its pid and its child_pid, and keeps the last ones per pid", () =>
    Effect.gen(function*() {
      const log = makeReportLog(3, 2)
      const logged = (message: string, annotations: Record<string, unknown>) =>
        Effect.logError(message).pipe(Effect.annotateLogs(annotations), Effect.provide(Logger.layer([log.logger])))
      yield* logged("child w (<0.5>) terminated: Killed", {
        otp_report: "child_terminated",
        pid: "<0.1>",
        child_pid: "<0.5>",
        restarts: 1
      })
      const [entry] = log.recent("<0.5>")
      assert.deepInclude(entry, { level: "Error", message: "child w (<0.5>) terminated: Killed" })
      assert.strictEqual(entry.report, "child_terminated")
      assert.deepStrictEqual(entry.annotations, {
        otp_report: "child_terminated",
        pid: "<0.1>",
        child_pid: "<0.5>",
        restarts: "1"
      })
      assert.deepStrictEqual(log.recent("<0.1>"), [entry])

      // Without a pid: not kept. Beyond 3 entries per pid: the oldest go.
      yield* logged("about nobody", {})
      for (let i = 0; i < 4; i++) yield* logged(`entry ${i}`, { pid: "<0.1>" })
      assert.deepStrictEqual(log.recent("<0.1>").map((e) => e.message), ["entry 1", "entry 2", "entry 3"])
      assert.isNull(log.recent("<0.1>")[0].report)

      // Beyond 2 pids: the pid written to longest ago goes (<0.5>; <0.1> was written to since).
      yield* logged("another", { pid: "<0.9>" })
      assert.deepStrictEqual(log.recent("<0.5>"), [])
      assert.lengthOf(log.recent("<0.1>"), 3)
      assert.lengthOf(log.recent("<0.9>"), 1)
    }))

  it.effect("as a layer, adds its logger to the loggers already there", () =>
    Effect.gen(function*() {
      const seen: Array<unknown> = []
      const mine = Logger.make(({ message }) => {
        seen.push(message)
      })
      const recent = yield* Effect.gen(function*() {
        yield* Effect.log("hello").pipe(Effect.annotateLogs({ pid: "<0.7>" }))
        return (yield* Observer.Reports).recent("<0.7>")
      }).pipe(Effect.provide(Observer.layerReports), Effect.provide(Logger.layer([mine])))
      assert.deepStrictEqual(seen, [["hello"]])
      assert.deepStrictEqual(recent.map((entry) => entry.message), ["hello"])
    }))
})
