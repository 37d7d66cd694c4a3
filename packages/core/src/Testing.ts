/**
 * A test kit for your own actors, deterministic on `TestClock` with no real sleeps: `settle` (run what is runnable,
 * time standing still), probes (`expectMessage`, `expectNoMessage`, `receiveN`, `fishForMessage`), waits for
 * supervision (`awaitRestart`, `awaitExit`, `awaitRegistered`) that advance the TestClock only as far as needed,
 * and the leak check (`checkNoProcessLeft`, `leakCheck` for a test runner's `afterEach`).
 *
 * Waits take a timeout in TestClock time: they advance the clock one `step` (1 millisecond) at a time, settling after
 * each, and stop as soon as what they wait for happened, so a message due at 100 ms is seen at exactly 100 ms. On
 * the live clock they settle once and look.
 *
 * @example
 * ```ts
 * import { it } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { Actor, Testing } from "@effect-otp/core"
 *
 * it.effect("an echo answers", () =>
 *   Effect.gen(function*() {
 *     const probe = yield* Testing.makeProbe<string>()
 *     const echo = yield* Actor.new(null).pipe(
 *       Actor.onMessage((state, text: string) => Effect.as(Actor.send(probe.subject, text), Actor.continue(state))),
 *       Actor.start
 *     )
 *     yield* Actor.send(echo.data, "hello")
 *     yield* probe.expectMessage((text) => text === "hello", "1 second")
 *     yield* probe.expectNoMessage("5 seconds")
 *   }).pipe(Effect.scoped))
 * ```
 *
 * @since 1.0.0
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { FactorySupervisor } from "./FactorySupervisor.js"
import { stateOf } from "./internal/pid.js"
import { processOf } from "./internal/process.js"
import type { RegistryImpl } from "./internal/registry.js"
import * as internal from "./internal/testing.js"
import { decodeTimeout, tracking } from "./internal/timer.js"
import type { ExitReason, Pid } from "./Process.js"
import type { Registry } from "./Registry.js"
import type { Supervisor } from "./StaticSupervisor.js"
import * as Subject from "./Subject.js"

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/**
 * `settle` gave up: something kept running for its whole bound of event-loop turns. `busy` names the processes
 * that were still taking or receiving messages.
 *
 * @since 1.0.0
 * @category errors
 */
export class NotSettled extends Data.TaggedError("NotSettled")<{
  readonly turns: number
  readonly busy: ReadonlyArray<string>
}> {
  override get message() {
    return `not settled after ${this.turns} turns of the event loop; still busy: ${
      this.busy.join(", ") || "(the run queue)"
    }`
  }
}

/**
 * What a test waited for did not happen within its TestClock time. `received` lists what did arrive meanwhile (a
 * probe's other messages), `observed` what was seen instead (an exit reason, a restart count).
 *
 * @since 1.0.0
 * @category errors
 */
export class WaitTimeout extends Data.TaggedError("WaitTimeout")<{
  readonly waitingFor: string
  readonly timeout: string
  readonly received: ReadonlyArray<unknown>
  readonly observed?: string | undefined
}> {
  override get message() {
    const received = this.received.length === 0 ? "nothing arrived" : `arrived instead: ${internal.show(this.received)}`
    const observed = this.observed === undefined ? "" : `; ${this.observed}`
    return `${this.waitingFor} did not happen within ${this.timeout}: ${received}${observed}`
  }
}

/**
 * `expectNoMessage` got one.
 *
 * @since 1.0.0
 * @category errors
 */
export class UnexpectedMessage extends Data.TaggedError("UnexpectedMessage")<{
  readonly within: string
  readonly received: ReadonlyArray<unknown>
}> {
  override get message() {
    return `expected no message within ${this.within}, got ${internal.show(this.received)}`
  }
}

/**
 * A process ended with a reason the test did not expect.
 *
 * @since 1.0.0
 * @category errors
 */
export class UnexpectedExit extends Data.TaggedError("UnexpectedExit")<{
  readonly pid: string
  readonly reason: ExitReason
}> {
  override get message() {
    return `${this.pid} exited with ${this.reason._tag}, not the reason expected`
  }
}

/**
 * A test left something behind: live processes, names of ended processes, pending timers of the library, each
 * described with what it is (its name, its spawner; a timer's delay and where it was armed).
 *
 * @since 1.0.0
 * @category errors
 */
export class ProcessesLeft extends Data.TaggedError("ProcessesLeft")<{
  readonly processes: ReadonlyArray<string>
  readonly names: ReadonlyArray<string>
  readonly timers: ReadonlyArray<string>
  readonly registries: ReadonlyArray<string>
}> {
  override get message() {
    const parts = [
      this.registries.length > 0 ? `registries: ${this.registries.join("; ")}` : undefined,
      this.processes.length > 0 ? `processes: ${this.processes.join("; ")}` : undefined,
      this.names.length > 0 ? `names: ${this.names.join("; ")}` : undefined,
      this.timers.length > 0 ? `timers: ${this.timers.join("; ")}` : undefined
    ].filter((part) => part !== undefined)
    return `left behind by the test: ${parts.join(" | ")}`
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Settling
// ---------------------------------------------------------------------------------------------------------------

/** How many event-loop turns `settle` takes at most before it fails. */
const MAX_TURNS = 10_000

/** The TestClock step of waits, in milliseconds. */
const STEP_MILLIS = 1

const unsettled = (failure: internal.Unsettled) =>
  new NotSettled({ turns: failure.turns, busy: failure.busy.map((process) => process.pid.toString()) })

/**
 * Runs what is runnable until nothing is: no process has a message it is about to take, no resumption is deferred
 * (the library's run queue and Effect's), and no zero-delay timer of the TestClock is due. Time does not advance.
 * It fails with `NotSettled`, naming the processes still busy, when that takes more than `maxTurns` turns of the
 * event loop (10,000), so it never hangs (two processes that ping-pong for ever never settle).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Actor, Testing } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* Actor.new(0).pipe(
 *     Actor.onMessage((n: number, k: number) => Effect.succeed(Actor.continue(n + k))),
 *     Actor.start
 *   )
 *   yield* Actor.send(counter.data, 1)
 *   yield* Testing.settle() // the counter has handled it
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 1.0.0
 * @category settling
 */
export const settle = (options?: { readonly maxTurns?: number | undefined }): Effect.Effect<void, NotSettled> =>
  Effect.mapError(internal.settle(options?.maxTurns ?? MAX_TURNS), unsettled)

const advanceUntil = (millis: number, done: () => boolean) =>
  Effect.mapError(internal.advanceUntil(millis, STEP_MILLIS, MAX_TURNS, done), unsettled)

const timeoutMillis = (timeout: Duration.Input, what: string) =>
  Effect.try({ try: () => decodeTimeout(timeout, what), catch: (error) => error }).pipe(Effect.orDie)

const describeMillis = (millis: number) => Duration.format(Duration.millis(millis))

// ---------------------------------------------------------------------------------------------------------------
// Probes
// ---------------------------------------------------------------------------------------------------------------

/**
 * A subject owned by the test, and expectations on what reaches it. Give `subject` to the actors under test; each
 * expectation waits in TestClock time (see the module's description) and fails with a typed error saying what did
 * arrive.
 *
 * @since 1.0.0
 * @category probes
 */
export interface TestProbe<A> {
  readonly subject: Subject.Subject<A>
  /** The next message (the first one matching `predicate`, the others left queued), within `timeout`. */
  readonly expectMessage: {
    (timeout: Duration.Input): Effect.Effect<A, WaitTimeout | NotSettled>
    (predicate: (message: A) => boolean, timeout: Duration.Input): Effect.Effect<A, WaitTimeout | NotSettled>
  }
  /** Advances the TestClock by exactly `duration` and fails if anything reached the probe meanwhile. */
  readonly expectNoMessage: (duration: Duration.Input) => Effect.Effect<void, UnexpectedMessage | NotSettled>
  /** The next `n` messages, in order, within `timeout` in all. */
  readonly receiveN: (n: number, timeout: Duration.Input) => Effect.Effect<ReadonlyArray<A>, WaitTimeout | NotSettled>
  /** The first message matching `predicate` within `timeout`; the messages before it are taken and dropped. */
  readonly fishForMessage: (
    predicate: (message: A) => boolean,
    timeout: Duration.Input
  ) => Effect.Effect<A, WaitTimeout | NotSettled>
}

/**
 * A probe owned by the calling process (code outside any process becomes one).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Subject, Testing } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const probe = yield* Testing.makeProbe<number>()
 *   yield* Subject.sendAfter(probe.subject, "100 millis", 1)
 *   yield* probe.expectNoMessage("99 millis") // TestClock: t = 99 ms
 *   yield* probe.expectMessage("1 millis") // t = 100 ms
 * })
 * ```
 *
 * @since 1.0.0
 * @category probes
 */
export const makeProbe = <A>(): Effect.Effect<TestProbe<A>> =>
  Effect.map(Subject.make<A>(), (subject): TestProbe<A> => {
    const expectWhere = (predicate: (message: A) => boolean, timeout: Duration.Input) =>
      Effect.gen(function*() {
        const millis = yield* timeoutMillis(timeout, "TestProbe.expectMessage timeout")
        const arrived = yield* advanceUntil(millis, () => internal.queued(subject).some(predicate))
        if (!arrived) {
          return yield* Effect.fail(
            new WaitTimeout({
              waitingFor: "the message expected",
              timeout: describeMillis(millis),
              received: internal.queued(subject)
            })
          )
        }
        return yield* internal.take(subject, predicate)
      })
    const any = () => true
    return {
      subject,
      expectMessage: ((first: Duration.Input | ((message: A) => boolean), second?: Duration.Input) =>
        typeof first === "function" ?
          expectWhere(first as (message: A) => boolean, second!) :
          expectWhere(any, first)) as TestProbe<A>["expectMessage"],
      expectNoMessage: (duration) =>
        Effect.gen(function*() {
          const millis = yield* timeoutMillis(duration, "TestProbe.expectNoMessage duration")
          const arrived = yield* advanceUntil(millis, () =>
            internal.queued(subject).length > 0)
          if (arrived) {
            return yield* Effect.fail(
              new UnexpectedMessage({ within: describeMillis(millis), received: internal.queued(subject) })
            )
          }
        }),
      receiveN: (n, timeout) =>
        Effect.gen(function*() {
          const millis = yield* timeoutMillis(timeout, "TestProbe.receiveN timeout")
          const arrived = yield* advanceUntil(millis, () => internal.queued(subject).length >= n)
          if (!arrived) {
            return yield* Effect.fail(
              new WaitTimeout({
                waitingFor: `${n} messages`,
                timeout: describeMillis(millis),
                received: internal.queued(subject)
              })
            )
          }
          const messages: Array<A> = []
          for (let i = 0; i < n; i++) messages.push(yield* internal.take(subject, any))
          return messages
        }),
      fishForMessage: (predicate, timeout) =>
        Effect.gen(function*() {
          const millis = yield* timeoutMillis(timeout, "TestProbe.fishForMessage timeout")
          const skipped: Array<A> = []
          const arrived = yield* advanceUntil(millis, () => internal.queued(subject).some(predicate))
          // What came before the catch is taken and dropped (and reported if nothing matched).
          for (const message of internal.queued(subject)) {
            if (arrived && predicate(message)) break
            skipped.push(yield* internal.take(subject, any))
          }
          if (!arrived) {
            return yield* Effect.fail(
              new WaitTimeout({
                waitingFor: "the message fished for",
                timeout: describeMillis(millis),
                received: skipped
              })
            )
          }
          return yield* internal.take(subject, predicate)
        })
    }
  })

// ---------------------------------------------------------------------------------------------------------------
// Waiting for supervision
// ---------------------------------------------------------------------------------------------------------------

/**
 * Waits, within `timeout` of TestClock time, until the supervisor has restarted child `id` `times` more times
 * (1 by default) than when called, and the child is running. The count is taken when it is called: call it right
 * after what makes the child end (a restart that already happened is not waited for again). The restart count is read in the supervisor's own
 * state, after each step of the clock: a backoff of 100 ms is seen at exactly 100 ms.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Actor, Process, StaticSupervisor, Supervision, Testing } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const sup = yield* StaticSupervisor.new("OneForOne").pipe(
 *     StaticSupervisor.add(Supervision.worker(Actor.start(Actor.new(0)))),
 *     StaticSupervisor.start
 *   )
 *   const [child] = yield* StaticSupervisor.whichChildren(sup.data)
 *   yield* Process.kill(Option.getOrThrow(child.pid))
 *   yield* Testing.awaitRestart(sup.data, 0, "1 second")
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 1.0.0
 * @category supervision
 */
export const awaitRestart = (
  supervisor: Supervisor | FactorySupervisor<any, any>,
  id: number,
  timeout: Duration.Input,
  times = 1
): Effect.Effect<void, WaitTimeout | NotSettled> =>
  Effect.gen(function*() {
    const millis = yield* timeoutMillis(timeout, "Testing.awaitRestart timeout")
    const startsNow = internal.childOf(supervisor, id)?.starts ?? 0
    const done = () => {
      const child = internal.childOf(supervisor, id)
      return child !== undefined && child.starts >= startsNow + times && child.process !== undefined
    }
    if (!(yield* advanceUntil(millis, done))) {
      const child = internal.childOf(supervisor, id)
      return yield* Effect.fail(
        new WaitTimeout({
          waitingFor: `${times} restart${times === 1 ? "" : "s"} of child ${id}`,
          timeout: describeMillis(millis),
          received: [],
          observed: child === undefined ?
            "the supervisor or the child is gone" :
            `${child.starts - startsNow} restart(s) so far, ${child.process === undefined ? "not running" : "running"}`
        })
      )
    }
  })

/**
 * `awaitRestart` for `n` restarts.
 *
 * @example
 * ```ts
 * import { Testing } from "@effect-otp/core"
 * import type { StaticSupervisor } from "@effect-otp/core"
 *
 * declare const sup: StaticSupervisor.Supervisor
 * const twice = Testing.awaitRestarts(sup, 0, 2, "1 minute")
 * ```
 *
 * @since 1.0.0
 * @category supervision
 */
export const awaitRestarts = (
  supervisor: Supervisor | FactorySupervisor<any, any>,
  id: number,
  n: number,
  timeout: Duration.Input
): Effect.Effect<void, WaitTimeout | NotSettled> => awaitRestart(supervisor, id, timeout, n)

/**
 * Waits, within `timeout` of TestClock time, until `pid` has exited, and returns its reason; with `expected`, fails
 * with `UnexpectedExit` unless the reason matches it (`(reason) => reason._tag === "Shutdown"`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process, Testing } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const pid = yield* Process.spawnUnlinked(Effect.sleep("1 second"))
 *   const reason = yield* Testing.awaitExit(pid, "2 seconds", (reason) => reason._tag === "Normal")
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 1.0.0
 * @category supervision
 */
export const awaitExit = (
  pid: Pid,
  timeout: Duration.Input,
  expected?: (reason: ExitReason) => boolean
): Effect.Effect<ExitReason, WaitTimeout | UnexpectedExit | NotSettled> =>
  Effect.gen(function*() {
    const millis = yield* timeoutMillis(timeout, "Testing.awaitExit timeout")
    const process = stateOf(pid)
    if (!(yield* advanceUntil(millis, () => process.reason !== undefined))) {
      return yield* Effect.fail(
        new WaitTimeout({ waitingFor: `the exit of ${pid}`, timeout: describeMillis(millis), received: [] })
      )
    }
    const reason = process.reason!
    if (expected !== undefined && !expected(reason)) {
      return yield* Effect.fail(new UnexpectedExit({ pid: pid.toString(), reason }))
    }
    return reason
  })

/**
 * Waits, within `timeout` of TestClock time, until a live process is registered under `key`, and returns its pid.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Registry, Testing } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const registry = yield* Registry.make<string, number>({ keys: "unique" })
 *   // ... something registers "alice" later
 *   const pid = yield* Testing.awaitRegistered(registry, "alice", "1 second")
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 1.0.0
 * @category supervision
 */
export const awaitRegistered = <K, V>(
  registry: Registry<K, V>,
  key: K,
  timeout: Duration.Input
): Effect.Effect<Pid, WaitTimeout | NotSettled> =>
  Effect.gen(function*() {
    const millis = yield* timeoutMillis(timeout, "Testing.awaitRegistered timeout")
    const impl = registry as unknown as RegistryImpl<K, V>
    const live = () => impl.live(key).find((entry) => entry.process.alive)
    if (!(yield* advanceUntil(millis, () => live() !== undefined))) {
      return yield* Effect.fail(
        new WaitTimeout({
          waitingFor: `a process registered as ${String(key)}`,
          timeout: describeMillis(millis),
          received: []
        })
      )
    }
    return live()!.process.pid
  })

// ---------------------------------------------------------------------------------------------------------------
// Leaks
// ---------------------------------------------------------------------------------------------------------------

/**
 * One turn of the host's event loop (a `setImmediate`), no clock moving: what the library deferred to a macrotask
 * runs. For tests of the event loop itself, where nothing ever settles (a handler's batch yielding to a fiber that
 * never stops); a test that waits for what processes do uses `settle`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Testing } from "@effect-otp/core"
 *
 * let ticks = 0
 * const ticking = Effect.forever(Effect.andThen(Effect.sync(() => ticks++), Effect.yieldNow))
 * const program = Effect.gen(function*() {
 *   yield* Effect.forkChild(ticking)
 *   while (ticks < 10) yield* Testing.eventLoopTurn
 * })
 * ```
 *
 * @since 1.0.0
 * @category settling
 */
export const eventLoopTurn: Effect.Effect<void> = internal.eventLoopTurn

/**
 * Fails with `ProcessesLeft` when anything is left besides the calling code: a live (or dying) process, with its
 * registered name and its spawner; a name still registered to an ended process; a registry whose scope did not
 * close (with its number of entries); a pending timer of the library
 * (receive or call timeout, `sendAfter`, shutdown deadline, restart delay), with its delay and where it was armed
 * (timers are tracked once `leakCheck` or `trackTimers` was called). It first lets what is being torn down finish
 * (a bounded number of event-loop turns; no clock moves). Run it after a test's scope has closed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Testing } from "@effect-otp/core"
 *
 * const afterTheTest = Testing.checkNoProcessLeft
 * ```
 *
 * @since 1.0.0
 * @category leaks
 */
export const checkNoProcessLeft: Effect.Effect<void, ProcessesLeft> = Effect.withFiber((fiber) => {
  // The calling code itself, if it became a process, is not left behind: it is still running.
  const self = processOf(fiber)
  const except = new Set(self === undefined ? [] : [self])
  return Effect.gen(function*() {
    let left = internal.leftBehind(except)
    for (let i = 0; i < 20 && !internal.isClean(left); i++) {
      yield* internal.eventLoopTurn
      left = internal.leftBehind(except)
    }
    if (!internal.isClean(left)) return yield* Effect.fail(new ProcessesLeft(left))
  })
})

/**
 * Starts tracking the library's timers, so that `checkNoProcessLeft` can report those left pending (a little
 * bookkeeping per timer: meant for tests). `leakCheck` calls it.
 *
 * @example
 * ```ts
 * import { Testing } from "@effect-otp/core"
 *
 * Testing.trackTimers()
 * ```
 *
 * @since 1.0.0
 * @category leaks
 */
export const trackTimers = (): void => {
  tracking.enabled = true
}

/**
 * The leak check as a test runner's hook, in one line: `afterEach(Testing.leakCheck())` (vitest, @effect/vitest,
 * jest, mocha). Calling it tracks the library's timers from then on; the hook fails the test that left anything
 * behind (`checkNoProcessLeft`'s `ProcessesLeft` error, thrown with its message), then ends what was left so that
 * the next tests report only their own.
 *
 * @example
 * ```ts
 * import { afterEach } from "@effect/vitest"
 * import { Testing } from "@effect-otp/core"
 *
 * afterEach(Testing.leakCheck())
 * ```
 *
 * @since 1.0.0
 * @category leaks
 */
export const leakCheck = (): () => Promise<void> => {
  trackTimers()
  return async () => {
    const exit = await Effect.runPromiseExit(checkNoProcessLeft)
    if (Exit.isFailure(exit)) {
      internal.cleanUp()
      throw Cause.squash(exit.cause)
    }
  }
}
