/**
 * Processes: Effect fibers with an identity, a mailbox, links and monitors, living inside a `Scope`.
 *
 * An Erlang process is a cheap, isolated unit of execution that communicates only by messages. What makes
 * Erlang programs fault tolerant is not that processes never crash, but that crashes are *observed*: a process
 * can be **linked** to another, so that when one dies abnormally the other dies too (or, if it traps exits, gets a
 * message saying so), and it can **monitor** another to be told when it dies without being taken down with it.
 * Supervisors are built on exactly these two primitives.
 *
 * Here a process is an Effect fiber. It lives inside the `Scope` it was spawned in: when that scope closes, the
 * process is sent `Shutdown` (and killed 5 seconds later if it is still alive), so no process outlives the
 * program part that started it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process, Subject } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   const inbox = yield* Subject.make<string>()
 *   // A linked child: if it crashed, the crash would travel to us through the link.
 *   yield* Process.spawn(Subject.send(inbox, "hello from a child"))
 *   return yield* Subject.receive(inbox, "1 second")
 * })
 *
 * Effect.runPromise(Effect.scoped(program)).then(console.log) // "hello from a child"
 * ```
 *
 * @since 1.0.0
 */
import type * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Equal from "effect/Equal"
import { dual } from "effect/Function"
import type * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { AlreadyNamed, NameTaken, NoProcess, NotRegistered } from "./Errors.js"
import { droppedBy } from "./internal/bound.js"
import * as exitReason from "./internal/exitReason.js"
import * as names from "./internal/name.js"
import * as pids from "./internal/pid.js"
import * as internal from "./internal/process.js"
import * as remote from "./internal/remote.js"
import * as remoteSubject from "./internal/remoteSubject.js"
import * as spawning from "./internal/spawn.js"
import * as subjects from "./internal/subject.js"
import type { Name } from "./Name.js"
import type { Subject } from "./Subject.js"

/**
 * @since 1.0.0
 * @category symbols
 */
export const PidTypeId: typeof pids.PidTypeId = pids.PidTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type PidTypeId = typeof PidTypeId

/**
 * The identity of a process. Compared by value (`Equal`); `String(pid)` is `"<0.N>"` as in Erlang.
 *
 * @since 1.0.0
 * @category models
 */
export interface Pid extends Equal.Equal, Inspectable.Inspectable, Pipeable {
  readonly [PidTypeId]: PidTypeId
  /** The process number, unique on its node for the life of the program. */
  readonly id: number
  /**
   * The node the process runs on, as this node numbers it: `0` for a local process (shown `<0.N>`), the node's
   * number for a process on another node (shown `<node.N>`, see `@effect-otp/node`).
   */
  readonly node: number
}

/**
 * @since 1.0.0
 * @category refinements
 */
export const isPid: (u: unknown) => u is Pid = pids.isPid

/**
 * Why a process ended.
 *
 * - `Normal`: its body succeeded (or it was told `exit(self, Normal)`);
 * - `Shutdown`: its scope closed or its supervisor stopped it;
 * - `Killed`: it was killed with `kill` (or a `Killed` exit signal reached it through a link);
 * - `Abnormal`: it failed or died; `reason` is the `Cause` for a crashed body, or the reason given to `exit`.
 *
 * @since 1.0.0
 * @category models
 */
export type ExitReason = Data.TaggedEnum<{
  Normal: {}
  Shutdown: {}
  Killed: {}
  Abnormal: { readonly reason: unknown }
}>

/**
 * Constructors and matchers for `ExitReason`: `ExitReason.Normal()`, `ExitReason.Abnormal({ reason })`,
 * `ExitReason.$is("Killed")`, `ExitReason.$match(...)`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const ExitReason: Data.TaggedEnum.Constructor<ExitReason> = exitReason.ExitReason

/**
 * An exit signal received as a message by a process that traps exits (see `Selector.selectTrappedExits`).
 *
 * @since 1.0.0
 * @category models
 */
export interface ExitMessage {
  readonly pid: Pid
  readonly reason: ExitReason
}

/**
 * @since 1.0.0
 * @category symbols
 */
export const MonitorTypeId: typeof pids.MonitorTypeId = pids.MonitorTypeId

/**
 * @since 1.0.0
 * @category symbols
 */
export type MonitorTypeId = typeof MonitorTypeId

/**
 * A reference to a monitor, returned by `monitor`, used to `demonitor` and to select its `Down`.
 *
 * @since 1.0.0
 * @category models
 */
export interface Monitor extends Equal.Equal, Inspectable.Inspectable {
  readonly [MonitorTypeId]: MonitorTypeId
}

/**
 * The notification a monitor delivers when the monitored process ends (see `Selector.selectMonitors`).
 *
 * @since 1.0.0
 * @category models
 */
export interface Down {
  readonly monitor: Monitor
  readonly pid: Pid
  readonly reason: ExitReason
}

export {
  /**
   * @since 1.0.0
   * @category errors
   */
  AlreadyNamed,
  /**
   * @since 1.0.0
   * @category errors
   */
  ExitSignal,
  /**
   * @since 1.0.0
   * @category errors
   */
  NameTaken,
  /**
   * @since 1.0.0
   * @category errors
   */
  NoProcess,
  /**
   * @since 1.0.0
   * @category errors
   */
  NotRegistered
} from "./Errors.js"

const stateOf = pids.stateOf

/**
 * Spawns `body` as a new process **linked** to the caller, living in the current `Scope`.
 *
 * The body runs with its own `Scope` (so what it spawns ends with it). Its exit reason is `Normal` when it
 * succeeds and `Abnormal({ reason: cause })` when it fails or dies; through the link, an abnormal exit ends the
 * caller too, unless the caller traps exits.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process } from "@effect-otp/core"
 *
 * const program = Effect.gen(function*() {
 *   yield* Process.trapExits(true)
 *   const pid = yield* Process.spawn(Effect.die("boom"))
 *   return yield* Process.awaitExit(pid) // Abnormal, with the defect's Cause
 * })
 * ```
 *
 * @since 1.0.0
 * @category spawning
 */
export const spawn = <A, E, R>(
  body: Effect.Effect<A, E, R>
): Effect.Effect<Pid, never, Scope.Scope | Exclude<R, Scope.Scope>> =>
  Effect.map(spawning.spawn(body, { linked: true }), (state) => state.pid)

/**
 * Spawns `body` as a new process that is not linked to the caller. It still ends when its `Scope` closes.
 *
 * @since 1.0.0
 * @category spawning
 */
export const spawnUnlinked = <A, E, R>(
  body: Effect.Effect<A, E, R>
): Effect.Effect<Pid, never, Scope.Scope | Exclude<R, Scope.Scope>> =>
  Effect.map(spawning.spawn(body, { linked: false }), (state) => state.pid)

/**
 * The pid of the calling process. Code outside any process (a test, `main`) is made a process on first use, like
 * Erlang's shell.
 *
 * @since 1.0.0
 * @category getters
 */
export const self: Effect.Effect<Pid> = internal.withSelf((state) => Effect.succeed(state.pid))

/**
 * Whether the process is alive. `false` from the moment a signal that ends it has been sent.
 *
 * @since 1.0.0
 * @category getters
 */
export const isAlive = (pid: Pid): Effect.Effect<boolean> => Effect.sync(() => stateOf(pid).alive)

/**
 * Links the caller and `pid`: when either ends, the other gets an exit signal with the same reason.
 * Returns `false` when `pid` is not alive (nothing is linked), `true` otherwise (also for the caller itself).
 *
 * @since 1.0.0
 * @category links
 */
export const link = (pid: Pid): Effect.Effect<boolean> =>
  internal.withSelf((state) => Effect.sync(() => internal.link(state, stateOf(pid))))

/**
 * Removes the link between the caller and `pid`, if any. Never fails.
 *
 * @since 1.0.0
 * @category links
 */
export const unlink = (pid: Pid): Effect.Effect<void> =>
  internal.withSelf((state) => Effect.sync(() => internal.unlink(state, stateOf(pid))))

/**
 * Whether the caller traps exits: a trapping process receives exit signals from links as `ExitMessage`s instead of
 * dying. `kill` cannot be trapped.
 *
 * @since 1.0.0
 * @category links
 */
export const trapExits = (trap: boolean): Effect.Effect<void> =>
  internal.withSelf((state) =>
    Effect.sync(() => {
      state.trapExit = trap
    })
  )

/**
 * The `Schema` of pids, for pids carried inside messages that cross nodes: a pid crosses as its node and number and
 * is a remote pid on the node that receives it (see `@effect-otp/node`).
 *
 * @since 1.0.0
 * @category schemas
 */
export const PidSchema: Schema.Codec<Pid, { readonly n: number; readonly i: number }> = remoteSubject
  .pidSchema as unknown as Schema.Codec<Pid, { readonly n: number; readonly i: number }>

/**
 * What `monitorNode` sends when the node is lost (Erlang's `{nodedown, Node}`).
 *
 * @since 1.0.0
 * @category models
 */
export interface NodeDown {
  readonly _tag: "NodeDown"
  readonly node: number
}

/**
 * Monitors a node (Erlang's `monitor_node(Node, true)`): when the connection to `node` is lost (its thread ended),
 * `NodeDown` is sent to `notify` once. A node that is not connected is reported down at once. Each call is a
 * monitor of its own; the caller's death drops it.
 *
 * @since 1.0.0
 * @category monitors
 */
export const monitorNode = (node: number, notify: Subject<NodeDown>): Effect.Effect<void> =>
  internal.withSelf((state) =>
    Effect.sync(() =>
      remote.monitorNode(state, node, () => {
        subjects.unsafeSend<NodeDown>(subjects.subjectImpl(notify), { _tag: "NodeDown", node })
      })
    )
  )

/**
 * The nodes this node is connected to (see `@effect-otp/node`), by number.
 *
 * @since 1.0.0
 * @category getters
 */
export const nodes: Effect.Effect<ReadonlyArray<number>> = Effect.sync(() =>
  Array.from(remote.distribution.connections.keys())
)

/**
 * Monitors `pid`: when it ends, the caller gets a `Down` message (see `Selector.selectMonitors`). Monitoring a
 * process that is already dead delivers a `Down` with `Abnormal({ reason: "noproc" })` at once. Each call makes an
 * independent monitor.
 *
 * @since 1.0.0
 * @category monitors
 */
export const monitor = (pid: Pid): Effect.Effect<Monitor> =>
  internal.withSelf((state) => Effect.sync(() => internal.monitor(state, stateOf(pid))))

/**
 * Removes a monitor, and the `Down` it may already have delivered that was not received yet.
 *
 * @since 1.0.0
 * @category monitors
 */
export const demonitor = (monitor: Monitor): Effect.Effect<void> =>
  Effect.sync(() => internal.demonitor(monitor as pids.MonitorImpl))

/**
 * Kills the process. It cannot trap this: it ends with `Killed`, and its links and monitors see `Killed`.
 * Killing a dead process does nothing.
 *
 * @since 1.0.0
 * @category signals
 */
export const kill = (pid: Pid): Effect.Effect<void> =>
  Effect.sync(() => internal.terminate(stateOf(pid), exitReason.killed))

/**
 * Sends an exit signal from the caller to `pid` (Erlang's `exit/2`). A trapping target gets an `ExitMessage`; a
 * non-trapping one ignores `Normal` and ends with any other reason. `exit(self, Normal)` ends the caller.
 * Unlike `kill`, `exit(pid, Killed)` can be trapped.
 *
 * @since 1.0.0
 * @category signals
 */
export const exit: {
  (reason: ExitReason): (pid: Pid) => Effect.Effect<void>
  (pid: Pid, reason: ExitReason): Effect.Effect<void>
} = dual(
  2,
  (pid: Pid, reason: ExitReason): Effect.Effect<void> =>
    internal.withSelf((state) => Effect.sync(() => internal.sendExit(state, stateOf(pid), reason)))
)

/**
 * Registers `pid` under `name`, so that `Subject.named(name)` and `whereis(name)` reach it. The name is freed when
 * the process ends.
 *
 * Fails with `NameTaken` if a live process has the name, `NoProcess` if `pid` is dead, `AlreadyNamed` if `pid` has
 * another name.
 *
 * @since 1.0.0
 * @category names
 */
export const register: {
  <A>(name: Name<A>): (pid: Pid) => Effect.Effect<void, NameTaken | NoProcess | AlreadyNamed>
  <A>(pid: Pid, name: Name<A>): Effect.Effect<void, NameTaken | NoProcess | AlreadyNamed>
} = dual(
  2,
  <A>(pid: Pid, name: Name<A>): Effect.Effect<void, NameTaken | NoProcess | AlreadyNamed> =>
    Effect.suspend(() => names.register(stateOf(pid), names.checked(name)))
)

/**
 * Frees a name. Fails with `NotRegistered` when no live process has it.
 *
 * @since 1.0.0
 * @category names
 */
export const unregister = <A>(name: Name<A>): Effect.Effect<void, NotRegistered> =>
  Effect.suspend(() => names.unregister(names.checked(name)))

/**
 * The live process registered under `name`, if any.
 *
 * @since 1.0.0
 * @category names
 */
export const whereis = <A>(name: Name<A>): Effect.Effect<Option.Option<Pid>> =>
  Effect.sync(() => internal.pidOption(names.whereis(names.checked(name))))

/**
 * Waits until the process has ended and returns its exit reason (at once if it already has). This is an Effect
 * convenience: it neither links nor monitors.
 *
 * @since 1.0.0
 * @category monitors
 */
export const awaitExit = (pid: Pid): Effect.Effect<ExitReason> => internal.awaitExit(stateOf(pid))

/**
 * The pids of every live process, including the implicit ones of code outside any process (Erlang's
 * `processes()`). Useful to check that nothing is left running.
 *
 * @since 1.0.0
 * @category getters
 */
export const list: Effect.Effect<ReadonlyArray<Pid>> = Effect.sync(() =>
  internal.liveProcesses().map((state) => state.pid)
)

/**
 * What `Process.info` tells about a live process (Erlang's `process_info`): its registered name, what runs in it,
 * its mailbox and message counts, its links, who monitors it, whether it traps exits, when it started, and an
 * estimate of its memory.
 *
 * @since 1.0.0
 * @category models
 */
export interface ProcessInfo {
  readonly pid: Pid
  /** The name it is registered under (`Name`'s key), if any. */
  readonly name: Option.Option<string>
  /** What runs in it: a supervisor, an actor (any other behaviour), or a plain process (a spawn, a task). */
  readonly kind: "supervisor" | "actor" | "process"
  /** Code outside any process that became one on first use (a main program, a test, a request handler). */
  readonly implicit: boolean
  readonly messageQueueLength: number
  /** Messages it received so far (every subject, exits and downs included), and messages it sent. */
  readonly messagesIn: number
  readonly messagesOut: number
  /**
   * Messages its bounded subjects kept out (dropped by their overflow policy, or refused to `trySend`): see
   * `Subject.makeBounded` and `Actor.mailbox`. Always 0 for an unbounded mailbox, the default.
   */
  readonly messagesDropped: number
  readonly links: ReadonlyArray<Pid>
  /** The processes that monitor it (pending calls to it included). */
  readonly monitoredBy: ReadonlyArray<Pid>
  readonly trapExit: boolean
  /** When it started, in milliseconds of the `Clock` it was spawned with. */
  readonly startedAt: number
  /**
   * An estimate in bytes, not a measure (a JavaScript heap has no per-process accounting): the heap an idle process
   * of its kind takes, as `packages/bench` measures it, plus a queued envelope per message in its mailbox; what its
   * state and its messages refer to is not counted.
   */
  readonly memoryEstimate: number
}

/** The heap of an idle process by kind, as the bench's `spawn` case measures it (an actor: 1,716 bytes). */
const BASE_BYTES = { supervisor: 2_400, actor: 1_720, process: 1_100 } as const
/** A queued envelope: its object and its place in the mailbox's list. */
const ENVELOPE_BYTES = 48

/**
 * What is known about a live process (Erlang's `process_info`), or none when it has ended.
 *
 * @since 1.0.0
 * @category getters
 */
export const info = (pid: Pid): Effect.Effect<Option.Option<ProcessInfo>> =>
  Effect.sync(() => {
    const state = stateOf(pid)
    if (!state.alive) return Option.none()
    const kind = internal.processKind(state)
    const links = state.links === undefined ?
      [] :
      state.links instanceof internal.ProcessState ?
      [state.links.pid] :
      Array.from(state.links, (linked) => linked.pid)
    const monitoredBy = state.monitoredBy === undefined ?
      [] :
      Array.from(new Set(Array.from(state.monitoredBy, (entry) => entry.owner.pid)))
    return Option.some<ProcessInfo>({
      pid: state.pid,
      name: Option.fromUndefinedOr(state.name?.key),
      kind,
      implicit: state.implicit,
      messageQueueLength: state.mailbox.length,
      messagesIn: state.messagesIn,
      messagesOut: state.messagesOut,
      messagesDropped: droppedBy(state),
      links,
      monitoredBy,
      trapExit: state.trapExit,
      startedAt: state.startedAt,
      memoryEstimate: BASE_BYTES[kind] + ENVELOPE_BYTES * state.mailbox.length
    })
  })

/**
 * How many messages wait in the process's mailbox (0 for a dead process), like Erlang's
 * `process_info(Pid, message_queue_len)`.
 *
 * @since 1.0.0
 * @category getters
 */
export const messageQueueLength = (pid: Pid): Effect.Effect<number> =>
  Effect.sync(() => {
    const state = stateOf(pid)
    return state.alive ? state.mailbox.length : 0
  })
