/**
 * The start handshake shared by every behaviour (Erlang's `proc_lib:start_link`).
 *
 * The caller spawns the child unlinked and monitors it. The child initialises, then links itself to the caller and
 * acknowledges; only then does `start` return. So a child whose initialisation fails, crashes or times out never
 * sends an exit signal to the caller: the caller gets a `StartError` instead. On timeout the child is unlinked (it
 * may have linked itself in the meantime) and then killed.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { StartError } from "./errors.js"
import { InitExited, InitFailed, InitTimeout } from "./errors.js"
import { killed } from "./exitReason.js"
import { resumeFairly } from "./fairness.js"
import type { Waiter } from "./mailbox.js"
import type { Pid, ProcessState } from "./process.js"
import type { CalleeExited } from "./process.js"
import { link, monitor, spawn, terminate, unlink, unmonitor, withSelf } from "./process.js"
import { describeMillis, matchTag, Tag } from "./subject.js"
import type { Cancel } from "./timer.js"
import { clockOf, schedule } from "./timer.js"

/** @internal */
export interface Started<D> {
  readonly pid: Pid
  readonly data: D
}

class Acknowledged {
  constructor(readonly data: unknown) {}
}

class Refused {
  constructor(readonly reason: unknown) {}
}

/** What a starting child uses to tell its starter how initialisation went. @internal */
export class Handshake<D> {
  constructor(readonly parent: ProcessState, private readonly tag: Tag) {}
  /** Links the child to its starter, then lets `start` return `data` (nothing if the starter gave up). */
  ok(self: ProcessState, data: D): void {
    // A starter that gave up (timeout, interruption) is not linked to: it must get no exit signal from the child.
    if (!this.tag.active) return
    link(self, this.parent)
    this.parent.mailbox.deliver(this.tag, new Acknowledged(data))
  }
  /** Makes `start` fail with `InitFailed(reason)`; the child should then return (exit `Normal`). */
  fail(reason: unknown): void {
    if (this.tag.active) this.parent.mailbox.deliver(this.tag, new Refused(reason))
  }
}

/** @internal */
export const start = <D, R>(
  body: (handshake: Handshake<D>) => Effect.Effect<unknown, unknown, R>,
  millis: number,
  shutdownMillis?: number
): Effect.Effect<Started<D>, StartError, Scope.Scope | Exclude<R, Scope.Scope>> =>
  withSelf((parent, fiber) => {
    const tag = new Tag()
    const handshake = new Handshake<D>(parent, tag)
    return Effect.flatMap(spawn(body(handshake), false, undefined, shutdownMillis), (child) => {
      const ref = monitor(parent, child, tag)
      const match = matchTag(tag)
      const settle = () => {
        tag.active = false
        unmonitor(ref)
      }
      const outcome = (value: unknown): Effect.Effect<Started<D>, StartError> => {
        settle()
        if (value instanceof Acknowledged) return Effect.succeed({ pid: child.pid, data: value.data as D })
        if (value instanceof Refused) return Effect.fail(new InitFailed({ reason: value.reason }))
        return Effect.fail(new InitExited({ reason: (value as CalleeExited).reason }))
      }
      return Effect.async<Started<D>, StartError>((resume) => {
        const found = parent.mailbox.take(match)
        if (found !== undefined) {
          resume(outcome(found[1].value))
          return
        }
        let cancel: Cancel | undefined = undefined
        const waiter: Waiter = {
          match,
          wake: (_, envelope) => {
            if (cancel !== undefined) cancel.cancel()
            resumeFairly(resume, outcome(envelope.value))
          }
        }
        parent.mailbox.park(waiter)
        cancel = schedule(clockOf(fiber), millis, () => {
          if (!parent.mailbox.unpark(waiter)) return
          settle()
          // Unlink first, so that the parent does not receive the exit of the child it kills.
          unlink(parent, child)
          terminate(child, killed)
          resume(Effect.fail(new InitTimeout({ timeout: describeMillis(millis) })))
        })
        return Effect.sync(() => {
          parent.mailbox.unpark(waiter)
          if (cancel !== undefined) cancel.cancel()
          settle()
        })
      })
    })
  })
