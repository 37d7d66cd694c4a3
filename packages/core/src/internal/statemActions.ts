/**
 * The actions of `StateMachine` (gen_statem's `action()`): postpone, insert an event, set or cancel a timeout, reply.
 * They are public: `StateMachine.ts` re-exports them as they are, with the documentation written here (kept out of
 * the public module only to keep it under the house's ~600 lines). Their machinery is in `statem.ts`.
 */
import type * as Duration from "effect/Duration"
import type { Action, ReplyAction } from "../StateMachine.js"
import type * as Subject from "../Subject.js"
import * as statem from "./statem.js"

/**
 * Postpone the event: it is retried after the next state change (not allowed from an enter call or init).
 *
 * @since 1.0.0
 * @category actions
 */
export const postpone: Action<never> = statem.action({ _tag: "Postpone" })

/**
 * Insert `event`, handled (as an `Internal` event) before anything queued in the mailbox, after the other events
 * inserted by the same transition (`{next_event, internal, Event}`).
 *
 * @since 1.0.0
 * @category actions
 */
export const nextEvent = <E>(event: E): Action<E> => statem.action({ _tag: "NextEvent", event })

/**
 * An `EventTimeout` event after `after`, unless another event comes first (`{timeout, Time, Event}`). Not started
 * when events are already queued (inserted or postponed): the first of them would cancel it.
 *
 * @since 1.0.0
 * @category actions
 */
export const eventTimeout = <E>(after: Duration.Input, event: E): Action<E> =>
  statem.timeout(statem.EVENT_TIMEOUT, after, "StateMachine.eventTimeout", { _tag: "EventTimeout", event })

/**
 * A `StateTimeout` event after `after`, unless the state changes first (`{state_timeout, Time, Event}`). Setting it
 * again restarts it; `Duration.infinity` cancels it.
 *
 * @since 1.0.0
 * @category actions
 */
export const stateTimeout = <E>(after: Duration.Input, event: E): Action<E> =>
  statem.timeout(statem.STATE_TIMEOUT, after, "StateMachine.stateTimeout", { _tag: "StateTimeout", event })

/**
 * A `GenericTimeout` event named `name` after `after` (`{{timeout, Name}, Time, Event}`): only cancelled by
 * `cancelTimeout(name)`, or by setting it again.
 *
 * @since 1.0.0
 * @category actions
 */
export const genericTimeout = <E>(name: string, after: Duration.Input, event: E): Action<E> =>
  statem.timeout(statem.GENERIC + name, after, "StateMachine.genericTimeout", {
    _tag: "GenericTimeout",
    name,
    event
  })

/**
 * Cancel the state timeout (`{state_timeout, cancel}`).
 *
 * @since 1.0.0
 * @category actions
 */
export const cancelStateTimeout: Action<never> = statem.action({
  _tag: "Timeout",
  key: statem.STATE_TIMEOUT,
  millis: statem.CANCEL,
  event: undefined
})

/**
 * Cancel the generic timeout `name` (`{{timeout, Name}, cancel}`).
 *
 * @since 1.0.0
 * @category actions
 */
export const cancelTimeout = (name: string): Action<never> =>
  statem.action({ _tag: "Timeout", key: statem.GENERIC + name, millis: statem.CANCEL, event: undefined })

/**
 * Answer a call: send `value` to `replyTo` (`{reply, From, Reply}`), from whichever state handles the call.
 *
 * @since 1.0.0
 * @category actions
 */
export const reply = <R>(replyTo: Subject.Subject<R>, value: NoInfer<R>): ReplyAction =>
  statem.reply(replyTo as any, value)
