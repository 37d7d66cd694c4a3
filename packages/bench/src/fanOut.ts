/**
 * The fan-out case: one `Registry.dispatch` to N actors under one key of a duplicate-keys registry, until all N
 * acknowledged; its substrate, parked fibers with lean mailboxes in an array.
 */
import { Actor, Registry, Subject } from "@effect-otp/core"
import * as Effect from "effect/Effect"
import type { BenchCase, Run } from "./model.js"
import { forkMembers, now, scoped, size, startClock, tenth } from "./model.js"
import type { LeanKind, LeanMailbox } from "./substrate.js"
import { leanMailbox } from "./substrate.js"

interface Ping {
  readonly ack: Subject.Subject<number>
}

/** `n` actors under one key of a duplicate-keys registry; one dispatch reaches them all; each acknowledges. */
const fanOutOurs: Run = ({ n }) =>
  scoped(Effect.gen(function*() {
    const registry = yield* Registry.make<string, Subject.Subject<Ping>>({ keys: "duplicate" })
    const member = Actor.newWithInitialiser("5 seconds", (self: Subject.Subject<Ping>) =>
      Effect.as(Registry.register(registry, "topic", self), Actor.initialised<number, Ping>(0))).pipe(
        Actor.onMessage((count: number, ping: Ping) =>
          Effect.as(Subject.send(ping.ack, 1), Actor.continue(count + 1))
        )
      )
    for (let i = 0; i < n; i++) yield* Actor.start(member)
    const acks = yield* Subject.make<number>()
    const ping: Ping = { ack: acks }
    const start = startClock()
    yield* Registry.dispatch(
      registry,
      "topic",
      (entries) => Effect.forEach(entries, (entry) => Subject.send(entry.value, ping), { discard: true })
    )
    for (let i = 0; i < n; i++) yield* Subject.receiveForever(acks)
    const elapsed = now() - start
    return { msAll: elapsed }
  }))

interface LeanPing {
  readonly ack: LeanMailbox<number>
}

/** Parked fibers with lean mailboxes in an array (the registry); the sender takes `n` acks from its own. */
const fanOutLean = (kind: LeanKind): Run => ({ n }) =>
  scoped(Effect.gen(function*() {
    const members = Array.from({ length: n }, () => leanMailbox<LeanPing>(kind))
    const member = (mailbox: LeanMailbox<LeanPing>): Effect.Effect<void> =>
      Effect.flatMap(mailbox.take(), (ping) => {
        ping.ack.offer(1)
        return member(mailbox)
      })
    yield* forkMembers(members, member)
    const acks = leanMailbox<number>(kind)
    const ping: LeanPing = { ack: acks }
    const start = startClock()
    for (const mailbox of members) mailbox.offer(ping)
    for (let i = 0; i < n; i++) yield* acks.take()
    const elapsed = now() - start
    return { msAll: elapsed }
  }))

export const fanOutCase: BenchCase = {
  description: "one `Registry.dispatch` to N actors under one key of a duplicate-keys registry, until all N " +
    "acknowledged to the sender (Erlang: pids in a `duplicate_bag` ETS table, N acks)",
  unit: "ms",
  metrics: [{ key: "msAll", label: "dispatch to all acked", unit: "ms" }],
  sizes: { full: [size(100_000)], quick: [size(10_000)], smoke: size(100) },
  warmup: tenth(1_000, 10_000),
  ours: fanOutOurs,
  substrates: {
    lean: { label: "lean mailboxes + canceller", run: fanOutLean("canceller") },
    leanNoCanceller: { label: "lean mailboxes, no canceller", run: fanOutLean("noCanceller") }
  },
  erlang: true
}
