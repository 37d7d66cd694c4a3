/**
 * The ring case: N actors in a ring, each forwarding a token to the next one's subject, M times round; its
 * substrate, fibers with lean mailboxes.
 */
import { Actor, Subject } from "@effect-otp/core"
import * as Effect from "effect/Effect"
import type { BenchCase, Run } from "./model.js"
import { check, forkMembers, now, scoped, size, startClock } from "./model.js"
import type { LeanKind, LeanMailbox } from "./substrate.js"
import { leanMailbox } from "./substrate.js"

/** A ring member's messages: the token (the hops still to make), or the subject of its successor. */
type RingMessage = number | RingLink

interface RingLink {
  readonly _tag: "Link"
  readonly next: Subject.Subject<RingMessage>
}

/** A ring member: its state is its successor; it forwards the token there, or reports to `done` at the last hop. */
const ringMember = (successor: Subject.Subject<RingMessage> | undefined, done: Subject.Subject<number>) =>
  Actor.new<Subject.Subject<RingMessage> | undefined, RingMessage>(successor).pipe(
    Actor.onMessage((
      next: Subject.Subject<RingMessage> | undefined,
      message: RingMessage
    ): Effect.Effect<Actor.Next<Subject.Subject<RingMessage> | undefined, RingMessage>> => {
      if (typeof message !== "number") return Effect.succeed(Actor.continue(message.next))
      if (message === 0) return Effect.as(Subject.send(done, 0), Actor.continue(next))
      if (next === undefined) return Effect.die(new Error("benchmark check failed: the token reached an open ring"))
      return Effect.as(Subject.send(next, message - 1), Actor.continue(next))
    })
  )

/**
 * `n` actors in a ring, each forwarding the token to the next one's subject; the token makes `n * m` hops (`m`
 * times round). Started from the last to the first, each knowing its successor, and the last linked to the first by
 * a message (setup, outside the clock).
 */
const ringOurs: Run = ({ m, n }) =>
  scoped(Effect.gen(function*() {
    const done = yield* Subject.make<number>()
    const ring = new Array<Subject.Subject<RingMessage>>(n)
    for (let i = n - 1; i >= 0; i--) ring[i] = (yield* Actor.start(ringMember(ring[i + 1], done))).data
    yield* Actor.send(ring[n - 1]!, { _tag: "Link", next: ring[0]! })
    const hops = n * m
    const start = startClock()
    yield* Actor.send(ring[0]!, hops)
    const last = yield* Subject.receiveForever(done)
    const elapsed = now() - start
    yield* check(last === 0, "the token made every hop")
    return { usPerHop: (elapsed * 1000) / hops }
  }))

/** Parked fibers with lean mailboxes in a ring, each forwarding the token to the next one's mailbox. */
const ringLean = (kind: LeanKind): Run => ({ m, n }) =>
  scoped(Effect.gen(function*() {
    const mailboxes = Array.from({ length: n }, () => leanMailbox<number>(kind))
    const done = leanMailbox<number>(kind)
    const member = (mailbox: LeanMailbox<number>, next: LeanMailbox<number>): Effect.Effect<void> =>
      Effect.flatMap(mailbox.take(), (hops) => {
        if (hops === 0) done.offer(0)
        else next.offer(hops - 1)
        return member(mailbox, next)
      })
    yield* forkMembers(mailboxes, (mailbox, i) => member(mailbox, mailboxes[(i + 1) % n]!))
    const hops = n * m
    const start = startClock()
    mailboxes[0]!.offer(hops)
    const last = yield* done.take()
    const elapsed = now() - start
    yield* check(last === 0, "the token made every hop")
    return { usPerHop: (elapsed * 1000) / hops }
  }))

export const ringCase: BenchCase = {
  description: "N actors in a ring (`Actor.new` + `Actor.onMessage`, started with `Actor.start`), each " +
    "forwarding a token to the next one's subject, M times round (substrate: fibers with lean mailboxes; " +
    "Erlang: `gen_server`s forwarding it with `gen_server:cast`)",
  unit: "µs/hop",
  metrics: [{ key: "usPerHop", label: "token hop", unit: "µs/hop" }],
  sizes: { full: [size(10_000, 100)], quick: [size(1_000, 50)], smoke: size(100, 3) },
  // A ring of at most 1,000, 10,000 hops or more (compiling the loop needs a few thousand).
  warmup: (s) => size(Math.min(s.n, 1_000), Math.max(10, Math.ceil(10_000 / Math.min(s.n, 1_000)))),
  ours: ringOurs,
  substrates: {
    lean: { label: "fibers, lean mailboxes + canceller", run: ringLean("canceller") },
    leanNoCanceller: { label: "fibers, lean mailboxes, no canceller", run: ringLean("noCanceller") }
  },
  erlang: true
}
