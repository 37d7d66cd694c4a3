/**
 * `@effect-otp/core`: Erlang/Gleam OTP on Effect. Typed processes and mailboxes, links and monitors, and the
 * behaviours built on them.
 *
 * @since 1.0.0
 */

/**
 * Processes: fibers with a pid, a mailbox, links and monitors, living inside a `Scope`.
 *
 * @since 1.0.0
 */
export * as Process from "./Process.js"

/**
 * Subjects: typed addresses; send, selective receive, call and timers.
 *
 * @since 1.0.0
 */
export * as Subject from "./Subject.js"

/**
 * Selectors: receive from several subjects, trapped exits and monitors at once.
 *
 * @since 1.0.0
 */
export * as Selector from "./Selector.js"

/**
 * Typed process names.
 *
 * @since 1.0.0
 */
export * as Name from "./Name.js"

/**
 * Actors: processes that own state and serve messages (gen_server).
 *
 * @since 1.0.0
 */
export * as Actor from "./Actor.js"

/**
 * State machines: actors whose state is split into a state and data, with postponed and inserted events, event,
 * state and generic timeouts, and state enter calls (gen_statem).
 *
 * @since 1.0.0
 */
export * as StateMachine from "./StateMachine.js"

/**
 * System messages for actors (Erlang's sys): state, status, suspend, resume, statistics.
 *
 * @since 1.0.0
 */
export * as System from "./System.js"

/**
 * Child specifications and restart policy, shared by static and factory supervisors; children as Layers.
 *
 * @since 1.0.0
 */
export * as Supervision from "./Supervision.js"

/**
 * Static supervisors (Erlang's supervisor): a fixed list of children, restarted by strategy.
 *
 * @since 1.0.0
 */
export * as StaticSupervisor from "./StaticSupervisor.js"

/**
 * Factory supervisors (simple_one_for_one, DynamicSupervisor): children started on demand from a template.
 *
 * @since 1.0.0
 */
export * as FactorySupervisor from "./FactorySupervisor.js"

/**
 * Tasks: compute a value in another process and hand it back; bounded concurrent maps.
 *
 * @since 1.0.0
 */
export * as Task from "./Task.js"

/**
 * Task supervisors (Elixir's Task.Supervisor): tasks started under a supervisor; async, asyncNolink, startChild.
 *
 * @since 1.0.0
 */
export * as TaskSupervisor from "./TaskSupervisor.js"

/**
 * A typed process registry with unique or duplicate keys (Elixir's Registry).
 *
 * @since 1.0.0
 */
export * as Registry from "./Registry.js"

/**
 * Every typed error of the library in one place (each module also re-exports those its functions fail with).
 *
 * @since 1.0.0
 */
export * as Errors from "./Errors.js"

/**
 * The library's metrics (messages, mailboxes, call latency, restarts, processes, crashes), off by default.
 *
 * @since 1.0.0
 */
export * as Metrics from "./Metrics.js"

/**
 * A test kit for your own actors: settle, probes, waits for supervision, the leak check; all on TestClock.
 *
 * @since 1.0.0
 */
export * as Testing from "./Testing.js"

/**
 * The contract between the core and a transport that connects nodes (threads): signals, connections, node numbers.
 *
 * @since 1.0.0
 */
export * as Distribution from "./Distribution.js"
