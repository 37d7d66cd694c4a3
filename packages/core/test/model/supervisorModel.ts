/**
 * A pure reference model of Erlang's static supervisor (OTP `supervisor.erl`, static strategies), used by
 * `SupervisorModel.test.ts` to check `StaticSupervisor` scenario by scenario.
 *
 * What it models, following `supervisor.erl` (OTP 25: `do_restart`, `restart/2`, `restart/3`, `add_restart`,
 * `terminate_children`, `do_auto_shutdown`):
 *
 * - a tree: a root supervisor whose children are workers or nested supervisors (any depth); a nested supervisor that
 *   (re)starts begins fresh from its specification: all its children (temporary ones included), an empty restart
 *   history;
 * - strategies: `OneForOne` restarts the child that ended; `OneForAll` stops every other running child (reverse
 *   order) and starts every child that is not running, in order (a Transient child that had ended Normal starts
 *   again too, as in Erlang); `RestForOne` does the same for the child and the ones after it. Temporary children
 *   stopped by a strategy are forgotten, not restarted;
 * - restart types: Permanent restarts on any exit, Transient on anything but Normal / Shutdown, Temporary never
 *   (and is forgotten when it ends);
 * - intensity: each restart decision (one per exit, whatever the strategy restarts) is recorded at `now`; the
 *   recorded restarts at or after `now - period` are kept; more than `intensity` of them and the supervisor gives
 *   up: it stops its running children in reverse order and exits `Shutdown`;
 * - significant children and autoShutdown: a significant child that ended and is not restarted stops its supervisor
 *   (`Shutdown`, children in reverse order) under `AnySignificant`, or under `AllSignificant` when no significant
 *   child is running any more; a significant child stopped by its supervisor's strategy does not count;
 * - shutdown: a supervisor stops a running child with `Shutdown` (a supervisor child first stops its own children,
 *   in reverse order); children are always stopped in reverse order of their position;
 * - events: a worker ends with `Normal`, `Shutdown`, `Abnormal` or `Killed`; a nested supervisor is killed (its
 *   children receive the `Killed` exit of their parent: workers end `Killed`, supervisors stop their own children
 *   with `Shutdown` and end `Killed`; these happen concurrently, so their log entries form an unordered segment);
 *   the clock advances.
 *
 * What the test observes, and the model predicts, is a log of strings:
 * - `start <path>`: a worker's init ran, or a nested supervisor is about to start (before its children);
 * - `stop <path> <reason>`: a worker stopped gracefully (its `onTerminate`: Normal, Shutdown, or the `Killed` exit
 *   of its parent), not on a crash nor on a kill;
 * - `down <path> <reason>`: the process ended (a monitor's `Down`), for workers and supervisors, root included.
 *
 * Paths are child ids (positions in the specification) joined with dots, from the root's children: `0`, `2.1`; the
 * root is `root`. The model is pure: `step` never mutates the state it is given.
 *
 * Checked against Erlang/OTP 25 itself: `supervisor.erl` (recompiled with its clock, `erlang:monotonic_time(1)`, read
 * from a value the harness sets), gen_server workers logging the same way, 9,000 random scenarios of the property
 * test's generators, the same log, trees and starts. Two differences in what Erlang shows, not in what it does, were
 * set aside there: `which_children` lists children last started first (the TS API lists them in order), and a `DOWN`
 * from a dying process is not ordered with messages from other processes (so downs were compared as a multiset).
 */

export type Restart = "Permanent" | "Transient" | "Temporary"
export type Strategy = "OneForOne" | "OneForAll" | "RestForOne"
export type AutoShutdown = "Never" | "AnySignificant" | "AllSignificant"
export type Reason = "Normal" | "Shutdown" | "Abnormal" | "Killed"

export interface WorkerSpec {
  readonly _tag: "Worker"
  readonly restart: Restart
  readonly significant: boolean
}

export interface SupervisorSpec {
  readonly _tag: "Supervisor"
  /** As a child of its parent (ignored for the root). */
  readonly restart: Restart
  /** As a child of its parent (ignored for the root). */
  readonly significant: boolean
  readonly strategy: Strategy
  readonly intensity: number
  /** Seconds. */
  readonly period: number
  readonly autoShutdown: AutoShutdown
  readonly children: ReadonlyArray<ChildSpec>
}

export type ChildSpec = WorkerSpec | SupervisorSpec

/**
 * One step of a scenario. `Crash` picks among the running workers (or, with target `Supervisor`, the running nested
 * supervisors, which are killed whatever `reason` says), in tree order, the one at `pick` modulo their number; when
 * there is none of that kind it picks among the other kind; when nothing runs it does nothing.
 */
export type Event =
  | { readonly _tag: "Crash"; readonly target: "Worker" | "Supervisor"; readonly pick: number; readonly reason: Reason }
  | { readonly _tag: "Advance"; readonly seconds: number }

/** A run of log entries: in this order, or (`ordered: false`) in any order. */
export interface Segment {
  readonly ordered: boolean
  readonly entries: ReadonlyArray<string>
}

/** What an event did to whom: the process it hit, and how. */
export type Action =
  | { readonly _tag: "Nothing" }
  | { readonly _tag: "Advance"; readonly seconds: number }
  | { readonly _tag: "Exit"; readonly path: string; readonly reason: Exclude<Reason, "Killed"> }
  | { readonly _tag: "Kill"; readonly path: string; readonly kind: "Worker" | "Supervisor" }

export interface ChildState {
  readonly id: number
  readonly path: string
  readonly spec: ChildSpec
  readonly alive: boolean
  /** The running nested supervisor, when `spec` is a supervisor and it runs. */
  readonly sup: SupervisorState | undefined
}

export interface SupervisorState {
  readonly path: string
  readonly spec: SupervisorSpec
  /** In specification order; forgotten (temporary) children are gone. */
  readonly children: ReadonlyArray<ChildState>
  /** Times (seconds) of the restarts in the intensity window, oldest first. */
  readonly restarts: ReadonlyArray<number>
}

export interface ModelState {
  /** `undefined` once the root supervisor has exited. */
  readonly root: SupervisorState | undefined
  /** Seconds since the start. */
  readonly now: number
  /** Starts per path (a nested supervisor's too); restarts are `starts - 1`. */
  readonly starts: Readonly<Record<string, number>>
}

export interface StepResult {
  readonly state: ModelState
  readonly action: Action
  readonly log: ReadonlyArray<Segment>
  /** Supervisors that gave up (intensity) during the step, in order. */
  readonly escalated: ReadonlyArray<string>
  /** Supervisors that stopped by autoShutdown during the step, in order. */
  readonly autoShutdown: ReadonlyArray<string>
}

/** What the test compares with the real tree after each step. */
export interface Snapshot {
  readonly rootAlive: boolean
  /** For every running supervisor (root included), its children as `which_children` shows them: `id:up|down:kind`. */
  readonly supervisors: Readonly<Record<string, ReadonlyArray<string>>>
  readonly starts: Readonly<Record<string, number>>
}

export const ROOT = "root"

export const childPath = (parent: string, id: number): string => parent === ROOT ? String(id) : `${parent}.${id}`

// ---------------------------------------------------------------------------------------------------------------
// Mutable working copy: `step` clones the state into it, runs, and freezes the result back.
// ---------------------------------------------------------------------------------------------------------------

interface Child {
  readonly id: number
  readonly path: string
  readonly spec: ChildSpec
  alive: boolean
  sup: Sup | undefined
}

interface Sup {
  readonly path: string
  readonly spec: SupervisorSpec
  children: Array<Child>
  restarts: Array<number>
}

/** A deep copy: the model mutates its own copy, and the states it hands out never change afterwards. */
const copySup = (s: SupervisorState): Sup => ({
  path: s.path,
  spec: s.spec,
  children: s.children.map((c) => ({
    id: c.id,
    path: c.path,
    spec: c.spec,
    alive: c.alive,
    sup: c.sup === undefined ? undefined : copySup(c.sup)
  })),
  restarts: s.restarts.slice()
})

const fresh = (spec: SupervisorSpec, path: string): Sup => ({
  path,
  spec,
  children: spec.children.map((child, id) => ({
    id,
    path: childPath(path, id),
    spec: child,
    alive: false,
    sup: undefined
  })),
  restarts: []
})

const restarts = (restart: Restart, reason: Reason): boolean =>
  restart === "Permanent" || (restart === "Transient" && reason !== "Normal" && reason !== "Shutdown")

class Run {
  root: Sup | undefined
  now: number
  readonly starts: Record<string, number>
  readonly segments: Array<Segment> = []
  private current: Array<string> = []
  readonly escalated: Array<string> = []
  readonly autoShutdown: Array<string> = []

  constructor(state: ModelState) {
    this.root = state.root === undefined ? undefined : copySup(state.root)
    this.now = state.now
    this.starts = { ...state.starts }
  }

  emit(entry: string): void {
    this.current.push(entry)
  }

  /** Entries emitted by `f` form one unordered segment. */
  unordered(f: () => void): void {
    this.flush()
    f()
    if (this.current.length > 0) this.segments.push({ ordered: false, entries: this.current })
    this.current = []
  }

  flush(): void {
    if (this.current.length > 0) this.segments.push({ ordered: true, entries: this.current })
    this.current = []
  }

  result(action: Action): StepResult {
    this.flush()
    return {
      state: {
        root: this.root === undefined ? undefined : copySup(this.root),
        now: this.now,
        starts: this.starts
      },
      action,
      log: this.segments,
      escalated: this.escalated,
      autoShutdown: this.autoShutdown
    }
  }

  /** The supervisor at `path` (running) and, for a nested one, its parent and its record there. */
  locate(path: string): { readonly sup: Sup; readonly parent: Sup | undefined; readonly child: Child | undefined } {
    let sup = this.root!
    let parent: Sup | undefined = undefined
    let child: Child | undefined = undefined
    if (path === ROOT) return { sup, parent, child }
    for (const part of path.split(".")) {
      const id = Number(part)
      const next = sup.children.find((c) => c.id === id)!
      parent = sup
      child = next
      sup = next.sup!
    }
    return { sup, parent, child }
  }

  parentOf(path: string): { readonly sup: Sup; readonly child: Child } {
    const parts = path.split(".")
    const id = Number(parts.pop())
    const sup = this.locate(parts.length === 0 ? ROOT : parts.join(".")).sup
    return { sup, child: sup.children.find((c) => c.id === id)! }
  }

  // -- starting and stopping -------------------------------------------------------------------------------

  /** Starts `child` of a running supervisor: a worker's init, or a supervisor and then its children, in order. */
  start(child: Child): void {
    this.emit(`start ${child.path}`)
    this.starts[child.path] = (this.starts[child.path] ?? 0) + 1
    child.alive = true
    if (child.spec._tag === "Supervisor") {
      const sup = fresh(child.spec, child.path)
      child.sup = sup
      for (const c of sup.children) this.start(c)
    }
  }

  /**
   * A running child ends with `reason`, sent by its parent: a worker's onTerminate logs it; a nested supervisor
   * stops its own children first (with `Shutdown`), then ends with it.
   */
  private end(child: Child, reason: "Shutdown" | "Killed"): void {
    if (!child.alive) return
    if (child.spec._tag === "Worker") {
      this.emit(`stop ${child.path} ${reason}`)
    } else {
      this.stopAll(child.sup!)
    }
    this.emit(`down ${child.path} ${reason}`)
    child.alive = false
    child.sup = undefined
  }

  /** The supervisor stops a running child (`Shutdown`): a nested supervisor stops its own children first. */
  stop(child: Child): void {
    this.end(child, "Shutdown")
  }

  /** Every running child, in reverse order. */
  stopAll(sup: Sup): void {
    for (const child of sup.children.slice().reverse()) this.stop(child)
  }

  /** The parent of `child` died with `Killed`: a worker ends `Killed`; a supervisor stops its children and does. */
  killedByParent(child: Child): void {
    this.end(child, "Killed")
  }

  // -- a child ended: do_restart ---------------------------------------------------------------------------

  childExited(sup: Sup, child: Child, reason: Reason): void {
    child.alive = false
    child.sup = undefined
    if (restarts(child.spec.restart, reason)) {
      this.restart(sup, child)
      return
    }
    if (child.spec.restart === "Temporary") sup.children = sup.children.filter((c) => c !== child)
    if (child.spec.significant && this.autoShutdownDue(sup)) {
      this.autoShutdown.push(sup.path)
      this.exit(sup, "Shutdown")
    }
  }

  autoShutdownDue(sup: Sup): boolean {
    switch (sup.spec.autoShutdown) {
      case "Never":
        return false
      case "AnySignificant":
        return true
      case "AllSignificant":
        return !sup.children.some((c) => c.spec.significant && c.alive)
    }
  }

  /** add_restart, then the strategy; more than `intensity` restarts within `period` and the supervisor gives up. */
  restart(sup: Sup, child: Child): void {
    const threshold = this.now - sup.spec.period
    sup.restarts = [...sup.restarts.filter((at) => at >= threshold), this.now]
    if (sup.restarts.length > sup.spec.intensity) {
      this.escalated.push(sup.path)
      this.exit(sup, "Shutdown")
      return
    }
    let group: Array<Child>
    switch (sup.spec.strategy) {
      case "OneForOne":
        group = [child]
        break
      case "OneForAll":
        group = sup.children.slice()
        break
      case "RestForOne":
        group = sup.children.slice(sup.children.indexOf(child))
        break
    }
    for (const other of group.slice().reverse()) {
      if (other === child) continue
      this.stop(other)
      if (other.spec.restart === "Temporary") sup.children = sup.children.filter((c) => c !== other)
    }
    for (const c of group) {
      if (!c.alive && sup.children.includes(c)) this.start(c)
    }
  }

  /** A supervisor ends by itself (gave up, or autoShutdown): its children in reverse order, then its parent knows. */
  exit(sup: Sup, reason: Reason): void {
    this.stopAll(sup)
    this.emit(`down ${sup.path} ${reason}`)
    if (sup.path === ROOT) {
      this.root = undefined
      return
    }
    const { child, sup: parent } = this.parentOf(sup.path)
    this.childExited(parent, child, reason)
  }

  // -- events ----------------------------------------------------------------------------------------------

  /** A worker ends with `reason` (its own doing, or a kill). */
  workerEnds(path: string, reason: Reason): void {
    const { child, sup } = this.parentOf(path)
    if (reason === "Normal" || reason === "Shutdown") this.emit(`stop ${path} ${reason}`)
    this.emit(`down ${path} ${reason}`)
    this.childExited(sup, child, reason)
  }

  /** A nested supervisor is killed: its subtree ends concurrently (one unordered segment), then its parent knows. */
  supervisorKilled(path: string): void {
    const { child, sup: parent } = this.parentOf(path)
    const killed = child.sup!
    this.unordered(() => {
      this.emit(`down ${path} Killed`)
      for (const c of killed.children.slice().reverse()) this.killedByParent(c)
    })
    this.childExited(parent, child, "Killed")
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The model's API
// ---------------------------------------------------------------------------------------------------------------

/** The root supervisor started: its children started in order. */
export const init = (root: SupervisorSpec): StepResult => {
  const run = new Run({ root: undefined, now: 0, starts: {} })
  const sup = fresh(root, ROOT)
  run.root = sup
  for (const child of sup.children) run.start(child)
  return run.result({ _tag: "Nothing" })
}

/** Running nodes of a kind, in tree order (depth first, children in order). */
export const running = (state: ModelState, kind: "Worker" | "Supervisor"): ReadonlyArray<string> => {
  const found: Array<string> = []
  const visit = (sup: SupervisorState) => {
    for (const child of sup.children) {
      if (!child.alive) continue
      if (child.spec._tag === kind) found.push(child.path)
      if (child.sup !== undefined) visit(child.sup)
    }
  }
  if (state.root !== undefined) visit(state.root)
  return found
}

/** The process an event hits, if any (see `Event`). */
export const resolve = (state: ModelState, event: Event): Action => {
  if (event._tag === "Advance") return { _tag: "Advance", seconds: event.seconds }
  const other = event.target === "Worker" ? "Supervisor" : "Worker"
  const preferred = running(state, event.target)
  const [kind, candidates] = preferred.length > 0 ?
    [event.target, preferred] as const :
    [other, running(state, other)] as const
  if (candidates.length === 0) return { _tag: "Nothing" }
  const path = candidates[event.pick % candidates.length]
  if (kind === "Supervisor" || event.reason === "Killed") return { _tag: "Kill", path, kind }
  return { _tag: "Exit", path, reason: event.reason }
}

/** One event: the next state, and what should be seen meanwhile. */
export const step = (state: ModelState, event: Event): StepResult => {
  const action = resolve(state, event)
  const run = new Run(state)
  switch (action._tag) {
    case "Nothing":
      break
    case "Advance":
      run.now += action.seconds
      break
    case "Exit":
      run.workerEnds(action.path, action.reason)
      break
    case "Kill":
      if (action.kind === "Worker") run.workerEnds(action.path, "Killed")
      else run.supervisorKilled(action.path)
      break
  }
  return run.result(action)
}

/** What `whichChildren` shows across the running tree, and the starts so far. */
export const snapshot = (state: ModelState): Snapshot => {
  const supervisors: Record<string, ReadonlyArray<string>> = {}
  const visit = (sup: SupervisorState) => {
    supervisors[sup.path] = sup.children.map((c) =>
      `${c.id}:${c.alive ? "up" : "down"}:${c.spec._tag === "Worker" ? "worker" : "supervisor"}`
    )
    for (const child of sup.children) if (child.sup !== undefined) visit(child.sup)
  }
  if (state.root !== undefined) visit(state.root)
  return { rootAlive: state.root !== undefined, supervisors, starts: state.starts }
}

/** A one-line description of a tree, for failure messages: `OneForAll(2/5s)[0:W:Perm, 1:S:Trans*:OneForOne(...)]`. */
export const describe = (spec: SupervisorSpec): string => {
  const auto = spec.autoShutdown === "Never" ? "" : ` auto=${spec.autoShutdown}`
  const children = spec.children.map((child, id) => {
    const flags = `${child.restart}${child.significant ? "*" : ""}`
    return child._tag === "Worker" ? `${id}:W:${flags}` : `${id}:S:${flags}:${describe(child)}`
  })
  return `${spec.strategy}(${spec.intensity}/${spec.period}s${auto})[${children.join(", ")}]`
}
