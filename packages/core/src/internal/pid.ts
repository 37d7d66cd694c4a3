/**
 * The identities of processes and monitors: a `Pid` compares by value (`Equal`) and shows as `<0.N>`, as in Erlang; a
 * monitor is a reference that `demonitor` and `Selector.selectSpecificMonitor` take.
 *
 * @internal
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import type * as Process from "../Process.js"
import { counters } from "./global.js"
import { Identity, Keyed, KeyedKind } from "./identity.js"
import type { ProcessState } from "./process.js"

/** @internal */
export const PidTypeId: unique symbol = Symbol.for("@effect-otp/core/Pid")

/** @internal */
export const MonitorTypeId: unique symbol = Symbol.for("@effect-otp/core/Monitor")

/** @internal */
export class PidImpl extends Identity implements Process.Pid {
  readonly [PidTypeId]: typeof PidTypeId = PidTypeId
  constructor(readonly id: number, readonly state: ProcessState) {
    super()
  }
  /** Local: node 0, as Erlang shows a local pid. */
  get node(): number {
    return 0
  }
  [Equal.symbol](that: unknown): boolean {
    return isPid(that) && that.id === this.id && that.node === 0
  }
  [Hash.symbol](): number {
    return Hash.number(this.id)
  }
  toString() {
    return `<0.${this.id}>`
  }
  toJSON() {
    return { _id: "Pid", id: this.toString() }
  }
}

/** @internal */
export const isPid = (u: unknown): u is Process.Pid => typeof u === "object" && u !== null && PidTypeId in u

/** The process behind a pid (every pid is made by the library). @internal */
export const stateOf = (pid: Process.Pid): ProcessState => (pid as PidImpl).state

/**
 * A monitor held by `owner` on `target`. A user monitor delivers a `Down` into the owner's mailbox; the monitor of a
 * start handshake or a task delivers the target's exit reason under the handshake's or the task's tag.
 * @internal
 */
export class MonitorImpl extends Keyed implements Process.Monitor {
  readonly [MonitorTypeId]: typeof MonitorTypeId = MonitorTypeId
  readonly id = ++counters.monitor
  constructor(
    readonly owner: ProcessState,
    readonly target: ProcessState,
    readonly replyTag: unknown = undefined
  ) {
    super()
  }
  get key(): number {
    return this.id
  }
  get [KeyedKind](): string {
    return "Monitor"
  }
  toString() {
    return `#Ref<monitor.${this.id}>`
  }
  toJSON() {
    return { _id: "Monitor", id: this.id, target: this.target.pid.toString() }
  }
}
