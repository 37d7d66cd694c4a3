import { Actor, Subject, Testing } from "@effect-otp/core"
import { afterEach, assert, describe, expect, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { TestClock } from "effect/testing"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { ACCOUNTS_TOLERANCE } from "../bank/account.js"
import type { Decision, LimiterMsg } from "../bank/limiter.js"
import { limiter } from "../bank/limiter.js"
import { runBank } from "../bank/main.js"
import type { TreeNode } from "../bank/tree.js"
import { expectNothingLost } from "./traffic.js"

afterEach(Testing.leakCheck())

/** A fresh data directory, removed when the test's scope closes. */
const dataDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "effect-otp-bank-test-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const find = (node: TreeNode, label: string): TreeNode | undefined =>
  node.label === label ? node : node.children?.map((child) => find(child, label)).find((n) => n !== undefined)

describe("the bank's rate limiter", () => {
  it.effect("allows a burst per client, then one request per 1/rate, with the time to wait", () =>
    Effect.gen(function*() {
      const started = yield* Actor.start(limiter({ rate: 10, burst: 3 }))
      const acquire = (client: string) =>
        Subject.call(
          started.data,
          (replyTo: Subject.Subject<Decision>): LimiterMsg => ({ _tag: "Acquire", client, replyTo })
        )
      for (let i = 0; i < 3; i++) assert.deepStrictEqual(yield* acquire("a"), { _tag: "Allowed" })
      assert.deepStrictEqual(yield* acquire("a"), { _tag: "Limited", retryAfterMillis: 100 })
      assert.deepStrictEqual(yield* acquire("b"), { _tag: "Allowed" })
      yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual(yield* acquire("a"), { _tag: "Allowed" })
      assert.deepStrictEqual(yield* acquire("a"), { _tag: "Limited", retryAfterMillis: 100 })
    }))
})

describe("the bank (end to end, over HTTP)", () => {
  // Real time on purpose: a short load against the real server on a free port, accounts killed every 50 ms.
  it.live("loses no acknowledged money while account actors crash and restart", () =>
    Effect.gen(function*() {
      // What the bank logs, its supervisor and crash reports included.
      const logged: Array<{ readonly level: string; readonly message: string }> = []
      const capture = Logger.make(({ logLevel, message }) => {
        logged.push({ level: logLevel, message: (Array.isArray(message) ? message : [message]).map(String).join(" ") })
      })
      const report = yield* runBank({
        port: 0,
        dataDir: yield* dataDir,
        duration: "1500 millis",
        once: true,
        accounts: 20,
        clients: 8,
        crashEvery: "50 millis",
        // A tight limit, so that both the clients and the noisy client meet 429s even on a slow machine.
        limit: { rate: 20, burst: 10 }
      }).pipe(Effect.provide(Logger.layer([capture])))
      expectNothingLost(report)
      expect(report.crashes).toBeGreaterThan(0)
      expect(report.restarts).toBeGreaterThan(0)
      expect(report.noisyLimited + report.rateLimited).toBeGreaterThan(0)
      expect(report.stormKills).toBeGreaterThan(ACCOUNTS_TOLERANCE.intensity)

      // GET /metrics (Prometheus text, through OpenTelemetry): the library's counters moved with the load.
      const sample = (pattern: RegExp) =>
        report.metrics.split("\n").filter((line) => pattern.test(line)).reduce(
          (sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)),
          0
        )
      expect(sample(/^otp_actor_messages_handled_total\{.*actor="bank\/store"/)).toBeGreaterThan(0)
      expect(sample(/^otp_process_crashes_total\{.*reason="Killed"/)).toBeGreaterThanOrEqual(report.crashes)
      expect(sample(/^otp_supervisor_restarts_total\{.*supervisor="bank\/accounts"/)).toBeGreaterThan(0)
      expect(sample(/^otp_call_duration_seconds_count\{/)).toBeGreaterThan(0)
      expect(sample(/^otp_processes\{/)).toBeGreaterThan(20)

      // Each kill is reported by the accounts' supervisor, then the restart; the storm makes it give up, and the bank
      // supervisor reports that child's exit and restarts it.
      const said = (level: string, pattern: RegExp) =>
        logged.some((entry) => entry.level === level && pattern.test(entry.message))
      expect(said("Error", /^child acct-\d\d \(<0\.\d+>\) terminated: Killed$/)).toBe(true)
      expect(said("Info", /^child acct-\d\d restarted as <0\.\d+>$/)).toBe(true)
      expect(
        said(
          "Error",
          /^supervisor bank\/accounts\$\d+ <0\.\d+> gave up: reached its restart intensity: 101 restarts within 1s/
        )
      )
        .toBe(true)
      expect(said("Error", /^child bank\/Accounts \(<0\.\d+>\) terminated: Shutdown$/)).toBe(true)
      expect(said("Info", /^child bank\/Accounts restarted as <0\.\d+>$/)).toBe(true)

      const accounts = find(report.tree, "bank/Accounts")
      expect(accounts?.type).toBe("supervisor")
      expect(accounts?.children?.length).toBe(20)
      expect(accounts?.children?.every((child) => /^acct-\d\d$/.test(child.label))).toBe(true)
      expect(accounts?.children?.every((child) => child.status === "running")).toBe(true)
      // The tree is walked from the root's name; labels come from the layers' tags and the supervisors' names.
      expect(report.tree.label).toBe("bank/root")
      for (const label of ["bank/Limiter", "bank/bank", "bank/Store", "bank/Directory"]) {
        expect(find(report.tree, label)).toBeDefined()
      }
    }), 30_000)
})
