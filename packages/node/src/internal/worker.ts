/**
 * The worker's side of a node: it takes its number and its ports from the main thread, runs its spawner, and
 * connects to the other nodes as the main thread says.
 *
 * @internal
 */
import { Distribution } from "@effect-otp/core"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type { WorkerError } from "effect/workers/WorkerError"
import * as WorkerRunner from "effect/workers/WorkerRunner"
import type { MessagePort } from "node:worker_threads"
import type { FromWorker, ToWorker } from "./control.js"
import { MAIN_NODE } from "./control.js"
import { server } from "./global.js"
import type { Address } from "./spawner.js"
import { runSpawner, spawners } from "./spawner.js"
import { PortPeer, spin } from "./transport.js"

/** @internal */
export const peers = new Map<number, PortPeer>()

/**
 * Connects this node to `node` through `port` (a connection to it before is lost first); the port's closing, the
 * peer's thread ending, loses it.
 */
const connect = (node: number, port: MessagePort, spawner: Address): void => {
  peers.get(node)?.lost()
  const peer = new PortPeer(node, port)
  peers.set(node, peer)
  peer.open(true)
  spawners.set(node, spawner)
}

/** Runs this worker thread as a node until the main thread closes it. @internal */
export const serve: Effect.Effect<void, WorkerError> = Effect.scoped(
  Effect.gen(function*() {
    const root = yield* Effect.scope
    const platform = yield* WorkerRunner.WorkerRunnerPlatform
    const runner = yield* platform.start<FromWorker, ToWorker>()
    yield* Scope.addFinalizer(
      root,
      Effect.sync(() => {
        for (const peer of peers.values()) peer.lost()
      })
    )
    yield* runner.run((_, message) => {
      switch (message._) {
        case "init": {
          Distribution.setLocalNode(message.node)
          if (message.spinMicros > 0) spin.micros = message.spinMicros
          const counter = new Int32Array(message.heartbeat)
          setInterval(() => Atomics.add(counter, 0, 1), Math.max(1, Math.floor(message.heartbeatMillis / 2))).unref()
          connect(MAIN_NODE, message.port, message.spawner)
          server.address = message.global
          return Effect.gen(function*() {
            const address = yield* runSpawner(root)
            spawners.set(message.node, address)
            yield* runner.send(0, { _: "ready", spawner: address })
          })
        }
        case "connect":
          return connect(message.node, message.port, message.spawner)
        case "disconnect": {
          spawners.delete(message.node)
          peers.get(message.node)?.lost()
          peers.delete(message.node)
          return
        }
      }
    })
  })
).pipe(Effect.provide(NodeWorkerRunner.layer))
