/**
 * The hibernate case: what an idle actor weighs, and what `Actor.hibernate` takes off it.
 *
 * N actors are started and called once each, as actors in a program are, then left idle: the heap per actor. Then
 * each is called once more, and answers with `Actor.hibernate` (gen_server's `{reply, R, S, hibernate}`): the heap
 * per actor again. The same actors, measured side by side in one run; the Erlang twin (`erlang/bench.erl`,
 * `hibernate/1`) does the same with gen_servers and `erlang:memory(processes)`.
 */
import { Actor, Subject } from "@effect-otp/core"
import * as Effect from "effect/Effect"
import type { BenchCase, Run } from "./model.js"
import { collectGarbage, heapUsed, scoped } from "./model.js"

type Message =
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }
  | { readonly _tag: "GetAndHibernate"; readonly replyTo: Subject.Subject<number> }

const server = Actor.new(0).pipe(Actor.onMessage((count: number, message: Message) =>
  Effect.as(
    Subject.send(message.replyTo, count),
    message._tag === "Get" ? Actor.continue(count) : Actor.hibernate(Actor.continue(count))
  )
))

const get = (replyTo: Subject.Subject<number>): Message => ({ _tag: "Get", replyTo })
const getAndHibernate = (replyTo: Subject.Subject<number>): Message => ({ _tag: "GetAndHibernate", replyTo })

/** The heap after full collections (the runner starts Node with `--expose-gc`; the smoke test does not). */
const heapAfterGc = (): number => {
  collectGarbage()
  return heapUsed()
}

const hibernateOurs: Run = ({ n }) =>
  scoped(Effect.gen(function*() {
    const base = heapAfterGc()
    const subjects: Array<Subject.Subject<Message>> = []
    for (let i = 0; i < n; i++) subjects.push((yield* Actor.start(server)).data)
    for (const subject of subjects) yield* Actor.call(subject, get)
    const idle = heapAfterGc() - base
    for (const subject of subjects) yield* Actor.call(subject, getAndHibernate)
    const hibernated = heapAfterGc() - base
    return { bytesIdle: idle / n, bytesHibernated: hibernated / n, hibernatedRatio: hibernated / idle }
  }))

export const hibernateCase: BenchCase = {
  description: "N idle actors, each called once, then called once more answering with `Actor.hibernate`: heap " +
    "bytes per actor before and after (Erlang: gen_servers, `{reply, R, S, hibernate}`, `erlang:memory(processes)`)",
  unit: "bytes/actor",
  metrics: [
    { key: "bytesIdle", label: "idle actor, called once", unit: "bytes/actor" },
    { key: "bytesHibernated", label: "the same, hibernated", unit: "bytes/actor" },
    { key: "hibernatedRatio", label: "hibernated / idle", unit: "×" }
  ],
  sizes: { full: [{ n: 100_000, m: 1 }], quick: [{ n: 20_000, m: 1 }], smoke: { n: 100, m: 1 } },
  warmup: () => ({ n: 2_000, m: 1 }),
  ours: hibernateOurs,
  substrates: {},
  erlang: true
}
