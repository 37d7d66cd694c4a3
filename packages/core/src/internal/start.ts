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
import type { Started } from "../Actor.js"
import type { StartError } from "../Errors.js"
import { InitExited, InitFailed, InitTimeout } from "../Errors.js"
import { killed } from "./exitReason.js"
import type { Envelope, Handler } from "./mailbox.js"
import type { MonitorImpl } from "./pid.js"
import type { CalleeExited, ProcessState } from "./process.js"
import { link, monitor, terminate, unlink, unmonitor, withSelf } from "./process.js"
import { identity, Receiver } from "./receive.js"
import { spawn } from "./spawn.js"
import { describeMillis, Tag } from "./subject.js"

class Acknowledged {
  constructor(readonly data: unknown) {}
}

class Refused {
  constructor(readonly reason: unknown) {}
}

/** What a starting child uses to tell its starter how initialisation went. @internal */
export class Handshake<D> {
  constructor(readonly parent: ProcessState, readonly tag: Tag) {}
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

/** The starter's wait for the child's answer: its acknowledgement, its refusal, or its death. */
class StartReceiver<D> extends Receiver<Started<D>, StartError> {
  constructor(
    self: ProcessState,
    readonly tag: Tag,
    readonly child: ProcessState,
    readonly ref: MonitorImpl,
    readonly millis: number
  ) {
    super(self)
  }
  match(envelope: Envelope): Handler | undefined {
    return envelope.tag === this.tag ? identity : undefined
  }
  received(_: Handler, value: unknown): Effect.Effect<Started<D>, StartError> {
    if (value instanceof Acknowledged) return Effect.succeed({ pid: this.child.pid, data: value.data as D })
    if (value instanceof Refused) return Effect.fail(new InitFailed({ reason: value.reason }))
    return Effect.fail(new InitExited({ reason: (value as CalleeExited).reason }))
  }
  override timedOut(): Effect.Effect<Started<D>, StartError> {
    return Effect.fail(new InitTimeout({ timeout: describeMillis(this.millis) }))
  }
  /** The child did not answer in time: it is killed, unlinked first so that the starter gets no exit signal. */
  override expired(): void {
    unlink(this.self, this.child)
    terminate(this.child, killed)
  }
  /** The handshake is over, whatever its outcome: the child's answers and death no longer reach the starter. */
  override ended(): void {
    this.tag.active = false
    unmonitor(this.ref)
  }
}

/** @internal */
export const start = <D, R>(
  body: (handshake: Handshake<D>) => Effect.Effect<unknown, unknown, R>,
  millis: number,
  shutdownMillis?: number
): Effect.Effect<Started<D>, StartError, Scope.Scope | Exclude<R, Scope.Scope>> =>
  withSelf((parent) => {
    const tag = new Tag()
    const handshake = new Handshake<D>(parent, tag)
    return Effect.flatMap(spawn(body(handshake), { linked: false, shutdownMillis }), (child) => {
      const ref = monitor(parent, child, tag)
      return Effect.callback<Started<D>, StartError>((resume) =>
        new StartReceiver<D>(parent, tag, child, ref, millis).wait(resume, millis, true)
      )
    })
  })
