/**
 * The inspector: a worker under the root supervisor that reports the live supervision tree (`GET /tree`).
 *
 * `Supervision.tree(pid)` needs the root supervisor's pid, and a tree declared with `StaticSupervisor.layer` does
 * not hand it out. But a child's start effect runs inside its supervisor, so `Process.self` there is the
 * supervisor: the inspector's child layer captures the root's pid that way and gives it to the actor.
 *
 * The JSON tree labels the processes it can name: registered names given to the inspector, and the account ids of
 * the account registry.
 */
import type { Name } from "@effect-otp/core"
import { Actor, Process, Registry, Subject, Supervision } from "@effect-otp/core"
import type { Result } from "effect"
import { Context, Effect, Option } from "effect"
import { AccountRegistry } from "./account.js"

/** A node of the JSON tree: pids are strings, `children` only on supervisors. */
export interface TreeNode {
  readonly pid: string | null
  readonly label: string
  readonly type: "worker" | "supervisor"
  readonly restart: Supervision.Restart | "root"
  readonly restarts: number
  readonly children?: ReadonlyArray<TreeNode>
}

/** The inspector's message. */
export type InspectorMsg = {
  readonly _tag: "Tree"
  readonly replyTo: Subject.Subject<Result.Result<TreeNode, Subject.CallError>>
}

/** The inspector, as a service: its stable (named) subject. */
export class Inspector extends Context.Service<Inspector, Subject.Subject<InspectorMsg>>()("bank/Inspector") {}

type Child = Supervision.Tree["children"][number]

const toNode = (child: Child, labels: ReadonlyMap<string, string>): TreeNode => {
  const pid = Option.getOrNull(Option.map(child.pid, String))
  const children = child.children?.map((c) => toNode(c, labels))
  // A supervisor without a name is labelled by its children.
  const label = (pid !== null ? labels.get(pid) : undefined) ??
    (children !== undefined ? `supervisor of ${children.map((c) => c.label).join(", ")}` : `worker #${child.id}`)
  return {
    pid,
    label,
    type: child.type,
    restart: child.restart,
    restarts: child.restarts,
    ...(children !== undefined ? { children } : {})
  }
}

/** Labels by pid: the given names, and every account of the registry. */
const labelsOf = (names: ReadonlyArray<readonly [Name.Name<any>, string]>) =>
  Effect.gen(function*() {
    const labels = new Map<string, string>()
    for (const [name, label] of names) {
      const pid = yield* Process.whereis(name)
      if (Option.isSome(pid)) labels.set(String(pid.value), label)
    }
    const registry = yield* AccountRegistry
    for (const id of yield* Registry.keys(registry)) {
      for (const entry of yield* Registry.lookup(registry, id)) labels.set(String(entry.pid), `account ${id}`)
    }
    return labels
  })

/** The live tree under `root`, as JSON-ready nodes. */
const treeOf = (root: Process.Pid, names: ReadonlyArray<readonly [Name.Name<any>, string]>) =>
  Effect.gen(function*() {
    const tree = yield* Supervision.tree(root, "1 second")
    const labels = yield* labelsOf(names)
    const node: TreeNode = {
      pid: String(tree.pid),
      label: "root supervisor",
      type: "supervisor",
      restart: "root",
      restarts: 0,
      children: tree.children.map((child) => toNode(child, labels))
    }
    return node
  })

/** The inspector's child layer: `names` label the tree's processes. */
export const InspectorLive = (
  name: Name.Name<InspectorMsg>,
  names: ReadonlyArray<readonly [Name.Name<any>, string]>
) =>
  Supervision.childLayer(Effect.gen(function*() {
    // The child's start runs with the context this description is made in: ask here for what the actor needs.
    yield* AccountRegistry
    const inspector = (root: Process.Pid) =>
      Actor.new<Process.Pid, InspectorMsg>(root).pipe(
        Actor.onMessage((root: Process.Pid, message: InspectorMsg) =>
          Effect.flatMap(
            Effect.result(treeOf(root, names)),
            (tree) => Effect.as(Subject.send(message.replyTo, tree), Actor.continue(root))
          )
        ),
        Actor.onTerminate((_, reason) => Effect.log(`stopped inspector (${reason._tag})`)),
        Actor.named(name)
      )
    // Runs inside the supervisor that starts the child: `Process.self` is that supervisor.
    const start = Effect.flatMap(Process.self, (root) => Actor.start(inspector(root)))
    return {
      child: Supervision.worker(start) as Supervision.ChildSpecification<unknown>,
      context: Context.make(Inspector, Subject.named(name))
    }
  }))

/** The live supervision tree, from the inspector. */
export const tree = Inspector.use((inspector) =>
  Effect.flatMap(
    Subject.call(
      inspector,
      (replyTo: Subject.Subject<Result.Result<TreeNode, Subject.CallError>>): InspectorMsg => ({
        _tag: "Tree",
        replyTo
      }),
      "2 seconds"
    ),
    Effect.fromResult
  )
)

/** The total number of restarts in a tree. */
export const restartsIn = (node: TreeNode): number =>
  node.restarts + (node.children ?? []).reduce((sum, child) => sum + restartsIn(child), 0)
