/**
 * End to end: a supervision tree whose root gives up, run as a real program (`examples/gives-up.ts`, `Layer.launch`
 * under `NodeRuntime.runMain`) in a child process. It must exit non-zero, with the reports and the reason in its
 * output.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const tsx = createRequire(import.meta.url).resolve("tsx/cli")

/** Runs an example with tsx on this Node, the way `npx tsx` does; resolves with its exit code and output. */
const runExample = (file: string) =>
  new Promise<{ readonly code: number | null; readonly output: string }>((resolve) => {
    execFile(
      process.execPath,
      [tsx, "--conditions=@effect-otp/source", file],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null
        resolve({ code, output: stdout + stderr })
      }
    )
  })

describe("a tree whose root gives up (examples/gives-up.ts, as a program)", () => {
  it("exits with code 1, after the crash, restart and give-up reports and the reason", async () => {
    const { code, output } = await runExample("examples/gives-up.ts")
    // Not 0 (the failure went unnoticed) and not 130 (an interruption).
    expect(code).toBe(1)
    const lines = output.split("\n")
    const count = (pattern: RegExp) => lines.filter((line) => pattern.test(line)).length
    // Three crashes, each reported by the actor and by its supervisor; two restarts; then the give-up.
    expect(count(/ ERROR .*: actor app\/Payments\$\d+ terminating: Abnormal\(GatewayUnreachable: payment gateway/))
      .toBe(3)
    expect(count(/ ERROR .*: child app\/Payments \(<0\.\d+>\) terminated: Abnormal\(GatewayUnreachable/)).toBe(3)
    expect(count(/ INFO .*: child app\/Payments restarted as <0\.\d+>/)).toBe(2)
    expect(count(
      / ERROR .*: supervisor app\/root\$\d+ <0\.\d+> gave up: reached its restart intensity: 3 restarts within 5s, more than the 2 allowed; the last was child app\/Payments/
    )).toBe(1)
    // The program's own end, with the reason: the root supervisor's Shutdown.
    expect(count(/ ERROR .*: <0\.\d+> was ended by an exit signal from app\/root\$\d+ <0\.\d+>: Shutdown/)).toBe(1)
  }, 60_000)
})
