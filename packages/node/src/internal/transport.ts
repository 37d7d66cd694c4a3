/**
 * The transport between two nodes: one `MessagePort` per pair of nodes, carrying the core's `Distribution.Signal`s in
 * order. Signals are batched per destination per turn of the event loop (one `postMessage` per peer per turn, which
 * is what makes one-way traffic cheap: a `postMessage` costs about as much as a hundred signals in a batch).
 *
 * @internal
 */
import { Distribution } from "@effect-otp/core"
import type { MessagePort } from "node:worker_threads"

/** Counters of one connection's traffic (what `Node.stats` shows). @internal */
export interface Traffic {
  batchesOut: number
  signalsOut: number
  batchesIn: number
  signalsIn: number
  /** Batches that could not be cloned (a message that is not plain data, sent without a schema): dropped. */
  unclonable: number
}

/** One end of a pair of nodes. @internal */
export class PortPeer implements Distribution.Peer {
  private queue: Array<Distribution.Signal> = []
  private scheduled = false
  readonly traffic: Traffic = { batchesOut: 0, signalsOut: 0, batchesIn: 0, signalsIn: 0, unclonable: 0 }
  connection: Distribution.Connection | undefined = undefined
  closed = false

  constructor(readonly node: number, readonly port: MessagePort) {}

  post(signal: Distribution.Signal): void {
    if (this.closed) return
    this.queue.push(signal)
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.flush)
    }
  }

  private flush = (): void => {
    this.scheduled = false
    const batch = this.queue
    if (batch.length === 0 || this.closed) return
    this.queue = []
    this.traffic.batchesOut++
    this.traffic.signalsOut += batch.length
    try {
      this.port.postMessage(batch)
    } catch {
      // One signal of the batch is not cloneable: send the others one by one and drop the culprits.
      for (const signal of batch) {
        try {
          this.port.postMessage([signal])
        } catch {
          this.traffic.unclonable++
        }
      }
    }
  }

  /**
   * Connects this node to the peer through the port, and applies what it sends. With `lostOnClose`, the port's
   * closing (the peer's thread ended) loses the peer at once; without, whoever watches the peer's thread says when
   * (the main thread loses a node after the node's process has ended, so that its supervisor hears of the node first).
   */
  open(lostOnClose: boolean): Distribution.Connection {
    const connection = Distribution.connect(this)
    this.connection = connection
    this.port.on("message", (batch: ReadonlyArray<Distribution.Signal>) => {
      this.traffic.batchesIn++
      this.traffic.signalsIn += batch.length
      for (let i = 0; i < batch.length; i++) connection.receive(batch[i])
    })
    if (lostOnClose) this.port.on("close", () => this.lost())
    return connection
  }

  /** The peer is gone: its processes end for this node with `noconnection`. */
  lost(): void {
    if (this.closed) return
    this.closed = true
    this.queue = []
    this.port.close()
    this.connection?.lost()
  }
}
