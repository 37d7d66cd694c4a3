/**
 * Actors shared by the tests and the bench (`packages/bench`): a counter that adds, answers its count and crashes on
 * request. No test framework here, so that the bench can import it.
 */
import * as Effect from "effect/Effect"
import { Actor, Subject } from "../src/index.js"

/** The counter's messages. */
export type CounterMsg =
  | { readonly _tag: "Add"; readonly n: number }
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }
  | { readonly _tag: "Crash" }

/** Adds, answers the count, or crashes: its handler fails, so the actor exits Abnormal without its onTerminate. */
export const handleCounter = (count: number, message: CounterMsg) => {
  switch (message._tag) {
    case "Add":
      return Effect.succeed(Actor.continue(count + message.n))
    case "Get":
      return Effect.as(Subject.send(message.replyTo, count), Actor.continue(count))
    case "Crash":
      return Effect.fail("crash requested")
  }
}

export const counterBuilder = (initial: number) => Actor.new(initial).pipe(Actor.onMessage(handleCounter))

/** Starts a counter (linked to the caller). */
export const counter = (initial = 0) => Actor.start(counterBuilder(initial))

/** Calls a counter for its count. */
export const getCount = (counter: Subject.Subject<CounterMsg>) =>
  Subject.call(counter, (replyTo: Subject.Subject<number>): CounterMsg => ({ _tag: "Get", replyTo }), "1 second")

/**
 * Whether a call failed because its callee is being restarted: queued behind the crash (CalleeDown) or sent while
 * its name was free (NoProcess), as in Erlang. Worth retrying once the supervisor has run.
 */
export const restarting = (error: { readonly _tag: string }): boolean =>
  error._tag === "NoProcess" || error._tag === "CalleeDown"
