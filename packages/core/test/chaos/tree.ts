/**
 * The chaos tree, shared by `test/Chaos.test.ts` (on the TestClock) and `soak/soak.ts` (on the live clock).
 *
 * A root `StaticSupervisor` (OneForOne) supervises `groups` static supervisors of `actorsPerGroup` actors each, and a
 * RestForOne "factory branch": a named `FactorySupervisor` followed by a populator actor whose initialiser starts the
 * `factoryActors` factory children (so a restarted factory is populated again). Every actor registers itself under
 * its key (0 .. actors - 1) in a unique-keys `Registry` and receives through `Registry.via(registry, key)`, which is
 * how the clients reach it, across restarts.
 *
 * The load is organised in epochs: in each one, every client makes `opsPerEpoch` operations (calls and casts to
 * random keys) and reports, then maybe one slow call (the actor replies with `sendAfter`, sometimes after the call
 * timed out). A chaos process, ticked every `opsPerKill` operations, kills random actors (kill, exit Abnormal, or
 * a crash message) and, now and then, a supervisor below the root. Between epochs the test advances the TestClock.
 *
 * What is checked (the returned `failures`), as the run goes and at the end:
 * - every call ended with its reply (the right one) or a `CallTimeout`, `CalleeDown` or `NoProcess`, within its
 *   timeout; no call hangs (the run stalls: reported with the calls still open);
 * - every message is tagged with a sequence number per (client, key). Each actor incarnation keeps, per sender, the
 *   sequence numbers it handled; once an incarnation handled a message of a sender, every later message of that
 *   sender to the key went to it, so it must handle them all, in order (checked as they arrive, and at the end: its
 *   last one is the last one sent). The actors alive from start to end handled exactly what was sent to them. No
 *   sequence number is handled twice, by any incarnation;
 * - after the chaos stops, the supervisors heal: every static child runs, the factory has all its children again,
 *   every key is registered;
 * - when the tree's scope closes, no process is left and the registry is empty.
 */
import { Cause, Clock, Data, Duration, Effect, Exit, Option, Scope } from "effect"
import {
  Actor,
  FactorySupervisor,
  Name,
  Process,
  Registry,
  Selector,
  StaticSupervisor,
  Subject,
  Supervision
} from "../../src/index.js"

// ---------------------------------------------------------------------------------------------------------------
// A seeded pseudo-random generator (xorshift32), so that a failing seed reproduces the same decisions
// ---------------------------------------------------------------------------------------------------------------

/** Mixes a seed with a stream number (splitmix32's finaliser), so that every process gets its own sequence. */
export const mixSeed = (seed: number, stream: number): number => {
  let z = (seed + Math.imul(stream + 1, 0x9e3779b9)) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  z = (z ^ (z >>> 16)) >>> 0
  return z === 0 ? 0x6d2b79f5 : z
}

/** xorshift32: small, fast, and the same sequence for the same seed on every machine. */
export class Rng {
  private state: number
  constructor(seed: number) {
    this.state = (seed >>> 0) === 0 ? 0x6d2b79f5 : seed >>> 0
  }
  /** A number in [0, 1). */
  next(): number {
    let x = this.state
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.state = x >>> 0
    return this.state / 4294967296
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------------

export interface ChaosConfig {
  readonly seed: number
  /** Static supervisors under the root, each with `actorsPerGroup` actors. */
  readonly groups: number
  readonly actorsPerGroup: number
  /** Restart tolerance of each group (by index): a low one makes that group give up now and then. */
  readonly groupTolerance: (group: number) => Supervision.Tolerance
  /** Children of the factory supervisor. */
  readonly factoryActors: number
  readonly clients: number
  /** Operations per client and epoch. */
  readonly opsPerEpoch: number
  /** Share of operations that are casts (the others are calls). */
  readonly castRatio: number
  /** Chance, per client and epoch, of one slow call at the end of the epoch. */
  readonly slowCallRatio: number
  /** A chaos strike every this many operations (over all clients). */
  readonly opsPerKill: number
  /** Share of strikes at a supervisor below the root (the others hit an actor). */
  readonly supervisorKillRatio: number
  /** Timeout of the regular calls (and of the final reports). */
  readonly callTimeout: Duration.Input
  /** Timeout of the slow calls. */
  readonly slowCallTimeout: Duration.Input
  /** The slow reply comes after a delay drawn in [min, max] milliseconds. */
  readonly slowReplyDelay: readonly [min: number, max: number]
  /** Init timeout of the actors and of the populator. */
  readonly initTimeout: Duration.Input
  /** Timeout of `Supervision.tree`. */
  readonly introspectionTimeout: Duration.Input
  /** How much a call may overrun its timeout (0 on the TestClock; the live clock has event-loop delays). */
  readonly callDeadlineSlack: Duration.Input
  /** Keep every handled sequence number (the test) rather than a bounded summary (the soak). */
  readonly keepSequences: boolean
}

/**
 * The tree and the load that the chaos test (TestClock) and the soak (live clock) share: 5 groups of 100
 * actors (group 4 tolerates few restarts, so it gives up now and then and the root restarts it), 500 factory
 * children, 100 clients, and a strike every 60 operations. The test and the soak add their pace and timeouts.
 */
export const sharedTree = {
  groups: 5,
  actorsPerGroup: 100,
  groupTolerance: (group: number): Supervision.Tolerance =>
    group === 4 ? { intensity: 4, period: "1 second" } : { intensity: 1000, period: "1 second" },
  factoryActors: 500,
  clients: 100,
  castRatio: 0.3,
  slowCallRatio: 0.02,
  opsPerKill: 60,
  supervisorKillRatio: 0.02,
  slowCallTimeout: "50 millis",
  slowReplyDelay: [10, 90]
} as const satisfies Partial<ChaosConfig>

/** The environment the run is driven by: the TestClock in the test, the live clock in the soak. */
export interface ChaosHooks {
  /** Whether to run epoch `epoch` (0-based), given the figures so far; the soak also samples memory here. */
  readonly runEpoch: (epoch: number, stats: Readonly<ChaosStats>) => Effect.Effect<boolean>
  /** After every client finished the operations of an epoch: the test advances the TestClock. */
  readonly afterEpoch: Effect.Effect<void>
  /** One wait while polling a condition (an event-loop turn; no clock). */
  readonly turn: Effect.Effect<void>
  /** No progress for this many turns / milliseconds: the run is stalled (a hang). */
  readonly stalled: (idleTurns: number, idleMillis: number) => boolean
  /**
   * Whether the chaos process drops the ticks still queued when the epochs are over. It lags behind its ticks (a
   * supervisor kill restarts hundreds of actors): the soak drops the backlog, which would take tens of seconds of
   * strikes nobody waits for; the test keeps it, and its strikes count towards the ones it asserts.
   */
  readonly dropChaosBacklog?: boolean
}

// ---------------------------------------------------------------------------------------------------------------
// Messages and state
// ---------------------------------------------------------------------------------------------------------------

export interface Reply {
  readonly key: number
  readonly pid: Process.Pid
  readonly seq: number
}

/** What an actor handled from one sender: the first and last sequence numbers, how many, and (test) all of them. */
export interface Ledger {
  first: number
  last: number
  count: number
  readonly seqs: Array<number> | undefined
}

export interface ActorReport {
  readonly key: number
  readonly pid: Process.Pid
  readonly ledgers: ReadonlyArray<readonly [client: number, ledger: Ledger]>
}

export type ActorMsg =
  | { readonly _tag: "Call"; readonly client: number; readonly seq: number; readonly replyTo: Subject.Subject<Reply> }
  | { readonly _tag: "Cast"; readonly client: number; readonly seq: number }
  | {
    readonly _tag: "Slow"
    readonly client: number
    readonly seq: number
    readonly delay: number
    readonly replyTo: Subject.Subject<Reply>
  }
  | { readonly _tag: "Crash" }
  | { readonly _tag: "Report"; readonly replyTo: Subject.Subject<ActorReport> }

class ActorState {
  readonly ledgers = new Map<number, Ledger>()
  constructor(readonly key: number, readonly pid: Process.Pid) {}
}

type ClientMsg = { readonly _tag: "Go"; readonly epoch: number } | { readonly _tag: "Stop" }
type ChaosMsg = { readonly _tag: "Tick" } | { readonly _tag: "Stop" }

/** An operation a client has open: reported when the run stalls. */
interface OpenOp {
  readonly kind: "call" | "slow call" | "cast"
  readonly key: number
  readonly seq: number
  readonly since: number
}

export interface ChaosStats {
  ops: number
  casts: number
  calls: number
  slowCalls: number
  replies: number
  slowReplies: number
  callTimeouts: number
  slowCallTimeouts: number
  calleeDowns: number
  noProcesses: number
  /** The longest a call took, in clock milliseconds. */
  maxCallMillis: number
  maxSlowCallMillis: number
  handled: number
  actorStarts: number
  actorKills: number
  actorExits: number
  actorCrashes: number
  strikesMissed: number
  supervisorKills: Record<string, number>
  epochs: number
  /** Restarts of the root's children (groups and the factory branch), as the root counts them at the end. */
  rootChildRestarts: Array<number>
  survivors: number
  /** Real milliseconds spent in each phase of the run. */
  phases: Record<string, number>
}

export class Stalled extends Data.TaggedError("Stalled")<{ readonly waitingFor: string; readonly detail: string }> {
  override get message() {
    return `stalled while waiting for ${this.waitingFor}: ${this.detail}`
  }
}

/** The shared, mutable record of the run: what was sent, what was handled, what went wrong. */
class Harness {
  readonly keys: number
  /** Last sequence number sent by client c to key k, at c * keys + k. */
  readonly sent: Int32Array
  /** Last sequence number handled (by any incarnation) of client c at key k. */
  readonly lastHandled: Int32Array
  readonly vias: ReadonlyArray<Subject.Subject<ActorMsg>>
  readonly open: Array<OpenOp | undefined>
  readonly failures: Array<string> = []
  failureCount = 0
  progress = 0
  epochDone = 0
  clientsExited = 0
  chaosExited = false
  /** Set when the epochs are over and the hooks drop the chaos process's backlog: it stops at its next order. */
  chaosStopping = false
  readonly callTimeoutMillis: number
  readonly slowCallTimeoutMillis: number
  readonly slackMillis: number
  readonly stats: ChaosStats = {
    ops: 0,
    casts: 0,
    calls: 0,
    slowCalls: 0,
    replies: 0,
    slowReplies: 0,
    callTimeouts: 0,
    slowCallTimeouts: 0,
    calleeDowns: 0,
    noProcesses: 0,
    maxCallMillis: 0,
    maxSlowCallMillis: 0,
    handled: 0,
    actorStarts: 0,
    actorKills: 0,
    actorExits: 0,
    actorCrashes: 0,
    strikesMissed: 0,
    supervisorKills: {},
    epochs: 0,
    rootChildRestarts: [],
    survivors: 0,
    phases: {}
  }
  constructor(
    readonly config: ChaosConfig,
    readonly hooks: ChaosHooks,
    readonly registry: Registry.Registry<number, void>
  ) {
    this.keys = config.groups * config.actorsPerGroup + config.factoryActors
    this.sent = new Int32Array(config.clients * this.keys)
    this.lastHandled = new Int32Array(config.clients * this.keys)
    this.vias = Array.from({ length: this.keys }, (_, key) => Registry.via<ActorMsg>(registry, key))
    this.open = Array.from({ length: config.clients }, () => undefined)
    this.callTimeoutMillis = Duration.toMillis(Duration.fromInputUnsafe(config.callTimeout))
    this.slowCallTimeoutMillis = Duration.toMillis(Duration.fromInputUnsafe(config.slowCallTimeout))
    this.slackMillis = Duration.toMillis(Duration.fromInputUnsafe(config.callDeadlineSlack))
  }
  private phaseStart = Date.now()
  /** Ends the current phase, naming it. */
  phase(name: string): void {
    const now = Date.now()
    this.stats.phases[name] = now - this.phaseStart
    this.phaseStart = now
  }
  /** Records a broken invariant (the first 50 in full, then only counted). */
  fail(what: string): void {
    this.failureCount++
    if (this.failures.length < 50) this.failures.push(what)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The actors
// ---------------------------------------------------------------------------------------------------------------

/** Records that `state`'s incarnation handled `seq` from `client`, checking the order as it goes. */
const record = (h: Harness, state: ActorState, client: number, seq: number): void => {
  h.stats.handled++
  const ledger = state.ledgers.get(client)
  if (ledger === undefined) {
    state.ledgers.set(client, { first: seq, last: seq, count: 1, seqs: h.config.keepSequences ? [seq] : undefined })
  } else {
    if (seq !== ledger.last + 1) {
      h.fail(
        `${state.pid} (key ${state.key}), alive, handled seq ${seq} of client ${client} right after seq ${ledger.last}: ` +
          `a message to a live process was ${seq <= ledger.last ? "handled twice or reordered" : "lost"}`
      )
    }
    ledger.last = seq
    ledger.count++
    ledger.seqs?.push(seq)
  }
  const slot = client * h.keys + state.key
  if (seq <= h.lastHandled[slot]) {
    h.fail(
      `${state.pid} (key ${state.key}) handled seq ${seq} of client ${client} after seq ${h.lastHandled[slot]} ` +
        `had been handled (by this or an earlier incarnation): handled twice or out of order`
    )
  }
  h.lastHandled[slot] = seq
}

const handle =
  (h: Harness) => (state: ActorState, message: ActorMsg): Effect.Effect<Actor.Next<ActorState, ActorMsg>> => {
    const reply = (seq: number): Reply => ({ key: state.key, pid: state.pid, seq })
    switch (message._tag) {
      case "Cast":
        return Effect.sync(() => {
          record(h, state, message.client, message.seq)
          return Actor.continue(state)
        })
      case "Call":
        return Effect.suspend(() => {
          record(h, state, message.client, message.seq)
          return Effect.as(Subject.send(message.replyTo, reply(message.seq)), Actor.continue(state))
        })
      case "Slow":
        return Effect.suspend(() => {
          record(h, state, message.client, message.seq)
          return Effect.as(
            Subject.sendAfter(message.replyTo, Duration.millis(message.delay), reply(message.seq)),
            Actor.continue(state)
          )
        })
      case "Crash":
        return Effect.succeed(Actor.stopAbnormal("chaos"))
      case "Report":
        return Effect.suspend(() => {
          const ledgers = Array.from(
            state.ledgers,
            ([client, ledger]) => [client, { ...ledger, seqs: ledger.seqs?.slice() }] as const
          )
          return Effect.as(
            Subject.send(message.replyTo, { key: state.key, pid: state.pid, ledgers }),
            Actor.continue(state)
          )
        })
    }
  }

/** An actor registered under `key`, receiving through `Registry.via(registry, key)`. */
const startActor = (h: Harness, key: number) =>
  Actor.newWithInitialiser(h.config.initTimeout, (_self: Subject.Subject<ActorMsg>) =>
    Effect.gen(function*() {
      yield* Registry.register(h.registry, key, undefined)
      const pid = yield* Process.self
      h.stats.actorStarts++
      h.progress++
      return Actor.initialised<ActorState, ActorMsg>(new ActorState(key, pid)).pipe(
        Actor.selecting(Selector.make<ActorMsg>().pipe(Selector.select(h.vias[key])))
      )
    })).pipe(Actor.onMessage(handle(h)), Actor.start)

// ---------------------------------------------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------------------------------------------

const factoryKeys = (h: Harness): ReadonlyArray<number> =>
  Array.from({ length: h.config.factoryActors }, (_, i) => h.config.groups * h.config.actorsPerGroup + i)

const buildTree = (h: Harness) => {
  const { actorsPerGroup, groups } = h.config
  let root = StaticSupervisor.new("OneForOne").pipe(
    StaticSupervisor.restartTolerance({ intensity: 1_000_000, period: "1 second" })
  )
  for (let group = 0; group < groups; group++) {
    let builder = StaticSupervisor.new("OneForOne").pipe(
      StaticSupervisor.restartTolerance(h.config.groupTolerance(group))
    )
    for (let i = 0; i < actorsPerGroup; i++) {
      builder = StaticSupervisor.add(builder, Supervision.worker(startActor(h, group * actorsPerGroup + i)))
    }
    root = StaticSupervisor.add(root, StaticSupervisor.supervised(builder))
  }
  const factoryName = Name.make<FactorySupervisor.Message<number, Subject.Subject<ActorMsg>>>("chaos-factory")
  const factory = FactorySupervisor.workerChild((key: number) => startActor(h, key)).pipe(
    FactorySupervisor.named(factoryName),
    FactorySupervisor.restartTolerance({ intensity: 1_000_000, period: "1 second" }),
    FactorySupervisor.supervised
  )
  // Starts the factory's children (those not running yet) while it initialises, so that a factory restarted by the
  // RestForOne branch gets all its children again.
  const populator = Supervision.worker(
    Actor.newWithInitialiser(h.config.initTimeout, (_self: Subject.Subject<never>) =>
      Effect.gen(function*() {
        const supervisor = FactorySupervisor.getByName(factoryName)
        for (const key of factoryKeys(h)) {
          if ((yield* Registry.lookup(h.registry, key)).length === 0) {
            yield* FactorySupervisor.startChild(supervisor, key)
          }
        }
        return Actor.initialised<null, never>(null)
      })).pipe(Actor.start)
  )
  const branch = StaticSupervisor.new("RestForOne").pipe(
    StaticSupervisor.restartTolerance({ intensity: 1_000_000, period: "1 second" }),
    StaticSupervisor.add(factory),
    StaticSupervisor.add(populator),
    StaticSupervisor.supervised
  )
  return StaticSupervisor.add(root, branch)
}

/** Names a root child: its groups first, then the factory branch. */
const rootChildLabel = (h: Harness, id: number): string => id < h.config.groups ? `group ${id}` : "factory branch"

// ---------------------------------------------------------------------------------------------------------------
// Clients and chaos
// ---------------------------------------------------------------------------------------------------------------

const CHAOS_STREAM = 1_000_000

/** One call, timed on the clock, its outcome checked and counted. */
const timedCall = (
  h: Harness,
  client: number,
  kind: "call" | "slow call",
  key: number,
  seq: number,
  make: (replyTo: Subject.Subject<Reply>) => ActorMsg
) =>
  Effect.gen(function*() {
    const slow = kind === "slow call"
    const timeout = slow ? h.slowCallTimeoutMillis : h.callTimeoutMillis
    const since = yield* Clock.currentTimeMillis
    h.open[client] = { kind, key, seq, since }
    const exit = yield* Effect.exit(Subject.call(h.vias[key], make, Duration.millis(timeout)))
    h.open[client] = undefined
    const took = (yield* Clock.currentTimeMillis) - since
    const what = `${kind} of client ${client} to key ${key} (seq ${seq})`
    if (slow) h.stats.maxSlowCallMillis = Math.max(h.stats.maxSlowCallMillis, took)
    else h.stats.maxCallMillis = Math.max(h.stats.maxCallMillis, took)
    if (took > timeout + h.slackMillis) h.fail(`${what} took ${took} ms, beyond its timeout of ${timeout} ms`)
    if (Exit.isSuccess(exit)) {
      const reply = exit.value
      if (reply.key !== key || reply.seq !== seq) {
        h.fail(`${what} got the reply of another request: ${JSON.stringify({ key: reply.key, seq: reply.seq })}`)
      }
      if (slow) h.stats.slowReplies++
      else h.stats.replies++
      return
    }
    const failure = Cause.findErrorOption(exit.cause)
    if (Option.isNone(failure)) {
      h.fail(`${what} ended with a defect or an interruption: ${Cause.pretty(exit.cause)}`)
      return
    }
    switch (failure.value._tag) {
      case "CallTimeout":
        if (slow) h.stats.slowCallTimeouts++
        else h.stats.callTimeouts++
        return
      case "CalleeDown":
        h.stats.calleeDowns++
        return
      case "NoProcess":
        h.stats.noProcesses++
        return
      default:
        h.fail(`${what} failed with ${failure.value._tag}`)
    }
  })

const client = (
  h: Harness,
  id: number,
  chaos: Subject.Subject<ChaosMsg>,
  ready: Subject.Subject<readonly [number, Subject.Subject<ClientMsg>]>
) =>
  Effect.gen(function*() {
    const inbox = yield* Subject.make<ClientMsg>()
    yield* Subject.send(ready, [id, inbox] as const)
    const rng = new Rng(mixSeed(h.config.seed, id))
    const nextSeq = (key: number) => ++h.sent[id * h.keys + key]
    while (true) {
      const order = yield* Subject.receiveForever(inbox)
      if (order._tag === "Stop") break
      for (let op = 0; op < h.config.opsPerEpoch; op++) {
        const key = rng.int(h.keys)
        const seq = nextSeq(key)
        if (rng.next() < h.config.castRatio) {
          h.stats.casts++
          yield* Subject.send(h.vias[key], { _tag: "Cast", client: id, seq })
        } else {
          h.stats.calls++
          yield* timedCall(h, id, "call", key, seq, (replyTo) => ({ _tag: "Call", client: id, seq, replyTo }))
        }
        h.stats.ops++
        h.progress++
        if (h.stats.ops % h.config.opsPerKill === 0) yield* Subject.send<ChaosMsg>(chaos, { _tag: "Tick" })
      }
      h.epochDone++
      h.progress++
      // The slow call comes after the epoch's report: its reply (or its timeout) needs the clock to move.
      if (rng.next() < h.config.slowCallRatio) {
        const key = rng.int(h.keys)
        const seq = nextSeq(key)
        const [min, max] = h.config.slowReplyDelay
        const delay = min + rng.int(max - min + 1)
        h.stats.slowCalls++
        yield* timedCall(h, id, "slow call", key, seq, (replyTo) => ({
          _tag: "Slow",
          client: id,
          seq,
          delay,
          replyTo
        }))
      }
    }
  }).pipe(Effect.ensuring(Effect.sync(() => {
    h.clientsExited++
    h.progress++
  })))

/** Every supervisor below the root, with a label, from the live tree. */
const supervisorsBelowRoot = (h: Harness, tree: Supervision.Tree) => {
  const found: Array<readonly [string, Process.Pid]> = []
  tree.children.forEach((child) => {
    if (child.type !== "supervisor" || Option.isNone(child.pid)) return
    const label = rootChildLabel(h, child.id)
    found.push([label, child.pid.value])
    for (const nested of child.children ?? []) {
      if (nested.type === "supervisor" && Option.isSome(nested.pid)) found.push(["factory", nested.pid.value])
    }
  })
  return found
}

const chaos = (
  h: Harness,
  root: StaticSupervisor.Supervisor,
  ready: Subject.Subject<Subject.Subject<ChaosMsg>>
) =>
  Effect.gen(function*() {
    const inbox = yield* Subject.make<ChaosMsg>()
    yield* Subject.send(ready, inbox)
    const rng = new Rng(mixSeed(h.config.seed, CHAOS_STREAM))
    while (true) {
      const order = yield* Subject.receiveForever(inbox)
      if (order._tag === "Stop" || h.chaosStopping) break
      h.progress++
      if (rng.next() < h.config.supervisorKillRatio) {
        const tree = yield* Effect.result(Supervision.tree(root.pid, h.config.introspectionTimeout))
        if (tree._tag === "Failure") {
          h.fail(`Supervision.tree of the root failed during the chaos: ${tree.failure._tag}`)
          continue
        }
        const targets = supervisorsBelowRoot(h, tree.success)
        if (targets.length === 0) {
          h.stats.strikesMissed++
          continue
        }
        const [label, pid] = targets[rng.int(targets.length)]
        h.stats.supervisorKills[label] = (h.stats.supervisorKills[label] ?? 0) + 1
        yield* Process.kill(pid)
        continue
      }
      const key = rng.int(h.keys)
      const entries = yield* Registry.lookup(h.registry, key)
      const how = rng.next()
      if (entries.length === 0) {
        h.stats.strikesMissed++
      } else if (how < 0.6) {
        h.stats.actorKills++
        yield* Process.kill(entries[0].pid)
      } else if (how < 0.8) {
        h.stats.actorExits++
        yield* Process.exit(entries[0].pid, Process.ExitReason.Abnormal({ reason: "chaos" }))
      } else {
        h.stats.actorCrashes++
        yield* Subject.send(h.vias[key], { _tag: "Crash" })
      }
    }
  }).pipe(Effect.ensuring(Effect.sync(() => {
    h.chaosExited = true
    h.progress++
  })))

// ---------------------------------------------------------------------------------------------------------------
// Waiting without a clock
// ---------------------------------------------------------------------------------------------------------------

const describeOpen = (h: Harness) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const lines: Array<string> = []
    let slow = 0
    for (let id = 0; id < h.open.length; id++) {
      const open = h.open[id]
      if (open === undefined) continue
      // A slow call waits for the clock to move (its delayed reply, or its timeout), as it should.
      if (open.kind === "slow call") {
        slow++
        continue
      }
      const entries = yield* Registry.lookup(h.registry, open.key)
      const holder = entries.length === 0 ?
        "nobody registered" :
        `registered to ${entries[0].pid} (alive: ${yield* Process.isAlive(entries[0].pid)}, ` +
        `mailbox ${yield* Process.messageQueueLength(entries[0].pid)})`
      lines.push(
        `client ${id}: ${open.kind} to key ${open.key} (seq ${open.seq}) open for ${now - open.since} ms, ${holder}`
      )
      if (lines.length >= 10) break
    }
    if (slow > 0) lines.push(`${slow} slow call(s) waiting for the clock`)
    return lines.length === 0 ? "no call open" : lines.join("; ")
  })

/** Polls `done` between event-loop turns until it holds, failing with `Stalled` when nothing moves any more. */
const waitUntil = (
  h: Harness,
  waitingFor: string,
  done: Effect.Effect<boolean>
): Effect.Effect<void, Stalled> =>
  Effect.gen(function*() {
    let seen = h.progress
    let idleTurns = 0
    let idleSince = Date.now()
    while (!(yield* done)) {
      yield* h.hooks.turn
      if (h.progress !== seen) {
        seen = h.progress
        idleTurns = 0
        idleSince = Date.now()
      } else if (h.hooks.stalled(++idleTurns, Date.now() - idleSince)) {
        return yield* new Stalled({ waitingFor, detail: yield* describeOpen(h) })
      }
    }
  })

// ---------------------------------------------------------------------------------------------------------------
// Healing and final checks
// ---------------------------------------------------------------------------------------------------------------

/** What is not running in the tree (empty when healed). */
const unhealed = (h: Harness, root: StaticSupervisor.Supervisor) =>
  Effect.gen(function*() {
    const problems: Array<string> = []
    const tree = yield* Effect.result(Supervision.tree(root.pid, h.config.introspectionTimeout))
    if (tree._tag === "Failure") return [`Supervision.tree of the root failed: ${tree.failure._tag}`]
    const children = tree.success.children
    if (children.length !== h.config.groups + 1) problems.push(`the root has ${children.length} children`)
    for (const child of children) {
      const label = rootChildLabel(h, child.id)
      if (Option.isNone(child.pid)) {
        problems.push(`${label} is not running`)
        continue
      }
      const expected = child.id < h.config.groups ? h.config.actorsPerGroup : 2
      const nested = child.children ?? []
      const running = nested.filter((c) => Option.isSome(c.pid)).length
      if (nested.length !== expected || running !== expected) {
        problems.push(`${label}: ${running} of ${nested.length} children running, ${expected} expected`)
      }
      if (child.id === h.config.groups) {
        const factory = nested[0]
        const factoryChildren = factory?.children ?? []
        const factoryRunning = factoryChildren.filter((c) => Option.isSome(c.pid)).length
        if (factoryRunning !== h.config.factoryActors || factoryChildren.length !== h.config.factoryActors) {
          problems.push(
            `factory: ${factoryRunning} of ${factoryChildren.length} children running, ${h.config.factoryActors} expected`
          )
        }
      }
    }
    const registered = yield* Registry.count(h.registry)
    if (registered !== h.keys) problems.push(`${registered} of ${h.keys} keys registered`)
    return problems
  })

/** Every live incarnation handled all that was sent to it; the survivors handled exactly what was sent. */
const checkLedgers = (h: Harness, initial: ReadonlyArray<Process.Pid | undefined>) =>
  Effect.gen(function*() {
    let survivors = 0
    for (let key = 0; key < h.keys; key++) {
      const report = yield* Effect.result(
        Subject.call(
          h.vias[key],
          (replyTo: Subject.Subject<ActorReport>): ActorMsg => ({ _tag: "Report", replyTo }),
          h.config.callTimeout
        )
      )
      if (report._tag === "Failure") {
        h.fail(`key ${key}: its report failed with ${report.failure._tag}`)
        continue
      }
      const { ledgers, pid } = report.success
      for (const [client, ledger] of ledgers) {
        const sent = h.sent[client * h.keys + key]
        if (ledger.last !== sent || ledger.count !== ledger.last - ledger.first + 1) {
          h.fail(
            `key ${key} (${pid}): handled ${ledger.count} messages of client ${client}, seq ${ledger.first} to ` +
              `${ledger.last}, but the client sent up to seq ${sent}: messages to a live process were not handled`
          )
        }
      }
      const first = initial[key]
      if (first === undefined || String(first) !== String(pid)) continue
      // Alive from the start to the end: it handled exactly what every client sent, in order.
      survivors++
      const byClient = new Map(ledgers)
      for (let client = 0; client < h.config.clients; client++) {
        const sent = h.sent[client * h.keys + key]
        const ledger = byClient.get(client)
        const handled = ledger === undefined ? [] : ledger.seqs ?? [`${ledger.first}..${ledger.last}`]
        const ok = ledger === undefined ?
          sent === 0 :
          ledger.first === 1 && ledger.last === sent && ledger.count === sent &&
          (ledger.seqs === undefined || ledger.seqs.every((seq, i) => seq === i + 1))
        if (!ok) {
          h.fail(
            `key ${key} (${pid}, alive throughout): client ${client} sent seq 1..${sent}, ` +
              `it handled ${JSON.stringify(handled).slice(0, 200)}`
          )
        }
      }
    }
    h.stats.survivors = survivors
  })

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

export interface ChaosResult {
  readonly seed: number
  /** Broken invariants; empty when everything held. */
  readonly failures: ReadonlyArray<string>
  readonly failureCount: number
  readonly stats: ChaosStats
  /** Registry entries left once the tree's scope closed (0 expected). */
  readonly registryAfterClose: number
  /** Processes left once the tree's scope closed, other than the caller (none expected). */
  readonly processesAfterClose: ReadonlyArray<string>
}

/**
 * Builds the tree, runs the clients and the chaos for as many epochs as `hooks.runEpoch` allows, lets the tree
 * heal, checks the invariants, and closes the tree. The registry lives in the caller's scope.
 */
export const run = (config: ChaosConfig, hooks: ChaosHooks): Effect.Effect<ChaosResult, never, Scope.Scope> =>
  Effect.gen(function*() {
    const registry = yield* Registry.make<number, void>({ keys: "unique" })
    const h = new Harness(config, hooks, registry)
    const treeScope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(treeScope, Exit.void))
    const loadScope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(loadScope, Exit.void))
    const self = yield* Process.self

    const body = Effect.gen(function*() {
      const started = yield* StaticSupervisor.start(buildTree(h)).pipe(
        Scope.provide(treeScope),
        Effect.mapError((error) => new Error(`the chaos tree failed to start: ${error._tag}`)),
        Effect.orDie
      )
      const root = started.data
      if ((yield* Registry.count(registry)) !== h.keys) {
        h.fail(`only ${yield* Registry.count(registry)} keys registered`)
      }
      const initial = yield* Effect.forEach(
        Array.from({ length: h.keys }, (_, key) => key),
        (key) => Effect.map(Registry.lookup(registry, key), (entries) => entries[0]?.pid)
      )

      h.phase("start")
      // The chaos process and the clients.
      const chaosReady = yield* Subject.make<Subject.Subject<ChaosMsg>>()
      yield* Process.spawn(chaos(h, root, chaosReady)).pipe(Scope.provide(loadScope))
      const chaosInbox = yield* Subject.receiveForever(chaosReady)
      const clientReady = yield* Subject.make<readonly [number, Subject.Subject<ClientMsg>]>()
      for (let id = 0; id < config.clients; id++) {
        yield* Process.spawn(client(h, id, chaosInbox, clientReady)).pipe(Scope.provide(loadScope))
      }
      const inboxes: Array<Subject.Subject<ClientMsg>> = []
      for (let id = 0; id < config.clients; id++) {
        const [client, inbox] = yield* Subject.receiveForever(clientReady)
        inboxes[client] = inbox
      }

      h.phase("clients")
      // The epochs.
      for (let epoch = 0; yield* hooks.runEpoch(epoch, h.stats); epoch++) {
        h.epochDone = 0
        for (const inbox of inboxes) yield* Subject.send(inbox, { _tag: "Go", epoch })
        yield* waitUntil(
          h,
          `the clients to finish epoch ${epoch}`,
          Effect.sync(() => h.epochDone === config.clients)
        )
        yield* hooks.afterEpoch
        h.stats.epochs++
      }
      h.phase("epochs")
      for (const inbox of inboxes) yield* Subject.send(inbox, { _tag: "Stop" })
      yield* waitUntil(h, "the clients to stop", Effect.sync(() => h.clientsExited === config.clients))
      if (hooks.dropChaosBacklog === true) h.chaosStopping = true
      yield* Subject.send<ChaosMsg>(chaosInbox, { _tag: "Stop" })
      yield* waitUntil(h, "the chaos to stop", Effect.sync(() => h.chaosExited))

      h.phase("stop")
      // Healing: the supervisors restart what the chaos killed, without any clock.
      let problems: ReadonlyArray<string> = []
      yield* waitUntil(
        h,
        "the tree to heal",
        Effect.map(unhealed(h, root), (found) => {
          problems = found
          return found.length === 0
        })
      ).pipe(
        Effect.catch((stalled) => Effect.sync(() => h.fail(`${stalled.message}; unhealed: ${problems.join("; ")}`)))
      )
      const tree = yield* Supervision.tree(root.pid, config.introspectionTimeout).pipe(Effect.option)
      if (Option.isSome(tree)) h.stats.rootChildRestarts = tree.value.children.map((child) => child.restarts)

      h.phase("heal")
      yield* checkLedgers(h, initial)
      h.phase("reports")
    })

    yield* body.pipe(
      Effect.catchTag("Stalled", (stalled) =>
        Effect.sync(() =>
          h.fail(
            `${stalled.message} (nothing runs any more: an open call could only end by its timeout, yet its callee ` +
              `is alive, and answers at once, or dead, and its monitor fires: a hang)`
          )
        )),
      Effect.catchCause((cause) => Effect.sync(() => h.fail(`the run failed: ${Cause.pretty(cause)}`)))
    )

    // The tree's scope closes: nothing may be left but the registry (empty) and the caller.
    yield* Scope.close(loadScope, Exit.void)
    yield* Scope.close(treeScope, Exit.void)
    let left: ReadonlyArray<Process.Pid> = []
    for (let turn = 0; turn < 20; turn++) {
      left = (yield* Process.list).filter((pid) => String(pid) !== String(self))
      if (left.length === 0) break
      yield* hooks.turn
    }
    h.phase("close")
    const registryAfterClose = yield* Registry.count(registry)
    if (registryAfterClose !== 0) h.fail(`${registryAfterClose} registry entries left after the tree's scope closed`)
    if (left.length > 0) h.fail(`${left.length} processes left after the tree's scope closed: ${left.slice(0, 10)}`)
    return {
      seed: config.seed,
      failures: h.failures,
      failureCount: h.failureCount,
      stats: h.stats,
      registryAfterClose,
      processesAfterClose: left.map(String)
    }
  })

/** One line per figure, for logs. */
export const summary = (result: ChaosResult): string => {
  const s = result.stats
  return [
    `seed ${result.seed}: ${s.epochs} epochs, ${s.ops} ops (${s.calls} calls, ${s.casts} casts), ${s.slowCalls} slow calls`,
    `calls: ${s.replies} replies, ${s.callTimeouts} timeouts, ${s.calleeDowns} callee down, ${s.noProcesses} no process; ` +
    `slow calls: ${s.slowReplies} replies, ${s.slowCallTimeouts} timeouts; longest call ${s.maxCallMillis} ms, ` +
    `longest slow call ${s.maxSlowCallMillis} ms`,
    `chaos: ${s.actorKills} kills, ${s.actorExits} exits, ${s.actorCrashes} crash messages, ${s.strikesMissed} missed, ` +
    `supervisors killed ${JSON.stringify(s.supervisorKills)}; root children restarts ${
      JSON.stringify(s.rootChildRestarts)
    }`,
    `${s.actorStarts} actor starts, ${s.handled} messages handled, ${s.survivors} actors alive throughout`,
    `phases (real ms): ${JSON.stringify(s.phases)}`,
    `${result.failureCount} invariant failures`
  ].join("\n")
}
