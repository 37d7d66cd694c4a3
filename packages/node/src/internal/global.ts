/**
 * Global names, Erlang's `global`: a name registered once for all the nodes, held by a name server on the main
 * thread. A name is freed when its process ends (the server monitors it, across nodes) or its node is lost.
 *
 * @internal
 */
import { Process, Selector, Subject } from "@effect-otp/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { Address, runService } from "./spawner.js"

/** @internal */
export const GlobalRequest = Schema.Union([
  Schema.TaggedStruct("Register", {
    key: Schema.String,
    subject: Address,
    pid: Process.PidSchema,
    replyTo: Subject.schema(Schema.Boolean)
  }),
  Schema.TaggedStruct("Whereis", { key: Schema.String, replyTo: Subject.schema(Schema.NullOr(Address)) }),
  Schema.TaggedStruct("Unregister", { key: Schema.String, pid: Process.PidSchema })
])

/** @internal */
export type GlobalRequest = typeof GlobalRequest.Type

/** The main thread's name server, once known on this thread. @internal */
export const server: { address: Address | undefined } = { address: undefined }

/** Runs the name server in `root` (on the main thread). @internal */
export const runServer = (root: Scope.Scope): Effect.Effect<Address> =>
  runService(root, GlobalRequest, (inbox) =>
    Effect.gen(function*() {
      const names = new Map<
        string,
        { readonly subject: Address; readonly pid: Process.Pid; readonly monitor: Process.Monitor }
      >()
      const byMonitor = new Map<Process.Monitor, string>()
      type Next = { readonly _tag: "Request"; readonly message: GlobalRequest } | {
        readonly _tag: "Down"
        readonly down: Process.Down
      }
      const selector = Selector.make<Next>().pipe(
        Selector.selectMap(inbox, (message: GlobalRequest): Next => ({ _tag: "Request", message })),
        Selector.selectMonitors((down): Next => ({ _tag: "Down", down }))
      )
      while (true) {
        const next = yield* Selector.receiveForever(selector)
        if (next._tag === "Down") {
          const key = byMonitor.get(next.down.monitor)
          byMonitor.delete(next.down.monitor)
          if (key !== undefined && names.get(key)?.monitor === next.down.monitor) names.delete(key)
          continue
        }
        const request = next.message
        switch (request._tag) {
          case "Register": {
            if (names.has(request.key)) {
              yield* Subject.send(request.replyTo, false)
              break
            }
            const monitor = yield* Process.monitor(request.pid)
            names.set(request.key, { subject: request.subject, pid: request.pid, monitor })
            byMonitor.set(monitor, request.key)
            yield* Subject.send(request.replyTo, true)
            break
          }
          case "Whereis":
            yield* Subject.send(request.replyTo, names.get(request.key)?.subject ?? null)
            break
          case "Unregister": {
            const entry = names.get(request.key)
            if (entry !== undefined && entry.pid.node === request.pid.node && entry.pid.id === request.pid.id) {
              names.delete(request.key)
              byMonitor.delete(entry.monitor)
              yield* Process.demonitor(entry.monitor)
            }
            break
          }
        }
      }
    }))
