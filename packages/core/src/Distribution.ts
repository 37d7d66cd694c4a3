/**
 * The contract between the core and a transport that connects nodes (`@effect-otp/node` connects worker threads):
 * low level, for transports, not for applications.
 *
 * A node is a thread with its own processes. Pids name their node (`<2.41>` is process 41 of node 2; a local pid
 * shows as `<0.N>`), and what one process does to a process of another node (a message, a link, an exit signal, a
 * monitor) is a `Signal` the transport carries to that node, in order, where `Connection.receive` applies it with
 * the rules of local processes. When the transport loses a node it calls `Connection.lost`: the links and monitors
 * into that node fire with `noconnection`, as in Erlang.
 *
 * @since 1.0.0
 */
import * as Effect from "effect/Effect"
import type { Definition } from "./Actor.js"
import * as definitions from "./internal/definitions.js"
import * as exitReason from "./internal/exitReason.js"
import * as pids from "./internal/pid.js"
import * as processes from "./internal/process.js"
import * as remote from "./internal/remote.js"
import * as remoteSubject from "./internal/remoteSubject.js"
import type { Pid } from "./Process.js"

/**
 * A signal from one node to another, plain data that survives structured cloning.
 *
 * @since 1.0.0
 * @category models
 */
export type Signal = remote.Signal

/**
 * Where a node's signals to one peer go: the transport posts them to that peer, which hands them, in order, to its
 * `Connection.receive`.
 *
 * @since 1.0.0
 * @category models
 */
export interface Peer {
  readonly node: number
  post(signal: Signal): void
}

/**
 * This node's side of a connection to a peer.
 *
 * @since 1.0.0
 * @category models
 */
export interface Connection {
  readonly node: number
  /** Applies a signal the peer sent. */
  receive(signal: Signal): void
  /**
   * Applies the signals of a batch the peer sent, in order, before any process they wake runs (as signals that
   * arrive together are all in the mailboxes before anyone looks).
   */
  receiveAll(signals: ReadonlyArray<Signal>): void
  /** The peer is gone: its processes end for this node with `noconnection`. */
  lost(): void
}

/**
 * Connects this node to a peer (a previous connection to that node number is lost first).
 *
 * @since 1.0.0
 * @category constructors
 */
export const connect = (peer: Peer): Connection => remote.connect(peer)

/**
 * This thread's node number (0 until it takes part in distribution).
 *
 * @since 1.0.0
 * @category getters
 */
export const localNode = (): number => remote.distribution.local

/**
 * Sets this thread's node number, once, before any pid or subject crosses to another node.
 *
 * @since 1.0.0
 * @category constructors
 */
export const setLocalNode = (node: number): void => {
  if (remote.distribution.local !== 0 && remote.distribution.local !== node) {
    throw new Error(`Distribution.setLocalNode: this thread is node ${remote.distribution.local} already`)
  }
  remote.distribution.local = node
}

/**
 * The actor definition registered under `name` on this thread (see `Actor.define`).
 *
 * @since 1.0.0
 * @category getters
 */
export const definition = (name: string): Definition<unknown, unknown> | undefined =>
  definitions.definitions.get(name) as Definition<unknown, unknown> | undefined

/**
 * Messages from peers that did not decode (the two nodes disagree on a schema): dropped, and counted here.
 *
 * @since 1.0.0
 * @category getters
 */
export const decodeFailures = (): { readonly count: number; readonly last: unknown } => remote.decodeFailures

/**
 * Encodes an exit reason for the wire, and decodes it.
 *
 * @since 1.0.0
 * @category codecs
 */
export const encodeReason = remote.encodeReason

/**
 * @since 1.0.0
 * @category codecs
 */
export const decodeReason = remote.decodeReason

/**
 * The subject a wire address stands for on this node, its messages coded by `codec`.
 *
 * @since 1.0.0
 * @category codecs
 */
export const importSubject = remoteSubject.importSubject

/**
 * Links two processes of this node, or a process of this node and one of a peer (a node starting an actor for a
 * peer links it to the requester). `false` when `a` has ended.
 *
 * @since 1.0.0
 * @category links
 */
export const link = (a: Pid, b: Pid): boolean => processes.link(pids.stateOf(a), pids.stateOf(b))

/**
 * The pid a wire form (node number, process number) stands for on this node.
 *
 * @since 1.0.0
 * @category codecs
 */
export const importPid: (node: number, id: number) => Pid = remoteSubject.importPid

/**
 * Makes `parent` the parent of the behaviour (an actor, a state machine) running in `child`: a node that starts an
 * actor for a process of another node makes that process its parent, as the process calling `Actor.start` would be
 * (its exit signal stops a behaviour that traps exits, whatever the behaviour selects).
 *
 * @since 1.0.0
 * @category links
 */
export const adopt = (child: Pid, parent: Pid): void => {
  const behaviour = pids.stateOf(child).behaviour as { parent?: unknown } | undefined
  if (behaviour !== undefined && "parent" in behaviour) {
    ;(behaviour as { parent: unknown }).parent = pids.stateOf(parent)
  }
}

/**
 * Marks a process as serving the runtime for the whole program (a node's spawner, a name server): the leak check
 * (`Testing.checkNoProcessLeft`, `Testing.leakCheck`) neither reports nor ends it.
 *
 * @since 1.0.0
 * @category lifecycle
 */
export const markSystem = (pid: Pid): void => {
  processes.systemProcesses.add(pids.stateOf(pid))
}

/**
 * Shuts a process down the way a closing scope shuts down the processes spawned in it (a node's actor started for
 * the caller, in the caller's scope): unlinked from the caller, sent `Shutdown`, killed if it has not ended 5 seconds
 * later; resolves when it has ended. For a process of another node the wait is a monitor, set up before the signal
 * goes, so that its real reason comes back.
 *
 * @since 1.0.0
 * @category lifecycle
 */
export const shutdown = (pid: Pid): Effect.Effect<void> =>
  processes.withSelf((self) => {
    const target = pids.stateOf(pid)
    processes.unlink(self, target)
    return Effect.asVoid(
      processes.shutdownProcess(self, target, exitReason.shutdown, processes.DEFAULT_SHUTDOWN_MILLIS)
    )
  })
