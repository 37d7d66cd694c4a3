/**
 * Named actor definitions (`Actor.define`): closures cannot cross threads, so a node starts an actor for a peer by
 * the name of a definition both load, with arguments and messages coded by the definition's schemas (Erlang's spawn
 * by module and function).
 *
 * @internal
 */
import type * as Schema from "effect/Schema"
import { globalValue } from "./global.js"

/** @internal */
export interface DefinitionImpl {
  readonly name: string
  readonly arguments: Schema.Codec<unknown, unknown>
  readonly messages: Schema.Codec<unknown, unknown>
  readonly behaviour: (args: unknown) => unknown
}

/** Every definition this thread has loaded, by name. @internal */
export const definitions: Map<string, DefinitionImpl> = globalValue(
  "definitions",
  () => new Map<string, DefinitionImpl>()
)
