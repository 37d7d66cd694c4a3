/**
 * The gen_statem code lock (examples/code-lock.ts) on the TestClock. The same scenario as the example's run gives
 * the same trace on Erlang/OTP 25 with the docs' code lock (state_functions, state_enter, postpone, state_timeout):
 * locked, wrong code, status locked, right code, open, status open, buttons while open, locked then open again at
 * the timeout (the postponed buttons), locked again one timeout later.
 */
import { StateMachine, Subject, Testing } from "@effect-otp/core"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import * as fs from "node:fs"
import { codeLock, getStatus, press } from "../code-lock.js"

afterEach(Testing.leakCheck())

/** A lock with code 1 2 3, open for 10 seconds; the probe hears "locked" and "open" as the door does them. */
const startLock = Effect.gen(function*() {
  const door = yield* Testing.makeProbe<"locked" | "open">()
  const lock = yield* StateMachine.start(codeLock([1, 2, 3], "10 seconds", (what) => Subject.send(door.subject, what)))
  return { door, lock: lock.data }
})

describe("the code lock", () => {
  it.effect("starts locked (the enter call of the initial state); a wrong code keeps it locked", () =>
    Effect.gen(function*() {
      const { door, lock } = yield* startLock
      assert.strictEqual(yield* door.expectMessage("0 millis"), "locked")
      yield* press(lock, 4, 5, 6, 1, 2)
      assert.strictEqual(yield* getStatus(lock), "Locked")
      yield* door.expectNoMessage("1 minute")
      assert.strictEqual(yield* getStatus(lock), "Locked")
    }).pipe(Effect.scoped))

  it.effect("the last buttons pressed open it; it locks again 10 seconds later exactly", () =>
    Effect.gen(function*() {
      const { door, lock } = yield* startLock
      yield* door.expectMessage("0 millis")
      yield* press(lock, 9, 1, 2, 3)
      assert.strictEqual(yield* door.expectMessage("0 millis"), "open")
      assert.strictEqual(yield* getStatus(lock), "Open")
      yield* door.expectNoMessage("9999 millis")
      assert.strictEqual(yield* getStatus(lock), "Open")
      assert.strictEqual(yield* door.expectMessage("1 millis"), "locked")
      assert.strictEqual(yield* Clock.currentTimeMillis, 10_000)
      assert.strictEqual(yield* getStatus(lock), "Locked")
    }).pipe(Effect.scoped))

  it.effect("buttons pressed while open wait, and count once it has locked: it opens again at once", () =>
    Effect.gen(function*() {
      const { door, lock } = yield* startLock
      yield* door.expectMessage("0 millis")
      yield* press(lock, 1, 2, 3)
      yield* door.expectMessage("0 millis")
      yield* press(lock, 1, 2, 3) // postponed: Open does not handle buttons
      yield* door.expectNoMessage("9999 millis")
      assert.strictEqual(yield* getStatus(lock), "Open") // the status call is answered past the postponed buttons
      assert.deepStrictEqual(yield* door.receiveN(2, "1 millis"), ["locked", "open"])
      assert.strictEqual(yield* Clock.currentTimeMillis, 10_000)
      assert.strictEqual(yield* door.expectMessage("10 seconds"), "locked")
      assert.strictEqual(yield* Clock.currentTimeMillis, 20_000)
    }).pipe(Effect.scoped))
})

describe("the README's \"State machines\" section", () => {
  it("shows the example's code: every line of its snippet is a line of examples/code-lock.ts", () => {
    const read = (file: string) => fs.readFileSync(new URL(file, import.meta.url), "utf8")
    const section = read("../../README.md").split("## State machines\n")[1]!.split("\n## ")[0]!
    const snippet = section.split("```ts\n")[1]!.split("```")[0]!
    const lines = new Set(read("../code-lock.ts").split("\n").map((line) => line.trim().replace(/^export /, "")))
    const missing = snippet.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !lines.has(line))
    assert.deepStrictEqual(missing, [])
  })
})
