/**
 * Distribution: processes on other nodes (other threads, see `@effect-otp/node`), as Erlang's distribution has them.
 *
 * A pid of another node is a `RemotePid`; the library works with it through a stand-in `ProcessState`, a
 * `RemoteProcess`, one per remote pid and connection, that forwards what is done to it (messages, links, exit
 * signals, monitors) to the node as `Signal`s. The node applies them to the real process (`Connection.receive`) with
 * the same rules as between two local processes. When the connection to a node is lost, every stand-in of that node
 * ends with `noconnection`: the links and monitors into the node fire, as in Erlang.
 *
 * This module is the semantics; moving the signals between threads (ports, batching, lifecycles) is the transport's
 * (`Peer`), in its own package, so that the core depends on `effect` alone.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import type { ExitReason, Pid } from "../Process.js"
import { ExitReason as Reason, killed, noconnection, noproc, normal, shutdown } from "./exitReason.js"
import { globalValue } from "./global.js"
import { Identity } from "./identity.js"
import { names } from "./name.js"
import { isPid, PidTypeId } from "./pid.js"
import type { MonitorEntry, RemoteEnd } from "./process.js"
import {
  addMonitor,
  ALIVE,
  bind,
  DEAD,
  died,
  exitSignal,
  fire,
  isLinked,
  ProcessState,
  remoteDeathReason,
  sever,
  table,
  terminate,
  unmonitor
} from "./process.js"
import { deliverExported, RemoteTag } from "./remoteSubject.js"
import { batched, wake } from "./scheduler.js"

// ---------------------------------------------------------------------------------------------------------------
// The wire
// ---------------------------------------------------------------------------------------------------------------

/** An exit reason as it crosses threads: structured-clone safe (a crash's `Cause` is sent as its rendering). */
export type WireReason =
  | { readonly _tag: "Normal" | "Shutdown" | "Killed" }
  | { readonly _tag: "Abnormal"; readonly reason: unknown }

/**
 * What one node tells another about their processes. Pids are numbers: `to` is the receiver's process, `from` the
 * sender's. Signals between a pair of nodes arrive in the order they were sent (Erlang's guarantee).
 * @internal
 */
export type Signal =
  | {
    readonly _: "send"
    readonly tag: number | string
    readonly payload: unknown
    /** Encoded by a `Schema` (plain data a transport may carry as JSON), or sent as it is (structured clone). */
    readonly coded: boolean
  }
  | { readonly _: "link"; readonly to: To; readonly from: number }
  | { readonly _: "unlink"; readonly to: To; readonly from: number }
  | { readonly _: "exit"; readonly to: To; readonly from: number; readonly reason: WireReason; readonly link: boolean }
  | { readonly _: "terminate"; readonly to: To; readonly reason: WireReason }
  | { readonly _: "monitor"; readonly to: To; readonly ref: number }
  | { readonly _: "demonitor"; readonly to: To; readonly ref: number }
  | { readonly _: "down"; readonly ref: number; readonly reason: WireReason }

/** A process of the receiving node: its number, or the key of the name it is registered under. */
export type To = number | string

const processAt = (to: To): ProcessState | undefined => typeof to === "number" ? table.get(to) : names.get(to)

/** Where a node's signals to one peer go: the transport, which delivers them to the peer's `receive` in order. */
export interface Peer {
  /** The peer's node number. */
  readonly node: number
  post(signal: Signal): void
}

/** @internal */
export const encodeReason = (reason: ExitReason): WireReason => {
  if (reason._tag !== "Abnormal") return { _tag: reason._tag }
  const inner = reason.reason
  if (Cause.isCause(inner)) return { _tag: "Abnormal", reason: Cause.pretty(inner) }
  if (inner === null || typeof inner !== "object") {
    return typeof inner === "function"
      ? { _tag: "Abnormal", reason: String(inner) }
      : { _tag: "Abnormal", reason: inner }
  }
  try {
    return { _tag: "Abnormal", reason: structuredClone(inner) }
  } catch {
    return { _tag: "Abnormal", reason: String(inner) }
  }
}

/** @internal */
export const decodeReason = (wire: WireReason): ExitReason => {
  switch (wire._tag) {
    case "Normal":
      return normal
    case "Shutdown":
      return shutdown
    case "Killed":
      return killed
    default:
      return wire.reason === "noproc"
        ? noproc
        : wire.reason === "noconnection"
        ? noconnection
        : Reason.Abnormal({ reason: (wire as { reason: unknown }).reason })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------------------------

/** This thread's node number (0 until the thread takes part in distribution), its connections, its node monitors. */
export const distribution: {
  local: number
  readonly connections: Map<number, Connection>
  /** The connections lost, by node: their dead stand-ins (node numbers are never reused). */
  readonly lostConnections: Map<number, Connection>
  readonly nodeMonitors: Map<number, Array<{ readonly owner: ProcessState; readonly deliver: () => void }>>
} = globalValue("distribution", () => ({
  local: 0,
  connections: new Map<number, Connection>(),
  lostConnections: new Map<number, Connection>(),
  nodeMonitors: new Map<number, Array<{ readonly owner: ProcessState; readonly deliver: () => void }>>()
}))

/** The node a pid lives on, as a number (this node's own number for its local pids). @internal */
export const nodeOf = (pid: Pid): number => pid instanceof RemotePid ? pid.node : distribution.local

/**
 * This node's connection to one peer: the stand-ins of the peer's processes, the monitors held across it both ways.
 * @internal
 */
export class Connection {
  readonly proxies = new Map<To, RemoteProcess>()
  /** Monitors this node holds on the peer's processes, by wire reference. */
  readonly monitorsOut = new Map<number, MonitorEntry>()
  readonly refOf = new Map<MonitorEntry, number>()
  /** Monitors the peer holds on this node's processes, by the peer's reference. */
  readonly monitorsIn = new Map<number, MonitorEntry>()
  nextRef = 0
  open = true
  constructor(readonly peer: Peer) {}

  get node(): number {
    return this.peer.node
  }

  /** The stand-in of the peer's process `id` (or of the process registered there under the name key `id`). */
  proxy(id: To): RemoteProcess {
    let proxy = this.proxies.get(id)
    if (proxy === undefined) {
      proxy = new RemoteProcess(this, id)
      if (this.open) {
        if (this.proxies.size >= this.sweepAt) this.sweep()
      } else proxy.lost()
      this.proxies.set(id, proxy)
    }
    return proxy
  }

  /** The table of stand-ins is swept when it reaches this size (then set to twice what stays, 1024 at least). */
  private sweepAt = 1024

  /**
   * Drops the stand-ins that hold nothing (no link, no monitor): one is made again if its pid is used again, and,
   * holding nothing, it is not told apart from the one dropped. Swept as the table grows, not at each release: a
   * process called over and over keeps its stand-in.
   */
  private sweep(): void {
    for (const [id, proxy] of this.proxies) {
      const links = proxy.links
      const linked = links !== undefined && (!(links instanceof Set) || links.size > 0)
      if (!linked && (proxy.monitoredBy === undefined || proxy.monitoredBy.size === 0)) {
        this.proxies.delete(id)
      }
    }
    this.sweepAt = Math.max(1024, this.proxies.size * 2)
  }

  post(signal: Signal): void {
    if (this.open) this.peer.post(signal)
  }

  /** Applies the signals of a batch from the peer, in order, before any process they wake runs. */
  receiveAll(signals: ReadonlyArray<Signal>): void {
    batched(() => {
      for (let i = 0; i < signals.length; i++) guarded(() => this.receive(signals[i]))
    })
  }

  /** Applies a signal from the peer. */
  receive(signal: Signal): void {
    switch (signal._) {
      case "send":
        return deliverExported(signal.tag, signal.payload)
      case "link": {
        const target = processAt(signal.to)
        const from = this.proxy(signal.from)
        if (target !== undefined && target.status === ALIVE) {
          bind(target, from)
        } else {
          this.post({
            _: "exit",
            to: signal.from,
            from: typeof signal.to === "number" ? signal.to : 0,
            reason: encodeReason(noproc),
            link: true
          })
        }
        return
      }
      case "unlink": {
        const target = processAt(signal.to)
        const from = this.proxies.get(signal.from)
        if (target !== undefined && from !== undefined) sever(target, from)
        return
      }
      case "exit": {
        const target = processAt(signal.to)
        if (target === undefined) return
        const from = this.proxy(signal.from)
        if (signal.link) {
          // A link's signal counts only while the link is there (it may have been removed meanwhile).
          if (!isLinked(target, from)) return
          sever(target, from)
        }
        return exitSignal(target, from.pid, decodeReason(signal.reason))
      }
      case "terminate": {
        const target = processAt(signal.to)
        if (target !== undefined) terminate(target, decodeReason(signal.reason))
        return
      }
      case "monitor": {
        const target = processAt(signal.to)
        const ref = signal.ref
        // A process that is ending (not dead yet) is monitored: its `Down` will carry its real reason.
        if (target === undefined || target.status === DEAD) {
          this.post({ _: "down", ref, reason: encodeReason(target?.reason ?? noproc) })
          return
        }
        const entry: MonitorEntry = {
          owner: target,
          target,
          replyTag: undefined,
          fired: (reason) => {
            this.monitorsIn.delete(ref)
            this.post({ _: "down", ref, reason: encodeReason(reason) })
          }
        }
        this.monitorsIn.set(ref, entry)
        addMonitor(target, entry)
        return
      }
      case "demonitor": {
        const entry = this.monitorsIn.get(signal.ref)
        if (entry !== undefined) {
          this.monitorsIn.delete(signal.ref)
          unmonitor(entry)
        }
        return
      }
      case "down": {
        const entry = this.monitorsOut.get(signal.ref)
        if (entry === undefined) return
        // Forgotten first, so that taking it off its target sends no `demonitor` back.
        this.forget(signal.ref, entry)
        unmonitor(entry)
        const target = entry.target
        const reason = decodeReason(signal.reason)
        fire(entry, reason)
        // The process is known to have ended: its stand-in ends too (`isAlive` says so; a link or monitor answers
        // `noproc` at once). Its other monitors fire with the same reason: their `Down`s left its node in the same
        // batch as this one, which was sent when it died; its links' signals came before them and are done.
        if (target instanceof RemoteProcess && typeof target.remoteId === "number" && target.status === ALIVE) {
          // Their own `Down`s from the node are coming: forgotten here, they are dropped when they arrive.
          for (const other of target.monitoredBy ?? []) {
            const ref = this.refOf.get(other)
            if (ref !== undefined) this.forget(ref, other)
          }
          died(target, reason)
        }
        return
      }
    }
  }

  forget(ref: number, entry: MonitorEntry): void {
    this.monitorsOut.delete(ref)
    this.refOf.delete(entry)
  }

  /**
   * The peer is gone (its thread ended, or the connection was closed): every stand-in of its processes ends with
   * `noconnection`, which fires the links and monitors into it; its monitors on this node's processes are dropped;
   * the processes monitoring the node get their node-down message.
   */
  lost(): void {
    if (!this.open) return
    this.open = false
    if (distribution.connections.get(this.node) === this) distribution.connections.delete(this.node)
    for (const entry of this.monitorsIn.values()) unmonitor(entry)
    this.monitorsIn.clear()
    // The stand-ins stay findable, dead: a supervisor that linked to one must recognise its exit by the same
    // stand-in, however the pid is looked up afterwards.
    distribution.lostConnections.set(this.node, this)
    const proxies = Array.from(this.proxies.values())
    this.monitorsOut.clear()
    this.refOf.clear()
    for (const proxy of proxies) proxy.lost()
    nodeDown(this.node)
  }
}

/** Starts using `peer` as the connection to its node; a previous connection to that node is lost first. @internal */
export const connect = (peer: Peer): Connection => {
  distribution.connections.get(peer.node)?.lost()
  const connection = new Connection(peer)
  distribution.connections.set(peer.node, connection)
  return connection
}

/** Tells the monitors of `node` it is down, once each. */
const nodeDown = (node: number): void => {
  const monitors = distribution.nodeMonitors.get(node)
  if (monitors === undefined) return
  distribution.nodeMonitors.delete(node)
  for (const monitor of monitors) {
    if (monitor.owner.alive) guarded(monitor.deliver)
  }
}

/**
 * Erlang's `monitor_node(Node, true)`: `deliver` runs once when the node goes down (at once, through the run queue,
 * when it is not connected). Each call is a monitor of its own. @internal
 */
export const monitorNode = (owner: ProcessState, node: number, deliver: () => void): void => {
  // A node does not see itself go down: its processes end with it.
  if (node === distribution.local && node !== 0) return
  if (!distribution.connections.has(node)) {
    wake(() => {
      if (owner.alive) deliver()
    }, undefined)
    return
  }
  let monitors = distribution.nodeMonitors.get(node)
  if (monitors === undefined) distribution.nodeMonitors.set(node, monitors = [])
  monitors.push({ owner, deliver })
  // The monitors of processes that have ended go as the list doubles (a node that stays up keeps no garbage).
  const n = monitors.length
  if (n >= 16 && (n & (n - 1)) === 0) {
    distribution.nodeMonitors.set(node, monitors.filter((monitor) => monitor.owner.status !== DEAD))
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Remote pids and their stand-ins
// ---------------------------------------------------------------------------------------------------------------

/** The pid of a process on another node: its node's number and its number there. Shows as `<node.id>`. @internal */
export class RemotePid extends Identity implements Pid {
  readonly [PidTypeId]: typeof PidTypeId = PidTypeId
  /** The stand-in this pid is the pid of (set for a stand-in's own pid, which then always finds it). */
  pinned: RemoteProcess | undefined = undefined
  constructor(readonly node: number, readonly id: number) {
    super()
  }
  /** Its stand-in on this node (a dead one when the node was lost or never connected). */
  get state(): ProcessState {
    if (this.pinned !== undefined) return this.pinned
    const connection = distribution.connections.get(this.node) ?? distribution.lostConnections.get(this.node)
    return connection !== undefined ? connection.proxy(this.id) : lostProxy(this.node, this.id)
  }
  [Equal.symbol](that: unknown): boolean {
    return isPid(that) && that.node === this.node && that.id === this.id
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.number(this.node))(Hash.number(this.id))
  }
  toString() {
    return `<${this.node}.${this.id}>`
  }
  toJSON() {
    return { _id: "Pid", id: this.toString() }
  }
}

const lostProxy = (node: number, id: number): RemoteProcess => {
  const proxy = new RemoteProcess(new Connection({ node, post: () => {} }), id)
  proxy.lost()
  return proxy
}

/**
 * The stand-in of a remote process: links, monitors and messages to it are forwarded to its node, and it ends (with
 * `noconnection`) only when that node is lost; the process itself is watched through monitors.
 * @internal
 */
export class RemoteProcess extends ProcessState {
  constructor(readonly connection: Connection, readonly remoteId: To) {
    super(false, 0, new RemotePid(connection.node, typeof remoteId === "number" ? remoteId : 0))
    ;(this.pid as RemotePid).pinned = this
    this.remote = new Forward(this)
  }
  /** A message for a subject of the remote process (the only deliveries a stand-in gets). */
  override deliver(tag: unknown, value: unknown): boolean {
    if (tag instanceof RemoteTag) {
      this.connection.post({ _: "send", tag: tag.id, payload: tag.encode(value), coded: tag.codec !== undefined })
    }
    return false
  }
  /** Its node is lost. */
  lost(): void {
    died(this, noconnection)
  }
}

/** What is done to a stand-in, sent to its node. */
class Forward implements RemoteEnd {
  constructor(readonly proxy: RemoteProcess) {}
  link(from: ProcessState): void {
    const proxy = this.proxy
    if (proxy.status === ALIVE) proxy.connection.post({ _: "link", to: proxy.remoteId, from: from.pid.id })
    else signalLater(from, proxy.pid, remoteDeathReason(proxy))
  }
  unlink(from: ProcessState): void {
    this.proxy.connection.post({ _: "unlink", to: this.proxy.remoteId, from: from.pid.id })
  }
  exit(from: Pid, reason: ExitReason, viaLink: boolean): void {
    const proxy = this.proxy
    proxy.connection.post({ _: "exit", to: proxy.remoteId, from: from.id, reason: encodeReason(reason), link: viaLink })
  }
  terminate(reason: ExitReason): void {
    this.proxy.connection.post({ _: "terminate", to: this.proxy.remoteId, reason: encodeReason(reason) })
  }
  monitor(entry: MonitorEntry): void {
    const connection = this.proxy.connection
    const ref = ++connection.nextRef
    connection.monitorsOut.set(ref, entry)
    connection.refOf.set(entry, ref)
    connection.post({ _: "monitor", to: this.proxy.remoteId, ref })
  }
  demonitor(entry: MonitorEntry): void {
    const connection = this.proxy.connection
    const ref = connection.refOf.get(entry)
    if (ref === undefined) return
    connection.forget(ref, entry)
    connection.post({ _: "demonitor", to: this.proxy.remoteId, ref })
  }
}

/** An exit signal that arrives on a later turn, as one from another node does. */
const signalLater = (target: ProcessState, from: Pid, reason: ExitReason): void =>
  wake(() => exitSignal(target, from, reason), undefined)

/**
 * Runs what a signal from a peer does, so that nothing it throws (a message that does not encode on its way on, a
 * bad name) crashes the thread or drops the rest of its batch: counted with the decode failures instead.
 */
export const guarded = (f: () => void): void => {
  try {
    f()
  } catch (error) {
    decodeFailures.count++
    decodeFailures.last = error
  }
}

/** Messages from peers that did not decode (the two nodes disagree on a schema): dropped, counted here. @internal */
export const decodeFailures: { count: number; last: unknown } = { count: 0, last: undefined }
