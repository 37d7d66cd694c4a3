// The protocol's runtimes in this process: local actors (under TestClock) and effect's in-memory single runner.
import { Protocol, Runner } from "@effect-otp/cluster"
import { Name, Process, StaticSupervisor, Subject, Supervision, Testing } from "@effect-otp/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Rpc } from "effect/rpc"
import * as Schema from "effect/Schema"
import { TestClock } from "effect/testing"
import { Account, account, Ledger, ledgerMemory, localAccounts } from "./fixtures/account.js"
import { oneAtATime } from "./fixtures/scenarios.js"

const Memory = Protocol.layer(account).pipe(Layer.provideMerge(ledgerMemory), Layer.provide(Runner.layerMemory()))

// The same checks on both runtimes.
const runtimes = [["local actors", localAccounts, it.effect], ["the in-memory runner", Memory, it.live]] as const

for (const [name, layer, test] of runtimes) {
  describe(name, () => {
    test("a typed failure is the caller's and leaves the state as it was", () =>
      Effect.gen(function*() {
        const client = yield* Account.Client
        expect(yield* client("a").Deposit({ op: "1", amount: 10 })).toBe(10)
        const refused = yield* Effect.flip(client("a").Withdraw({ op: "2", amount: 30 }))
        expect(refused).toMatchObject({ _tag: "InsufficientFunds", balance: 10 })
        expect(yield* client("a").Withdraw({ op: "3", amount: 4 })).toBe(6)
        expect(yield* client("b").Balance()).toBe(0)
        expect((yield* (yield* Ledger).entries()).map((e) => e.op)).toEqual(["1", "3"])
      }).pipe(Effect.provide(layer)))

    test("requests sent at once to one entity are handled one at a time, each on the state the last one left", () =>
      Effect.gen(function*() {
        const client = yield* Account.Client
        yield* oneAtATime(client, "c")
      }).pipe(Effect.provide(layer)))
  })
}

describe("local actors", () => {
  it.effect("an entity passivates after maxIdleTime on the Clock, and its next request rebuilds its state", () =>
    Effect.gen(function*() {
      const client = yield* Account.Client
      yield* client("a").Deposit({ op: "1", amount: 7 })
      expect((yield* client("a").Where()).activations).toBe(1)
      yield* TestClock.adjust("59 seconds")
      expect((yield* client("a").Where()).activations).toBe(1)
      yield* TestClock.adjust("2 minutes")
      yield* TestClock.adjust("2 minutes")
      expect(yield* (yield* Ledger).terminations("a")).toBe(1)
      expect(yield* client("a").Balance()).toBe(7)
      expect((yield* client("a").Where()).activations).toBe(2)
    }).pipe(Effect.provide(localAccounts)))

  it.effect("a handler's defect crashes the actor: its caller gets a DeliveryError, the next request reactivates it", () =>
    Effect.gen(function*() {
      const client = yield* Fragile.Client
      expect(yield* client("f").Add({ n: 2 })).toBe(2)
      const error = yield* Effect.flip(client("f").Add({ n: -1 }))
      expect(error).toMatchObject({ _tag: "DeliveryError", reason: "CalleeDown", entityId: "f", tag: "Add" })
      expect(yield* client("f").Add({ n: 3 })).toBe(3)
    }).pipe(Effect.provide(Protocol.layerLocal(fragile))))

  it.effect("Protocol.actor: one entity under a supervisor of your own, reached by name across restarts", () =>
    Effect.gen(function*() {
      const name = Name.make<Protocol.Message>("own-account")
      const supervisor = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(Supervision.worker(Protocol.actor(account, "own", { name }))),
        StaticSupervisor.start
      )
      const own = Protocol.methods(Account, "own", Subject.named(name))
      expect(yield* own.Deposit({ op: "o-1", amount: 5 })).toBe(5)
      const [child] = yield* StaticSupervisor.whichChildren(supervisor.data)
      yield* Process.kill(Option.getOrThrow(child.pid))
      yield* Testing.awaitRestart(supervisor.data, 0, "1 second")
      // Restarted by its supervisor: init rebuilt the balance from the ledger.
      expect(yield* own.Deposit({ op: "o-2", amount: 1 })).toBe(6)
      expect((yield* own.Where()).activations).toBe(2)
    }).pipe(Effect.provide(ledgerMemory)))
})

// A protocol whose handler dies on a negative number.
const Fragile = Protocol.make("Fragile", [Rpc.make("Add", { payload: { n: Schema.Number }, success: Schema.Number })], {
  durable: false
})
const fragile = Fragile.behaviour({
  init: () => Effect.succeed(0),
  handlers: {
    Add: (total, { n }) => n < 0 ? Effect.die("negative") : Effect.succeed(Protocol.reply(total + n, total + n))
  }
})
