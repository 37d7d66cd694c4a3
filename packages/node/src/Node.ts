/**
 * Nodes on worker threads: Erlang's distribution within one machine.
 *
 * A node is a worker thread with its own processes, started and supervised from the main thread (node 1; the nodes
 * it starts are numbered from 2). Pids name their node (`<2.41>` is process 41 of node 2, a local pid shows as
 * `<0.N>`); messages to a process of another node are copied (encoded with its subject's `Schema`); links and
 * monitors span nodes; when a node's thread dies, every link and monitor into it fires with `noconnection`, and
 * `Process.monitorNode` says so.
 *
 * Closures cannot cross threads, so an actor is started on a node by the name of its definition
 * (`Actor.define`), which both threads load: the node's entry module imports the definitions and calls
 * `Node.runWorker()`.
 *
 * @example
 * ```ts
 * // counter.ts, loaded by both threads
 * export const Counter = Actor.define("counter", { arguments: Schema.Number, messages: CounterMessage }, (n) =>
 *   Actor.new(n).pipe(Actor.onMessage(handle)))
 *
 * // worker.ts, the node's entry
 * import "./counter.js"
 * import { Node } from "@effect-otp/node"
 * Node.runWorker()
 *
 * // main.ts
 * const program = Effect.gen(function*() {
 *   const node = yield* Node.start(new URL("./worker.js", import.meta.url))
 *   const counter = yield* Node.spawn(node.data.node, Counter, 0)
 *   yield* Subject.send(counter.data, { _tag: "Add", n: 1 })
 * })
 * ```
 *
 * @since 1.0.0
 */
import type { Errors } from "@effect-otp/core"
import {
  Actor,
  Distribution,
  Errors as CoreErrors,
  Process,
  Subject as CoreSubject,
  Supervision
} from "@effect-otp/core"
import type { Subject } from "@effect-otp/core"
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Worker from "effect/workers/Worker"
import * as WorkerThreads from "node:worker_threads"
import type { FromWorker, ToWorker } from "./internal/control.js"
import { MAIN_NODE } from "./internal/control.js"
import type { GlobalRequest } from "./internal/global.js"
import { GlobalRequest as GlobalRequestSchema, runServer, server } from "./internal/global.js"
import type { Address } from "./internal/spawner.js"
import { runSpawner, spawners, spawnOn } from "./internal/spawner.js"
import type { Traffic } from "./internal/transport.js"
import { PortPeer, spin } from "./internal/transport.js"
import * as worker from "./internal/worker.js"

/**
 * A running node, as `start` returns it (the data of its `Started`).
 *
 * @since 1.0.0
 * @category models
 */
export interface NodeHandle {
  /** The node's number: its pids show as `<node.N>`. */
  readonly node: number
  /** The node's process on the main thread: it ends when the thread does (`Abnormal` with the `WorkerError`). */
  readonly pid: Process.Pid
  /** The thread. */
  readonly thread: WorkerThreads.Worker
  /** The traffic on the connection to the node. */
  readonly traffic: Traffic
}

/**
 * How a node's thread is started and watched.
 *
 * @since 1.0.0
 * @category models
 */
export interface StartOptions {
  /** Node's `execArgv` for the thread (default: the main thread's). */
  readonly execArgv?: ReadonlyArray<string> | undefined
  /** Memory limits of the thread (its death by running out of them is a crash like any other). */
  readonly resourceLimits?: WorkerThreads.ResourceLimits | undefined
  /** How long the thread may take to start (load its entry) and report ready. Default 30 seconds. */
  readonly initTimeout?: Duration.Input | undefined
  /**
   * How often the main thread checks that the node's event loop still turns (a counter in shared memory the worker
   * bumps). A thread that has not turned for `misses` checks in a row is stuck (a busy loop): it is terminated, which
   * ends the node like a crash. Default 1 second, 3 misses.
   */
  readonly heartbeat?: Duration.Input | undefined
  readonly misses?: number | undefined
  /** The node thread's busy-wait for answers (see `setSpin`). Default: none. */
  readonly spin?: Duration.Input | undefined
}

/** What the main thread knows of each live node. */
interface Live {
  readonly node: number
  readonly spawner: Address
  readonly send: (message: ToWorker, transfers?: ReadonlyArray<unknown>) => Effect.Effect<void, unknown>
}

const live = new Map<number, Live>()
let nextNode = MAIN_NODE + 1
let mainServices: Promise<{ readonly spawner: Address; readonly global: Address }> | undefined

/**
 * The main thread becomes node 1 on the first start, and runs its spawner and the global name server in a scope as
 * long as the program.
 */
const mainNode = Effect.suspend(() => {
  if (mainServices === undefined) {
    Distribution.setLocalNode(MAIN_NODE)
    const root = Scope.makeUnsafe()
    mainServices = Effect.runPromise(Effect.all({ spawner: runSpawner(root), global: runServer(root) })).then(
      (services) => {
        spawners.set(MAIN_NODE, services.spawner)
        server.address = services.global
        return services
      }
    )
  }
  const pending = mainServices
  return Effect.promise(() => pending)
})

const millisOf = (input: Duration.Input | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * Starts a worker thread running `entry` as a node, and returns once it is ready, as a process of the main thread
 * linked to the caller (like `Actor.start`, so `Supervision.worker(Node.start(entry))` supervises it). The node's
 * process ends when the thread ends: a crash (an uncaught error, `process.exit`, running out of memory, or a stuck
 * event loop caught by the heartbeat) ends it with `Abnormal`; every link and monitor into the node then fires with
 * `noconnection`. Closing its scope closes the thread.
 *
 * `entry` is a module that loads the node's actor definitions and calls `runWorker()`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const start = (
  entry: string | URL,
  options: StartOptions = {}
): Effect.Effect<Actor.Started<NodeHandle>, Errors.StartError, Scope.Scope> => {
  const initMillis = millisOf(options.initTimeout, 30_000)
  const heartbeatMillis = millisOf(options.heartbeat, 1_000)
  const misses = options.misses ?? 3
  return Actor.start(
    Actor.newWithInitialiser(Duration.millis(initMillis), () =>
      Effect.gen(function*() {
        const { global, spawner } = yield* mainNode
        const node = nextNode++
        const self = yield* Process.self
        let thread: WorkerThreads.Worker | undefined
        const platform = yield* Worker.WorkerPlatform
        const channel = yield* platform.spawn<FromWorker, ToWorker>(node).pipe(
          Effect.provide(Worker.layerSpawner(() => {
            thread = new WorkerThreads.Worker(entry, {
              execArgv: options.execArgv as Array<string> | undefined,
              resourceLimits: options.resourceLimits
            })
            return thread
          }))
        )
        const ready = yield* Deferred.make<Address>()
        const running = yield* channel.run((message) =>
          message._ === "ready" ? Deferred.succeed(ready, message.spawner) : Effect.void
        ).pipe(Effect.forkScoped)
        const heartbeat = new SharedArrayBuffer(4)
        const { port1, port2 } = new WorkerThreads.MessageChannel()
        yield* channel.send({
          _: "init",
          node,
          port: port2,
          spawner,
          global,
          heartbeat,
          heartbeatMillis,
          spinMicros: millisOf(options.spin, 0) * 1000
        }, [port2])
        const address = yield* Effect.raceFirst(
          Deferred.await(ready),
          Fiber.join(running).pipe(
            Effect.flatMap(() => Effect.die(new Error("the node's thread ended while starting")))
          )
        )
        const peer = new PortPeer(node, port1)
        peer.open(false)
        spawners.set(node, address)
        const others = Array.from(live.values())
        live.set(node, { node, spawner: address, send: channel.send })
        // The connection is lost once the node's process has ended, whatever ended it (registered before anything
        // else can fail: a start that fails from here on loses it too): its links see the node's own exit first (a
        // supervisor restarts the node before it hears of the children it had there), then the processes of the
        // node end with `noconnection`, and the other nodes are told.
        Effect.runFork(Effect.gen(function*() {
          yield* Process.awaitExit(self)
          live.delete(node)
          spawners.delete(node)
          peer.lost()
          for (const other of live.values()) yield* Effect.ignore(other.send({ _: "disconnect", node }))
        }))
        // Every pair of nodes gets a port of its own.
        for (const other of others) {
          const pair = new WorkerThreads.MessageChannel()
          yield* Effect.ignore(other.send({ _: "connect", node, port: pair.port1, spawner: address }, [pair.port1]))
          yield* Effect.ignore(
            channel.send({ _: "connect", node: other.node, port: pair.port2, spawner: other.spawner }, [pair.port2])
          )
        }
        // The thread's death (a typed `WorkerError`) ends the node's process with it.
        yield* Fiber.join(running).pipe(
          Effect.catchCause((cause) => Process.exit(self, Process.ExitReason.Abnormal({ reason: cause }))),
          Effect.forkScoped
        )
        // A thread stuck in a loop turns no event loop: the heartbeat catches it, and terminating it is a crash.
        const counter = new Int32Array(heartbeat)
        yield* Effect.gen(function*() {
          let last = Atomics.load(counter, 0)
          let missed = 0
          while (true) {
            yield* Effect.sleep(Duration.millis(heartbeatMillis))
            const now = Atomics.load(counter, 0)
            missed = now === last ? missed + 1 : 0
            last = now
            if (missed >= misses) {
              yield* Effect.promise(() => thread!.terminate())
              return
            }
          }
        }).pipe(Effect.forkScoped)
        const handle: NodeHandle = { node, pid: self, thread: thread!, traffic: peer.traffic }
        return Actor.initialised<undefined, never>(undefined).pipe(Actor.returning(handle))
      }).pipe(Effect.provide(NodeWorker.layerPlatform))).pipe(
        Actor.onMessage((state: undefined, _: never) => Effect.succeed(Actor.continue(state)))
      )
  ) as Effect.Effect<Actor.Started<NodeHandle>, Errors.StartError, Scope.Scope>
}

/**
 * Starts an actor of `definition` on `node`, with `args` (encoded with the definition's `arguments` schema), and
 * returns its pid and its subject, whose messages are encoded with the definition's `messages` schema. Like
 * `Actor.start`, it lives in the current `Scope` (closing it unlinks the actor and shuts it down) and is linked to the
 * caller when `link` is `true` (the default), so a supervisor can start children on a node. Fails
 * with `InitFailed` when the node is not connected, loads no such definition or the arguments do not decode,
 * `InitExited` when the node is lost meanwhile, or the actor's own start error.
 *
 * @since 1.0.0
 * @category spawning
 */
export const spawn = <Args, M>(
  node: number,
  definition: Actor.Definition<Args, M>,
  args: Args,
  options: { readonly link?: boolean | undefined; readonly timeout?: Duration.Input | undefined } = {}
): Effect.Effect<Actor.Started<Subject.Subject<M>>, Errors.StartError, Scope.Scope> =>
  Effect.tap(
    spawnOn(node, definition, args, { link: options.link ?? true, timeout: options.timeout ?? "30 seconds" }),
    (started) => Effect.addFinalizer(() => Distribution.shutdown(started.pid))
  )

/** A node's current number, given as a number or a `NodeRef`. */
const numberOf = (node: NodeRef | number): number => typeof node === "number" ? node : node.current

/**
 * A supervisor's child that runs on a node: an actor of `definition` started there (with `spawn`) each time the
 * supervisor starts it. `node` is read at each start, so a child restarted after its node was restarted goes to the
 * node's new number (see `NodeRef`).
 *
 * @since 1.0.0
 * @category supervision
 */
export const onNode = <Args, M>(
  node: NodeRef | number,
  definition: Actor.Definition<Args, M>,
  args: Args
): Supervision.ChildSpecification<Subject.Subject<M>, never> =>
  Supervision.worker(Effect.suspend(() => spawn(numberOf(node), definition, args)))

/**
 * A node as a supervisor's child: `child` starts it and keeps its current number, which `onNode` children read.
 *
 * @since 1.0.0
 * @category supervision
 */
export interface NodeRef {
  /** The number of the node's current incarnation (0 before its first start). */
  readonly current: number
  /** The node's current incarnation (`undefined` before its first start), e.g. to `terminate` it. */
  readonly handle: NodeHandle | undefined
  /** The child specification that starts the node (its thread) under a supervisor. */
  readonly child: Supervision.ChildSpecification<NodeHandle, never>
}

/**
 * A node to run under a supervisor: its thread is started as a child (`ref.child`), restarted when it dies (with a
 * new number, as Erlang gives a restarted node a new creation), and `onNode(ref, ...)` children go to its current
 * incarnation. Put the node before its children in a `RestForOne` supervisor: the node's death takes its children
 * down (through their links, with `noconnection`), and its restart brings them back.
 *
 * @since 1.0.0
 * @category supervision
 */
export const make = (entry: string | URL, options: StartOptions = {}): NodeRef => {
  const ref = {
    current: 0,
    handle: undefined as NodeHandle | undefined,
    child: undefined as unknown as Supervision.ChildSpecification<NodeHandle, never>
  }
  ref.child = Supervision.worker(
    Effect.tap(start(entry, options), (started) =>
      Effect.sync(() => {
        ref.current = started.data.node
        ref.handle = started.data
      }))
  )
  return ref
}

// ---------------------------------------------------------------------------------------------------------------
// Placement
// ---------------------------------------------------------------------------------------------------------------

/**
 * How a `Placement` picks a node for each child: in turn (`RoundRobin`), or the node with the fewest live children
 * placed by it (`LeastLoaded`, the first such node in order on a tie).
 *
 * @since 1.0.0
 * @category placement
 */
export type PlacementStrategy = "RoundRobin" | "LeastLoaded"

/**
 * A set of nodes to spread children over (see `placed`).
 *
 * @since 1.0.0
 * @category placement
 */
export interface Placement {
  readonly strategy: PlacementStrategy
  readonly nodes: ReadonlyArray<NodeRef | number>
  /** The live children placed on each node (by node number), as `LeastLoaded` counts them. */
  readonly load: ReadonlyMap<number, number>
  /** The node the next child goes to (0 when none of the nodes is up). */
  next(): number
}

/**
 * Spreads children over `nodes`: round-robin, or to the least loaded (the fewest live children placed by this
 * placement). Nodes given as `NodeRef`s are read at each placement, so a restarted node keeps its place; a node that
 * is not connected is skipped.
 *
 * @since 1.0.0
 * @category placement
 */
export const placement = (
  nodes: ReadonlyArray<NodeRef | number>,
  strategy: PlacementStrategy = "RoundRobin"
): Placement => {
  const load = new Map<number, number>()
  let turn = 0
  const up = () => nodes.map(numberOf).filter((node) => spawners.has(node))
  return {
    strategy,
    nodes,
    load,
    next() {
      const candidates = up()
      if (candidates.length === 0) return 0
      if (strategy === "RoundRobin") return candidates[turn++ % candidates.length]
      let best = candidates[0]
      for (const node of candidates) {
        if ((load.get(node) ?? 0) < (load.get(best) ?? 0)) best = node
      }
      return best
    }
  }
}

/**
 * A child template for `FactorySupervisor.workerChild` that starts each child on a node of `placement`:
 * `FactorySupervisor.workerChild(Node.placed(placement, Worker))` spreads a factory's children over the nodes.
 *
 * @since 1.0.0
 * @category placement
 */
export const placed = <Args, M>(
  placement: Placement,
  definition: Actor.Definition<Args, M>
) =>
(args: Args): Effect.Effect<Actor.Started<Subject.Subject<M>>, Errors.StartError, Scope.Scope> =>
  Effect.suspend(() => {
    const node = placement.next()
    const load = placement.load as Map<number, number>
    return Effect.tap(spawn(node, definition, args), (started) =>
      Effect.sync(() => {
        load.set(node, (load.get(node) ?? 0) + 1)
        Effect.runFork(Effect.andThen(
          Process.awaitExit(started.pid),
          Effect.sync(() => load.set(node, (load.get(node) ?? 1) - 1))
        ))
      }))
  })

// ---------------------------------------------------------------------------------------------------------------
// Global names
// ---------------------------------------------------------------------------------------------------------------

/**
 * Registers `subject` under `name` for every node (Erlang's `global:register_name`): `whereisGlobal(name)` finds it
 * from any node. A name is held by a name server on the main thread, and freed when the subject's owner ends or its
 * node is lost. Fails with `NameTaken` when the name is held. Names made with `Name.make` and `Process.register`
 * stay local to their node, as Erlang's registered names are.
 *
 * @since 1.0.0
 * @category names
 */
export const registerGlobal = <M, I>(
  name: string,
  subject: Subject.Subject<M>,
  messages: Schema.Codec<M, I>
): Effect.Effect<void, Errors.NameTaken | Errors.CallError> =>
  Effect.gen(function*() {
    const server = yield* globalServer
    const address = Schema.encodeSync(CoreSubject.schema(messages as Schema.Codec<unknown, unknown>))(
      subject as Subject.Subject<unknown>
    )
    if (typeof address.t === "string") {
      return yield* Effect.die(
        new Error(`Node.registerGlobal("${name}"): a named subject cannot hold a global name; give its owner's subject`)
      )
    }
    const pid = Distribution.importPid(address.n, address.p)
    const ok = yield* CoreSubject.call(
      server,
      (replyTo: Subject.Subject<boolean>) => ({ _tag: "Register" as const, key: name, subject: address, pid, replyTo }),
      "5 seconds"
    )
    if (!ok) return yield* new CoreErrors.NameTaken({ name, owner: "another process (global name)" })
  })

/**
 * The subject registered under `name` for every node, its messages coded by `messages`.
 *
 * @since 1.0.0
 * @category names
 */
export const whereisGlobal = <M, I>(
  name: string,
  messages: Schema.Codec<M, I>
): Effect.Effect<Option.Option<Subject.Subject<M>>, Errors.CallError> =>
  Effect.gen(function*() {
    const server = yield* globalServer
    const address = yield* CoreSubject.call(
      server,
      (replyTo: Subject.Subject<Address | null>) => ({ _tag: "Whereis" as const, key: name, replyTo }),
      "5 seconds"
    )
    return address === null
      ? Option.none()
      : Option.some(Distribution.importSubject<M>(address, messages as Schema.Codec<unknown, unknown>))
  })

/**
 * Frees a global name held by the calling process's subject (a name held by another process stays).
 *
 * @since 1.0.0
 * @category names
 */
export const unregisterGlobal = (name: string, owner?: Process.Pid): Effect.Effect<void> =>
  Effect.gen(function*() {
    const server = yield* Effect.orDie(globalServer)
    const pid = owner ?? (yield* Process.self)
    yield* CoreSubject.send(server, { _tag: "Unregister", key: name, pid })
  })

const globalServer = Effect.suspend(() =>
  server.address === undefined
    ? Effect.fail(new CoreErrors.NoProcess({ target: "the global name server (start a node first)" }))
    : Effect.succeed(
      Distribution.importSubject<GlobalRequest>(
        server.address,
        GlobalRequestSchema as unknown as Schema.Codec<unknown, unknown>
      )
    )
)

/**
 * A node as a `Layer`, providing its `NodeRef` under `tag`: built on its own, it starts the thread in the layer's
 * scope; given to `StaticSupervisor.layer`, the thread is a supervised child (restarted with a new number, which the
 * `NodeRef` follows), so an application's tree of nodes is composed of Layers and run with `Layer.launch`.
 *
 * @example
 * ```ts
 * class Workers extends Context.Service<Workers, Node.NodeRef>()("app/Workers") {}
 * const App = StaticSupervisor.layer(
 *   StaticSupervisor.new("OneForOne"),
 *   Node.layer(Workers, new URL("./worker.js", import.meta.url))
 * )
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = <I>(
  tag: Context.Key<I, NodeRef>,
  entry: string | URL,
  options: StartOptions = {}
): Supervision.ChildLayer<I, Errors.StartError> =>
  Supervision.childLayer(Effect.sync(() => {
    const ref = make(entry, options)
    return { child: ref.child as Supervision.ChildSpecification<unknown, unknown>, context: Context.make(tag, ref) }
  }))

/**
 * Ends a node's thread at once, as a crash would (Node's `worker.terminate()`): for tests and for a node that must
 * go. Its process on the main thread then ends with `Abnormal`, and the links and monitors into the node fire.
 *
 * @since 1.0.0
 * @category lifecycle
 */
export const terminate = (node: NodeHandle): Effect.Effect<void> =>
  Effect.promise(() => node.thread.terminate()).pipe(Effect.asVoid)

/**
 * Busy-waiting for answers from other nodes, on this thread: after the thread has posted what a turn of its event
 * loop produced, it polls for the answer for up to `wait` before it sleeps (Erlang's schedulers spin a while before
 * they sleep, `+sbwt`). Waking a sleeping thread costs tens of µs on a VM: a call across threads took 160-200 µs
 * without, 35-45 µs with 100 µs of spin on each side (packages/bench, `threads-call`). It burns a core while it waits
 * and holds the event loop 2 ms at most in a row. Off by default; `StartOptions.spin` sets it in a node's thread.
 *
 * @since 1.0.0
 * @category tuning
 */
export const setSpin = (wait: Duration.Input): void => {
  spin.micros = Duration.toMillis(Duration.fromInputUnsafe(wait)) * 1000
}

/**
 * The nodes the main thread runs now, by number.
 *
 * @since 1.0.0
 * @category getters
 */
export const nodes: Effect.Effect<ReadonlyArray<number>> = Effect.sync(() => Array.from(live.keys()))

/**
 * Runs the current worker thread as a node: the entry module of a node calls it once it has loaded its actor
 * definitions. Returns an effect; `runWorker` runs it.
 *
 * @since 1.0.0
 * @category worker
 */
export const serve: Effect.Effect<void, unknown> = worker.serve

/**
 * Runs the current worker thread as a node, in the background (see `serve`). Pass the node's actor definitions:
 * loading their module registers them, but a bundler that believes the module has no side effects (a package with
 * `"sideEffects": false`) would drop an import that only registers; naming them here keeps them.
 *
 * @since 1.0.0
 * @category worker
 */
export const runWorker = (definitions: ReadonlyArray<Actor.Definition<any, any>> = []): void => {
  for (const definition of definitions) {
    if (Distribution.definition(definition.name) === undefined) {
      throw new Error(`Node.runWorker: the definition "${definition.name}" is not registered on this thread`)
    }
  }
  Effect.runFork(serve)
}

/**
 * This thread's node number: 1 on the main thread once it has started a node, the node's number in a worker.
 *
 * @since 1.0.0
 * @category getters
 */
export const self: Effect.Effect<number> = Effect.sync(() => Distribution.localNode())
