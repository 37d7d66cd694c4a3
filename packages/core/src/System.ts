/**
 * System messages: Erlang's `sys` for actors.
 *
 * Every actor answers these requests between two messages, whatever its own message type, so any actor can be
 * inspected and debugged by pid: read its state, replace it, suspend its work (its messages queue up meanwhile),
 * resume it, and read its statistics. They are calls: a dead actor gives `NoProcess`, a busy one `CallTimeout`
 * after 5 seconds.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Actor, System } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const actor = yield* Actor.start(Actor.new({ visits: 0 }))
 *   yield* System.suspend(actor.pid)
 *   const status = yield* System.getStatus(actor.pid) // { mode: "suspended", state: { visits: 0 }, ... }
 *   yield* System.resume(actor.pid)
 *   return status
 * })
 * ```
 *
 * @since 1.0.0
 */
import * as Effect from "effect/Effect"
import type { CallError } from "./Errors.js"
import { CallbackFailed } from "./Errors.js"
import * as internal from "./internal/loop.js"
import { stateOf } from "./internal/pid.js"
import * as subject from "./internal/subject.js"
import type { Pid } from "./Process.js"

export {
  /**
   * @since 1.0.0
   * @category errors
   */
  CallbackFailed
} from "./Errors.js"

/**
 * An actor's status, as `sys:get_status` gives it.
 *
 * @since 1.0.0
 * @category models
 */
export interface Status {
  readonly pid: Pid
  readonly mode: "running" | "suspended"
  readonly state: unknown
  readonly messageQueueLength: number
}

/**
 * An actor's counters: messages received and sent since it started, and when it started (Clock milliseconds).
 *
 * @since 1.0.0
 * @category models
 */
export interface Statistics {
  readonly messagesIn: number
  readonly messagesOut: number
  readonly startedAt: number
}

const SYSTEM_TIMEOUT_MILLIS = 5_000

const request = <R>(
  pid: Pid,
  make: (replyTo: subject.SubjectImpl<R>) => internal.SystemRequest
): Effect.Effect<R, CallError> =>
  subject.call<internal.SystemRequest, R>(
    internal.systemSubject(stateOf(pid)),
    make,
    SYSTEM_TIMEOUT_MILLIS
  )

/**
 * The actor's current state. Answered also while the actor is suspended.
 *
 * @since 1.0.0
 * @category getters
 */
export const getState = (pid: Pid): Effect.Effect<unknown, CallError> =>
  request<unknown>(pid, (replyTo) => ({ _tag: "GetState", replyTo }))

/**
 * The actor's pid, mode (running or suspended), state and mailbox length.
 *
 * @since 1.0.0
 * @category getters
 */
export const getStatus = (pid: Pid): Effect.Effect<Status, CallError> =>
  request<Status>(pid, (replyTo) => ({ _tag: "GetStatus", replyTo }))

/**
 * Replaces the actor's state with `f(state)` and returns the new state. If `f` throws, the state is left unchanged
 * and this fails with `CallbackFailed`.
 *
 * @since 1.0.0
 * @category combinators
 */
export const replaceState = (
  pid: Pid,
  f: (state: unknown) => unknown
): Effect.Effect<unknown, CallError | CallbackFailed> =>
  Effect.flatMap(
    request<{ readonly ok: boolean; readonly value: unknown }>(
      pid,
      (replyTo) => ({ _tag: "ReplaceState", f, replyTo })
    ),
    (result) => result.ok ? Effect.succeed(result.value) : Effect.fail(new CallbackFailed({ error: result.value }))
  )

/**
 * Suspends the actor: it answers only system messages until `resume`; its other messages wait in its mailbox.
 *
 * @since 1.0.0
 * @category combinators
 */
export const suspend = (pid: Pid): Effect.Effect<void, CallError> =>
  request<void>(pid, (replyTo) => ({ _tag: "Suspend", replyTo }))

/**
 * Resumes a suspended actor; the messages that queued up are handled in order.
 *
 * @since 1.0.0
 * @category combinators
 */
export const resume = (pid: Pid): Effect.Effect<void, CallError> =>
  request<void>(pid, (replyTo) => ({ _tag: "Resume", replyTo }))

/**
 * Messages received and sent by the actor since it started, and its start time in Clock milliseconds.
 *
 * @since 1.0.0
 * @category getters
 */
export const statistics = (pid: Pid): Effect.Effect<Statistics, CallError> =>
  request<Statistics>(pid, (replyTo) => ({ _tag: "Statistics", replyTo }))
