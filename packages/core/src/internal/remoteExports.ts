/**
 * The subjects of this node that were sent to other nodes, by tag: a message from a peer names the subject it is for
 * by its tag's number, and is decoded with the schema the subject left with. An owned subject leaves the table once
 * nothing on this node holds its tag (it is held weakly), a call's reply subject with its call.
 *
 * @internal
 */
import type * as Schema from "effect/Schema"
import { globalValue } from "./global.js"

/** A subject reachable from other nodes, and how its messages are decoded. @internal */
export interface Exported {
  /**
   * Where a message decoded for it is delivered (a `SubjectImpl`, kept untyped to spare an import cycle);
   * `undefined` once nothing on this node can receive from it.
   */
  readonly subject: () => { readonly tag: unknown } | undefined
  readonly codec: Schema.Codec<unknown, unknown> | undefined
}

/** @internal */
export const exported: Map<number | string, Exported> = globalValue(
  "remoteExports",
  () => new Map<number | string, Exported>()
)

/** @internal */
export const unexport = (id: number | string): void => {
  exported.delete(id)
}
