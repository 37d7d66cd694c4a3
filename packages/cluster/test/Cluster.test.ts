// The account protocol run two ways with the same assertions (fixtures/scenarios.ts): as local actors under
// TestClock, and as entities on 3 runner OS processes with their messages in the real PostgreSQL.
import { describe, expect, it, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { Account, Ledger, localAccounts, VolatileAccount } from "./fixtures/account.js"
import type { RunnerHandle } from "./fixtures/cluster.js"
import { clientLayer, eventually, freePort, kill, makeSchema, startRunner, waitForLine } from "./fixtures/cluster.js"
import { checkLedger, idempotency, oneAtATime, passivation, runLoad } from "./fixtures/scenarios.js"

const accounts = Array.from({ length: 20 }, (_, i) => `acc-${i}`)
const OPERATIONS = 15

describe("the account protocol as local actors, under TestClock", () => {
  it.effect("every acknowledged operation is in the ledger once, in order per entity", () =>
    Effect.gen(function*() {
      const client = yield* Account.Client
      const result = yield* runLoad(client, accounts, OPERATIONS)
      expect(result.acked.length + result.refused).toBe(accounts.length * OPERATIONS)
      expect(yield* checkLedger(client, accounts, result)).toBe(result.acked.length)
    }).pipe(Effect.provide(localAccounts)))

  it.effect("a request sent again with its idempotency key is answered as before, not applied again", () =>
    Effect.gen(function*() {
      yield* idempotency(yield* Account.Client, "idem")
    }).pipe(Effect.provide(localAccounts)))

  it.effect("passivation and reactivation restore the state", () =>
    Effect.gen(function*() {
      const client = yield* Account.Client
      // The idle timer is armed when the actor waits again after its reply: the second adjust fires it if the
      // first came before it was armed.
      yield* passivation(client, "idle-1", () =>
        Effect.andThen(TestClock.adjust("2 minutes"), TestClock.adjust("2 minutes")))
    }).pipe(Effect.provide(localAccounts)))
})

class Cluster extends Context.Service<Cluster, {
  readonly schema: string
  readonly runners: Array<RunnerHandle>
  readonly restart: (index: number) => Effect.Effect<RunnerHandle, Error>
}>()("test/Cluster") {}

const ClusterLive = Layer.unwrap(Effect.gen(function*() {
  const schema = yield* makeSchema("cluster")
  const runners = Layer.effect(
    Cluster,
    Effect.gen(function*() {
      const scope = yield* Effect.scope
      const ports = yield* Effect.all([freePort, freePort, freePort])
      const start = (port: number) => startRunner(schema, port, { MAX_IDLE: "2 seconds" })
      const runners = yield* Effect.forEach(ports, start, { concurrency: "unbounded" })
      return {
        schema,
        runners,
        restart: (index) =>
          Effect.tap(Scope.provide(start(ports[index]), scope), (runner) => Effect.sync(() => runners[index] = runner))
      }
    })
  )
  // The test process's client is built first: it creates the storage tables before the runners start.
  return runners.pipe(Layer.provideMerge(clientLayer(schema)))
}))

// An entity id of `protocol` that lives on the runner with OS pid `pid`.
const onRunner = <P extends typeof Account | typeof VolatileAccount>(protocol: P, pid: number) =>
  Effect.gen(function*() {
    const client = yield* protocol.Client
    for (let i = 0; i < 200; i++) {
      const id = `${protocol.type}-on-${pid}-${i}`
      if ((yield* Effect.orDie(client(id).Where())).pid === pid) return id
    }
    return yield* Effect.die(`no entity found on runner ${pid}`)
  })

// A slow deposit to an entity of runner `index`, which is SIGKILLed while the handler runs: the caller's answer
// comes all the same, and the ledger holds the deposit once.
const inFlightWhenItsRunnerDies = <P extends typeof Account | typeof VolatileAccount>(protocol: P, index: number) =>
  Effect.gen(function*() {
    const victim = (yield* Cluster).runners[index]
    const client = yield* protocol.Client
    const id = yield* onRunner(protocol, victim.pid)
    const handling = yield* waitForLine(victim, `handling ${id}-slow`)
    const call = yield* Effect.forkChild(client(id).SlowDeposit({ op: `${id}-slow`, amount: 3, millis: 1_000 }))
    yield* handling
    yield* kill(victim)
    expect(yield* Fiber.join(call)).toBe(3)
    expect((yield* (yield* Ledger).entries(id)).map((e) => e.op)).toEqual([`${id}-slow`])
    return { id, victim }
  })

const where = (id: string) => Effect.flatMap(Account.Client, (client) => Effect.orDie(client(id).Where()))

layer(ClusterLive, { timeout: "60 seconds", excludeTestServices: true })(
  "the account protocol on 3 runner processes",
  (it) => {
    it.effect("entities spread over the 3 runners", () =>
      Effect.gen(function*() {
        const { runners } = yield* Cluster
        // Shards move while the runners join: wait for the assignment to settle on all three.
        const pids = yield* eventually(
          "entities on every runner",
          Effect.map(Effect.forEach(accounts, where, { concurrency: "unbounded" }), (found) => {
            const pids = new Set(found.map((w) => w.pid))
            return pids.size === 3 ? pids : undefined
          }),
          20_000
        )
        expect([...pids].sort()).toEqual(runners.map((r) => r.pid).sort())
      }), { timeout: 30_000 })

    it.effect(
      "a runner SIGKILLed under load: its shards move within 5 s, nothing acknowledged is lost, nothing applied twice, order kept",
      () =>
        Effect.gen(function*() {
          const { runners } = yield* Cluster
          const client = yield* Account.Client
          const victim = runners[1]
          const before = yield* Effect.forEach(accounts, (id) => Effect.map(where(id), (w) => [id, w.pid] as const))
          const moved = before.filter(([, pid]) => pid === victim.pid).map(([id]) => id)
          expect(moved.length).toBeGreaterThan(0)
          let failover = -1
          const result = yield* runLoad(client, accounts, OPERATIONS, (done) =>
            done === 100 ?
              Effect.gen(function*() {
                const killedAt = Date.now()
                yield* kill(victim)
                // An entity of the dead runner answers again once a survivor holds its shard.
                yield* Effect.forkDetach(Effect.map(Effect.orDie(client(moved[0]).Where()), (w) => {
                  expect(w.pid).not.toBe(victim.pid)
                  failover = Date.now() - killedAt
                }))
              }) :
              Effect.void)
          expect(result.acked.length + result.refused).toBe(accounts.length * OPERATIONS)
          yield* checkLedger(client, accounts, result)
          const after = yield* Effect.forEach(moved, where)
          const survivors = new Set(runners.filter((r) => r !== victim).map((r) => r.pid))
          expect(after.every((w) => survivors.has(w.pid))).toBe(true)
          yield* eventually("failover measured", Effect.sync(() => failover >= 0 ? failover : undefined), 10_000)
          console.log(`failover: ${failover} ms; ${moved.length} entities moved; ${result.retried} sends repeated`)
          expect(failover).toBeLessThan(5_000)
        }),
      { timeout: 60_000 }
    )

    it.effect("the killed runner, restarted, rejoins and hosts entities again", () =>
      Effect.gen(function*() {
        const cluster = yield* Cluster
        const restarted = yield* cluster.restart(1)
        yield* eventually(
          "an entity on the restarted runner",
          Effect.map(
            Effect.forEach(accounts, where, { concurrency: "unbounded" }),
            (found) => found.some((w) => w.pid === restarted.pid) ? true : undefined
          ),
          20_000
        )
        // And what the entities held is still theirs.
        const client = yield* Account.Client
        const ledger = yield* Ledger
        for (const id of accounts) {
          const entries = yield* ledger.entries(id)
          expect(yield* Effect.orDie(client(id).Balance())).toBe(entries.reduce((sum, e) => sum + e.amount, 0))
        }
      }), { timeout: 40_000 })

    it.effect("passivation and reactivation restore the state", () =>
      Effect.gen(function*() {
        const client = yield* Account.Client
        yield* passivation(client, "idle-1", (before) =>
          Effect.flatMap(Ledger, (ledger) =>
            eventually(
              "passivated",
              Effect.map(ledger.terminations("idle-1"), (n) => n > before ? true : undefined),
              15_000
            )))
      }), { timeout: 30_000 })

    it.effect("requests sent at once to one entity are handled one at a time, each on the state the last one left", () =>
      Effect.gen(function*() {
        yield* oneAtATime(yield* Account.Client, "at-once")
      }))

    it.effect("durable requests are stored, the ones listed volatile are not", () =>
      Effect.gen(function*() {
        const { schema } = yield* Cluster
        const client = yield* Account.Client
        const sql = yield* SqlClient.SqlClient
        const stored = Effect.map(
          Effect.orDie(sql.unsafe<{ n: string }>(`SELECT count(*)::text AS n FROM ${schema}_messages`)),
          (rows) => Number(rows[0].n)
        )
        yield* client("stored").Deposit({ op: "stored-1", amount: 1 })
        const before = yield* stored
        yield* client("stored").Balance()
        yield* client("stored").Where()
        expect(yield* stored).toBe(before)
        yield* client("stored").Deposit({ op: "stored-2", amount: 1 })
        expect(yield* stored).toBe(before + 1)
      }))

    it.effect("a request sent again with its idempotency key is answered from storage, not applied again", () =>
      Effect.gen(function*() {
        yield* idempotency(yield* Account.Client, "idem")
      }))

    it.effect("a request whose commit fails is delivered again and applied once, to the state before it", () =>
      Effect.gen(function*() {
        const client = yield* Account.Client
        const ledger = yield* Ledger
        expect(yield* client("trap").Deposit({ op: "trap-0", amount: 1 })).toBe(1)
        expect(yield* client("trap").DepositFailingCommitOnce({ op: "trap-1", amount: 5 })).toBe(6)
        expect(yield* client("trap").Balance()).toBe(6)
        // effect's entity manager restarts the entity after a failed commit: init rebuilt the state from storage.
        expect((yield* client("trap").Where()).activations).toBeGreaterThanOrEqual(2)
        expect((yield* ledger.entries("trap")).map((e) => e.op)).toEqual(["trap-0", "trap-1"])
      }))

    it.effect("a caller that stops waiting does not cancel a durable request: a retry with its key gets the reply", () =>
      Effect.gen(function*() {
        const client = yield* Account.Client
        const ledger = yield* Ledger
        const gaveUp = yield* client("patient").SlowDeposit({ op: "patient-1", amount: 4, millis: 800 }).pipe(
          Effect.timeout("100 millis"),
          Effect.flip
        )
        expect(gaveUp._tag).toBe("TimeoutError")
        expect(yield* client("patient").SlowDeposit({ op: "patient-1", amount: 4, millis: 800 })).toBe(4)
        expect((yield* ledger.entries("patient")).map((e) => e.op)).toEqual(["patient-1"])
      }))

    it.effect(
      "a durable request in flight when its runner dies: the caller waits, a survivor applies it once",
      () =>
        Effect.gen(function*() {
          const { id, victim } = yield* inFlightWhenItsRunnerDies(Account, 2)
          expect((yield* (yield* Account.Client)(id).Where()).pid).not.toBe(victim.pid)
        }),
      { timeout: 30_000 }
    )

    // Volatile requests are not stored, but the caller's client holds them while it waits and sends them again to
    // the shard's next owner: at least once while the caller lives. Here the runner died before the handler wrote;
    // had it died after, the handler would write twice (no stored reply answers the second delivery).
    it.effect(
      "a volatile request in flight when its runner dies: the waiting caller's client sends it again",
      () =>
        Effect.gen(function*() {
          yield* inFlightWhenItsRunnerDies(VolatileAccount, 0)
        }),
      { timeout: 30_000 }
    )
  }
)
