/**
 * The agents of the differential tests (the twin of `erlang/dist_runner.erl`'s `agent/3`): an actor that performs the
 * driver's commands (link, monitor, exit...) and forwards everything else it receives (trapped exits, `Down`s,
 * `NodeDown`s, messages) to the driver's collector as it arrives. Loaded by the main thread and by node b.
 */
import type { Subject as SubjectNs } from "@effect-otp/core"
import { Actor, Process, Selector, Subject } from "@effect-otp/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

const Ack = Subject.schema(Schema.Number)

/** The message of a `send` step: `{msg, i}`. */
export const Msg = Schema.TaggedStruct("Msg", { from: Schema.Number })

/** What the driver tells an agent (each command is acknowledged once done), and the messages agents send. */
export const AgentInput = Schema.Union([
  Schema.TaggedStruct("Link", { target: Process.PidSchema, ack: Ack }),
  Schema.TaggedStruct("Unlink", { target: Process.PidSchema, ack: Ack }),
  Schema.TaggedStruct("Monitor", { target: Process.PidSchema, m: Schema.Number, ack: Ack }),
  Schema.TaggedStruct("Demonitor", { m: Schema.Number, ack: Ack }),
  Schema.TaggedStruct("Exit", { target: Process.PidSchema, reason: Schema.String, ack: Ack }),
  Schema.TaggedStruct("Stop", { reason: Schema.String, ack: Ack }),
  Schema.TaggedStruct("Send", { to: Subject.schema(Msg), ack: Ack }),
  Schema.TaggedStruct("MonitorNode", { node: Schema.Number, ack: Ack }),
  Schema.TaggedStruct("Sync", { ack: Ack }),
  Msg
])
export type AgentInput = typeof AgentInput.Type

/** What an agent received, as it forwards it to the driver (pids are mapped to process numbers by the driver). */
export const AgentEvent = Schema.Struct({
  agent: Schema.Number,
  ev: Schema.Literals(["exit", "down", "nodedown", "msg"]),
  from: Schema.NullOr(Process.PidSchema),
  fromIndex: Schema.NullOr(Schema.Number),
  m: Schema.NullOr(Schema.Number),
  reason: Schema.NullOr(Schema.String)
})
export type AgentEvent = typeof AgentEvent.Type

export const AgentArgs = Schema.Struct({
  index: Schema.Number,
  trap: Schema.Boolean,
  events: Subject.schema(AgentEvent)
})
export type AgentArgs = typeof AgentArgs.Type

/** An exit reason as the fixtures write it. */
export const reasonText = (reason: Process.ExitReason): string => {
  switch (reason._tag) {
    case "Normal":
      return "normal"
    case "Shutdown":
      return "shutdown"
    case "Killed":
      return "killed"
    case "Abnormal":
      return typeof reason.reason === "string" ? reason.reason : "crash"
  }
}

const exitReasonOf = (text: string): Process.ExitReason =>
  text === "normal"
    ? Process.ExitReason.Normal()
    : text === "shutdown"
    ? Process.ExitReason.Shutdown()
    : Process.ExitReason.Abnormal({ reason: text })

type Input =
  | { readonly _tag: "Command"; readonly input: AgentInput }
  | { readonly _tag: "Trapped"; readonly exit: Process.ExitMessage }
  | { readonly _tag: "Down"; readonly down: Process.Down }
  | { readonly _tag: "NodeDown" }

interface State {
  readonly monitors: Map<number, Process.Monitor>
  readonly nodeDowns: SubjectNs.Subject<Process.NodeDown>
}

const agent = (args: AgentArgs) =>
  Actor.newWithInitialiser("10 seconds", (self: SubjectNs.Subject<Input>) =>
    Effect.gen(function*() {
      if (args.trap) yield* Process.trapExits(true)
      const nodeDowns = yield* Subject.make<Process.NodeDown>()
      const inbox = self as unknown as SubjectNs.Subject<AgentInput>
      const selector = Selector.make<Input>().pipe(
        Selector.selectMap(inbox, (input: AgentInput): Input => ({ _tag: "Command", input })),
        Selector.selectTrappedExits((exit): Input => ({ _tag: "Trapped", exit })),
        Selector.selectMonitors((down): Input => ({ _tag: "Down", down })),
        Selector.selectMap(nodeDowns, (): Input => ({ _tag: "NodeDown" }))
      )
      const state: State = { monitors: new Map(), nodeDowns }
      return Actor.initialised<State, Input>(state).pipe(Actor.selecting(selector))
    })).pipe(Actor.onMessage((state: State, input: Input) => handle(args, state, input)))

const event = (args: AgentArgs, fields: Partial<Omit<AgentEvent, "agent">> & Pick<AgentEvent, "ev">) =>
  Subject.send(args.events, {
    agent: args.index,
    from: null,
    fromIndex: null,
    m: null,
    reason: null,
    ...fields
  })

const handle = (args: AgentArgs, state: State, input: Input): Effect.Effect<Actor.Next<State, Input>> =>
  Effect.gen(function*() {
    switch (input._tag) {
      case "Trapped":
        yield* event(args, { ev: "exit", from: input.exit.pid, reason: reasonText(input.exit.reason) })
        return Actor.continue(state)
      case "Down": {
        let m: number | null = null
        for (const [k, monitor] of state.monitors) {
          if (monitor === input.down.monitor) m = k
        }
        yield* event(args, { ev: "down", m, reason: reasonText(input.down.reason) })
        return Actor.continue(state)
      }
      case "NodeDown":
        yield* event(args, { ev: "nodedown" })
        return Actor.continue(state)
      case "Command":
        break
    }
    const command = input.input
    if (command._tag === "Msg") {
      yield* event(args, { ev: "msg", fromIndex: command.from })
      return Actor.continue(state)
    }
    const ack = Subject.send(command.ack, args.index)
    switch (command._tag) {
      case "Link":
        yield* Process.link(command.target)
        break
      case "Unlink":
        yield* Process.unlink(command.target)
        break
      case "Monitor":
        state.monitors.set(command.m, yield* Process.monitor(command.target))
        break
      case "Demonitor": {
        const monitor = state.monitors.get(command.m)
        if (monitor !== undefined) yield* Process.demonitor(monitor)
        break
      }
      case "Exit":
        if (command.reason === "kill") yield* Process.kill(command.target)
        else yield* Process.exit(command.target, exitReasonOf(command.reason))
        break
      case "Send":
        yield* Subject.send(command.to, { _tag: "Msg", from: args.index })
        break
      case "MonitorNode":
        yield* Process.monitorNode(command.node, state.nodeDowns)
        break
      case "Sync":
        break
      case "Stop":
        yield* ack
        return command.reason === "normal"
          ? Actor.stop()
          : command.reason === "shutdown"
          ? Actor.stopWith(Process.ExitReason.Shutdown())
          : Actor.stopAbnormal(command.reason)
    }
    yield* ack
    return Actor.continue(state)
  })

/** The agent, startable on any node by name. */
export const Agent = Actor.define(
  "test/distribution-agent",
  { arguments: AgentArgs, messages: AgentInput },
  (args) => agent(args) as unknown as Actor.Builder<State, AgentInput, Actor.SelfSubject, never, never>
)
