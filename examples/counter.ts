/**
 * The README counter: an actor that owns a number, served by `send` (fire and forget) and `call` (request-reply).
 *
 * Run with `npm run example -- examples/counter.ts`.
 */
import { Actor, Subject, System } from "@effect-otp/core"
import { Console, Effect } from "effect"

type Message =
  | { readonly _tag: "Add"; readonly n: number }
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }

const handle = (count: number, message: Message) => {
  switch (message._tag) {
    case "Add":
      return Effect.succeed(Actor.continue(count + message.n))
    case "Get":
      return Effect.as(Subject.send(message.replyTo, count), Actor.continue(count))
  }
}

const program = Effect.gen(function*() {
  const counter = yield* Actor.new(0).pipe(Actor.onMessage(handle), Actor.start)
  for (let i = 1; i <= 10; i++) yield* Actor.send(counter.data, { _tag: "Add", n: i })
  const total = yield* Actor.call(counter.data, (replyTo): Message => ({ _tag: "Get", replyTo }))
  yield* Console.log(`1 + 2 + ... + 10 = ${total}`)
  const stats = yield* System.statistics(counter.pid)
  yield* Console.log(`the counter ${counter.pid} handled ${stats.messagesIn} messages`)
})

Effect.runPromise(Effect.scoped(program)).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
