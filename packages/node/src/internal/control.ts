/**
 * The control protocol between the main thread and a node's worker, carried by effect's worker platform (its
 * channel reports the thread's death as a typed `WorkerError`). Actor traffic never goes through it: it has its
 * own ports (see `transport.ts`).
 *
 * @internal
 */
import type { MessagePort } from "node:worker_threads"
import type { Address } from "./spawner.js"

/** The main thread is node 1; the nodes it starts are numbered from 2, a restarted node getting a new number. */
export const MAIN_NODE = 1

/** What the main thread tells a worker. @internal */
export type ToWorker =
  | {
    readonly _: "init"
    readonly node: number
    /** The port to the main thread, and the main thread's spawner. */
    readonly port: MessagePort
    readonly spawner: Address
    /** The main thread's name server (global names). */
    readonly global: Address
    /** The heartbeat counter the worker bumps while its event loop turns. */
    readonly heartbeat: SharedArrayBuffer
    readonly heartbeatMillis: number
    /** The thread's busy-wait for answers, in µs (see `Node.setSpin`). */
    readonly spinMicros: number
  }
  | { readonly _: "connect"; readonly node: number; readonly port: MessagePort; readonly spawner: Address }
  | { readonly _: "disconnect"; readonly node: number }

/** What a worker tells the main thread. @internal */
export type FromWorker = { readonly _: "ready"; readonly spawner: Address }
