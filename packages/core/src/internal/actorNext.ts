/**
 * What an actor's handler answers (`Actor.continue`, `stop`, `stopAbnormal`, `stopWith`) and the modifiers of an
 * answer or an initialiser's result (`withSelector`, `withContinue`, `withIdleTimeout`, `hibernate`). They are public:
 * `Actor.ts` re-exports them as they are, with the documentation and examples written here (kept out of the public
 * module only to keep it under the house's ~600 lines). Their machinery is in `actor.ts`.
 */
import type * as Duration from "effect/Duration"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type { Initialised, Next, WithMessage } from "../Actor.js"
import type { ExitReason } from "../Process.js"
import type { Selector } from "../Selector.js"
import * as actor from "./actor.js"

/**
 * Continue with this state.
 *
 * @since 1.0.0
 * @category next
 */
const continue_ = <S, M = never>(state: S): Next<S, M> => new actor.Continue<S, M>(state, Option.none())

export {
  /**
   * Continue with this state (`Actor.continue`).
   *
   * @since 1.0.0
   * @category next
   */
  continue_ as continue
}

/**
 * Stop with `Normal`. Messages still queued are dropped.
 *
 * @since 1.0.0
 * @category next
 */
export const stop = (): Next<never, never> => actor.stopNormal

/**
 * Stop with `Abnormal({ reason })`: linked processes that do not trap exits end too.
 *
 * @since 1.0.0
 * @category next
 */
export const stopAbnormal = (reason: string): Next<never, never> => actor.stopAbnormal(reason)

/**
 * Stop with any exit reason, e.g. `Shutdown` (Erlang's `{stop, Reason, State}`).
 *
 * @since 1.0.0
 * @category next
 */
export const stopWith = (reason: ExitReason): Next<never, never> => new actor.Stop(reason)

/**
 * Continue, receiving with `selector` from now on.
 *
 * @since 1.0.0
 * @category next
 */
export const withSelector: {
  <M>(selector: Selector<M>): <S>(next: Next<S, M>) => Next<S, M>
  <S, M>(next: Next<S, M>, selector: Selector<M>): Next<S, M>
} = dual(2, actor.withSelector)

/**
 * Erlang's `{noreply, State, {continue, Message}}` and `{ok, State, {continue, Message}}` (`handle_continue`): the
 * actor handles `message` next, with its `onMessage` handler, before anything queued, system messages included (as
 * gen_server runs `handle_continue` before its loop receives again); its `Next` says how the actor goes on. Work
 * that follows initialisation without delaying `start` goes there. A `Stop` is left as it is. One handler and one
 * message type: a continuation is a message the actor sends itself ahead of the queue (others may send it too).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Actor, Subject } from "@effect-otp/core"
 *
 * type Msg = { readonly _tag: "Load" } | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<string> }
 *
 * const cache = Actor.newWithInitialiser("1 second", (_: Subject.Subject<Msg>) =>
 *   // `start` returns at once; "Load" is handled before any "Get" sent meanwhile
 *   Effect.succeed(Actor.initialised<string, Msg>("empty").pipe(Actor.withContinue({ _tag: "Load" })))
 * ).pipe(
 *   Actor.onMessage((state: string, message: Msg) =>
 *     message._tag === "Load" ?
 *       Effect.succeed(Actor.continue("loaded")) :
 *       Effect.as(Subject.send(message.replyTo, state), Actor.continue(state))
 *   )
 * )
 * ```
 *
 * @since 1.0.0
 * @category next
 */
export const withContinue: {
  <const M>(message: M): <X extends Next<any, any> | Initialised<any, any, any>>(self: X) => WithMessage<X, M>
  <S, M>(self: Next<S, M>, message: M): Next<S, M>
  <S, M, D>(self: Initialised<S, M, D>, message: M): Initialised<S, M, D>
} = dual(2, actor.withContinue)

/**
 * Erlang's `{noreply, State, Timeout}` and `{ok, State, Timeout}`: if nothing the actor selects arrives within
 * `after`, it handles `message` (gen_server's `handle_info(timeout, State)`). Any message it handles cancels it; it
 * applies to the next wait only. `"0 millis"` handles `message` at once unless a message is queued. On `Clock`.
 * As in Erlang, a system message (or an exit signal a trapping actor ignores) starts the wait again, whole, and a
 * suspended actor does not time out (it waits its whole time again once resumed). An invalid duration is a defect.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Actor } from "@effect-otp/core"
 *
 * type Msg = { readonly _tag: "Touch" } | { readonly _tag: "Idle" }
 *
 * // a session that ends after 30 minutes without a touch
 * const session = Actor.new(0).pipe(
 *   Actor.onMessage((touches: number, message: Msg) =>
 *     Effect.succeed(
 *       message._tag === "Idle" ?
 *         Actor.stop() :
 *         Actor.continue<number, Msg>(touches + 1).pipe(Actor.withIdleTimeout("30 minutes", { _tag: "Idle" }))
 *     )
 *   )
 * )
 * ```
 *
 * @since 1.0.0
 * @category next
 */
export const withIdleTimeout: {
  <const M>(
    after: Duration.Input,
    message: M
  ): <X extends Next<any, any> | Initialised<any, any, any>>(self: X) => WithMessage<X, M>
  <S, M>(self: Next<S, M>, after: Duration.Input, message: M): Next<S, M>
  <S, M, D>(self: Initialised<S, M, D>, after: Duration.Input, message: M): Initialised<S, M, D>
} = dual(3, actor.withIdleTimeout)

/**
 * Erlang's `{noreply, State, hibernate}`: once idle (parked until its next message), the actor drops what it keeps
 * to go faster and can rebuild: its loop's scan mark, the containers its process record keeps for the next call,
 * link or timer (an actor called once is back to its size at start). It wakes on its next message as usual, and
 * stays hibernated through system messages. Erlang also compacts the process's own heap; a JavaScript heap is
 * shared and collected by V8, so the state itself is not compacted (see the bench's `hibernate` case).
 *
 * @since 1.0.0
 * @category next
 */
export const hibernate = <X extends Next<any, any> | Initialised<any, any, any>>(self: X): X => actor.hibernate(self)
