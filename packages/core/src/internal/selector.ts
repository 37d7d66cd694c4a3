/**
 * Selectors: receive from several subjects, trapped exits and monitors at once, taking the first matching
 * message in arrival order. A selector is an immutable value: each combinator returns a new one.
 * @internal
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Pipeable from "effect/Pipeable"
import { ReceiveTimeout } from "../Errors.js"
import type { Down } from "../Process.js"
import type * as Selector from "../Selector.js"
import type { Envelope, Handler } from "./mailbox.js"
import type { MonitorImpl } from "./pid.js"
import type { ProcessState } from "./process.js"
import { DOWN_TAG, EXIT_TAG, withSelf } from "./process.js"
import { neverTimesOut, receiveMatching } from "./receive.js"
import type { SubjectImpl } from "./subject.js"
import { describeMillis, NamedSubject, Tag } from "./subject.js"
import { decodeTimeout } from "./timer.js"

/** @internal */
export const SelectorTypeId: unique symbol = Symbol.for("@effect-otp/core/Selector")

const empty: ReadonlyMap<any, Handler> = new Map()

const variance = { _A: (_: never) => _ }

/** @internal */
export class SelectorImpl<A> extends Pipeable.Class implements Selector.Selector<A> {
  readonly [SelectorTypeId]: { readonly _A: (_: never) => A } = variance
  constructor(
    readonly subjects: ReadonlyMap<unknown, Handler>,
    readonly exits: Handler | undefined,
    readonly monitors: Handler | undefined,
    readonly specific: ReadonlyMap<MonitorImpl, Handler>,
    /** Why receiving must die: it selects a subject whose `Name` was made from an invalid prefix. */
    readonly invalid: Error | undefined = undefined
  ) {
    super()
  }

  readonly match = (envelope: Envelope): Handler | undefined => {
    const tag = envelope.tag
    if (tag === EXIT_TAG) return this.exits
    if (tag === DOWN_TAG) {
      if (this.specific.size > 0) {
        const handler = this.specific.get((envelope.value as Down).monitor as MonitorImpl)
        if (handler !== undefined) return handler
      }
      return this.monitors
    }
    return this.subjects.get(tag)
  }

  /** The last process that passed the ownership check: a process receiving in a loop checks once. */
  checkedFor: ProcessState | undefined = undefined
}

/** @internal */
export const isSelector = (u: unknown): u is SelectorImpl<unknown> =>
  typeof u === "object" && u !== null && SelectorTypeId in u

/** @internal */
export const make = <A>(): SelectorImpl<A> => new SelectorImpl<A>(empty, undefined, undefined, empty)

const withEntry = <K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> => {
  const copy = new Map(map)
  copy.set(key, value)
  return copy
}

/** @internal */
export const selectMap = <A, B>(
  self: SelectorImpl<A>,
  subject: SubjectImpl<B>,
  f: (b: B) => A
): SelectorImpl<A> =>
  new SelectorImpl<A>(
    withEntry(self.subjects, subject.tag, f),
    self.exits,
    self.monitors,
    self.specific,
    self.invalid ?? (subject instanceof NamedSubject ? subject.name.invalid : undefined)
  )

/** @internal */
export const selectTrappedExits = <A>(self: SelectorImpl<A>, f: Handler): SelectorImpl<A> =>
  new SelectorImpl<A>(self.subjects, f, self.monitors, self.specific, self.invalid)

/** @internal */
export const selectMonitors = <A>(self: SelectorImpl<A>, f: Handler): SelectorImpl<A> =>
  new SelectorImpl<A>(self.subjects, self.exits, f, self.specific, self.invalid)

/** @internal */
export const selectSpecificMonitor = <A>(self: SelectorImpl<A>, monitor: MonitorImpl, f: Handler): SelectorImpl<A> =>
  new SelectorImpl<A>(self.subjects, self.exits, self.monitors, withEntry(self.specific, monitor, f), self.invalid)

/** @internal */
export const deselect = <A>(self: SelectorImpl<A>, subject: { readonly tag: unknown }): SelectorImpl<A> => {
  if (!self.subjects.has(subject.tag)) return self
  const copy = new Map(self.subjects)
  copy.delete(subject.tag)
  return new SelectorImpl<A>(copy, self.exits, self.monitors, self.specific, self.invalid)
}

/** @internal */
export const merge = <A>(self: SelectorImpl<A>, that: SelectorImpl<A>): SelectorImpl<A> => {
  const subjects = new Map(self.subjects)
  for (const [tag, handler] of that.subjects) subjects.set(tag, handler)
  const specific = new Map(self.specific)
  for (const [ref, handler] of that.specific) specific.set(ref, handler)
  return new SelectorImpl<A>(
    subjects,
    that.exits ?? self.exits,
    that.monitors ?? self.monitors,
    specific,
    self.invalid ?? that.invalid
  )
}

const compose = (handler: Handler | undefined, f: Handler): Handler | undefined =>
  handler === undefined ? undefined : (value) => f(handler(value))

/** @internal */
export const map = <A, B>(self: SelectorImpl<A>, f: (a: A) => B): SelectorImpl<B> => {
  const subjects = new Map<unknown, Handler>()
  for (const [tag, handler] of self.subjects) subjects.set(tag, compose(handler, f)!)
  const specific = new Map<MonitorImpl, Handler>()
  for (const [ref, handler] of self.specific) specific.set(ref, compose(handler, f)!)
  return new SelectorImpl<B>(subjects, compose(self.exits, f), compose(self.monitors, f), specific, self.invalid)
}

/** @internal */
export const receive = <A>(self: SelectorImpl<A>, millis: number): Effect.Effect<A, ReceiveTimeout> =>
  receiveWith(self, millis, () => Effect.fail(new ReceiveTimeout({ timeout: describeMillis(millis) })))

/** Every `Selector` is made by the library, so it is a `SelectorImpl`. @internal */
export const selectorImpl = <A>(selector: Selector.Selector<A>): SelectorImpl<A> => selector as SelectorImpl<A>

/** `Selector.receive`: decodes the timeout when the effect runs (an invalid one is a defect). @internal */
export const receiveWithin = <A>(
  selector: Selector.Selector<A>,
  timeout: Duration.Input
): Effect.Effect<A, ReceiveTimeout> =>
  Effect.suspend(() => receive(selectorImpl(selector), decodeTimeout(timeout, "Selector.receive timeout")))

/** @internal */
export const receiveForever = <A>(self: SelectorImpl<A>): Effect.Effect<A> => receiveWith(self, Infinity, neverTimesOut)

const receiveWith = <A, E>(
  self: SelectorImpl<A>,
  millis: number,
  onTimeout: () => Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  withSelf((process) => {
    if (self.invalid !== undefined) return Effect.die(self.invalid)
    if (self.checkedFor !== process) {
      // Receiving from a subject owned by another process is a defect, through a selector as through receive.
      for (const tag of self.subjects.keys()) {
        if (tag instanceof Tag && tag.owner !== undefined && tag.owner !== process) {
          return Effect.die(
            new Error(
              `Selector.receive: the selector selects Subject(${tag.owner.pid.toString()}, #${tag.id}), which is ` +
                `not owned by the receiving process ${process.pid.toString()}; only the owner of a subject can ` +
                `receive from it`
            )
          )
        }
      }
      self.checkedFor = process
    }
    return receiveMatching<A, E>(process, millis, self.match, onTimeout)
  })
