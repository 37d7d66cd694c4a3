/** @internal */
import * as Data from "effect/Data"

/** @internal */
export type ExitReason = Data.TaggedEnum<{
  Normal: {}
  Shutdown: {}
  Killed: {}
  Abnormal: { readonly reason: unknown }
}>

/** @internal */
export const ExitReason = Data.taggedEnum<ExitReason>()

/** @internal */
export const normal: ExitReason = ExitReason.Normal()
/** @internal */
export const shutdown: ExitReason = ExitReason.Shutdown()
/** @internal */
export const killed: ExitReason = ExitReason.Killed()
