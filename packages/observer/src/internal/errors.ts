/**
 * The observer's one error: an option it cannot use.
 *
 * @internal
 */
import * as Data from "effect/Data"

/** @internal */
export class InvalidOption extends Data.TaggedError("InvalidOption")<{
  /** The function given the option: `Observer.layer`, `Observer.serve`. */
  readonly function: string
  /** The option's name, with its index in a list (`roots[1]`); `options` for the whole object. */
  readonly field: string
  readonly problem: string
}> {
  override get message() {
    return `${this.function} ${this.field === "options" ? "options" : `options.${this.field}`}: ${this.problem}`
  }
}
