/**
 * A periodic actor built on `Subject.sendAfter`: it sends itself a tick every interval and counts them. Timers read
 * Effect's Clock, so a test drives the ticks with `TestClock` (see packages/core/test/Examples.test.ts).
 *
 * Run with `npm run example -- examples/periodic.ts`; it prints five ticks, 200 ms apart.
 */
import { Actor, Selector, Subject } from "@effect-otp/core"
import type { Duration } from "effect"
import { Console, Effect } from "effect"

export type PeriodicMessage =
  | { readonly _tag: "Tick" }
  | { readonly _tag: "Count"; readonly replyTo: Subject.Subject<number> }

/**
 * Starts an actor that runs `onTick(n)` every `interval`. The ticks go to a subject of its own, made in its
 * initialiser; the first one is scheduled there, each handled tick schedules the next.
 */
export const startPeriodic = <R>(
  interval: Duration.Input,
  onTick: (n: number) => Effect.Effect<void, never, R>
) =>
  Actor.newWithInitialiser("1 second", (self: Subject.Subject<PeriodicMessage>) =>
    Effect.gen(function*() {
      const ticks = yield* Subject.make<PeriodicMessage>()
      yield* Subject.sendAfter(ticks, interval, { _tag: "Tick" })
      const selector = Selector.make<PeriodicMessage>().pipe(Selector.select(self), Selector.select(ticks))
      return Actor.initialised<
        { readonly count: number; readonly ticks: Subject.Subject<PeriodicMessage> },
        PeriodicMessage
      >(
        { count: 0, ticks }
      ).pipe(Actor.selecting(selector), Actor.returning(self))
    })).pipe(
      Actor.onMessage((state, message: PeriodicMessage) =>
        Effect.gen(function*() {
          if (message._tag === "Count") {
            yield* Subject.send(message.replyTo, state.count)
            return Actor.continue(state)
          }
          const count = state.count + 1
          yield* onTick(count)
          yield* Subject.sendAfter(state.ticks, interval, { _tag: "Tick" })
          return Actor.continue({ ...state, count })
        })
      ),
      Actor.start
    )

export const ticksSoFar = (periodic: Subject.Subject<PeriodicMessage>) =>
  Actor.call(periodic, (replyTo): PeriodicMessage => ({ _tag: "Count", replyTo }), "1 second")

const main = Effect.gen(function*() {
  const done = yield* Subject.make<"done">()
  yield* startPeriodic(
    "200 millis",
    (n) => Effect.andThen(Console.log(`tick ${n}`), n === 5 ? Subject.send(done, "done") : Effect.void)
  )
  yield* Subject.receive(done, "5 seconds")
})

if (process.argv[1]?.endsWith("periodic.ts")) {
  Effect.runPromise(Effect.scoped(main)).catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
