/**
 * `Supervision.tree`: the live supervision tree, asked of each supervisor in turn (`DescribeChildren`), from the root
 * down.
 *
 * @internal
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CallError } from "../../Errors.js"
import { NoProcess, NotASupervisor } from "../../Errors.js"
import type { Pid } from "../../Process.js"
import type { Tree, TreeNode, TreeRoot } from "../../Supervision.js"
import type { NameImpl } from "../name.js"
import { checked, isName, whereis } from "../name.js"
import { isPid, stateOf } from "../pid.js"
import type { ProcessState } from "../process.js"
import { processKind, supervisorKinds } from "../process.js"
import { decodeTimeout } from "../timer.js"
import type { SupervisorHandle } from "./start.js"
import { handleOf, request } from "./start.js"

/** @internal */
export const tree = (root: TreeRoot, timeout: Duration.Input): Effect.Effect<Tree, CallError | NotASupervisor> =>
  Effect.suspend((): Effect.Effect<Tree, CallError | NotASupervisor> => {
    const millis = decodeTimeout(timeout, "Supervision.tree timeout")
    const target = resolveRoot(root)
    if (target === undefined || !target.alive) {
      return Effect.fail(new NoProcess({ target: isName(root) ? root.key : String(rootPid(root) ?? root) }))
    }
    const kind = supervisorKinds.get(target)
    if (kind === undefined) {
      return Effect.fail(
        new NotASupervisor({ pid: target.pid.toString(), kind: processKind(target) as "actor" | "process" })
      )
    }
    const children = (of: Pid): Effect.Effect<ReadonlyArray<TreeNode>, CallError> =>
      Effect.flatMap(
        request<ReadonlyArray<TreeNode>>(handleOf(of), (replyTo) => ({ _tag: "DescribeChildren", replyTo }), millis),
        (nodes) =>
          Effect.forEach(nodes, (node) =>
            // A child declared as a supervisor whose process is not one (a bridge, an actor) is shown without
            // children: it would never answer, and the request would stay in its mailbox.
            node.type === "supervisor" && node.pid._tag === "Some" && supervisorKinds.has(stateOf(node.pid.value)) ?
              Effect.map(
                Effect.result(children(node.pid.value)),
                (nested) => nested._tag === "Success" ? { ...node, children: nested.success } : node
              ) :
              Effect.succeed(node))
      )
    return Effect.map(children(target.pid), (list): Tree => ({
      pid: target.pid,
      name: Option.fromUndefinedOr(target.name?.key),
      kind,
      messageQueueLength: target.mailbox.length,
      children: list
    }))
  })

const rootPid = (root: TreeRoot): Pid | undefined => isPid(root) ? root : (root as SupervisorHandle).pid

/** The supervisor process `root` designates now, if any. */
const resolveRoot = (root: TreeRoot): ProcessState | undefined => {
  if (isName(root)) return whereis(checked(root as NameImpl<any>))
  if (isPid(root)) return stateOf(root)
  const pid = (root as SupervisorHandle).pid
  return pid === undefined ? undefined : stateOf(pid)
}
