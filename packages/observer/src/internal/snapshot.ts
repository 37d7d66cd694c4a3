/**
 * One look at the running system, as the page shows it: the supervision trees and the process table, in JSON.
 *
 * Which trees: the roots the options name, or else every root supervisor. A supervisor is a root when no other
 * supervisor has it among its children. Its parent, when it has one, is linked to it (a supervisor links to each
 * child), so a supervisor linked to no other supervisor is a root at once; the others are told apart by asking:
 * the supervisors are walked in the order they were started (a parent starts before its children), each tree
 * walked marks its supervisors as seen, and a supervisor already seen is nobody's root. A tree walked earlier that
 * turns up inside a later one (the order was not what it seemed) is dropped from the roots.
 *
 * Messages handled per second come from the difference of each process's `messagesIn` between this look and the
 * previous one (`Sample`); a single look has no rate.
 *
 * @internal
 */
import * as Process from "@effect-otp/core/Process"
import * as Supervision from "@effect-otp/core/Supervision"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { NodeView, ProcessRow, ProcessSummary, Snapshot, TreeView } from "../Observer.js"
import type { Settings } from "./options.js"

/** What the next look needs from this one: when it was taken and each live pid's `messagesIn`. @internal */
export interface Sample {
  readonly at: number
  readonly messagesIn: ReadonlyMap<string, number>
}

/** A name's key without its uniqueness suffix (`bank/bank$3` shows as `bank/bank`), for people to read. @internal */
export const readable = (key: string): string => key.replace(/\$\d+$/, "")

const nodeView = (child: Supervision.TreeNode): NodeView => {
  const name = Option.getOrNull(child.name)
  return {
    id: child.id,
    pid: Option.getOrNull(Option.map(child.pid, String)),
    label: readable(Option.getOrElse(child.label, () => name ?? `#${child.id}`)),
    name,
    type: child.type,
    restart: child.restart,
    status: child.status,
    restarts: child.restarts,
    messageQueueLength: child.messageQueueLength,
    ...(child.children !== undefined ? { children: child.children.map(nodeView) } : {})
  }
}

const treeView = (tree: Supervision.Tree): TreeView => {
  const name = Option.getOrNull(tree.name)
  return {
    pid: String(tree.pid),
    label: name === null ? `supervisor ${tree.pid}` : readable(name),
    name,
    kind: tree.kind,
    messageQueueLength: tree.messageQueueLength,
    children: tree.children.map(nodeView),
    error: null
  }
}

/** What a root that cannot be shown looks like: its name or pid, and why. */
const missingRoot = (root: Supervision.TreeRoot, error: string): TreeView => {
  const label = Process.isPid(root) ? String(root) : typeof (root as { key?: unknown }).key === "string"
    ? readable((root as { key: string }).key)
    : String((root as { pid?: unknown }).pid ?? "supervisor")
  return { pid: null, label, name: null, kind: null, messageQueueLength: 0, children: [], error }
}

const walk = (root: Supervision.TreeRoot, timeoutMillis: number) =>
  Effect.match(Supervision.tree(root, timeoutMillis), {
    onFailure: (error) => missingRoot(root, error._tag),
    onSuccess: treeView
  })

/** Every pid in a tree below its root. */
const descendants = (nodes: ReadonlyArray<NodeView>, into: Set<string>): Set<string> => {
  for (const node of nodes) {
    if (node.pid !== null) into.add(node.pid)
    if (node.children !== undefined) descendants(node.children, into)
  }
  return into
}

/** The root supervisors and their trees, found as the module's doc says. */
const discoverRoots = (processes: ReadonlyArray<Process.ProcessInfo>, timeoutMillis: number) =>
  Effect.gen(function*() {
    const supervisors = processes.filter((info) => info.kind === "supervisor")
    const isSupervisor = new Set(supervisors.map((info) => String(info.pid)))
    const seen = new Set<string>()
    const trees: Array<TreeView> = []
    for (const info of supervisors) {
      const pid = String(info.pid)
      const linkedToSupervisor = info.links.some((linked) => isSupervisor.has(String(linked)))
      if (linkedToSupervisor && seen.has(pid)) continue
      const tree = yield* walk(info.pid, timeoutMillis)
      // It ended meanwhile: nothing to show.
      if (tree.error === "NoProcess") continue
      descendants(tree.children, seen)
      trees.push(tree)
    }
    return trees.filter((tree) => tree.pid === null || !seen.has(tree.pid))
  })

/** The label each pid has in the trees (its child label or name), for the process table. */
const labels = (trees: ReadonlyArray<TreeView>): Map<string, string> => {
  const byPid = new Map<string, string>()
  const visit = (nodes: ReadonlyArray<NodeView>) => {
    for (const node of nodes) {
      if (node.pid !== null) byPid.set(node.pid, node.label)
      if (node.children !== undefined) visit(node.children)
    }
  }
  for (const tree of trees) {
    if (tree.pid !== null) byPid.set(tree.pid, tree.label)
    visit(tree.children)
  }
  return byPid
}

/** What the table and the details both show of a process; `label` is its label in a tree, if it has one. @internal */
export const summary = (info: Process.ProcessInfo, label: string | undefined): ProcessSummary => {
  const name = Option.getOrNull(info.name)
  return {
    pid: String(info.pid),
    name,
    label: label ?? (name === null ? null : readable(name)),
    kind: info.kind,
    implicit: info.implicit,
    messageQueueLength: info.messageQueueLength,
    memoryEstimate: info.memoryEstimate,
    messagesIn: info.messagesIn,
    messagesOut: info.messagesOut,
    messagesDropped: info.messagesDropped,
    trapExit: info.trapExit
  }
}

const row = (
  info: Process.ProcessInfo,
  label: string | undefined,
  previous: Sample | undefined,
  now: number
): ProcessRow => {
  const seconds = previous === undefined ? 0 : (now - previous.at) / 1000
  return {
    ...summary(info, label),
    // A process started since the previous look had received nothing then.
    messagesPerSecond: seconds > 0 ?
      Math.max(0, info.messagesIn - (previous!.messagesIn.get(String(info.pid)) ?? 0)) / seconds :
      null,
    links: info.links.length,
    monitoredBy: info.monitoredBy.length
  }
}

/** With more processes than rows to send, the busiest: longest mailbox, then most messages per second. */
const busiestFirst = (a: ProcessRow, b: ProcessRow) =>
  b.messageQueueLength - a.messageQueueLength || (b.messagesPerSecond ?? 0) - (a.messagesPerSecond ?? 0)

/** The live processes' infos, in pid order. @internal */
export const processInfos: Effect.Effect<ReadonlyArray<Process.ProcessInfo>> = Effect.flatMap(
  Process.list,
  (pids) =>
    Effect.map(
      Effect.forEach(pids, Process.info),
      (infos) => infos.flatMap((info) => Option.isSome(info) ? [info.value] : [])
    )
)

/**
 * One look: the trees, the process table (with rates against `previous`), and the sample the next look compares
 * against. The labels of the trees' pids are returned too, for the details of one process.
 * @internal
 */
export const snapshot = (settings: Settings, previous: Sample | undefined) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const processes = yield* processInfos
    const trees = settings.roots.length > 0 ?
      yield* Effect.forEach(settings.roots, (root) => walk(root, settings.timeoutMillis)) :
      yield* discoverRoots(processes, settings.timeoutMillis)
    const labelOf = labels(trees)
    let rows = processes.map((info) => row(info, labelOf.get(String(info.pid)), previous, now))
    if (rows.length > settings.maxProcesses) {
      const kept = new Set(rows.slice().sort(busiestFirst).slice(0, settings.maxProcesses))
      rows = rows.filter((r) => kept.has(r))
    }
    const snapshot: Omit<Snapshot, "settings"> = {
      at: now,
      processCount: processes.length,
      trees,
      processes: rows
    }
    const sample: Sample = {
      at: now,
      messagesIn: new Map(processes.map((info) => [String(info.pid), info.messagesIn]))
    }
    return { snapshot, sample, labels: labelOf }
  })
