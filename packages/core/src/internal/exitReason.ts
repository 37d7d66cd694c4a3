/**
 * Exit reasons: the constructors of the `ExitReason` type declared in `Process.ts`, and the reasons the library
 * uses most.
 *
 * @internal
 */
import * as Data from "effect/Data"
import type { ExitReason as Reason } from "../Process.js"

/** @internal */
export const ExitReason: Data.TaggedEnum.Constructor<Reason> = Data.taggedEnum<Reason>()

/** @internal */
export const normal: Reason = ExitReason.Normal()
/** @internal */
export const shutdown: Reason = ExitReason.Shutdown()
/** @internal */
export const killed: Reason = ExitReason.Killed()
/** Erlang's `noproc`: the reason for a process that does not exist (a monitor of it, a link to it). @internal */
export const noproc: Reason = ExitReason.Abnormal({ reason: "noproc" })
/** Erlang's `noconnection`: what links and monitors into a lost node see. @internal */
export const noconnection: Reason = ExitReason.Abnormal({ reason: "noconnection" })
