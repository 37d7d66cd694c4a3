/**
 * The transport between two nodes: one `MessagePort` per pair of nodes, carrying the core's `Distribution.Signal`s in
 * order. Signals are batched per destination per turn of the event loop (one `postMessage` per peer per turn, which
 * is what makes one-way traffic cheap: a `postMessage` costs about as much as a hundred signals in a batch).
 *
 * @internal
 */
import { Distribution } from "@effect-otp/core"
import type { MessagePort } from "node:worker_threads"
import { receiveMessageOnPort } from "node:worker_threads"

/** Counters of one connection's traffic (`NodeHandle.traffic`). @internal */
export interface Traffic {
  batchesOut: number
  signalsOut: number
  batchesIn: number
  signalsIn: number
  /** Signals that could not be cloned (a message that is not plain data, sent without a schema): dropped. */
  unclonable: number
}

/** The most signals one `postMessage` carries. */
const BATCH = 256

/**
 * Busy-waiting for the peer's answer, as Erlang's schedulers spin a while before they sleep (`+sbwt`): after a
 * thread has posted what its turn produced, it polls the port (`receiveMessageOnPort`) for up to `micros` µs before
 * it returns to its event loop, so that a reply arriving meanwhile is handled without the thread going to sleep and
 * being woken (on a VM, waking a thread costs tens of µs: a cross-thread call took 160-200 µs without, 35-45 µs with
 * 100 µs of spin). It burns CPU while it waits, and holds the event loop for at most `budgetMillis` in a row
 * (then timers and I/O get their turn). Off (0) by default; `Node.setSpin` and `StartOptions.spin` set it.
 * @internal
 */
export const spin = { micros: 0, budgetMillis: 2 }

/** When the event loop last turned, as far as the spin's budget knows (a `setImmediate` probe resets it). */
let turnStarted = 0
let probeArmed = false
const probe = () => {
  probeArmed = false
}
const spinAllowed = (t: number): boolean => {
  if (!probeArmed) {
    probeArmed = true
    turnStarted = t
    setImmediate(probe)
  }
  return t - turnStarted < spin.budgetMillis
}

/**
 * A batch as it crosses: the JSON of its signals, where a signal that is not plain JSON (an exit signal's reason, a
 * message sent without a schema) stands as its index in the second array, which is structured-cloned. Messages
 * encoded by a `Schema` cross as JSON, which costs a fraction of structured cloning the same objects.
 */
type Frame = readonly [json: string, cloned: ReadonlyArray<Distribution.Signal> | undefined]

/**
 * A coded `send` signal as it stands in a batch's JSON: `[tag, payload]`, a tenth of the JSON of the signal's object
 * (`{"_":"send","tag":12,"payload":5,"coded":true}`), which is what most of a one-way stream's stringify and parse
 * time went to. Every other signal is cloned, and stands as its index in the cloned array.
 */
type CompactSend = readonly [tag: number | string, payload?: unknown]

type Entry = CompactSend | number

/** The signal an entry of a batch stands for. */
const signalOf = (entry: Entry, cloned: ReadonlyArray<Distribution.Signal> | undefined): Distribution.Signal =>
  typeof entry === "number" ?
    cloned![entry]! :
    { _: "send", tag: entry[0], payload: entry.length === 1 ? undefined : entry[1], coded: true }

/** One end of a pair of nodes. @internal */
export class PortPeer implements Distribution.Peer {
  private queue: Array<Entry> = []
  private cloned: Array<Distribution.Signal> | undefined = undefined
  private scheduled = false
  readonly traffic: Traffic = { batchesOut: 0, signalsOut: 0, batchesIn: 0, signalsIn: 0, unclonable: 0 }
  connection: Distribution.Connection | undefined = undefined
  closed = false

  constructor(readonly node: number, readonly port: MessagePort) {}

  post(signal: Distribution.Signal): void {
    if (this.closed) return
    const queue = this.queue
    if (signal._ === "send" && signal.coded && (signal.payload === undefined || isPlainJson(signal.payload))) {
      // `[tag]` for an undefined payload: JSON would turn it into null inside an array.
      queue.push(signal.payload === undefined ? [signal.tag] : [signal.tag, signal.payload])
    } else {
      const cloned = this.cloned ??= []
      queue.push(cloned.length)
      cloned.push(signal)
    }
    // A batch is cut at `BATCH` signals, so that a sender that never yields still streams.
    if (queue.length >= BATCH) return this.flush()
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(this.flushLater)
    }
  }

  private flushLater = (): void => {
    this.scheduled = false
    this.flush()
    if (spin.micros > 0 && !this.closed) this.spinForAnswer()
  }

  /** Polls the port for a frame for up to `spin.micros` (see `spin`), and applies the first that arrives. */
  private spinForAnswer(): void {
    let t = performance.now()
    if (!spinAllowed(t)) return
    const deadline = t + spin.micros / 1000
    while (t < deadline) {
      const received = receiveMessageOnPort(this.port)
      if (received !== undefined) return this.receive(received.message as Frame)
      t = performance.now()
    }
  }

  private receive = (frame: Frame): void => {
    const signals = decodeFrame(frame)
    this.traffic.batchesIn++
    this.traffic.signalsIn += signals.length
    this.connection!.receiveAll(signals)
  }

  private flush = (): void => {
    const batch = this.queue
    if (batch.length === 0 || this.closed) return
    const cloned = this.cloned
    this.queue = []
    this.cloned = undefined
    this.traffic.batchesOut++
    this.traffic.signalsOut += batch.length
    // Only compact sends whose payload `isPlainJson` and clone indexes are in the JSON: stringify cannot throw.
    this.send([JSON.stringify(batch), cloned])
  }

  private send(frame: Frame): void {
    try {
      this.port.postMessage(frame)
    } catch {
      // A signal of the batch cannot be cloned (a message sent without a schema that is not plain data): the
      // others go one by one, the culprits are dropped and counted.
      const signals = decodeFrame(frame)
      for (const signal of signals) {
        try {
          this.port.postMessage(["", [signal]])
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
    this.port.on("message", this.receive)
    if (lostOnClose) this.port.on("close", () => this.lost())
    return connection
  }

  /** The peer is gone: its processes end for this node with `noconnection`. */
  lost(): void {
    if (this.closed) return
    // What this node still had to say goes first (a clean shutdown's exit signals and Downs, not `noconnection`).
    try {
      this.flush()
    } catch {
      // the port is gone already
    }
    this.closed = true
    this.queue = []
    this.cloned = undefined
    this.port.close()
    this.connection?.lost()
  }
}

/**
 * Whether JSON carries `value` unchanged: JSON silently turns a number that is not finite into `null`, drops an
 * `undefined` field, a function or a symbol, makes a `Date` a string and a `Map` `{}`, and throws on a bigint. A
 * message whose encoded form is not plain goes by structured clone instead (the side array of its frame), which
 * keeps all of these. Cheap for the common payloads (a number, a flat struct). Past `depth` levels (a cycle, which
 * JSON cannot carry either) it says no, and structured cloning, which keeps cycles, carries it.
 */
const isPlainJson = (value: unknown, depth = 64): boolean => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true
    case "number":
      return Number.isFinite(value)
    case "object": {
      if (value === null) return true
      if (depth === 0) return false
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!isPlainJson(value[i], depth - 1)) return false
        }
        return true
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return false
      for (const key in value) {
        if (!isPlainJson((value as Record<string, unknown>)[key], depth - 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

const decodeFrame = (frame: Frame): Array<Distribution.Signal> => {
  const [json, cloned] = frame
  if (json === "") return cloned as Array<Distribution.Signal>
  const entries = JSON.parse(json) as Array<Entry>
  const signals = new Array<Distribution.Signal>(entries.length)
  for (let i = 0; i < entries.length; i++) signals[i] = signalOf(entries[i]!, cloned)
  return signals
}
