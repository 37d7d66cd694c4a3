/**
 * What a supervisor does with each request (`whichChildren`, `terminateChild`, `restartChild`, `startChild`...):
 * one function per request, run in the supervisor's process on its state (`core.ts`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { ChildNotFound, ChildRunning, InitFailed, MaxChildren } from "../../Errors.js"
import type * as Supervision from "../../Supervision.js"
import type { SubjectImpl } from "../subject.js"
import type { Core, Request, SupervisorNext } from "./core.js"
import { ChildRecord } from "./core.js"
import type { ChildSpecImpl } from "./spec.js"
import { forgottenWhenEnded } from "./spec.js"

/** The supervisor's answer to `request`. @internal */
export const onRequest = (core: Core, request: Request): Effect.Effect<SupervisorNext> =>
  (requests[request._tag] as (core: Core, request: Request) => Effect.Effect<SupervisorNext>)(core, request)

type RequestOf<Tag extends Request["_tag"]> = Extract<Request, { readonly _tag: Tag }>

const replied = (core: Core, replyTo: SubjectImpl<any>, value: unknown) => Effect.sync(() => core.reply(replyTo, value))

/** What a supervisor does with each request. */
const requests: {
  readonly [Tag in Request["_tag"]]: (core: Core, request: RequestOf<Tag>) => Effect.Effect<SupervisorNext>
} = {
  WhichChildren: (core, { replyTo }) => replied(core, replyTo, core.children.map((child) => core.info(child))),

  DescribeChildren: (core, { replyTo }) => replied(core, replyTo, core.children.map((child) => core.describe(child))),

  CountChildren: (core, { replyTo }) => {
    let active = 0
    let workers = 0
    for (const child of core.children) {
      if (child.process !== undefined) active++
      if (child.spec.type === "worker") workers++
    }
    const count: Supervision.ChildCount = {
      specs: core.children.length,
      active,
      workers,
      supervisors: core.children.length - workers
    }
    return replied(core, replyTo, count)
  },

  TerminateChild: (core, { child: key, replyTo }) => {
    const child = core.find(key)
    if (child === undefined) {
      return replied(core, replyTo, { ok: false, error: new ChildNotFound({ child: String(key) }) })
    }
    return Effect.andThen(
      core.stopChild(child),
      Effect.sync(() => {
        if (forgottenWhenEnded(child.spec.restart, core.config.kind)) core.remove(child)
        return core.reply(replyTo, { ok: true, value: undefined })
      })
    )
  },

  RestartChild: (core, { id, replyTo }) => {
    const child = core.find(id)
    if (child === undefined) {
      return replied(core, replyTo, { ok: false, error: new ChildNotFound({ child: String(id) }) })
    }
    if (child.process !== undefined) {
      return replied(core, replyTo, { ok: false, error: new ChildRunning({ id: child.id }) })
    }
    return Effect.matchEffect(core.startChild(child), {
      onFailure: (error) => replied(core, replyTo, { ok: false, error }),
      onSuccess: (started) => replied(core, replyTo, { ok: true, value: started.pid })
    })
  },

  StartChild: (core, { arg, replyTo }) => {
    const max = core.config.maxChildren ?? Infinity
    if (core.children.length >= max) return replied(core, replyTo, { ok: false, error: new MaxChildren({ max }) })
    let spec: ChildSpecImpl
    try {
      spec = core.config.template!(arg)
    } catch (defect) {
      return replied(core, replyTo, { ok: false, error: new InitFailed({ reason: defect }) })
    }
    const child = new ChildRecord(core.nextId++, spec, core.config.templateShutdown!(arg), arg)
    core.children.push(child)
    return Effect.matchEffect(core.startChild(child), {
      onFailure: (error) => {
        core.remove(child)
        return replied(core, replyTo, { ok: false, error })
      },
      onSuccess: (started) => replied(core, replyTo, { ok: true, value: started })
    })
  },

  RestartDue: (core, { child, generation }) =>
    child.pending === generation ? core.restart(child) : Effect.succeed(core.continue)
}
