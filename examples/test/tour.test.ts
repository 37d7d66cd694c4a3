import { Testing } from "@effect-otp/core"
import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import type { Scope } from "effect"
import { Effect } from "effect"
import { actor, layers, processes, supervisor, tasks } from "../tour.js"

/** A line of Effect's default logger: `[12:00:00.000] ERROR (#12): ...`. */
const isLogLine = (line: string) => /^\[\d\d:\d\d:\d\d\.\d{3}\] [A-Z]+ /.test(line)

/** Runs a tour section in its own scope and returns what it printed, and separately what it logged. */
const run = (section: Effect.Effect<void, unknown, Scope.Scope>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const spy = vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => {
      lines.push(args.map(String).join(" "))
    })
    yield* Effect.scoped(section).pipe(Effect.ensuring(Effect.sync(() => spy.mockRestore())))
    return { printed: lines.filter((line) => !isLogLine(line)), logged: lines.filter(isLogLine) }
  })

const printed = (section: Effect.Effect<void, unknown, Scope.Scope>) =>
  Effect.map(run(section), (output) => output.printed)

afterEach(Testing.leakCheck())

describe("the README tour (examples/tour.ts)", () => {
  it.live("processes: a message from a child, then its crash as a trapped exit", () =>
    Effect.gen(function*() {
      const lines = yield* printed(processes)
      expect(lines[0]).toBe("hello from a child")
      expect(lines[1]).toMatch(/^<0\.\d+> exited: Abnormal$/)
    }))

  it.live("actor: send and call, then a typed NoProcess once it stopped", () =>
    Effect.gen(function*() {
      expect(yield* printed(actor)).toEqual([
        "count: 42",
        "the counter exited: Normal",
        "a call now fails with NoProcess"
      ])
    }))

  it.live("supervisor: the crashed counter is restarted under its name, with a fresh state", () =>
    Effect.gen(function*() {
      const output = yield* run(supervisor)
      expect(output.printed).toEqual(["after the crash: count 0, restarts 1"])
      // The crash is reported as Erlang's logger would: the actor's crash report, the supervisor's, the restart.
      expect(output.logged).toEqual([
        expect.stringMatching(/ ERROR .*: actor counter\$\d+ terminating: Abnormal\(Error: asked to crash\)/),
        expect.stringMatching(
          / ERROR .*: child counter\$\d+ \(<0\.\d+>\) terminated: Abnormal\(Error: asked to crash\)/
        ),
        expect.stringMatching(/ INFO .*: child counter\$\d+ restarted as <0\.\d+>/)
      ])
    }))

  it.live("tasks: a result, a typed failure as a result, and a stream", () =>
    Effect.gen(function*() {
      expect(yield* printed(tasks)).toEqual(["answer: 42", "refused: no, thanks", "squares: 1, 4, 9, 16"])
    }))

  it.live("layers: the service survives the restart of the actor behind it", () =>
    Effect.gen(function*() {
      expect(yield* printed(layers)).toEqual(["hello from a layer", "count after a restart: 0"])
    }))
})
