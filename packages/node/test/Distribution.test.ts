import { Process, Selector, StaticSupervisor, Subject } from "@effect-otp/core"
import { Node } from "@effect-otp/node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import { Counter, Relay, Trapper } from "./fixtures/counter.js"

const entry = new URL("./fixtures/worker.ts", import.meta.url)
const execArgv = ["--import", "tsx", "--conditions=@effect-otp/source"]
const noconnection = Process.ExitReason.Abnormal({ reason: "noconnection" })

const get = (counter: Subject.Subject<typeof Counter extends never ? never : any>) =>
  Subject.call(counter, (replyTo: Subject.Subject<number>) => ({ _tag: "Get" as const, replyTo }), "5 seconds")

const nextExit = Selector.make<Process.ExitMessage>().pipe(Selector.selectTrappedExits((exit) => exit))
const nextDown = Selector.make<Process.Down>().pipe(Selector.selectMonitors((down) => down))

describe("links and monitors across nodes", () => {
  it.live("an exit signal crosses nodes both ways, with its reason and the sender's pid", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const node = yield* Node.start(entry, { execArgv })
      const counter = yield* Node.spawn(node.data.node, Counter, 0)
      yield* Subject.send(counter.data, { _tag: "Crash", reason: "boom" })
      const exit = yield* Selector.receive(nextExit, "10 seconds")
      expect(String(exit.pid)).toBe(String(counter.pid))
      expect(exit.reason._tag).toBe("Abnormal")
      expect(String((exit.reason as { reason: unknown }).reason)).toContain("boom")

      // The other way: a process of the main thread linked to a remote actor takes it down when it crashes.
      const other = yield* Node.spawn(node.data.node, Counter, 0, { link: false })
      const watch = yield* Process.monitor(other.pid)
      const linker = yield* Process.spawnUnlinked(Effect.gen(function*() {
        yield* Process.link(other.pid)
        yield* Effect.die("main side crash")
      }))
      void linker
      const down = yield* Selector.receive(nextDown, "10 seconds")
      expect(down.monitor).toEqual(watch)
      expect(String((down.reason as { reason: unknown }).reason)).toContain("main side crash")
    }).pipe(Effect.scoped), 60_000)

  it.live(
    "monitors: Down with the reason, noproc for a dead pid, nothing after demonitor",
    () =>
      Effect.gen(function*() {
        const node = yield* Node.start(entry, { execArgv })
        const a = yield* Node.spawn(node.data.node, Counter, 0, { link: false })
        const b = yield* Node.spawn(node.data.node, Counter, 0, { link: false })
        const ma = yield* Process.monitor(a.pid)
        const mb = yield* Process.monitor(b.pid)
        yield* Process.demonitor(mb)
        yield* Process.exit(b.pid, Process.ExitReason.Abnormal({ reason: "stop b" }))
        yield* Process.exit(a.pid, Process.ExitReason.Abnormal({ reason: "stop a" }))
        const down = yield* Selector.receive(nextDown, "10 seconds")
        expect(down.monitor).toEqual(ma)
        expect(down.reason).toEqual(Process.ExitReason.Abnormal({ reason: "stop a" }))
        // Known to have ended: not alive here either, and a call to it fails at once.
        expect(yield* Process.isAlive(a.pid)).toBe(false)
        expect((yield* Effect.flip(get(a.data)))._tag).toBe("NoProcess")
        // b's monitor was removed: the next Down is the one of a fresh monitor on a dead pid, noproc.
        const late = yield* Process.monitor(a.pid)
        const noproc = yield* Selector.receive(nextDown, "10 seconds")
        expect(noproc.monitor).toEqual(late)
        expect(noproc.reason).toEqual(Process.ExitReason.Abnormal({ reason: "noproc" }))
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "a node's death: noconnection to links, monitors and calls in flight; NodeDown to node monitors",
    () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const node = yield* Node.start(entry, { execArgv })
        const linked = yield* Node.spawn(node.data.node, Counter, 0)
        const watched = yield* Node.spawn(node.data.node, Counter, 0, { link: false })
        const watch = yield* Process.monitor(watched.pid)
        const nodeDowns = yield* Subject.make<Process.NodeDown>()
        yield* Process.monitorNode(node.data.node, nodeDowns)
        // A call stuck in a thread that spins forever: the node is terminated under it.
        yield* Subject.send(watched.data, { _tag: "Spin" })
        const call = yield* Effect.forkChild(get(watched.data))
        yield* Node.terminate(node.data)
        const result = yield* Effect.flip(Fiber.join(call))
        expect(result._tag).toBe("CalleeDown")
        expect((result as { reason: unknown }).reason).toEqual(noconnection)
        const signals = [
          yield* Selector.receive(nextExit, "10 seconds"),
          yield* Selector.receive(nextExit, "10 seconds")
        ]
        expect(signals.map((s) => String(s.pid)).sort()).toEqual([String(linked.pid), String(node.data.pid)].sort())
        expect(signals.find((s) => String(s.pid) === String(linked.pid))!.reason).toEqual(noconnection)
        const down = yield* Selector.receive(nextDown, "10 seconds")
        expect(down.monitor).toEqual(watch)
        expect(down.reason).toEqual(noconnection)
        expect(yield* Subject.receive(nodeDowns, "10 seconds")).toEqual({ _tag: "NodeDown", node: node.data.node })
        // After the loss, monitoring and linking a pid of the node answer noconnection at once, as in Erlang.
        yield* Process.monitor(watched.pid)
        expect((yield* Selector.receive(nextDown, "10 seconds")).reason).toEqual(noconnection)
        yield* Process.link(watched.pid)
        expect((yield* Selector.receive(nextExit, "10 seconds")).reason).toEqual(noconnection)
      }).pipe(Effect.scoped),
    60_000
  )

  it.live("two workers talk directly: an actor on one node calls an actor on another", () =>
    Effect.gen(function*() {
      const a = yield* Node.start(entry, { execArgv })
      const b = yield* Node.start(entry, { execArgv })
      const counter = yield* Node.spawn(b.data.node, Counter, 7)
      const relay = yield* Node.spawn(a.data.node, Relay, null)
      const total = yield* Subject.call(
        relay.data,
        (replyTo: Subject.Subject<number>) => ({ _tag: "Ask" as const, target: counter.data, replyTo }),
        "10 seconds"
      )
      expect(total).toBe(7)
      expect(b.data.traffic.signalsIn).toBeGreaterThan(0)
    }).pipe(Effect.scoped), 60_000)
})

describe("threads under supervision", () => {
  it.live(
    "a node and its children under RestForOne: the thread dies, both come back on a new incarnation",
    () =>
      Effect.gen(function*() {
        const node = Node.make(entry, { execArgv })
        const supervisor = yield* StaticSupervisor.start(
          StaticSupervisor.new("RestForOne").pipe(
            StaticSupervisor.add(node.child),
            StaticSupervisor.add(Node.onNode(node, Counter, 5))
          )
        )
        const first = node.current
        const before = yield* StaticSupervisor.whichChildren(supervisor.data)
        const counterPid = before[1].pid
        expect(counterPid._tag).toBe("Some")
        expect((counterPid as { value: Process.Pid }).value.node).toBe(first)
        const nodePid = (before[0].pid as { value: Process.Pid }).value
        // The thread ends by `process.exit` inside it, under load.
        const counter = yield* Node.spawn(first, Counter, 0, { link: false })
        yield* Subject.send(counter.data, { _tag: "ExitThread", code: 3 })
        yield* Process.awaitExit(nodePid)
        let after = yield* StaticSupervisor.whichChildren(supervisor.data)
        while (after[1].pid._tag === "None" || (after[1].pid as { value: Process.Pid }).value.node === first) {
          yield* Effect.yieldNow
          after = yield* StaticSupervisor.whichChildren(supervisor.data)
        }
        expect(node.current).not.toBe(first)
        expect((after[1].pid as { value: Process.Pid }).value.node).toBe(node.current)
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "a supervisor stops its children on a node with Shutdown, as local ones (their real reason crosses)",
    () =>
      Effect.gen(function*() {
        const node = yield* Node.start(entry, { execArgv })
        const scope = yield* Scope.make()
        const supervisor = yield* StaticSupervisor.start(
          StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.add(Node.onNode(node.data.node, Counter, 1)))
        ).pipe(Scope.provide(scope))
        const [child] = yield* StaticSupervisor.whichChildren(supervisor.data)
        const pid = (child.pid as { value: Process.Pid }).value
        const watch = yield* Process.monitor(pid)
        yield* Scope.close(scope, Exit.void)
        const down = yield* Selector.receive(nextDown, "10 seconds")
        expect(down.monitor).toEqual(watch)
        expect(down.reason).toEqual(Process.ExitReason.Shutdown())
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "the requester is a remote actor's parent: its Shutdown stops a trapping actor that selects exits",
    () =>
      Effect.gen(function*() {
        const node = yield* Node.start(entry, { execArgv })
        const report = yield* Subject.make<string>()
        const scope = yield* Scope.make()
        const trapper = yield* Node.spawn(node.data.node, Trapper, report).pipe(Scope.provide(scope))
        const watch = yield* Process.monitor(trapper.pid)
        // Processes that are not its parent: their exit signals are the actor's to handle.
        yield* Process.spawnUnlinked(Process.exit(trapper.pid, Process.ExitReason.Abnormal({ reason: "stranger" })))
        yield* Process.spawnUnlinked(Process.exit(trapper.pid, Process.ExitReason.Shutdown()))
        expect(yield* Subject.receive(report, "10 seconds")).toBe("exit Abnormal")
        expect(yield* Subject.receive(report, "10 seconds")).toBe("exit Shutdown")
        // Its parent's Shutdown (the scope closing) stops it at once, with Shutdown, not a kill 5 s later.
        yield* Scope.close(scope, Exit.void)
        const down = yield* Selector.receive(nextDown, "10 seconds")
        expect(down.monitor).toEqual(watch)
        expect(down.reason).toEqual(Process.ExitReason.Shutdown())
        expect((yield* Effect.flip(Subject.receive(report, 0)))._tag).toBe("ReceiveTimeout")
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "a stuck thread is caught by the heartbeat and terminated; a thread out of memory ends like a crash",
    () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const stuck = yield* Node.start(entry, { execArgv, heartbeat: "100 millis", misses: 3 })
        const spinner = yield* Node.spawn(stuck.data.node, Counter, 0, { link: false })
        yield* Subject.send(spinner.data, { _tag: "Spin" })
        const reason = yield* Process.awaitExit(stuck.data.pid)
        expect(reason._tag).toBe("Abnormal")
        const hungry = yield* Node.start(entry, { execArgv, resourceLimits: { maxOldGenerationSizeMb: 64 } })
        const hog = yield* Node.spawn(hungry.data.node, Counter, 0, { link: false })
        yield* Subject.send(hog.data, { _tag: "Hog" })
        const oom = yield* Process.awaitExit(hungry.data.pid)
        expect(oom._tag).toBe("Abnormal")
      }).pipe(Effect.scoped),
    60_000
  )
})
