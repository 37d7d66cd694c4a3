/**
 * The benchmark cases. Each case measures `@effect-otp/core` ("ours"), usually one or more substrates (the same
 * work on bare Effect fibers, see `substrate.ts`), and has an Erlang twin in `erlang/bench.erl` reporting the same
 * figures under the same keys.
 *
 * A case function runs the workload once at a given size and returns its figures; the runner (`run-case.ts`) calls
 * it for a warm-up first, then several times, in a fresh Node process. Only the measured loop is inside the
 * `performance.now()` pair; setup (starting actors, filling mailboxes) is outside it. The smoke test imports these
 * functions and runs them at tiny sizes, so the benchmark cannot rot.
 */
import {
  Actor,
  Metrics,
  Name,
  Process,
  Selector,
  StaticSupervisor,
  Subject,
  Supervision,
  System
} from "@effect-otp/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as EffectMetric from "effect/Metric"
import * as Queue from "effect/Queue"
import type { CounterMsg } from "../../core/test/actors.js"
import { counterBuilder, handleCounter, restarting } from "../../core/test/actors.js"
import { clusterCallCase } from "./cluster.js"
import { fanOutCase } from "./fanOut.js"
import { hibernateCase } from "./hibernate.js"
import type { BenchCase, Run } from "./model.js"
import { check, collectGarbage, forkMembers, heapUsed, now, scoped, size, startClock, tenth } from "./model.js"
import { ringCase } from "./ring.js"
import type { LeanKind, LeanMailbox } from "./substrate.js"
import { leanMailbox } from "./substrate.js"
import { threadsCallCase, threadsCpuCase, threadsOneWayCase, threadsRestartCase } from "./threads.js"

// ---------------------------------------------------------------------------------------------------------------
// The counter actor (request-reply, one-way, restart, selective receive)
// ---------------------------------------------------------------------------------------------------------------

/** The counter's messages (the counter is the tests' own, `packages/core/test/actors.ts`). */
export type CounterMessage = CounterMsg

const counter = counterBuilder(0)

const get = (replyTo: Subject.Subject<number>): CounterMessage => ({ _tag: "Get", replyTo })
const addOne: CounterMessage = { _tag: "Add", n: 1 }
const crash: CounterMessage = { _tag: "Crash" }

// ---------------------------------------------------------------------------------------------------------------
// 1. request-reply
// ---------------------------------------------------------------------------------------------------------------

const requestReplyOurs: Run = ({ n }) =>
  scoped(Effect.gen(function*() {
    const { data: server } = yield* Actor.start(counter)
    const start = startClock()
    for (let i = 0; i < n; i++) yield* Actor.call(server, get)
    const elapsed = now() - start
    return { usPerCall: (elapsed * 1000) / n }
  }))

/**
 * Request-reply to a named counter with the library's metrics in a given state: on (a fresh registry), off (never
 * turned on in this process: the hot paths check one flag), or off here while on elsewhere in the program (the flag
 * is up, so each process and call reads the switch from its context).
 */
const requestReplyMetrics = (mode: "on" | "off" | "offHere"): Run => ({ n }) => {
  const run = scoped(Effect.gen(function*() {
    const { data: server } = yield* Actor.start(counter.pipe(Actor.named(Name.make<CounterMessage>("bench/counter"))))
    const start = startClock()
    for (let i = 0; i < n; i++) yield* Actor.call(server, get)
    const elapsed = now() - start
    return { usPerCall: (elapsed * 1000) / n }
  }))
  switch (mode) {
    case "on":
      return Metrics.enable(run).pipe(Effect.provideService(EffectMetric.MetricRegistry, new Map()))
    case "off":
      return run
    case "offHere":
      return Effect.andThen(Metrics.enable(Effect.void), Metrics.enable(run, false))
  }
}

interface LeanGet {
  readonly replyTo: LeanMailbox<number>
}

/** A counter fiber answering through lean mailboxes: the caller parks on its own reply mailbox. */
const requestReplyLean = (kind: LeanKind): Run => ({ n }) =>
  scoped(Effect.gen(function*() {
    const inbox = leanMailbox<LeanGet>(kind)
    const count = 0
    const serve = (): Effect.Effect<void> =>
      Effect.flatMap(inbox.take(), (request) => {
        request.replyTo.offer(count)
        return serve()
      })
    yield* Effect.forkScoped(serve())
    const replies = leanMailbox<number>(kind)
    const start = startClock()
    for (let i = 0; i < n; i++) {
      inbox.offer({ replyTo: replies })
      yield* replies.take()
    }
    const elapsed = now() - start
    return { usPerCall: (elapsed * 1000) / n }
  }))

/** The same with Effect's own `Queue` for requests and a `Deferred` per reply. */
const requestReplyQueue: Run = ({ n }) =>
  scoped(Effect.gen(function*() {
    const requests = yield* Queue.unbounded<Deferred.Deferred<number>>()
    const count = 0
    yield* Effect.forkScoped(
      Effect.forever(Effect.flatMap(Queue.take(requests), (reply) => Deferred.succeed(reply, count)))
    )
    const start = startClock()
    for (let i = 0; i < n; i++) {
      const reply = yield* Deferred.make<number>()
      yield* Queue.offer(requests, reply)
      yield* Deferred.await(reply)
    }
    const elapsed = now() - start
    return { usPerCall: (elapsed * 1000) / n }
  }))

// ---------------------------------------------------------------------------------------------------------------
// 2. one-way
// ---------------------------------------------------------------------------------------------------------------

/**
 * Sends to the counter, then a call to sync. With `overflow`, its mailbox is bounded (capacity `BOUNDED_CAPACITY`):
 * what it handled and what it dropped add up to what was sent.
 */
const oneWay = (overflow?: Subject.Overflow): Run => ({ n }) =>
  scoped(Effect.gen(function*() {
    const builder = overflow === undefined ?
      counter :
      counter.pipe(Actor.mailbox({ capacity: BOUNDED_CAPACITY, overflow }))
    const { data: server, pid } = yield* Actor.start(builder)
    const start = startClock()
    for (let i = 0; i < n; i++) yield* Actor.send(server, addOne)
    const total = yield* Actor.call(server, get, "10 minutes")
    const elapsed = now() - start
    const info = yield* Process.info(pid)
    const dropped = info._tag === "Some" ? info.value.messagesDropped : 0
    yield* check(total + dropped === n, `the counter got ${total} of ${n} messages, and dropped ${dropped}`)
    return { msgsPerSec: n / (elapsed / 1000) }
  }))

/** The bound of the counter in the bounded case. */
const BOUNDED_CAPACITY = 1_000

const oneWayOurs: Run = oneWay()

type OneWayQueued = number | Deferred.Deferred<number>

const oneWayQueue: Run = ({ n }) =>
  scoped(Effect.gen(function*() {
    const inbox = yield* Queue.unbounded<OneWayQueued>()
    let count = 0
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(inbox), (message) => {
      if (typeof message === "number") {
        count += message
        return Effect.void
      }
      return Deferred.succeed(message, count)
    })))
    const start = startClock()
    for (let i = 0; i < n; i++) yield* Queue.offer(inbox, 1)
    const reply = yield* Deferred.make<number>()
    yield* Queue.offer(inbox, reply)
    const total = yield* Deferred.await(reply)
    const elapsed = now() - start
    yield* check(total === n, `the counting fiber got ${total} of ${n} messages`)
    return { msgsPerSec: n / (elapsed / 1000) }
  }))

type OneWayLean = number | LeanMailbox<number>

/**
 * The lean mailbox, fed either by a plain JavaScript loop or, as a program on Effect sends (and as `oneWayOurs`
 * does), by `yield* Effect.sync(...)` in `Effect.gen`: an Effect per message on the sender's side.
 */
const oneWayLeanWith = (kind: LeanKind, effectPerSend: boolean): Run => ({ n }) =>
  scoped(Effect.gen(function*() {
    const inbox = leanMailbox<OneWayLean>(kind)
    let count = 0
    const serve = (): Effect.Effect<void> =>
      Effect.flatMap(inbox.take(), (message) => {
        if (typeof message === "number") count += message
        else message.offer(count)
        return serve()
      })
    yield* Effect.forkScoped(serve())
    const replies = leanMailbox<number>(kind)
    const start = startClock()
    if (effectPerSend) {
      for (let i = 0; i < n; i++) yield* Effect.sync(() => inbox.offer(1))
    } else {
      for (let i = 0; i < n; i++) inbox.offer(1)
    }
    inbox.offer(replies)
    const total = yield* replies.take()
    const elapsed = now() - start
    yield* check(total === n, `the counting fiber got ${total} of ${n} messages`)
    return { msgsPerSec: n / (elapsed / 1000) }
  }))

// ---------------------------------------------------------------------------------------------------------------
// 3. spawn and memory
// ---------------------------------------------------------------------------------------------------------------

const idle = Actor.new(0)

const spawnOurs: Run = ({ n }) =>
  scoped(Effect.gen(function*() {
    collectGarbage()
    const before = heapUsed()
    const start = now()
    // The subjects are kept, as a program keeps the addresses of its actors (counted, as in the other columns).
    const subjects: Array<Subject.Subject<never>> = []
    for (let i = 0; i < n; i++) subjects.push((yield* Actor.start(idle)).data)
    const elapsed = now() - start
    collectGarbage()
    const after = heapUsed()
    yield* check(subjects.length === n, "every actor is kept")
    return { usPerActor: (elapsed * 1000) / n, bytesPerActor: (after - before) / n }
  }))

/** Parked fibers, each with its own lean mailbox. */
const spawnLean = (kind: LeanKind): Run => ({ n }) =>
  scoped(Effect.gen(function*() {
    collectGarbage()
    const before = heapUsed()
    const start = now()
    const mailboxes = Array.from({ length: n }, () => leanMailbox<number>(kind))
    yield* forkMembers(mailboxes, (mailbox) => mailbox.take())
    const elapsed = now() - start
    collectGarbage()
    const after = heapUsed()
    yield* check(mailboxes.length === n, "every actor is kept")
    return { usPerActor: (elapsed * 1000) / n, bytesPerActor: (after - before) / n }
  }))

// ---------------------------------------------------------------------------------------------------------------
// 4. restart
// ---------------------------------------------------------------------------------------------------------------

/** Calls until the actor behind a named subject answers, retrying while it is down or being restarted. */
const callUntilUp = (worker: Subject.Subject<CounterMessage>): Effect.Effect<number, Subject.CallError> =>
  Effect.catchIf(
    Actor.call(worker, get),
    restarting,
    () => Effect.andThen(Effect.yieldNow, Effect.suspend(() => callUntilUp(worker)))
  )

/** `n` supervisors, one after the other, each restarting its worker `m` times. */
const restartOurs: Run = ({ m, n }) =>
  Effect.gen(function*() {
    let total = 0
    for (let s = 0; s < n; s++) {
      total += yield* scoped(Effect.gen(function*() {
        const name = Name.make<CounterMessage>("bench-restart")
        yield* StaticSupervisor.new("OneForOne").pipe(
          StaticSupervisor.restartTolerance({ intensity: 1_000_000, period: "1 hour" }),
          StaticSupervisor.add(Supervision.worker(Actor.start(Actor.named(counter, name)))),
          StaticSupervisor.start
        )
        const worker = Subject.named(name)
        yield* callUntilUp(worker)
        let elapsed = 0
        for (let r = 0; r < m; r++) {
          // Mark the worker, so that the answer below proves it is a new one.
          yield* Actor.send(worker, addOne)
          const start = now()
          yield* Actor.send(worker, crash)
          const count = yield* callUntilUp(worker)
          elapsed += now() - start
          yield* check(count === 0, "the worker answering after the crash is a restarted one")
        }
        return elapsed
      }))
    }
    return { usPerRestart: (total * 1000) / (n * m) }
  })

// ---------------------------------------------------------------------------------------------------------------
// 5. selective receive under backlog
// ---------------------------------------------------------------------------------------------------------------

interface SelectiveServer {
  readonly self: Subject.Subject<CounterMessage>
  readonly side: Subject.Subject<number>
}

/** A counter that owns a second subject it never selects: whatever is sent there stays queued. */
const selectiveServer = Actor.newWithInitialiser(
  "1 second",
  (self: Subject.Subject<CounterMessage>) =>
    Effect.map(Subject.make<number>(), (side) =>
      Actor.initialised<number, CounterMessage>(0).pipe(
        Actor.selecting(Selector.make<CounterMessage>().pipe(Selector.select(self))),
        Actor.returning<SelectiveServer>({ self, side })
      ))
).pipe(Actor.onMessage(handleCounter))

const timeCalls = (server: Subject.Subject<CounterMessage>, m: number) =>
  Effect.gen(function*() {
    const start = startClock()
    for (let i = 0; i < m; i++) yield* Actor.call(server, get)
    return ((now() - start) * 1000) / m
  })

/**
 * `n` unrelated messages queued, `m` calls timed: with a backlog at the callee, at the caller, against `10 m` calls
 * with empty mailboxes.
 */
const selectiveOurs: Run = ({ m, n }) =>
  scoped(Effect.gen(function*() {
    const empty = yield* Actor.start(selectiveServer)
    // Cheap calls: ten times as many, for a steadier figure.
    const usPerCallEmpty = yield* timeCalls(empty.data.self, 10 * m)

    const loaded = yield* Actor.start(selectiveServer)
    for (let i = 0; i < n; i++) yield* Actor.send(loaded.data.side, i)
    const status = yield* System.getStatus(loaded.pid)
    yield* check(status.messageQueueLength >= n, `the callee has ${status.messageQueueLength} of ${n} queued`)
    const usPerCallBacklog = yield* timeCalls(loaded.data.self, m)

    // The caller (this program's implicit process) with a backlog of its own, calling the actor with none.
    const junk = yield* Subject.make<number>()
    for (let i = 0; i < n; i++) yield* Subject.send(junk, i)
    const usPerCallCallerBacklog = yield* timeCalls(empty.data.self, m)

    return {
      usPerCallEmpty,
      usPerCallBacklog,
      backlogSlowdown: usPerCallBacklog / usPerCallEmpty,
      usPerCallCallerBacklog,
      callerBacklogSlowdown: usPerCallCallerBacklog / usPerCallEmpty
    }
  }))

// ---------------------------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------------------------

export const cases: Readonly<Record<string, BenchCase>> = {
  "request-reply": {
    description: "sequential `Actor.call`s to a counter actor (Erlang: `gen_server:call`)",
    unit: "µs/call",
    metrics: [{ key: "usPerCall", label: "call round trip", unit: "µs/call" }],
    sizes: { full: [size(1_000_000)], quick: [size(50_000)], smoke: size(100) },
    warmup: tenth(5_000, 100_000),
    ours: requestReplyOurs,
    substrates: {
      lean: { label: "lean mailbox + canceller", run: requestReplyLean("canceller") },
      leanNoCanceller: { label: "lean mailbox, no canceller", run: requestReplyLean("noCanceller") },
      queue: { label: "Queue + Deferred", run: requestReplyQueue }
    },
    erlang: true
  },
  "metrics": {
    description: "request-reply to a named counter with the library's metrics on (`Metrics.layer`), against the " +
      "same with them off (the substrate columns): ours / substrate is the cost of the metrics",
    unit: "µs/call",
    metrics: [{ key: "usPerCall", label: "call round trip, metrics on", unit: "µs/call" }],
    sizes: { full: [size(1_000_000)], quick: [size(50_000)], smoke: size(100) },
    warmup: tenth(5_000, 100_000),
    ours: requestReplyMetrics("on"),
    substrates: {
      off: { label: "metrics off", run: requestReplyMetrics("off") },
      offHere: { label: "metrics off here, on elsewhere", run: requestReplyMetrics("offHere") }
    },
    erlang: false
  },
  "one-way": {
    description: "`Actor.send`s to a counter actor, then one call to sync (Erlang: `gen_server:cast`, then a call)",
    unit: "msg/s",
    metrics: [{ key: "msgsPerSec", label: "sends, then a call", unit: "msg/s" }],
    sizes: { full: [size(1_000_000)], quick: [size(100_000)], smoke: size(100) },
    warmup: tenth(10_000, 100_000),
    ours: oneWayOurs,
    substrates: {
      queue: { label: "Queue.offer", run: oneWayQueue },
      lean: { label: "lean mailbox + canceller", run: oneWayLeanWith("canceller", false) },
      leanNoCanceller: { label: "lean mailbox, no canceller", run: oneWayLeanWith("noCanceller", false) },
      leanEffect: { label: "lean mailbox + canceller, an Effect per send", run: oneWayLeanWith("canceller", true) }
    },
    erlang: true
  },
  bounded: {
    description: "`Actor.send`s as fast as the sender can to a counter with a bounded mailbox (capacity " +
      `${BOUNDED_CAPACITY}, \`Actor.mailbox\`), then one call to sync: back-pressure (ours), against the same into ` +
      "the unbounded counter (the one-way case) and into a DropOldest one",
    unit: "msg/s",
    metrics: [{ key: "msgsPerSec", label: "sends, then a call, BackPressure", unit: "msg/s" }],
    sizes: { full: [size(1_000_000)], quick: [size(100_000)], smoke: size(100) },
    warmup: tenth(10_000, 100_000),
    ours: oneWay("BackPressure"),
    substrates: {
      unbounded: { label: "unbounded (the default)", run: oneWayOurs },
      dropOldest: { label: "DropOldest", run: oneWay("DropOldest") }
    },
    erlang: false
  },
  spawn: {
    description: "idle actors started one after the other in one scope: `Actor.start(Actor.new(0))` " +
      "(substrate: parked fibers with a lean mailbox each; Erlang: idle `gen_server`s)",
    unit: "µs/actor",
    metrics: [
      { key: "usPerActor", label: "start", unit: "µs/actor" },
      { key: "bytesPerActor", label: "memory", unit: "bytes/actor" }
    ],
    sizes: { full: [size(100_000), size(1_000_000)], quick: [size(20_000)], smoke: size(100) },
    // A million actors take minutes and gigabytes per run: one run.
    runs: (s, runs) => s.n >= 1_000_000 ? 1 : runs,
    warmup: tenth(2_000, 10_000),
    ours: spawnOurs,
    substrates: {
      lean: { label: "parked fibers, lean mailbox + canceller", run: spawnLean("canceller") },
      leanNoCanceller: { label: "parked fibers, lean mailbox, no canceller", run: spawnLean("noCanceller") }
    },
    erlang: true
  },
  restart: {
    description: "OneForOne supervisor, named counter worker: from sending the crash to the restarted worker " +
      "answering a call (N supervisors x M restarts)",
    unit: "µs/restart",
    metrics: [{ key: "usPerRestart", label: "crash to answer", unit: "µs/restart" }],
    sizes: { full: [size(100, 100)], quick: [size(10, 20)], smoke: size(2, 3) },
    warmup: () => size(2, 20),
    ours: restartOurs,
    substrates: {},
    erlang: true
  },
  "selective-receive": {
    description: "M calls to an actor with N unrelated messages queued on a subject it does not select, against " +
      "the same calls with an empty mailbox; and M calls from a caller with N unrelated messages of its own",
    unit: "µs/call",
    metrics: [
      { key: "usPerCallEmpty", label: "call, empty mailboxes", unit: "µs/call" },
      { key: "usPerCallBacklog", label: "call, backlog at callee", unit: "µs/call" },
      { key: "backlogSlowdown", label: "callee backlog / empty", unit: "×" },
      { key: "usPerCallCallerBacklog", label: "call, backlog at caller", unit: "µs/call" },
      { key: "callerBacklogSlowdown", label: "caller backlog / empty", unit: "×" }
    ],
    sizes: { full: [size(100_000, 2_000)], quick: [size(100_000, 500)], smoke: size(100, 5) },
    // As many calls as the measured run (the first timing, with empty mailboxes, came out 4× slower after a warm-up
    // of 500 calls: the JIT was still compiling the call path), with a smaller backlog.
    warmup: (s) => size(10_000, s.m),
    ours: selectiveOurs,
    substrates: {},
    erlang: true
  },
  "fan-out": fanOutCase,
  ring: ringCase,
  hibernate: hibernateCase,
  "threads-cpu": threadsCpuCase,
  "threads-call": threadsCallCase,
  "threads-one-way": threadsOneWayCase,
  "threads-restart": threadsRestartCase,
  "cluster-call": clusterCallCase
}

/** The implementation an `impl` argument names: `ours`, `substrate` (the first one) or `substrate:<key>`. */
export const implementation = (benchCase: BenchCase, impl: string): Run | undefined => {
  if (impl === "ours") return benchCase.ours
  const substrates = Object.values(benchCase.substrates)
  if (impl === "substrate") return substrates[0]?.run
  if (impl.startsWith("substrate:")) return benchCase.substrates[impl.slice("substrate:".length)]?.run
  return undefined
}
