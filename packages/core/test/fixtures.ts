/**
 * What the tests share: processes to spawn and to wait for, the mailbox selectors a test reads its exit signals and
 * Downs with, readers of a log subject, a counter actor, the children's commands of the supervisor tests, and
 * checks of the errors they expect. The leak check every test file runs is the kit's: `afterEach(Testing.leakCheck())`.
 */
import { assert } from "@effect/vitest"
import type { Fiber } from "effect"
import { Cause, Effect, Exit, Option, Result, Tracer } from "effect"
import { Actor, Name, Process, Selector, Subject, Supervision, Testing } from "../src/index.js"
import { budget } from "../src/internal/scheduler.js"
import type { CounterMsg } from "./actors.js"
import { handleCounter } from "./actors.js"

const { ExitReason } = Process

// ---------------------------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------------------------

/**
 * Runs the test with a fairness budget of `millis` of real time (negative: every wake is deferred to a macrotask;
 * `Infinity`: none is, so that what runs when depends on nothing but the test).
 */
export const withBudget = (millis: number) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const before = budget.millis
      budget.millis = millis
      return before
    }),
    (before) => Effect.sync(() => void (budget.millis = before))
  )

/** A process body that waits until it is stopped. */
export const idle = Effect.never

/** Spawns a process that reports its own subject of type `A` to the caller, and returns both. */
export const spawnWithSubject = <A, E, R>(
  body: (subject: Subject.Subject<A>) => Effect.Effect<unknown, E, R>,
  options: { readonly linked: boolean } = { linked: true }
) =>
  Effect.gen(function*() {
    const ready = yield* Subject.make<Subject.Subject<A>>()
    const run = Effect.gen(function*() {
      const subject = yield* Subject.make<A>()
      yield* Subject.send(ready, subject)
      return yield* body(subject)
    })
    const pid = yield* (options.linked ? Process.spawn(run) : Process.spawnUnlinked(run))
    const subject = yield* Subject.receive(ready, "1 second")
    return { pid, subject } as const
  })

/**
 * A tracer that records every span it makes (as the current tracer does): run the code under test with
 * `Effect.withTracer(tracer)`, then read `spans`.
 */
export const recordingTracer = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = native.span(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer } as const
})

/** The fiber's outcome if it is done, without waiting. */
export const poll = <A, E>(fiber: Fiber.Fiber<A, E>) => Effect.sync(() => Option.fromUndefinedOr(fiber.pollUnsafe()))

/** The processes alive besides the test's own, as strings. */
export const othersAlive = Effect.gen(function*() {
  const me = yield* Process.self
  return (yield* Process.list).filter((pid) => String(pid) !== String(me)).map(String)
})

/** Only the test's own process is left. */
export const onlySelfLeft = Effect.gen(function*() {
  const me = yield* Process.self
  assert.deepStrictEqual((yield* Process.list).map(String), [String(me)])
})

// ---------------------------------------------------------------------------------------------------------------
// The test's mailbox: exit signals (when it traps exits) and Downs
// ---------------------------------------------------------------------------------------------------------------

export const trapped = Selector.make<Process.ExitMessage>().pipe(Selector.selectTrappedExits((exit) => exit))

export const downs = Selector.make<Process.Down>().pipe(Selector.selectMonitors((down) => down))

/** The test (trapping exits) has no exit signal waiting. */
export const noExitMessage = Effect.map(Effect.option(Selector.receive(trapped, 0)), (received) => {
  assert.isTrue(
    Option.isNone(received),
    `unexpected exit signal ${Option.getOrUndefined(Option.map(received, (e) => `from ${e.pid}: ${e.reason._tag}`))}`
  )
})

/** The typed failure an Abnormal exit carries, if it carries a cause with one. */
export const failureOf = (reason: Process.ExitReason): Option.Option<unknown> =>
  reason._tag === "Abnormal" && Cause.isCause(reason.reason) ? Cause.findErrorOption(reason.reason) : Option.none()

// ---------------------------------------------------------------------------------------------------------------
// Reading a log subject that children write to
// ---------------------------------------------------------------------------------------------------------------

/**
 * Receives `n` log lines. Under the TestClock a receive with a timeout waits until a line comes (the clock does not
 * move by itself), so this is for lines that do come.
 */
export const lines = (log: Subject.Subject<string>, n: number) =>
  Effect.forEach(Array.from({ length: n }), () => Subject.receive(log, "1 second"))

/** Nothing (more) is waiting on `subject`. */
export const nothingMore = <A>(subject: Subject.Subject<A>) =>
  Effect.map(Effect.option(Subject.receive(subject, 0)), (received) => {
    assert.isTrue(Option.isNone(received), `unexpected message ${JSON.stringify(received)}`)
  })

/**
 * Takes `n` messages with `receiveNow` (a receive with timeout 0) once everything has settled (`Testing.settle`: no
 * time passes); fewer if they did not come, so that a missing message fails the test's assertion instead of hanging it.
 */
export const takeN = <A>(
  receiveNow: Effect.Effect<A, unknown>,
  n: number
): Effect.Effect<Array<A>, Testing.NotSettled> =>
  Effect.gen(function*() {
    yield* Testing.settle()
    const got: Array<A> = []
    while (got.length < n) {
      const next = yield* Effect.option(receiveNow)
      if (Option.isNone(next)) break
      got.push(next.value)
    }
    return got
  })

/** The next messages of `log` are exactly `expected`, in order. */
export const expectLog = (log: Subject.Subject<string>, expected: ReadonlyArray<string>) =>
  Effect.flatMap(
    takeN(Subject.receive(log, 0), expected.length),
    (got) => Effect.sync(() => assert.deepStrictEqual(got, [...expected]))
  )

/** Nothing more arrives on `log`, even after everything settled. */
export const expectQuiet = (log: Subject.Subject<string>) => Effect.andThen(Testing.settle(), nothingMore(log))

/** No exit signal is waiting for the test (trapping exits), even after everything settled. */
export const expectNoExitMessage = Effect.andThen(Testing.settle(), noExitMessage)

// ---------------------------------------------------------------------------------------------------------------
// A counter actor (in `actors.ts`, shared with the bench)
// ---------------------------------------------------------------------------------------------------------------

export type { CounterMsg } from "./actors.js"
export { counter, counterBuilder, getCount, handleCounter } from "./actors.js"

/**
 * A counter that logs `init <label>` when it starts and `stop <label> <reason>` when its onTerminate runs (so it
 * traps exits). `Crash` stops it with an Abnormal reason, so that its onTerminate runs and logs it.
 */
export const loggingCounter = (label: string, log: Subject.Subject<string>) =>
  Actor.newWithInitialiser(
    "1 second",
    (_: Subject.Subject<CounterMsg>) =>
      Effect.as(Subject.send(log, `init ${label}`), Actor.initialised<number, CounterMsg>(0))
  ).pipe(
    Actor.onMessage((count: number, message: CounterMsg) =>
      message._tag === "Crash" ? Effect.succeed(Actor.stopAbnormal("crash")) : handleCounter(count, message)
    ),
    Actor.onTerminate((_, reason) => Subject.send(log, `stop ${label} ${reason._tag}`))
  )

// ---------------------------------------------------------------------------------------------------------------
// Supervised children: told how to end, and called across their restarts
// ---------------------------------------------------------------------------------------------------------------

/** What a test child does on a message: exit Normal, exit Shutdown, or crash (its handler fails: Abnormal). */
export type Command = "Stop" | "Shutdown" | "Crash"

/** Obeys `command`; the state (the child's id or path) names the child in its crash. */
export const obey = <S extends string | number>(
  state: S,
  command: Command
): Effect.Effect<Actor.Next<S, Command>, string> => {
  switch (command) {
    case "Stop":
      return Effect.succeed(Actor.stop())
    case "Shutdown":
      return Effect.succeed(Actor.stopWith(ExitReason.Shutdown()))
    case "Crash":
      return Effect.fail(`${state} crashed`)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Expected errors
// ---------------------------------------------------------------------------------------------------------------

/** Asserts that `text` mentions every one of `parts`. */
export const mentions = (text: string, ...parts: ReadonlyArray<string>) => {
  for (const part of parts) assert.include(text, part, `"${text}" should name ${part}`)
}

/** An `InitFailed` whose reason is an `InvalidSpecification` naming `field`; returns the full message. */
export const invalidSpecification = (error: unknown, field: string): string => {
  const initFailed = error as { readonly _tag: string; readonly reason: unknown; readonly message: string }
  assert.strictEqual(initFailed._tag, "InitFailed")
  assert.instanceOf(initFailed.reason, Supervision.InvalidSpecification)
  const reason = initFailed.reason as Supervision.InvalidSpecification
  assert.strictEqual(reason._tag, "InvalidSpecification")
  assert.strictEqual(reason.field, field)
  mentions(reason.message, field)
  mentions(initFailed.message, field)
  return initFailed.message
}

/** The `ChildFailedToStart` of a supervisor's failed start (an `InitFailed`). */
export const childFailedToStart = (error: { readonly _tag: string }): Supervision.ChildFailedToStart => {
  assert.strictEqual(error._tag, "InitFailed")
  const reason = (error as Actor.InitFailed).reason
  assert.instanceOf(reason, Supervision.ChildFailedToStart)
  return reason as Supervision.ChildFailedToStart
}

/** Registers a fresh name to one process, then tries to register it to another: the error, and the two pids. */
export const registerTakenName = Effect.gen(function*() {
  const name = Name.make<never>("taken")
  const owner = yield* Process.spawn(idle)
  const other = yield* Process.spawn(idle)
  yield* Process.register(owner, name)
  const error = yield* Effect.flip(Process.register(other, name))
  return { name, owner, other, error } as const
})

/** Runs `effect`, which must die (a defect, not a typed failure), and returns the defect's message. */
export const defectOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(effect)
    if (Exit.isSuccess(exit)) return assert.fail("expected a defect, got a success")
    const defect = Cause.findDefect(exit.cause)
    if (Result.isFailure(defect)) return assert.fail(`expected a defect, got ${Cause.pretty(exit.cause)}`)
    const value = defect.success
    return value instanceof Error ? value.message : String(value)
  })
