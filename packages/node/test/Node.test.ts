import { Process, Subject } from "@effect-otp/core"
import { Node } from "@effect-otp/node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spin } from "../src/internal/transport.js"
import type { Sample } from "./fixtures/counter.js"
import { Counter, Echo } from "./fixtures/counter.js"

const entry = new URL("./fixtures/worker.ts", import.meta.url)
const execArgv = ["--import", "tsx", "--conditions=@effect-otp/source"]

describe("Node", () => {
  it.live("starts a node, spawns an actor on it by name, sends and calls across threads", () =>
    Effect.gen(function*() {
      const node = yield* Node.start(entry, { execArgv })
      expect(node.data.node).toBeGreaterThan(1)
      const counter = yield* Node.spawn(node.data.node, Counter, 40)
      expect(String(counter.pid)).toBe(`<${node.data.node}.${counter.pid.id}>`)
      yield* Subject.send(counter.data, { _tag: "Add", n: 2 })
      const total = yield* Subject.call(
        counter.data,
        (replyTo: Subject.Subject<number>) => ({ _tag: "Get" as const, replyTo }),
        "5 seconds"
      )
      expect(total).toBe(42)
    }).pipe(Effect.scoped), 60_000)

  it.live(
    "with the transport's busy-wait on, sends and calls across threads keep their order and answers",
    () =>
      Effect.gen(function*() {
        spin.micros = 200
        const node = yield* Node.start(entry, { execArgv })
        const counter = yield* Node.spawn(node.data.node, Counter, 0)
        const get = Subject.call(
          counter.data,
          (replyTo: Subject.Subject<number>) => ({ _tag: "Get" as const, replyTo }),
          "5 seconds"
        )
        const pong = yield* Subject.call(
          counter.data,
          (replyTo: Subject.Subject<undefined>) => ({ _tag: "Ping" as const, replyTo }),
          "5 seconds"
        )
        expect(pong).toBeUndefined()
        for (let i = 1; i <= 200; i++) {
          yield* Subject.send(counter.data, { _tag: "Add", n: 1 })
          expect(yield* get).toBe(i)
        }
      }).pipe(Effect.scoped, Effect.ensuring(Effect.sync(() => (spin.micros = 0)))),
    60_000
  )

  it.live(
    "a crash on the node reaches the linked caller as an exit signal; the node's death is noconnection",
    () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const node = yield* Node.start(entry, { execArgv })
        const counter = yield* Node.spawn(node.data.node, Counter, 0)
        const monitor = yield* Process.monitor(counter.pid)
        void monitor
        const other = yield* Node.spawn(node.data.node, Counter, 0, { link: false })
        const watch = yield* Process.monitor(other.pid)
        void watch
        yield* Subject.send(counter.data, { _tag: "Crash", reason: "boom" })
        const reason = yield* Process.awaitExit(counter.pid)
        expect(reason._tag).toBe("Abnormal")
        yield* Node.terminate(node.data)
        const lost = yield* Process.awaitExit(other.pid)
        expect(lost).toEqual(Process.ExitReason.Abnormal({ reason: "noconnection" }))
        const nodeExit = yield* Process.awaitExit(node.data.pid)
        expect(nodeExit._tag).toBe("Abnormal")
      }).pipe(Effect.scoped),
    60_000
  )

  it.live("values JSON would change cross unchanged: NaN, Infinity, a Date", () =>
    Effect.gen(function*() {
      const node = yield* Node.start(entry, { execArgv })
      const echo = yield* Node.spawn(node.data.node, Echo, null)
      const at = new Date(Date.UTC(2026, 11, 6, 23, 0, 0))
      for (const n of [Infinity, -Infinity, Number.NaN, 42]) {
        const back = yield* Subject.call(
          echo.data,
          (replyTo: Subject.Subject<Sample>) => ({ _tag: "Echo" as const, sample: { n, at, tags: ["a"] }, replyTo }),
          "5 seconds"
        )
        expect(back.n).toBe(n)
        expect(back.at.getTime()).toBe(at.getTime())
        expect(back.tags).toEqual(["a"])
      }
    }).pipe(Effect.scoped), 60_000)
})
