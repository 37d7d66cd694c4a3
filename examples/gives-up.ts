/**
 * A supervision tree whose root gives up, run as a real program: `Layer.launch` of the tree under
 * `NodeRuntime.runMain`. The payments worker cannot reach its (missing) gateway and crashes each time it starts
 * working; the root supervisor restarts it twice, then gives up. What a production user needs to see:
 *
 * - each crash, restart and the give-up in the log, through Effect's `Logger` (Erlang's supervisor reports);
 * - the program failing with the reason (`ExitSignal`: the root supervisor's `Shutdown`), and exiting with code 1,
 *   so that systemd or Kubernetes restarts it. Not an exit 0, nor the 130 of an interruption.
 *
 * ```sh
 * npm run example -- examples/gives-up.ts; echo "exit code $?"
 * ```
 */
import { Actor, Name, StaticSupervisor, Subject } from "@effect-otp/core"
import { NodeRuntime } from "@effect/platform-node"
import { Context, Data, Effect, Layer } from "effect"

class GatewayUnreachable extends Data.TaggedError("GatewayUnreachable")<{ readonly url: string }> {
  override get message() {
    return `payment gateway unreachable at ${this.url}`
  }
}

type PaymentsMsg = { readonly _tag: "Connect" }
const connect: PaymentsMsg = { _tag: "Connect" }

class Payments extends Context.Service<Payments, Subject.Subject<PaymentsMsg>>()("app/Payments") {}

/** Connects to its gateway as soon as it is started (a message to itself), and crashes: the gateway is not there. */
const PaymentsLive = Actor.toLayer(
  Payments,
  Actor.newWithInitialiser(
    "1 second",
    (self: Subject.Subject<PaymentsMsg>) =>
      Effect.as(Subject.send(self, connect), Actor.initialised<number, PaymentsMsg>(0))
  ).pipe(
    Actor.onMessage((_attempts: number, _message: PaymentsMsg) =>
      Effect.fail(new GatewayUnreachable({ url: "https://gateway.invalid" }))
    )
  )
)

/**
 * The application: one supervisor, named so that the log and the exit reason say which gave up, with Erlang's default
 * tolerance (more than 2 restarts in 5 seconds and it gives up).
 */
export const AppLive = StaticSupervisor.layer(
  StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.named(Name.make<StaticSupervisor.Message>("app/root"))),
  PaymentsLive
)

if (process.argv[1]?.endsWith("gives-up.ts")) {
  NodeRuntime.runMain(Layer.launch(AppLive))
}
