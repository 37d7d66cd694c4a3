import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope } from "effect"
import { Name, Process, Subject, Testing } from "../src/index.js"
import { idle, spawnWithSubject } from "./fixtures.js"

afterEach(Testing.leakCheck())

/** What `Testing.checkNoProcessLeft` finds now: its `ProcessesLeft`, or nothing. */
const leftBehind = Effect.match(Testing.checkNoProcessLeft, {
  onFailure: (left) => {
    assert.instanceOf(left, Testing.ProcessesLeft)
    return left
  },
  onSuccess:
    () => ({ processes: [], names: [], timers: [] } as Pick<Testing.ProcessesLeft, "processes" | "names" | "timers">)
})

/**
 * The leak check itself: `Testing.checkNoProcessLeft` names what would fail a test (its `ProcessesLeft`), and the
 * afterEach of this file checks that the library cleaned up once each test has undone its own "leak".
 */
describe("leak check", () => {
  it.effect("a live process is named with its pid, registered name and spawner, until its scope closes", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const name = Name.make<never>("leaky")
      const pid = yield* Process.spawn(idle).pipe(Scope.provide(scope))
      yield* Process.register(pid, name)
      const me = yield* Process.self
      const left = yield* leftBehind
      assert.include(left.processes, `${pid} (registered as ${name}, spawned by ${me})`)
      assert.include((left as Testing.ProcessesLeft).message, `${pid} (registered as ${name}`)
      yield* Scope.close(scope, Exit.void)
      assert.notInclude((yield* leftBehind).processes.join(), String(pid))
    }))

  it.effect("a pending sendAfter to a name is a timer named with its delay and where it was armed", () =>
    Effect.gen(function*() {
      const timer = yield* Subject.sendAfter(Subject.named(Name.make<string>("nobody")), "1 hour", "late")
      yield* Testing.settle()
      const { timers } = yield* leftBehind
      assert.strictEqual(timers.length, 1)
      assert.match(timers[0], /^1h timer armed at TestClock t=0 ms \(armed at .*src[/\\]internal[/\\]sendAfter\.ts:\d+/)
      // Cancelled: the afterEach finds nothing.
      assert.strictEqual((yield* Subject.cancelTimer(timer))._tag, "Cancelled")
    }))

  it.effect("a waiting receive's timeout is a pending timer; it is cancelled when the message arrives", () =>
    Effect.gen(function*() {
      const subject = yield* Subject.make<string>()
      const receiver = yield* Effect.forkChild(Subject.receive(subject, "1 minute"))
      yield* Testing.settle()
      const { timers } = yield* leftBehind
      assert.strictEqual(timers.length, 1)
      assert.match(timers[0], /^1m timer armed at TestClock t=0 ms \(armed at .*src[/\\]internal[/\\]receive\.ts:\d+/)
      yield* Subject.send(subject, "hello")
      assert.strictEqual(yield* Fiber.join(receiver), "hello")
    }))

  it.effect("a process's pending sendAfter timers are named with it; they are cancelled when it ends", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { pid, subject } = yield* spawnWithSubject((_: Subject.Subject<string>) => idle).pipe(Scope.provide(scope))
      yield* Subject.sendAfter(subject, "1 hour", "late")
      const me = yield* Process.self
      assert.include((yield* leftBehind).processes, `${pid} (spawned by ${me}, 1 pending sendAfter timer)`)
      // Erlang cancels the timers of a process that ends: closing its scope must leave no timer behind.
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("on the live clock, a pending sendAfter is a setTimeout named with its delay", () =>
    Effect.gen(function*() {
      const timer = yield* Subject.sendAfter(Subject.named(Name.make<string>("nobody")), "1 hour", "late")
      const { timers } = yield* leftBehind
      assert.deepStrictEqual(timers.length, 1)
      assert.match(timers[0], /^1h timer on the live clock \(armed at .*src[/\\]internal[/\\]sendAfter\.ts:\d+/)
      assert.strictEqual((yield* Subject.cancelTimer(timer))._tag, "Cancelled")
      assert.deepStrictEqual((yield* leftBehind).timers, [])
    }))
})
