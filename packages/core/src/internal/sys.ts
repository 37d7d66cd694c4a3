/**
 * The answers to system messages (Erlang's `sys`), shared by every behaviour that takes them between two of its
 * messages: the actor loop (`loop.ts`) and the state machine (`statem.ts`).
 *
 * @internal
 */
import type { Statistics, Status } from "../System.js"
import type { SystemRequest } from "./loop.js"
import type { Envelope } from "./mailbox.js"
import type { ProcessState } from "./process.js"
import { unsafeSend } from "./subject.js"

/** What a behaviour exposes to system messages: its process, its state (read and replaced), and its mode. @internal */
export interface SystemTarget {
  readonly self: ProcessState
  state: unknown
  suspended: boolean
  /** Its receive's scan position, reset when it is suspended or resumed (what it selects changes). */
  scanned: Envelope | undefined
}

/** Answers one system request on `target`'s behalf. @internal */
export const answerSystem = (target: SystemTarget, request: SystemRequest): void => {
  switch (request._tag) {
    case "GetState":
      unsafeSend(request.replyTo, target.state)
      break
    case "GetStatus":
      unsafeSend<Status>(request.replyTo, {
        pid: target.self.pid,
        mode: target.suspended ? "suspended" : "running",
        state: target.state,
        messageQueueLength: target.self.mailbox.length
      })
      break
    case "ReplaceState": {
      let result: { readonly ok: boolean; readonly value: unknown }
      try {
        target.state = request.f(target.state)
        result = { ok: true, value: target.state }
      } catch (error) {
        result = { ok: false, value: error }
      }
      unsafeSend(request.replyTo, result)
      break
    }
    case "Suspend":
    case "Resume":
      target.suspended = request._tag === "Suspend"
      target.scanned = undefined
      unsafeSend(request.replyTo, undefined)
      break
    case "Statistics":
      unsafeSend<Statistics>(request.replyTo, {
        messagesIn: target.self.messagesIn,
        messagesOut: target.self.messagesOut,
        startedAt: target.self.startedAt
      })
      break
  }
}
