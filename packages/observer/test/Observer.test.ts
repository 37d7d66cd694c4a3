import { Actor, Name, Process, StaticSupervisor, Supervision, Testing } from "@effect-otp/core"
import { afterEach, assert, describe, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Layer, Logger, Option, Queue, Scope, Stream } from "effect"
import { HttpRouter } from "effect/http"
import { TestClock } from "effect/testing"
import { Observer } from "../src/index.js"
import type { NodeView, ProcessDetails, Snapshot, TreeView } from "../src/Observer.js"
import { Counter, getCount, getCountAfterRestart, makeTree, observe } from "./fixtures.js"

afterEach(Testing.leakCheck())

const labels = (nodes: ReadonlyArray<NodeView>) => nodes.map((node) => node.label)
const findNode = (tree: TreeView, label: string) => tree.children.find((node) => node.label === label)!
const path = (pid: string) => pid.slice(1, -1)
/** The live pid of the counter, as a snapshot shows it. */
const pidOf = (snapshot: Snapshot) =>
  Effect.map(
    Process.list,
    (pids) => pids.find((pid) => String(pid) === findNode(snapshot.trees[0], "test/Counter").pid)!
  )

describe("the snapshot (GET /observer/api/snapshot)", () => {
  it.effect("shows the named tree and the process table, in JSON", () =>
    Effect.gen(function*() {
      const { root } = yield* makeTree
      const observer = yield* observe({ roots: [root] })
      const { json, status, headers } = yield* observer.request("GET", "/observer/api/snapshot")
      assert.strictEqual(status, 200)
      assert.strictEqual(headers["cache-control"], "no-store")
      const snapshot = json as Snapshot
      assert.deepStrictEqual(snapshot.settings, {
        prefix: "/observer",
        intervalMillis: 1000,
        allowKill: false,
        showState: false
      })

      assert.lengthOf(snapshot.trees, 1)
      const [tree] = snapshot.trees
      assert.strictEqual(tree.label, "test/root")
      assert.strictEqual(tree.name, root.key)
      assert.strictEqual(tree.kind, "static")
      assert.isNull(tree.error)
      assert.deepStrictEqual(labels(tree.children), ["test/Counter", "test/Jobs"])
      const counter = findNode(tree, "test/Counter")
      assert.deepInclude(counter, {
        id: 0,
        type: "worker",
        restart: "Permanent",
        status: "running",
        restarts: 0,
        messageQueueLength: 0
      })
      assert.match(counter.pid!, /^<0\.\d+>$/)
      const jobs = findNode(tree, "test/Jobs")
      assert.strictEqual(jobs.type, "supervisor")
      assert.lengthOf(jobs.children!, 2)
      assert.isTrue(jobs.children!.every((job) => job.type === "worker" && job.status === "running"))

      // Every process of the tree is in the table, with what the tree calls it; one look has no rate.
      const row = (pid: string | null) => snapshot.processes.find((r) => r.pid === pid)!
      assert.deepInclude(row(tree.pid), { kind: "supervisor", label: "test/root", name: root.key, trapExit: true })
      assert.deepInclude(row(counter.pid), { kind: "actor", label: "test/Counter", messageQueueLength: 0, links: 1 })
      assert.deepInclude(row(jobs.pid), { kind: "supervisor", label: "test/Jobs", links: 3 })
      assert.isTrue(snapshot.processes.every((r) => r.messagesPerSecond === null && r.memoryEstimate > 0))
      assert.strictEqual(snapshot.processCount, (yield* Process.list).length)
    }).pipe(Effect.provide(Observer.layerReports)))

  it.effect("finds the root supervisors by itself: a nested supervisor is not a root", () =>
    Effect.gen(function*() {
      yield* makeTree
      const lone = yield* StaticSupervisor.new("OneForOne").pipe(
        StaticSupervisor.add(Supervision.worker(Actor.start(Actor.new(0))).pipe(Supervision.label("lone worker"))),
        StaticSupervisor.start
      )
      const observer = yield* observe()
      const snapshot: Snapshot = (yield* observer.request("GET", "/observer/api/snapshot")).json
      assert.sameMembers(snapshot.trees.map((tree) => tree.label), ["test/root", `supervisor ${lone.pid}`])
      const loneTree = snapshot.trees.find((tree) => tree.pid === String(lone.pid))!
      assert.deepStrictEqual(labels(loneTree.children), ["lone worker"])
    }).pipe(Effect.provide(Observer.layerReports)))

  it.effect("shows a root that is not there, and why", () =>
    Effect.gen(function*() {
      const nobody = Name.make<StaticSupervisor.Message>("test/nobody")
      const observer = yield* observe({ roots: [nobody] })
      const snapshot: Snapshot = (yield* observer.request("GET", "/observer/api/snapshot")).json
      assert.deepStrictEqual(snapshot.trees, [{
        pid: null,
        label: "test/nobody",
        name: null,
        kind: null,
        messageQueueLength: 0,
        children: [],
        error: "NoProcess"
      }])
    }).pipe(Effect.provide(Observer.layerReports)))
})

describe("the live updates (GET /observer/api/events)", () => {
  it.effect("sends a snapshot at once, then every interval, with rates and restart counts", () =>
    Effect.gen(function*() {
      const { context, root } = yield* makeTree
      const observer = yield* observe({ roots: [root] })
      const response = yield* observer.respond("GET", "/observer/api/events")
      assert.strictEqual(response.headers["content-type"], "text/event-stream")

      const writes = yield* Queue.unbounded<string>()
      yield* Effect.forkScoped(Stream.runForEach(yield* observer.events(), (text) => Queue.offer(writes, text)))
      const next = Effect.map(Queue.take(writes), (text): Snapshot => {
        assert.match(text, /^event: snapshot\ndata: .*\n\n$/)
        return JSON.parse(text.slice("event: snapshot\ndata: ".length))
      })
      assert.strictEqual(yield* Queue.take(writes), "retry: 1000\n\n")
      const first = yield* next
      const counterOf = (snapshot: Snapshot) => findNode(snapshot.trees[0], "test/Counter")
      const rowOf = (snapshot: Snapshot) => snapshot.processes.find((row) => row.pid === counterOf(snapshot).pid)!
      assert.isNull(rowOf(first).messagesPerSecond)

      // Six messages in the next second: five sends and a call.
      const subject = Context.get(context, Counter)
      for (let i = 0; i < 5; i++) yield* Actor.send(subject, { _tag: "Add", n: 1 })
      assert.strictEqual(yield* getCount.pipe(Effect.provide(context)), 5)
      yield* Testing.settle()
      yield* TestClock.adjust("1 second")
      const second = yield* next
      assert.strictEqual(second.at - first.at, 1000)
      assert.strictEqual(rowOf(second).messagesPerSecond, 6)

      // A restart: the counter's node has a new pid and one more restart.
      yield* Process.kill(yield* pidOf(second))
      yield* getCountAfterRestart.pipe(Effect.provide(context))
      yield* Testing.settle()
      yield* TestClock.adjust("1 second")
      const third = yield* next
      assert.strictEqual(counterOf(third).restarts, 1)
      assert.notStrictEqual(counterOf(third).pid, counterOf(second).pid)
    }).pipe(Effect.provide(Observer.layerReports)))
})

describe("a process's details (GET /observer/api/processes/:pid)", () => {
  it.effect("its links, monitors, state only when allowed, and its recent reports", () =>
    Effect.gen(function*() {
      const { context, root } = yield* makeTree
      const observer = yield* observe({ roots: [root] })
      const snapshot: Snapshot = (yield* observer.request("GET", "/observer/api/snapshot")).json
      const counter = findNode(snapshot.trees[0], "test/Counter")
      const details: ProcessDetails = (yield* observer.request("GET", `/observer/api/processes/${path(counter.pid!)}`))
        .json
      assert.deepInclude(details, { pid: counter.pid!, label: "test/Counter", kind: "actor", trapExit: false })
      assert.deepStrictEqual(details.links, [{ pid: snapshot.trees[0].pid!, label: "test/root", kind: "supervisor" }])
      assert.deepStrictEqual(details.monitoredBy, [])
      assert.deepStrictEqual(details.state, {
        shown: false,
        text: "hidden: mount the observer with { showState: true } to see it"
      })

      // With showState, the actor's state, printed.
      const showing = yield* observe({ roots: [root], showState: true, prefix: "/ops/observer/" })
      yield* Actor.send(Context.get(context, Counter), { _tag: "Add", n: 42 })
      yield* getCount.pipe(Effect.provide(context))
      const shown: ProcessDetails = (yield* showing.request("GET", `/ops/observer/api/processes/${path(counter.pid!)}`))
        .json
      assert.deepStrictEqual(shown.state, { shown: true, text: "42" })

      // Killed: the supervisor's report is on the dead pid (404, with its reports) and the restart on the new one.
      const pid = yield* pidOf(snapshot)
      yield* Process.kill(pid)
      yield* getCountAfterRestart.pipe(Effect.provide(context))
      const dead = yield* observer.request("GET", `/observer/api/processes/${path(counter.pid!)}`)
      assert.strictEqual(dead.status, 404)
      assert.strictEqual(dead.json.error, "NoProcess")
      const [terminated] = dead.json.reports
      assert.deepInclude(terminated, { level: "Error", report: "child_terminated" })
      assert.strictEqual(terminated.message, `child test/Counter (${counter.pid}) terminated: Killed`)
      assert.strictEqual(terminated.annotations.child_pid, counter.pid)

      const after: Snapshot = (yield* observer.request("GET", "/observer/api/snapshot")).json
      const restarted = findNode(after.trees[0], "test/Counter")
      const fresh: ProcessDetails = (yield* observer.request("GET", `/observer/api/processes/${path(restarted.pid!)}`))
        .json
      assert.deepStrictEqual(fresh.reports.map((entry) => [entry.report, entry.message]), [
        ["progress", `child test/Counter restarted as ${restarted.pid}`]
      ])
    }).pipe(Effect.provide(Observer.layerReports)))
})

describe("the kill endpoint (POST /observer/api/processes/:pid/kill)", () => {
  it.effect("answers 403 unless the observer allows it, and leaves the process alone", () =>
    Effect.gen(function*() {
      const { root } = yield* makeTree
      const observer = yield* observe({ roots: [root] })
      const snapshot: Snapshot = (yield* observer.request("GET", "/observer/api/snapshot")).json
      const pid = yield* pidOf(snapshot)
      const refused = yield* observer.request("POST", `/observer/api/processes/${path(String(pid))}/kill`, {
        "x-observer": "kill"
      })
      assert.strictEqual(refused.status, 403)
      assert.deepStrictEqual(refused.json, {
        error: "KillDisabled",
        message: "killing processes is off: mount the observer with { allowKill: true } to allow it"
      })
      assert.isTrue(yield* Process.isAlive(pid))
    }).pipe(Effect.provide(Observer.layerReports)))

  it.effect("with allowKill, kills the process (its supervisor restarts it); a request from a form cannot", () =>
    Effect.gen(function*() {
      const { context, root } = yield* makeTree
      const observer = yield* observe({ roots: [root], allowKill: true })
      const snapshot: Snapshot = (yield* observer.request("GET", "/observer/api/snapshot")).json
      const pid = yield* pidOf(snapshot)
      const url = `/observer/api/processes/${path(String(pid))}/kill`

      // Without the header (what a plain cross-site form would send): refused.
      const withoutHeader = yield* observer.request("POST", url)
      assert.strictEqual(withoutHeader.status, 403)
      assert.strictEqual(withoutHeader.json.error, "MissingHeader")
      assert.isTrue(yield* Process.isAlive(pid))

      const killed = yield* observer.request("POST", url, { "x-observer": "kill" })
      assert.strictEqual(killed.status, 200)
      assert.deepStrictEqual(killed.json, { killed: String(pid) })
      assert.deepStrictEqual(yield* Process.awaitExit(pid), Process.ExitReason.Killed())
      yield* getCountAfterRestart.pipe(Effect.provide(context))
      const after: Snapshot = (yield* observer.request("GET", "/observer/api/snapshot")).json
      assert.strictEqual(findNode(after.trees[0], "test/Counter").restarts, 1)

      const gone = yield* observer.request("POST", url, { "x-observer": "kill" })
      assert.strictEqual(gone.status, 404)
      assert.strictEqual(gone.json.error, "NoProcess")
    }).pipe(Effect.provide(Observer.layerReports)))
})

describe("who may ask (DNS rebinding)", () => {
  it.effect("only requests addressed to this machine, or to allowedHosts, from no origin or an allowed one", () =>
    Effect.gen(function*() {
      const { root } = yield* makeTree
      const observer = yield* observe({ roots: [root], allowKill: true })
      const snapshot: Snapshot = (yield* observer.request("GET", "/observer/api/snapshot")).json
      const pid = yield* pidOf(snapshot)
      const kill = `/observer/api/processes/${path(String(pid))}/kill`
      // A page of attacker.example whose name now points at 127.0.0.1: same origin for the browser, not for us.
      const rebound = { host: "attacker.example:4780", origin: "http://attacker.example:4780", "x-observer": "kill" }
      const refused = yield* observer.request("POST", kill, rebound)
      assert.strictEqual(refused.status, 403)
      assert.strictEqual(refused.json.error, "ForbiddenHost")
      assert.isTrue(yield* Process.isAlive(pid))
      assert.strictEqual(
        (yield* observer.request("GET", "/observer/api/snapshot", { host: "attacker.example" })).status,
        403
      )
      // Addressed to this machine, but sent by a page of another site: refused too.
      const crossOrigin = yield* observer.request("POST", kill, { ...rebound, host: "127.0.0.1:4780" })
      assert.strictEqual(crossOrigin.json.error, "ForbiddenOrigin")
      for (const host of ["localhost:4780", "127.0.0.1", "[::1]:4780"]) {
        assert.strictEqual((yield* observer.request("GET", "/observer/api/snapshot", { host })).status, 200, host)
      }
      // A name of the app's own, allowed explicitly.
      const allowing = yield* observe({ roots: [root], allowedHosts: ["ops.example.com"] })
      const own = yield* allowing.request("GET", "/observer/api/snapshot", {
        host: "ops.example.com",
        origin: "https://ops.example.com"
      })
      assert.strictEqual(own.status, 200)
    }).pipe(Effect.provide(Observer.layerReports)))

  it.effect("does not kill code outside any process (the main program, a request being served)", () =>
    Effect.gen(function*() {
      const observer = yield* observe({ allowKill: true })
      const self = yield* Process.self
      const refused = yield* observer.request("POST", `/observer/api/processes/${path(String(self))}/kill`, {
        "x-observer": "kill"
      })
      assert.strictEqual(refused.status, 403)
      assert.strictEqual(refused.json.error, "ImplicitProcess")
      assert.isTrue(yield* Process.isAlive(self))
    }).pipe(Effect.provide(Observer.layerReports)))
})

describe("the page", () => {
  it.effect("is served under the prefix, with its stylesheet and script, every URL relative to the prefix", () =>
    Effect.gen(function*() {
      const observer = yield* observe({ prefix: "/ops/observer" })
      const page = yield* observer.request("GET", "/ops/observer")
      assert.strictEqual(page.status, 200)
      assert.strictEqual(page.headers["content-type"], "text/html; charset=utf-8")
      assert.include(page.text, `<base href="/ops/observer/">`)
      assert.include(page.text, `data-testid="trees"`)
      const css = yield* observer.request("GET", "/ops/observer/observer.css")
      assert.strictEqual(css.headers["content-type"], "text/css; charset=utf-8")
      const js = yield* observer.request("GET", "/ops/observer/observer.js")
      assert.strictEqual(js.headers["content-type"], "text/javascript; charset=utf-8")
      assert.include(js.text, `new EventSource("api/events")`)
    }).pipe(Effect.provide(Observer.layerReports)))
})

describe("bad options", () => {
  const built = (layer: Layer.Layer<never, unknown, HttpRouter.HttpRouter | Observer.Reports>) =>
    Effect.exit(Layer.build(layer.pipe(Layer.provide([HttpRouter.layer, Observer.layerReports]))))
  const defect = (exit: Exit.Exit<unknown, unknown>) => {
    assert.isTrue(Exit.isFailure(exit))
    const error = Cause.squash((exit as Exit.Failure<unknown, unknown>).cause)
    assert.instanceOf(error, Observer.InvalidOption)
    return (error as Observer.InvalidOption).message
  }

  it.effect("are refused when the layer is built, with a message naming the function and the field", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<[Observer.Options, string]> = [
        [{ interval: "soon" as never }, `Observer.layer options.interval: "soon" is not a valid duration`],
        [{ interval: 10 }, "Observer.layer options.interval: 10 is not a valid duration (at least 50 millis, finite)"],
        [{ timeout: -1 }, "Observer.layer options.timeout: -1 is not a valid duration (at least 1 millis, finite)"],
        [{ allowKill: "yes" as never }, `Observer.layer options.allowKill: "yes" is not a boolean`],
        [{ showState: 1 as never }, "Observer.layer options.showState: 1 is not a boolean"],
        [{ prefix: "observer" }, `Observer.layer options.prefix: "observer" is not a path such as "/observer"`],
        [{ prefix: "/a/:b" }, `Observer.layer options.prefix: "/a/:b" is not a path such as "/observer"`],
        [{ roots: [42 as never] }, "Observer.layer options.roots[0]: 42 is not a supervisor's pid, handle or Name"],
        [{ roots: "root" as never }, `Observer.layer options.roots: "root" is not an array`],
        [{ maxProcesses: 0 }, "Observer.layer options.maxProcesses: 0 is not an integer from 1 to 1000000"],
        [{ allowkill: true } as never, "Observer.layer options.allowkill: unknown option (the options are prefix,"]
      ]
      for (const [options, message] of cases) {
        // Describing the layer throws nothing; building it dies.
        const layer = Observer.layer(options)
        assert.include(defect(yield* built(layer)), message)
      }
    }))

  it.effect("of the standalone server too", () =>
    Effect.gen(function*() {
      const serving = (options: Observer.ServeOptions) =>
        Effect.exit(Layer.build(Observer.serve(options).pipe(Layer.provide(Observer.layerReports))))
      assert.include(
        defect(yield* serving({ port: 70_000 })),
        "Observer.serve options.port: 70000 is not an integer from 0 to 65535"
      )
      assert.include(defect(yield* serving({ host: "" })), `Observer.serve options.host: "" is not a host name`)
      assert.include(defect(yield* serving({ interval: "x" as never })), `Observer.serve options.interval: "x" is not`)
    }))

  it.effect("a pid that is not alive as a root is shown as missing, not refused", () =>
    Effect.gen(function*() {
      const pid = yield* Process.spawn(Effect.void)
      yield* Process.awaitExit(pid)
      const observer = yield* observe({ roots: [pid] })
      const snapshot: Snapshot = (yield* observer.request("GET", "/observer/api/snapshot")).json
      assert.deepStrictEqual(snapshot.trees.map((tree) => [tree.label, tree.error]), [[String(pid), "NoProcess"]])
      assert.isTrue(Option.isNone(yield* Process.info(pid)))
    }).pipe(Effect.provide(Observer.layerReports)))
})

describe("Observer.serve (standalone)", () => {
  it.live("listens on 127.0.0.1, says where, and lets an open page go when it stops", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const capture = Logger.make(({ message }) => {
        logged.push((Array.isArray(message) ? message : [message]).map(String).join(" "))
      })
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(
        Observer.serve({ port: 0, interval: "100 millis" }).pipe(Layer.provide(Observer.layerReports)),
        scope
      ).pipe(Effect.provide(Logger.layer([capture])))
      const line = logged.find((text) => text.startsWith("observer: "))
      assert.match(line!, /^observer: http:\/\/127\.0\.0\.1:\d+\/observer \(bound to 127\.0\.0\.1 only\)$/)
      const base = line!.split(" ")[1]

      const page = yield* Effect.promise(() => fetch(base).then((response) => response.text()))
      assert.include(page, `<base href="/observer/">`)
      // A page follows the events; the server stops anyway, at once, and the stream ends.
      const events = yield* Effect.promise(() => fetch(`${base}/api/events`))
      assert.strictEqual(events.headers.get("content-type"), "text/event-stream")
      const reader = events.body!.getReader()
      const first = new TextDecoder().decode((yield* Effect.promise(() => reader.read())).value)
      assert.match(first, /^retry: 1000\n\n/)
      assert.strictEqual(events.headers.get("connection"), "close")
      const started = Date.now()
      yield* Scope.close(scope, Exit.void)
      assert.isBelow(Date.now() - started, 2_000, "the server stopped without waiting for the page")
      // The page's stream has ended (an EventSource would now try to reconnect, and say so).
      const ended = yield* Effect.promise(async () => {
        while (!(await reader.read()).done);
        return true
      })
      assert.isTrue(ended)
    }), 10_000)
})
