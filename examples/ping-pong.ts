/**
 * Two processes play ping-pong through typed subjects, then the scope closes and shuts both down.
 *
 * Run with `npm run example -- examples/ping-pong.ts`.
 */
import { Process, Subject } from "@effect-otp/core"
import { Console, Effect } from "effect"

type Ball = { readonly hits: number; readonly from: Subject.Subject<Ball> }

/** A player receives the ball, hits it back, and stops after `rounds` hits of its own. */
const player = (name: string, rounds: number, ready: Subject.Subject<Subject.Subject<Ball>>) =>
  Effect.gen(function*() {
    const table = yield* Subject.make<Ball>()
    yield* Subject.send(ready, table)
    for (let i = 0; i < rounds; i++) {
      const ball = yield* Subject.receive(table, "1 second")
      yield* Console.log(`${name} ${yield* Process.self} got hit ${ball.hits}`)
      yield* Subject.send(ball.from, { hits: ball.hits + 1, from: table })
    }
  })

const program = Effect.gen(function*() {
  const ready = yield* Subject.make<Subject.Subject<Ball>>()
  const ping = yield* Process.spawn(player("ping", 3, ready))
  const pingTable = yield* Subject.receive(ready, "1 second")
  const pong = yield* Process.spawn(player("pong", 3, ready))
  const pongTable = yield* Subject.receive(ready, "1 second")

  // Serve: pong hits first, as if ping had sent the ball.
  yield* Subject.send(pongTable, { hits: 0, from: pingTable })

  const pingExit = yield* Process.awaitExit(ping)
  const pongExit = yield* Process.awaitExit(pong)
  yield* Console.log(`ping exited ${pingExit._tag}, pong exited ${pongExit._tag}`)
})

Effect.runPromise(Effect.scoped(program)).then(
  () => console.log("done: every process ended with the scope"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
