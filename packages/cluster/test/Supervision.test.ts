// Supervision across the boundary: a runner supervised as a local process (a crash restarts it and it rejoins), and
// an entity's own supervision tree, which ends when the entity passivates, locally and on a cluster.
import { Protocol, Runner } from "@effect-otp/cluster"
import { Actor, Process, StaticSupervisor, Supervision } from "@effect-otp/core"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Rpc } from "effect/rpc"
import * as Schema from "effect/Schema"
import { TestClock } from "effect/testing"
import { Account, account, ledgerSql } from "./fixtures/account.js"
import {
  clientLayer,
  database,
  eventually,
  freePort,
  makeSchema,
  startRunner,
  waitForLine
} from "./fixtures/cluster.js"

// An entity that starts a supervisor with one worker on activation, and tells where they are.
const Tree = Protocol.make("Tree", [
  Rpc.make("Pids", { success: Schema.Struct({ supervisor: Schema.String, worker: Schema.String }) })
], { durable: false })

const worker = Actor.new(undefined).pipe(Actor.start)

// Every tree's processes, as the entities started them (the runner is this process in these tests).
const started: Array<Process.Pid> = []

const tree = Tree.behaviour({
  init: () =>
    Effect.gen(function*() {
      const supervisor = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(Supervision.worker(worker)),
        StaticSupervisor.start,
        Effect.orDie
      )
      const [child] = yield* Effect.orDie(StaticSupervisor.whichChildren(supervisor.data))
      const workerPid = child.pid._tag === "Some" ? child.pid.value : yield* Effect.die("no worker")
      started.push(supervisor.pid, workerPid)
      return { supervisor: supervisor.pid, worker: workerPid }
    }),
  handlers: {
    Pids: (state) =>
      Effect.succeed(Protocol.reply(state, {
        supervisor: String(state.supervisor),
        worker: String(state.worker)
      }))
  }
})

describe("an entity's own supervision tree", () => {
  it.effect("locally: it ends when the entity passivates, and a new one starts with the next activation", () =>
    Effect.gen(function*() {
      const client = yield* Tree.Client
      const first = yield* client("t").Pids()
      expect(first.supervisor).not.toBe(first.worker)
      yield* TestClock.adjust("2 minutes")
      yield* TestClock.adjust("2 minutes")
      const firstPids = started.filter((pid) => String(pid) === first.supervisor || String(pid) === first.worker)
      expect(yield* Effect.forEach(firstPids, Process.isAlive)).toEqual([false, false])
      const second = yield* client("t").Pids()
      expect(second.supervisor).not.toBe(first.supervisor)
      expect(second.worker).not.toBe(first.worker)
    }).pipe(Effect.provide(Protocol.layerLocal(tree, { maxIdleTime: "1 minute" }))))

  it.live("on a cluster: it ends when the entity passivates", () =>
    Effect.gen(function*() {
      const client = yield* Tree.Client
      const found = yield* client("t").Pids()
      const pids = started.filter((pid) => String(pid) === found.supervisor || String(pid) === found.worker)
      expect(pids.length).toBe(2)
      expect(yield* Effect.forEach(pids, Process.isAlive)).toEqual([true, true])
      yield* eventually(
        "the tree ended with the passivated entity",
        Effect.map(Effect.forEach(pids, Process.isAlive), (states) => states.every((a) => !a) ? true : undefined),
        // The cluster looks for idle entities every 5 s at most often (its reaper's resolution).
        15_000
      )
      const again = yield* client("t").Pids()
      expect(again.supervisor).not.toBe(found.supervisor)
    }).pipe(
      Effect.provide(Protocol.layer(tree, { maxIdleTime: "200 millis" }).pipe(Layer.provide(Runner.layerMemory())))
    ), { timeout: 20_000 })
})

describe("a runner under a local supervisor", () => {
  it.live("a runner that crashes is restarted by its supervisor and rejoins the cluster", () =>
    Effect.gen(function*() {
      const schema = yield* makeSchema("supervised")
      yield* Effect.gen(function*() {
        const port = yield* freePort
        // The runner process: a StaticSupervisor whose child is the runner (Runner.start); SIGUSR2 kills that child.
        const runner = yield* startRunner(schema, port, { SUPERVISED: "1" })
        const client = yield* Account.Client
        expect(yield* client("s-1").Deposit({ op: "s-1-a", amount: 5 })).toBe(5)
        const before = yield* client("s-1").Where()
        expect(before.pid).toBe(runner.pid)

        const restarted = yield* waitForLine(runner, "restarted")
        runner.child.kill("SIGUSR2")
        yield* restarted
        // Rejoined: the entity answers again, from the restarted runner, its state rebuilt from the ledger.
        expect(yield* client("s-1").Deposit({ op: "s-1-b", amount: 5 })).toBe(10)
        const after = yield* client("s-1").Where()
        expect(after.pid).toBe(runner.pid)
        expect(after.activations).toBe(before.activations + 1)
      }).pipe(Effect.provide(clientLayer(schema)))
    }), { timeout: 40_000 })
})

describe("a runner and a client in one process", () => {
  // Each Runner layer is built fresh: effect memoizes layers by identity, and a runner and a client-only sharding
  // are made of the same constant layers, so they shared one Sharding and requests hung.
  it.live(
    "a supervised runner and a client-only sharding in this process: it is killed, restarts and rejoins",
    () =>
      Effect.gen(function*() {
        const schema = yield* makeSchema("inprocess")
        const port = yield* freePort
        const runner = Protocol.layer(account).pipe(
          Layer.provide(ledgerSql),
          Layer.provide(Runner.layer({ host: "127.0.0.1", port, prefix: schema })),
          Layer.provide(Runner.layerPg({ database, schema }))
        )
        yield* Effect.gen(function*() {
          const supervisor = yield* StaticSupervisor.new("OneForOne").pipe(
            StaticSupervisor.add(Supervision.worker(Runner.start(runner))),
            StaticSupervisor.start
          )
          const client = yield* Account.Client
          expect(yield* client("in-1").Deposit({ op: "in-1-a", amount: 5 })).toBe(5)
          expect((yield* client("in-1").Where()).pid).toBe(process.pid)
          const [child] = yield* StaticSupervisor.whichChildren(supervisor.data)
          const before = Option.getOrThrow(child.pid)
          yield* Process.kill(before)
          // The restart rebuilds the runner (its storage, its socket, its shards): real time, so polled.
          yield* eventually(
            "the runner restarted",
            Effect.map(StaticSupervisor.whichChildren(supervisor.data), ([now]) =>
              Option.isSome(now.pid) && !Equal.equals(now.pid.value, before) ? true : undefined),
            20_000
          )
          expect(yield* client("in-1").Deposit({ op: "in-1-b", amount: 5 })).toBe(10)
          expect((yield* client("in-1").Where()).activations).toBe(2)
        }).pipe(Effect.provide(clientLayer(schema)))
      }),
    { timeout: 40_000 }
  )
})
