/**
 * `GET /tree`: the live supervision tree, as JSON. The tree is built from Layers; its root supervisor is registered
 * under a name (`TreeRoot`), and `Supervision.tree(name)` walks it from there.
 */
import type { Name, StaticSupervisor } from "@effect-otp/core"
import { Supervision } from "@effect-otp/core"
import { Context, Effect, Option } from "effect"

/** The name the root supervisor of the bank's tree is registered under. */
export class TreeRoot extends Context.Service<TreeRoot, Name.Name<StaticSupervisor.Message>>()("bank/TreeRoot") {}

/** A node of the JSON tree: pids are strings, `children` only on supervisors. */
export interface TreeNode {
  readonly pid: string | null
  readonly label: string
  readonly type: "worker" | "supervisor"
  readonly restart: Supervision.Restart | "root"
  readonly status: Supervision.TreeNode["status"]
  readonly restarts: number
  readonly messageQueueLength: number
  readonly children?: ReadonlyArray<TreeNode>
}

/** A name's key without its uniqueness suffix (`bank/bank$3` shows as `bank/bank`), for people to read. */
const readable = (key: string) => key.replace(/\$\d+$/, "")

const toNode = (child: Supervision.TreeNode): TreeNode => {
  const children = child.children?.map(toNode)
  return {
    pid: Option.getOrNull(Option.map(child.pid, String)),
    label: readable(Option.getOrElse(child.label, () => Option.getOrElse(child.name, () => `#${child.id}`))),
    type: child.type,
    restart: child.restart,
    status: child.status,
    restarts: child.restarts,
    messageQueueLength: child.messageQueueLength,
    ...(children !== undefined ? { children } : {})
  }
}

/** The live tree, from the root supervisor's name. */
export const tree = Effect.gen(function*() {
  const root = yield* Supervision.tree(yield* TreeRoot, "1 second")
  const node: TreeNode = {
    pid: String(root.pid),
    label: Option.getOrElse(Option.map(root.name, readable), () => "root supervisor"),
    type: "supervisor",
    restart: "root",
    status: "running",
    restarts: 0,
    messageQueueLength: root.messageQueueLength,
    children: root.children.map(toNode)
  }
  return node
})

/** The total number of restarts in a tree. */
export const restartsIn = (node: TreeNode): number =>
  node.restarts + (node.children ?? []).reduce((sum, child) => sum + restartsIn(child), 0)
