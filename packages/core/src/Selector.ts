/**
 * Selectors: receive from several sources at once.
 *
 * A process often waits for more than one kind of message: requests on its own subject, replies from another
 * process, exit signals it traps, `Down`s from monitors. A `Selector<A>` lists the sources to take messages from
 * and maps each to one type `A`. `receive` takes the first queued message that any source selects, in arrival
 * order, and leaves everything else in the mailbox.
 *
 * Selectors are immutable values built with pipeable combinators.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process, Selector, Subject } from "@effect-otp/core"
 *
 * type Event = { readonly _tag: "Text"; readonly text: string } | { readonly _tag: "Exit"; readonly pid: Process.Pid }
 *
 * const program = Effect.gen(function*() {
 *   yield* Process.trapExits(true)
 *   const texts = yield* Subject.make<string>()
 *   const selector = Selector.make<Event>().pipe(
 *     Selector.selectMap(texts, (text): Event => ({ _tag: "Text", text })),
 *     Selector.selectTrappedExits((exit): Event => ({ _tag: "Exit", pid: exit.pid }))
 *   )
 *   yield* Subject.send(texts, "hello")
 *   return yield* Selector.receive(selector, "1 second") // { _tag: "Text", text: "hello" }
 * })
 * ```
 *
 * @since 1.0.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import type * as Types from "effect/Types"
import type { ReceiveTimeout } from "./Errors.js"
import type { Handler } from "./internal/mailbox.js"
import type { MonitorImpl } from "./internal/pid.js"
import * as internal from "./internal/selector.js"
import { subjectImpl } from "./internal/subject.js"
import type { Down, ExitMessage, Monitor } from "./Process.js"
import type { Subject } from "./Subject.js"

/**
 * @since 1.0.0
 * @category symbols
 */
export const SelectorTypeId: typeof internal.SelectorTypeId = internal.SelectorTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type SelectorTypeId = typeof SelectorTypeId

/**
 * A set of message sources (subjects, trapped exits, monitors), each mapped to `A`.
 *
 * @since 1.0.0
 * @category models
 */
export interface Selector<out A> extends Pipeable {
  readonly [SelectorTypeId]: { readonly _A: Types.Covariant<A> }
}

/**
 * @since 1.0.0
 * @category refinements
 */
export const isSelector: (u: unknown) => u is Selector<unknown> = internal.isSelector

/** Every selector and subject is made by the library. */
const impl = internal.selectorImpl

/**
 * A selector that selects nothing.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = <A>(): Selector<A> => internal.make<A>()

/**
 * Adds a subject whose messages are already of the selector's type.
 *
 * @since 1.0.0
 * @category combinators
 */
export const select: {
  <A>(subject: Subject<A>): (self: Selector<A>) => Selector<A>
  <A>(self: Selector<A>, subject: Subject<A>): Selector<A>
} = dual(
  2,
  <A>(self: Selector<A>, subject: Subject<A>): Selector<A> =>
    internal.selectMap(impl(self), subjectImpl(subject), (a: A) => a)
)

/**
 * Adds a subject, mapping its messages to the selector's type. Selecting a subject again replaces its mapping.
 *
 * @since 1.0.0
 * @category combinators
 */
export const selectMap: {
  <B, A>(subject: Subject<B>, f: (b: B) => A): (self: Selector<A>) => Selector<A>
  <A, B>(self: Selector<A>, subject: Subject<B>, f: (b: B) => A): Selector<A>
} = dual(
  3,
  <A, B>(self: Selector<A>, subject: Subject<B>, f: (b: B) => A): Selector<A> =>
    internal.selectMap(impl(self), subjectImpl(subject), f)
)

/**
 * Selects the exit signals the process receives as messages while it traps exits (`Process.trapExits(true)`).
 *
 * @since 1.0.0
 * @category combinators
 */
export const selectTrappedExits: {
  <A>(f: (exit: ExitMessage) => A): (self: Selector<A>) => Selector<A>
  <A>(self: Selector<A>, f: (exit: ExitMessage) => A): Selector<A>
} = dual(
  2,
  <A>(self: Selector<A>, f: (exit: ExitMessage) => A): Selector<A> =>
    internal.selectTrappedExits(impl(self), f as Handler)
)

/**
 * Selects the `Down` of every monitor the process holds.
 *
 * @since 1.0.0
 * @category combinators
 */
export const selectMonitors: {
  <A>(f: (down: Down) => A): (self: Selector<A>) => Selector<A>
  <A>(self: Selector<A>, f: (down: Down) => A): Selector<A>
} = dual(
  2,
  <A>(self: Selector<A>, f: (down: Down) => A): Selector<A> => internal.selectMonitors(impl(self), f as Handler)
)

/**
 * Selects the `Down` of one monitor. It takes precedence over `selectMonitors` for that monitor.
 *
 * @since 1.0.0
 * @category combinators
 */
export const selectSpecificMonitor: {
  <A>(monitor: Monitor, f: (down: Down) => A): (self: Selector<A>) => Selector<A>
  <A>(self: Selector<A>, monitor: Monitor, f: (down: Down) => A): Selector<A>
} = dual(
  3,
  <A>(self: Selector<A>, monitor: Monitor, f: (down: Down) => A): Selector<A> =>
    internal.selectSpecificMonitor(impl(self), monitor as MonitorImpl, f as Handler)
)

/**
 * Removes a subject from the selector; its messages stay queued.
 *
 * @since 1.0.0
 * @category combinators
 */
export const deselect: {
  <B>(subject: Subject<B>): <A>(self: Selector<A>) => Selector<A>
  <A, B>(self: Selector<A>, subject: Subject<B>): Selector<A>
} = dual(
  2,
  <A, B>(self: Selector<A>, subject: Subject<B>): Selector<A> => internal.deselect(impl(self), subjectImpl(subject))
)

/**
 * Combines two selectors. Where both select the same source, `that` (the second) wins.
 *
 * @since 1.0.0
 * @category combinators
 */
export const merge: {
  <A>(that: Selector<A>): (self: Selector<A>) => Selector<A>
  <A>(self: Selector<A>, that: Selector<A>): Selector<A>
} = dual(2, <A>(self: Selector<A>, that: Selector<A>): Selector<A> => internal.merge(impl(self), impl(that)))

/**
 * Maps every message the selector selects.
 *
 * @since 1.0.0
 * @category combinators
 */
export const map: {
  <A, B>(f: (a: A) => B): (self: Selector<A>) => Selector<B>
  <A, B>(self: Selector<A>, f: (a: A) => B): Selector<B>
} = dual(2, <A, B>(self: Selector<A>, f: (a: A) => B): Selector<B> => internal.map(impl(self), f))

/**
 * Receives the first queued message the selector selects, in arrival order, or waits up to `timeout` for one.
 * Everything else stays queued. `timeout` 0 only looks at what is queued.
 *
 * @since 1.0.0
 * @category receiving
 */
export const receive: {
  (timeout: Duration.Input): <A>(self: Selector<A>) => Effect.Effect<A, ReceiveTimeout>
  <A>(self: Selector<A>, timeout: Duration.Input): Effect.Effect<A, ReceiveTimeout>
} = dual(2, internal.receiveWithin)

/**
 * Receives the first message the selector selects, waiting as long as it takes.
 *
 * @since 1.0.0
 * @category receiving
 */
export const receiveForever = <A>(self: Selector<A>): Effect.Effect<A> => internal.receiveForever(impl(self))
