/**
 * The observer: a live web view of a running effect-otp system, as Erlang's `observer` and Elixir's LiveDashboard
 * give one of a BEAM node.
 *
 * An OTP system is debugged while it runs: which supervisors are there and what they supervise, which process has a
 * growing mailbox, which restarts over and over, and what happens when one is killed by hand. The page shows:
 *
 * - **the supervision trees**, drawn as trees: each child with its label or name, status, restart count and mailbox
 *   length. A child whose restart count went up flashes.
 * - **the process table**: pid, name, kind (supervisor, actor, plain process), mailbox length, memory estimate,
 *   messages handled per second, links; sortable by any column and filtered by a text box.
 * - **one process's details**: its links, who monitors it, whether it traps exits, its state (`System.getState`,
 *   only with `showState`), and its recent log reports (what its supervisor said about it: crashes, restarts).
 * - **a kill button** per process (`Process.kill`, as observer's "Kill process"), only with `allowKill`.
 *
 * It is updated live through server-sent events (every second by default). The page is static HTML, CSS and a small
 * script shipped in this package: nothing to build, nothing fetched from elsewhere.
 *
 * Two layers make it:
 *
 * - `Observer.layer(options)`: its routes, for the application's own `HttpRouter`, under `/observer` by default, as
 *   LiveDashboard mounts into a Phoenix router. `Observer.serve(options)` serves the same routes standalone, on
 *   127.0.0.1 by default.
 * - `Observer.layerReports`: the log of recent reports the details show, and the logger that fills it. A process
 *   logs with the loggers of the context it was started in, so this layer goes **below the supervision tree** (it
 *   is added to the loggers already there, which go on as before).
 *
 * @example
 * ```ts
 * import { Name, StaticSupervisor } from "@effect-otp/core"
 * import { Observer } from "@effect-otp/observer"
 * import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { createServer } from "node:http"
 *
 * const root = Name.make<StaticSupervisor.Message>("app/root") // the tree's root, registered under a name
 * const TreeLive = StaticSupervisor.layer(StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.named(root)))
 *
 * const AppLive = HttpRouter.serve(Observer.layer({ roots: [root] })).pipe( // merged with the app's own routes
 *   Layer.provide(NodeHttpServer.layer(createServer, { port: 3000, host: "127.0.0.1" })),
 *   Layer.provide(TreeLive),
 *   Layer.provide(Observer.layerReports) // below the tree: its reports reach the observer
 * )
 * Layer.launch(AppLive).pipe(NodeRuntime.runMain) // http://127.0.0.1:3000/observer
 * ```
 *
 * @since 1.0.0
 */
import type * as Supervision from "@effect-otp/core/Supervision"
import type * as Duration from "effect/Duration"
import type { HttpRouter, HttpServerError } from "effect/http"
import type * as Layer from "effect/Layer"
import * as settings from "./internal/options.js"
import * as reports from "./internal/reports.js"
import * as routes from "./internal/routes.js"
import * as server from "./internal/server.js"

export {
  /**
   * An option the observer cannot use: a defect raised when its layer is built, whose message names the function and
   * the field (`Observer.layer options.interval: "soon" is not a valid duration`). An unknown option is refused too,
   * so that a misspelt `allowKill` does not silently leave the kill button off.
   *
   * @since 1.0.0
   * @category errors
   */
  InvalidOption
} from "./internal/errors.js"

export {
  /**
   * The log of recent reports per process, which the details of a process show: provided by `layerReports`.
   *
   * @since 1.0.0
   * @category services
   */
  Reports
} from "./internal/reports.js"

// ---------------------------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------------------------

/**
 * How the observer is mounted and what it allows.
 *
 * @since 1.0.0
 * @category options
 */
export interface Options {
  /** The path it is served under: `"/observer"` by default; `"/"` for the root. */
  readonly prefix?: string | undefined
  /**
   * The supervisors whose trees are shown, by name, handle or pid (what `Supervision.tree` takes). None: every root
   * supervisor found at each update (a supervisor that no other supervisor supervises).
   */
  readonly roots?: ReadonlyArray<Supervision.TreeRoot> | undefined
  /** How often the page is updated: every second by default, at least every 50 ms. */
  readonly interval?: Duration.Input | undefined
  /** How long a supervisor, or an actor asked for its state, may take to answer: 1 second by default. */
  readonly timeout?: Duration.Input | undefined
  /** Whether the page may kill processes (`Process.kill`). Off by default: the kill endpoint answers 403. */
  readonly allowKill?: boolean | undefined
  /**
   * Whether a process's details show its state (`System.getState`, actors only). Off by default: a state may hold
   * secrets, and asking for it is a call to the actor.
   */
  readonly showState?: boolean | undefined
  /** The most rows of the process table per update (the busiest processes first): 2,000 by default. */
  readonly maxProcesses?: number | undefined
  /**
   * The host names the observer answers to (the `Host` header, port aside), besides this machine's own (`localhost`,
   * `127.0.0.1`, `::1`). Anything else gets 403: a page on another site that points its own name at 127.0.0.1 (DNS
   * rebinding) is same-origin with the observer for the browser, and could otherwise read it and press its buttons.
   * A request that carries an `Origin` must come from one of these hosts too. Add your app's public name here if it
   * serves the observer behind it.
   */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
}

/**
 * The options of the standalone server: `Options`, and where to listen.
 *
 * @since 1.0.0
 * @category options
 */
export interface ServeOptions extends Options {
  /** 4790 by default; 0 picks a free port. */
  readonly port?: number | undefined
  /**
   * `"127.0.0.1"` by default: reachable from this machine only. The observer can show states and kill processes;
   * bind it elsewhere only behind something that checks who is asking.
   */
  readonly host?: string | undefined
}

/**
 * The path the observer is mounted under when the options say none.
 *
 * @since 1.0.0
 * @category options
 */
export const defaultPrefix: string = settings.DEFAULT_PREFIX

/**
 * The standalone server's port when the options say none.
 *
 * @since 1.0.0
 * @category options
 */
export const defaultPort: number = settings.DEFAULT_PORT

// ---------------------------------------------------------------------------------------------------------------
// What the API answers (JSON)
// ---------------------------------------------------------------------------------------------------------------

/**
 * One look at the system: what `GET {prefix}/api/snapshot` answers and each `snapshot` event of
 * `GET {prefix}/api/events` carries. Pids are strings (`<0.42>`).
 *
 * @since 1.0.0
 * @category models
 */
export interface Snapshot {
  /** When it was taken, in milliseconds of the `Clock`. */
  readonly at: number
  readonly trees: ReadonlyArray<TreeView>
  /** The process table (at most `maxProcesses` rows). */
  readonly processes: ReadonlyArray<ProcessRow>
  /** How many processes are alive, shown or not. */
  readonly processCount: number
  readonly settings: {
    readonly prefix: string
    readonly intervalMillis: number
    readonly allowKill: boolean
    readonly showState: boolean
  }
}

/**
 * A supervision tree: its root supervisor and, recursively, the children. A root that could not be walked (a name
 * nobody holds while it restarts, a supervisor that did not answer in time) has `pid: null` or no children, and
 * `error` says why (`NoProcess`, `CallTimeout`, `NotASupervisor`).
 *
 * @since 1.0.0
 * @category models
 */
export interface TreeView {
  readonly pid: string | null
  /** Its registered name without the uniqueness suffix, else `supervisor <pid>`. */
  readonly label: string
  readonly name: string | null
  readonly kind: "static" | "factory" | null
  readonly messageQueueLength: number
  readonly children: ReadonlyArray<NodeView>
  readonly error: string | null
}

/**
 * A child in a tree, as `Supervision.tree` describes it. Its restart count goes up by one with each restart.
 *
 * @since 1.0.0
 * @category models
 */
export interface NodeView {
  readonly id: number
  readonly pid: string | null
  /** Its label (`Supervision.label`, a layer's tag), else its registered name, else `#id`. */
  readonly label: string
  readonly name: string | null
  readonly type: "worker" | "supervisor"
  readonly restart: Supervision.Restart
  readonly status: "running" | "restarting" | "stopped"
  readonly restarts: number
  readonly messageQueueLength: number
  readonly children?: ReadonlyArray<NodeView>
}

/**
 * What the process table and the details both say about a process (`Process.info`).
 *
 * @since 1.0.0
 * @category models
 */
export interface ProcessSummary {
  readonly pid: string
  readonly name: string | null
  /** What to call it: its label in a tree, else its registered name. */
  readonly label: string | null
  readonly kind: "supervisor" | "actor" | "process"
  /** Code outside any process that became one (a main program, a request handler). */
  readonly implicit: boolean
  readonly messageQueueLength: number
  /** Bytes, an estimate (see `Process.ProcessInfo`). */
  readonly memoryEstimate: number
  readonly messagesIn: number
  readonly messagesOut: number
  /** Messages its bounded subjects kept out (see `Process.ProcessInfo`); 0 for an unbounded mailbox. */
  readonly messagesDropped: number
  readonly trapExit: boolean
}

/**
 * A row of the process table: the summary, a rate, and how linked and watched it is.
 *
 * @since 1.0.0
 * @category models
 */
export interface ProcessRow extends ProcessSummary {
  /** Messages received per second since the previous update; null in a single look. */
  readonly messagesPerSecond: number | null
  /** How many processes it is linked to, and how many monitor it. */
  readonly links: number
  readonly monitoredBy: number
}

/**
 * A process at the other end of a link or a monitor.
 *
 * @since 1.0.0
 * @category models
 */
export interface Peer {
  readonly pid: string
  readonly label: string | null
  /** Null when it has ended. */
  readonly kind: "supervisor" | "actor" | "process" | null
}

/**
 * A process's state as the details show it: printed (`util.inspect`, cut at 20,000 characters), or why not.
 *
 * @since 1.0.0
 * @category models
 */
export interface StateView {
  readonly shown: boolean
  readonly text: string
}

/**
 * A log entry kept about a process: one of the library's reports (`report` says which: `crash_report`,
 * `child_terminated`, `progress`, ...) or anything else logged with its pid.
 *
 * @since 1.0.0
 * @category models
 */
export interface ReportEntry {
  /** When it was logged, in milliseconds since the epoch. */
  readonly at: number
  readonly level: string
  readonly message: string
  readonly report: string | null
  /** Its log annotations, as text. */
  readonly annotations: Readonly<Record<string, string>>
}

/**
 * The details of one process: what `GET {prefix}/api/processes/:pid` answers.
 *
 * @since 1.0.0
 * @category models
 */
export interface ProcessDetails extends ProcessSummary {
  /** When it started, in milliseconds of the `Clock` it was spawned with. */
  readonly startedAt: number
  readonly links: ReadonlyArray<Peer>
  readonly monitoredBy: ReadonlyArray<Peer>
  readonly state: StateView
  /** Its recent reports, oldest first (the last 50). */
  readonly reports: ReadonlyArray<ReportEntry>
  readonly allowKill: boolean
}

// ---------------------------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------------------------

/**
 * The observer's routes, added to the application's `HttpRouter` under `prefix` (`/observer` by default): the
 * page, its JSON snapshot, its event stream, the details of a process and, with `allowKill`, the kill endpoint.
 * It reads the reports from `Reports`: provide `layerReports` below the supervision tree.
 *
 * Bad options make the layer die with `InvalidOption` when it is built.
 *
 * @example
 * ```ts
 * import { Observer } from "@effect-otp/observer"
 * import { Layer } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 *
 * const AppRoutes = HttpRouter.add("GET", "/hello", HttpServerResponse.text("hello"))
 * // GET /hello, and the observer at /ops/observer, which may kill processes.
 * const Routes = Layer.mergeAll(AppRoutes, Observer.layer({ prefix: "/ops/observer", allowKill: true }))
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<never, never, HttpRouter.HttpRouter | reports.Reports> =>
  routes.layer(() => settings.decodeSettings("Observer.layer", options))

/**
 * A fresh log of recent reports (the `Reports` service), and its logger added to the loggers already provided: it
 * keeps the last 50 entries logged about each process, by their `pid` and `child_pid` annotations (the last 5,000
 * processes). Provide it below the supervision tree: a process logs with the loggers of the context it was started
 * in.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerReports: Layer.Layer<reports.Reports> = reports.layer

/**
 * The observer on a server of its own (Node's `http`), on `host` (127.0.0.1 by default) and `port` (4790 by
 * default), under `prefix`; it logs where: `observer: http://127.0.0.1:4790/observer (bound to 127.0.0.1 only)`.
 * For an application that has no HTTP server, or keeps the observer off its public one.
 *
 * @example
 * ```ts
 * import { Observer } from "@effect-otp/observer"
 * import { Layer } from "effect"
 *
 * declare const TreeLive: Layer.Layer<never>
 * const AppLive = Layer.merge(TreeLive, Observer.serve({ port: 4790 })).pipe(Layer.provide(Observer.layerReports))
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const serve = (options?: ServeOptions): Layer.Layer<never, HttpServerError.ServeError, reports.Reports> =>
  server.serve(options)
