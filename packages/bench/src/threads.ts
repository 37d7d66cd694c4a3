/**
 * The threads cases (issue 19): nodes on worker threads (`@effect-otp/node`) against Erlang's schedulers and nodes.
 *
 * - `threads-cpu`: CPU-bound actors (1 ms of computation per message) on one node against two, on a 2-core machine;
 *   Erlang: the same gen_servers with one scheduler online against two.
 * - `threads-call`: a `call` to an actor on another thread, beside the raw `MessagePort` round trip and the cost of
 *   the request's and reply's schemas; Erlang: a `gen_server:call` across schedulers (`+S 2`) and across nodes.
 * - `threads-one-way`: sends to an actor on another thread, then its report; Erlang: casts across schedulers and
 *   across nodes.
 * - `threads-restart`: a node (its thread) and its actor under a `RestForOne` supervisor: from killing the thread
 *   (`Worker.terminate`), ending it from inside (`process.exit`) or sticking it in a loop (caught by the heartbeat)
 *   to the supervisor seeing the node's process end, and to the restarted actor answering a call; Erlang: a peer
 *   node halting or killed, seen by `monitor_node`, then a new peer started and its gen_server called.
 *
 * The nodes run `threads-worker.ts`, bundled by `main.ts` beside the runner's bundle; from the sources (the smoke
 * test) they run it under `tsx`. `BENCH_WORKER_ARGS` adds Node options to the nodes' threads (`--cpu-prof`).
 */
import { Actor, Process, StaticSupervisor, Subject } from "@effect-otp/core"
import { Node } from "@effect-otp/node"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as WorkerThreads from "node:worker_threads"
import type { BenchCase, Run } from "./model.js"
import { check, now, scoped, size, startClock } from "./model.js"
import type { EchoMessage } from "./threads-actors.js"
import { Announced, Burner, calibrate, Echo, EchoMessage as EchoSchema, get, Sink } from "./threads-actors.js"

// ---------------------------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------------------------

const bundled = import.meta.url.endsWith(".mjs")

/** The nodes' entry: the bundle beside this one, or the TypeScript source under tsx. */
const entry = new URL(bundled ? "./threads-worker.mjs" : "./threads-worker.ts", import.meta.url)

const execArgv: ReadonlyArray<string> = [
  ...(bundled ? [] : ["--import", "tsx", "--conditions=@effect-otp/source"]),
  ...(process.env.BENCH_WORKER_ARGS ?? "").split(" ").filter((arg) => arg !== "")
]

const startNode = (options: Node.StartOptions = {}) =>
  Effect.map(Node.start(entry, { execArgv, ...options }), (started) => started.data)

// ---------------------------------------------------------------------------------------------------------------
// threads-cpu
// ---------------------------------------------------------------------------------------------------------------

/**
 * `n` burners (1 ms a message) placed round-robin on `places` (node numbers, or 0 for the main thread), `m` messages
 * each, sent round-robin: messages handled per second, from the first send to the last report.
 */
const burnOn = (places: ReadonlyArray<number>, n: number, m: number, iterations: number) =>
  Effect.scoped(Effect.gen(function*() {
    const report = yield* Subject.make<number>()
    const args = { report, expect: m, iterations }
    const burners: Array<Subject.Subject<number>> = []
    for (let i = 0; i < n; i++) {
      const place = places[i % places.length]!
      const started = place === 0 ?
        yield* Actor.start(Burner.behaviour(args)) :
        yield* Node.spawn(place, Burner, args)
      burners.push(started.data as Subject.Subject<number>)
    }
    const start = startClock()
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < n; i++) yield* Subject.send(burners[i]!, j)
    }
    for (let i = 0; i < n; i++) yield* Subject.receiveForever(report)
    const elapsed = now() - start
    return { perSec: (n * m) / (elapsed / 1000), msPerMessage: elapsed / (n * m) }
  }))

const cpuOurs: Run = ({ m, n }) =>
  scoped(Effect.gen(function*() {
    const iterations = calibrate(1)
    const a = yield* startNode()
    const b = yield* startNode()
    const main = yield* burnOn([0], n, m, iterations)
    const one = yield* burnOn([a.node], n, m, iterations)
    const two = yield* burnOn([a.node, b.node], n, m, iterations)
    return {
      msgsPerSecMain: main.perSec,
      msgsPerSec1: one.perSec,
      msgsPerSec2: two.perSec,
      speedup: two.perSec / one.perSec,
      speedupOverMain: two.perSec / main.perSec,
      msPerMessage: main.msPerMessage
    }
  }))

// ---------------------------------------------------------------------------------------------------------------
// threads-call
// ---------------------------------------------------------------------------------------------------------------

const timeCalls = (echo: Subject.Subject<EchoMessage>, n: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < Math.min(n, 2_000); i++) yield* Subject.call(echo, get, "10 seconds")
    const start = startClock()
    for (let i = 0; i < n; i++) yield* Subject.call(echo, get, "10 seconds")
    return ((now() - start) * 1000) / n
  })

/** The worker of the raw round trip: it sends every message back on the port it is given. */
const echoThread = `
const { parentPort } = require("node:worker_threads")
parentPort.once("message", (port) => port.on("message", (frame) => port.postMessage(frame)))
`

/**
 * `n` round trips of a frame like a call's (a JSON string of one signal) over a bare `MessagePort` to a worker that
 * echoes it: the floor under a cross-thread call.
 */
const rawRoundTrip = (n: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const thread = new WorkerThreads.Worker(echoThread, { eval: true })
    const { port1, port2 } = new WorkerThreads.MessageChannel()
    thread.postMessage(port2, [port2])
    thread.on("error", reject)
    const frame = [JSON.stringify([{ _: "send", tag: 12, payload: { _tag: "Get", replyTo: { n: 1, p: 3, t: 4 } } }])]
    const warmup = Math.min(n, 2_000)
    let count = 0
    let start = 0
    port1.on("message", () => {
      count++
      if (count === warmup) start = now()
      if (count === warmup + n) {
        const us = ((now() - start) * 1000) / n
        port1.close()
        void thread.terminate().then(() => resolve(us))
        return
      }
      port1.postMessage(frame)
    })
    port1.postMessage(frame)
  })

/** Per request and reply: the schemas' encode and decode (with the JSON the transport makes), and the JSON alone. */
const codecCost = (replyTo: Subject.Subject<number>, n: number) => {
  const request: EchoMessage = get(replyTo)
  const encodeRequest = Schema.encodeUnknownSync(EchoSchema)
  const decodeRequest = Schema.decodeUnknownSync(EchoSchema)
  const encodeReply = Schema.encodeUnknownSync(Schema.Number)
  const decodeReply = Schema.decodeUnknownSync(Schema.Number)
  const count = Math.max(1_000, n)
  let sink = 0
  const schemaStart = now()
  for (let i = 0; i < count; i++) {
    const decoded = decodeRequest(JSON.parse(JSON.stringify(encodeRequest(request)))) as EchoMessage
    sink += decodeReply(JSON.parse(JSON.stringify(encodeReply(i)))) as number
    if (decoded._tag !== "Get") sink++
  }
  const schemaUs = ((now() - schemaStart) * 1000) / count
  const wire = encodeRequest(request)
  const plainStart = now()
  for (let i = 0; i < count; i++) {
    const decoded = JSON.parse(JSON.stringify(wire)) as { _tag: string }
    sink += JSON.parse(JSON.stringify(i)) as number
    if (decoded._tag !== "Get") sink++
  }
  const plainUs = ((now() - plainStart) * 1000) / count
  return { schemaUs, plainUs, sink }
}

/** The busy-wait of the spinning rows (see `spin` in the node package's transport), in µs. */
const SPIN_MICROS = 100

/** Calls to an actor on a node started with the transport's busy-wait on, on both sides. */
const spinningCalls = (n: number) =>
  Effect.scoped(Effect.gen(function*() {
    // A node reads it from its environment, a copy of ours taken when its thread starts.
    process.env.BENCH_SPIN_MICROS = String(SPIN_MICROS)
    Node.setSpin(SPIN_MICROS / 1000)
    const node = yield* startNode()
    const remote = yield* Node.spawn(node.node, Echo, 0)
    return yield* timeCalls(remote.data, n)
  })).pipe(Effect.ensuring(Effect.sync(() => {
    delete process.env.BENCH_SPIN_MICROS
    Node.setSpin(0)
  })))

const callOurs: Run = ({ n }) =>
  scoped(Effect.gen(function*() {
    const node = yield* startNode()
    const remote = yield* Node.spawn(node.node, Echo, 0)
    const traffic = { ...node.traffic }
    const usPerCall = yield* timeCalls(remote.data, n)
    const calls = n + Math.min(n, 2_000)
    const batchesOutPerCall = (node.traffic.batchesOut - traffic.batchesOut) / calls
    const batchesInPerCall = (node.traffic.batchesIn - traffic.batchesIn) / calls
    const signalsPerCall = (node.traffic.signalsOut + node.traffic.signalsIn - traffic.signalsOut - traffic.signalsIn) /
      calls
    const usPerCallSpin = yield* spinningCalls(n)
    const local = yield* Actor.start(Echo.behaviour(0))
    const usPerCallLocal = yield* timeCalls(local.data as Subject.Subject<EchoMessage>, n)
    const usRawPort = yield* Effect.promise(() => rawRoundTrip(n))
    const replyTo = yield* Subject.make<number>()
    const codec = codecCost(replyTo, n)
    yield* check(codec.sink > 0, "the codec loop ran")
    return {
      usPerCall,
      usPerCallNode: usPerCall,
      usPerCallSpin,
      usRawPort,
      usPerCallLocal,
      usCodecSchema: codec.schemaUs,
      usCodecJson: codec.plainUs,
      batchesOutPerCall,
      batchesInPerCall,
      signalsPerCall
    }
  }))

// ---------------------------------------------------------------------------------------------------------------
// threads-one-way
// ---------------------------------------------------------------------------------------------------------------

const oneWayOurs: Run = ({ n }) =>
  scoped(Effect.gen(function*() {
    const node = yield* startNode()
    const report = yield* Subject.make<number>()
    const sink = yield* Node.spawn(node.node, Sink, { report, expect: n })
    const batches = node.traffic.batchesOut
    const signals = node.traffic.signalsOut
    const start = startClock()
    for (let i = 0; i < n; i++) yield* Subject.send(sink.data, i)
    const sent = now()
    const count = yield* Subject.receive(report, "10 minutes")
    const elapsed = now() - start
    yield* check(count === n, `the sink got ${count} of ${n} messages`)
    const msgsPerSec = n / (elapsed / 1000)
    return {
      msgsPerSec,
      msgsPerSecNode: msgsPerSec,
      usPerSend: ((sent - start) * 1000) / n,
      signalsPerBatch: (node.traffic.signalsOut - signals) / (node.traffic.batchesOut - batches)
    }
  }))

// ---------------------------------------------------------------------------------------------------------------
// threads-restart
// ---------------------------------------------------------------------------------------------------------------

type Kill = "terminate" | "exit" | "stuck"

/**
 * `n` times: kill the node's thread (`kill`), then time until its process on the main thread has ended (the
 * supervisor's link fires then) and until the actor of the node's next incarnation answers a call.
 */
const restartOf = (kill: Kill, n: number, heartbeatMillis: number): Effect.Effect<
  { detect: number; answer: number },
  unknown,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const announce = yield* Subject.make<Subject.Subject<EchoMessage>>()
    const node = Node.make(entry, { execArgv, heartbeat: `${heartbeatMillis} millis`, misses: 3 })
    const supervisor = yield* StaticSupervisor.start(
      StaticSupervisor.new("RestForOne").pipe(
        StaticSupervisor.restartTolerance({ intensity: 1_000, period: "1 hour" }),
        StaticSupervisor.add(node.child),
        StaticSupervisor.add(Node.onNode(node, Announced, { announce }))
      )
    )
    let echo = yield* Subject.receiveForever(announce)
    yield* Subject.call(echo, get, "10 seconds")
    let detect = 0
    let answer = 0
    for (let r = 0; r < n; r++) {
      const children = yield* StaticSupervisor.whichChildren(supervisor.data)
      const nodePid = Option.getOrThrow(children[0]!.pid)
      const incarnation = node.current
      const start = now()
      switch (kill) {
        case "terminate":
          void node.handle!.thread.terminate()
          break
        case "exit":
          yield* Subject.send(echo, { _tag: "ExitThread", code: 3 })
          break
        case "stuck":
          yield* Subject.send(echo, { _tag: "Spin" })
          break
      }
      yield* Process.awaitExit(nodePid)
      detect += now() - start
      echo = yield* Subject.receiveForever(announce)
      yield* Subject.call(echo, get, "10 seconds")
      answer += now() - start
      yield* check(node.current !== incarnation, "the actor answering is on a new incarnation of the node")
    }
    return { detect: detect / n, answer: answer / n }
  })

const restartOurs: Run = ({ m, n }) =>
  scoped(Effect.gen(function*() {
    // A node's start alone, for scale (loading the bundle, the handshake).
    const startAt = now()
    yield* startNode()
    const msNodeStart = now() - startAt
    const terminate = yield* Effect.scoped(restartOf("terminate", n, m))
    const exit = yield* Effect.scoped(restartOf("exit", n, m))
    const stuck = yield* Effect.scoped(restartOf("stuck", n, m))
    return {
      msNodeStart,
      msDetectTerminate: terminate.detect,
      msAnswerTerminate: terminate.answer,
      msDetectExit: exit.detect,
      msAnswerExit: exit.answer,
      msDetectStuck: stuck.detect,
      msAnswerStuck: stuck.answer
    }
  }))

// ---------------------------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------------------------

export const threadsCpuCase: BenchCase = {
  description: "N CPU-bound actors (1 ms of computation per message, calibrated), M messages each: all on the " +
    "main thread, all on one node, split over two nodes (Erlang: gen_servers, `schedulers_online` 1 against 2)",
  unit: "msg/s",
  metrics: [
    { key: "msgsPerSec1", label: "1 node (1 scheduler)", unit: "msg/s" },
    { key: "msgsPerSec2", label: "2 nodes (2 schedulers)", unit: "msg/s" },
    { key: "speedup", label: "2 nodes / 1 node", unit: "×" },
    { key: "msgsPerSecMain", label: "all on the main thread", unit: "msg/s" },
    { key: "speedupOverMain", label: "2 nodes / main thread", unit: "×" },
    { key: "msPerMessage", label: "work per message (main thread)", unit: "ms" }
  ],
  sizes: { full: [size(8, 250)], quick: [size(4, 100)], smoke: size(2, 3) },
  runs: (_, runs) => Math.min(runs, 3),
  warmup: () => size(2, 20),
  ours: cpuOurs,
  substrates: {},
  erlang: true,
  erlangFlags: ["+S", "2"]
}

export const threadsCallCase: BenchCase = {
  description: "sequential `Subject.call`s to an actor on another thread; the raw MessagePort round trip and the " +
    "schemas' cost beside (Erlang: `gen_server:call` across 2 schedulers, and to a gen_server on a peer node)",
  unit: "µs/call",
  metrics: [
    { key: "usPerCall", label: "call across threads (Erlang: +S 2)", unit: "µs/call" },
    { key: "usPerCallNode", label: "call across threads (Erlang: across nodes)", unit: "µs/call" },
    {
      key: "usPerCallSpin",
      label: `call across threads, ${SPIN_MICROS} µs busy-wait (not the default)`,
      unit: "µs/call"
    },
    { key: "usRawPort", label: "raw MessagePort round trip", unit: "µs" },
    { key: "usPerCallLocal", label: "call on the same thread", unit: "µs/call" },
    { key: "usCodecSchema", label: "request + reply: Schema encode/decode + JSON", unit: "µs" },
    { key: "usCodecJson", label: "request + reply: JSON alone", unit: "µs" },
    { key: "batchesOutPerCall", label: "postMessages per call, to the node", unit: "" },
    { key: "batchesInPerCall", label: "postMessages per call, from the node", unit: "" },
    { key: "signalsPerCall", label: "signals per call, both ways", unit: "" }
  ],
  sizes: { full: [size(50_000)], quick: [size(10_000)], smoke: size(100) },
  warmup: () => size(5_000),
  ours: callOurs,
  substrates: {},
  erlang: true,
  erlangFlags: ["+S", "2"],
  distributed: true
}

export const threadsOneWayCase: BenchCase = {
  description: "`Subject.send`s of plain numbers to an actor on another thread, until it reports the last " +
    "(Erlang: `gen_server:cast`s across 2 schedulers, and to a peer node, then a call)",
  unit: "msg/s",
  metrics: [
    { key: "msgsPerSec", label: "sends across threads (Erlang: +S 2)", unit: "msg/s" },
    { key: "msgsPerSecNode", label: "sends across threads (Erlang: across nodes)", unit: "msg/s" },
    { key: "usPerSend", label: "sender's loop", unit: "µs/msg" },
    { key: "signalsPerBatch", label: "signals per postMessage", unit: "" }
  ],
  sizes: { full: [size(1_000_000)], quick: [size(200_000)], smoke: size(100) },
  warmup: () => size(100_000),
  ours: oneWayOurs,
  substrates: {},
  erlang: true,
  erlangFlags: ["+S", "2"],
  distributed: true
}

export const threadsRestartCase: BenchCase = {
  description: "a node and its actor under RestForOne: kill the thread (terminate, process.exit, stuck loop with " +
    "heartbeat every M ms, 3 misses), N times each: until the node's process ends, until the new actor answers " +
    "(Erlang: a peer node halted or killed, `monitor_node`, then a new peer and a call)",
  unit: "ms",
  metrics: [
    { key: "msDetectTerminate", label: "terminate: detected", unit: "ms" },
    { key: "msAnswerTerminate", label: "terminate: answering again", unit: "ms" },
    { key: "msDetectExit", label: "process.exit: detected (Erlang: halt)", unit: "ms" },
    { key: "msAnswerExit", label: "process.exit: answering again", unit: "ms" },
    { key: "msDetectStuck", label: "stuck loop: detected", unit: "ms" },
    { key: "msAnswerStuck", label: "stuck loop: answering again", unit: "ms" },
    { key: "msNodeStart", label: "a node's start (Erlang: peer:start)", unit: "ms" }
  ],
  sizes: { full: [size(5, 1_000)], quick: [size(3, 1_000)], smoke: size(1, 100) },
  runs: (_, runs) => Math.min(runs, 3),
  warmup: () => size(1, 100),
  ours: restartOurs,
  substrates: {},
  erlang: true,
  distributed: true
}
