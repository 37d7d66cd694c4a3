// What the bank's load generator must find after any run, against the bank or the cluster demo: nothing
// acknowledged lost, nothing left unresolved or pending, no answer it did not expect, and the money conserved.
import { expect } from "@effect/vitest"
import type { TrafficReport } from "../bank/load.js"

export const expectNothingLost = (traffic: TrafficReport): void => {
  expect(traffic.lost).toBe(0)
  expect(traffic.unresolved).toBe(0)
  expect(traffic.unexpected).toBe(0)
  expect(traffic.pending).toBe(0)
  expect(traffic.storedTotal).toBe(traffic.expectedTotal)
  expect(traffic.deposits).toBeGreaterThan(0)
}
