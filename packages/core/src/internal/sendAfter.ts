/**
 * Erlang's `send_after` and `cancel_timer`: a message sent to a subject after a delay on Effect's `Clock`. A timer
 * whose destination process ends is cancelled with it; a named destination is resolved when the timer fires.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Subject from "../Subject.js"
import { counters } from "./global.js"
import { Identity } from "./identity.js"
import { checked } from "./name.js"
import type { SubjectImpl } from "./subject.js"
import { NamedSubject, OwnedSubject, unsafeSend } from "./subject.js"
import { clockOf, schedule } from "./timer.js"

/** @internal */
export const TimerTypeId: unique symbol = Symbol.for("@effect-otp/core/Timer")

/** @internal */
export class TimerImpl extends Identity implements Subject.Timer {
  readonly [TimerTypeId]: typeof TimerTypeId = TimerTypeId
  readonly id = ++counters.timer
  done = false
  cancel: () => void = () => {}
  constructor(readonly fireAt: number) {
    super()
  }
  toString() {
    return `#Ref<timer.${this.id}>`
  }
  toJSON() {
    return { _id: "Timer", id: this.id, fireAt: this.fireAt }
  }
}

/** @internal */
export const sendAfter = <A>(subject: SubjectImpl<A>, millis: number, message: A): Effect.Effect<TimerImpl> =>
  Effect.withFiber((fiber) => {
    // A name made from an invalid prefix is a defect here, not a throw when the timer fires.
    if (subject instanceof NamedSubject) checked(subject.name)
    const clock = clockOf(fiber)
    const timer = new TimerImpl(clock.currentTimeMillisUnsafe() + millis)
    if (millis === 0) {
      timer.done = true
      unsafeSend(subject, message)
      return Effect.succeed(timer)
    }
    // Erlang cancels a timer whose destination process dies; a named destination is resolved when it fires.
    const owner = subject instanceof OwnedSubject ? subject.owner : undefined
    const scheduled = schedule(clock, millis, () => {
      timer.done = true
      owner?.timers?.delete(timer)
      unsafeSend(subject, message)
    })
    timer.cancel = () => {
      timer.done = true
      owner?.timers?.delete(timer)
      scheduled.cancel()
    }
    if (owner !== undefined) {
      if (owner.timers === undefined) owner.timers = new Set()
      owner.timers.add(timer)
    }
    return Effect.succeed(timer)
  })

/** @internal */
export type Cancelled =
  | { readonly _tag: "Cancelled"; readonly remaining: Duration.Duration }
  | { readonly _tag: "TimerNotFound" }

/** @internal */
export const cancelTimer = (timer: TimerImpl): Effect.Effect<Cancelled> =>
  Effect.withFiber((fiber) => {
    if (timer.done) return Effect.succeed<Cancelled>({ _tag: "TimerNotFound" })
    timer.cancel()
    const remaining = Math.max(0, timer.fireAt - clockOf(fiber).currentTimeMillisUnsafe())
    return Effect.succeed<Cancelled>({ _tag: "Cancelled", remaining: Duration.millis(remaining) })
  })
