import { Protocol, Runner } from "@effect-otp/cluster"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { TestClock } from "effect/testing"
import { Account, account, Ledger, ledgerMemory } from "./fixtures/account.js"

describe("local", () => {
  it.effect("deposits, withdrawals, passivation", () =>
    Effect.gen(function*() {
      const client = yield* Account.Client
      expect(yield* client("a").Deposit({ op: "1", amount: 10 })).toBe(10)
      expect(yield* client("a").Withdraw({ op: "2", amount: 3 })).toBe(7)
      const err = yield* Effect.flip(client("a").Withdraw({ op: "3", amount: 30 }))
      expect(err._tag).toBe("InsufficientFunds")
      expect((yield* client("a").Where()).activations).toBe(1)
      yield* TestClock.adjust("2 minutes")
      expect(yield* client("a").Balance()).toBe(7)
      expect((yield* client("a").Where()).activations).toBe(2)
    }).pipe(Effect.provide(Protocol.layerLocal(account).pipe(Layer.provideMerge(ledgerMemory)))))

  it.live("memory runner", () =>
    Effect.gen(function*() {
      const client = yield* Account.Client
      expect(yield* client("a").Deposit({ op: "1", amount: 10 })).toBe(10)
      expect(yield* client("a").Withdraw({ op: "2", amount: 3 })).toBe(7)
      const err = yield* Effect.flip(client("a").Withdraw({ op: "3", amount: 30 }))
      expect(err._tag).toBe("InsufficientFunds")
      expect(yield* client("b").Balance()).toBe(0)
      const ledger = yield* Ledger
      expect((yield* ledger.entries()).length).toBe(2)
    }).pipe(
      Effect.provide(
        Protocol.layer(account).pipe(Layer.provideMerge(ledgerMemory), Layer.provide(Runner.layerMemory()))
      )
    ))
})
