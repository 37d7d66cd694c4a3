import { Testing } from "@effect-otp/core"
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { SqlClient } from "effect/sql"
import { checkLedger, pendingTransfers } from "../cluster/account.js"
import { layerPg } from "../cluster/cluster.js"
import { isClean, run } from "../cluster/main.js"
import { expectNothingLost } from "./traffic.js"

afterEach(Testing.leakCheck())

/** Whether process `pid` exists. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe("the cluster demo (examples/cluster)", () => {
  it("its ledger check sees an operation applied twice, one missing, one nobody acknowledged, a transfer half done", () => {
    const ledger = {
      rows: 5,
      operations: new Map([["deposit:k1", 2], ["transfer:k2:w", 1], ["deposit:k9", 1], ["transfer:k3:w", 1]]),
      balances: {}
    }
    const check = checkLedger(ledger, [
      { key: "k1", operation: { _tag: "Deposit", id: "a", amount: 1 } },
      { key: "k2", operation: { _tag: "Transfer", from: "a", to: "b", amount: 1 } }
    ])
    expect(check).toEqual({ rows: 5, acknowledged: 2, once: 0, missing: 1, duplicates: 1, unacknowledged: 2 })
    expect(pendingTransfers(ledger)).toBe(2)
  })

  // Real processes, real PostgreSQL (database `test` on 127.0.0.1:5432), real time: 3 runners, a short load.
  it.live(
    "spreads the accounts over 3 runners; one SIGKILLed mid-load, its accounts resume on the survivors, lost 0",
    () =>
      Effect.gen(function*() {
        const lines: Array<string> = []
        const report = yield* run({ duration: "6 seconds", accounts: 20, clients: 8, log: (line) => lines.push(line) })

        // Spread over the 3 runners before the load.
        const pids = report.runners.map((runner) => runner.pid)
        expect(new Set(Object.values(report.placement).map((location) => location.pid))).toEqual(new Set(pids))

        // The kill happened, and every account of the killed runner answered again from a survivor.
        const failover = report.failover!
        expect(failover).toBeDefined()
        expect(pids).toContain(failover.killed.pid)
        const onKilled = Object.keys(report.placement).filter((id) => report.placement[id].pid === failover.killed.pid)
        expect(failover.moved.map((move) => move.id)).toEqual(onKilled)
        for (const move of failover.moved) {
          expect(move.to).toBeDefined()
          expect(move.to!.pid).not.toBe(failover.killed.pid)
          expect(pids).toContain(move.to!.pid)
          expect(move.afterMillis).toBeLessThan(15_000)
        }

        // Nothing acknowledged lost, money conserved, every acknowledged operation in the ledger exactly once.
        const { ledger, traffic } = report
        expectNothingLost(traffic)
        expect(traffic.transfers).toBeGreaterThan(0)
        // The requests to the killed runner's accounts outlived the front end's deadline: 504, sent again, same key.
        expect(traffic.retried).toBeGreaterThan(0)
        expect(ledger.acknowledged).toBe(traffic.deposits + traffic.transfers)
        expect(ledger.once).toBe(ledger.acknowledged)
        expect(ledger.missing).toBe(0)
        expect(ledger.duplicates).toBe(0)
        expect(ledger.unacknowledged).toBe(0)
        expect(ledger.rows).toBe(traffic.deposits + 2 * traffic.transfers)
        // Each entity's balance in memory is its ledger's: no request ran on a stale state.
        expect(report.drifted).toEqual([])
        expect(isClean(report)).toBe(true)
        expect(lines).toContain("  lost: 0")
        expect(lines).toContainEqual(expect.stringMatching(/^kill: {5}SIGKILL runner pid \d+ :\d+ at [\d.]+ s/))

        // Nothing left behind: no runner process, no schema.
        expect(pids.filter(alive)).toEqual([])
        const schemas = yield* Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql`SELECT nspname FROM pg_namespace WHERE nspname = ${report.schema}`
        ).pipe(Effect.provide(layerPg("public", "cluster-demo test")))
        expect(schemas).toEqual([])
      }),
    60_000
  )
})
