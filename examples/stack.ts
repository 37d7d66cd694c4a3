/**
 * The stack actor from Gleam OTP's documentation: push names onto a stack, pop them back in reverse order.
 *
 * Run with `npm run example -- examples/stack.ts`; it prints Robert, Mike, Joe, then "empty".
 */
import { Actor, Subject } from "@effect-otp/core"
import { Console, Effect, Option } from "effect"

export type StackMessage<A> =
  | { readonly _tag: "Push"; readonly value: A }
  | { readonly _tag: "Pop"; readonly replyTo: Subject.Subject<Option.Option<A>> }
  | { readonly _tag: "Shutdown" }

/** The handler: a stack is a list whose head is the top. */
export const handleStack = <A>(
  stack: ReadonlyArray<A>,
  message: StackMessage<A>
): Effect.Effect<Actor.Next<ReadonlyArray<A>, StackMessage<A>>> => {
  switch (message._tag) {
    case "Push":
      return Effect.succeed(Actor.continue([message.value, ...stack]))
    case "Pop": {
      const [top, ...rest] = stack
      return Effect.as(
        Subject.send(message.replyTo, stack.length === 0 ? Option.none() : Option.some(top)),
        Actor.continue(stack.length === 0 ? stack : rest)
      )
    }
    case "Shutdown":
      return Effect.succeed(Actor.stop())
  }
}

/** Starts a stack actor and returns its subject. */
export const startStack = <A>() =>
  Effect.map(
    Actor.new<ReadonlyArray<A>, StackMessage<A>>([]).pipe(Actor.onMessage(handleStack<A>), Actor.start),
    (started) => started.data
  )

export const pop = <A>(stack: Subject.Subject<StackMessage<A>>) =>
  Actor.call(stack, (replyTo): StackMessage<A> => ({ _tag: "Pop", replyTo }), "1 second")

const main = Effect.gen(function*() {
  const stack = yield* startStack<string>()
  for (const name of ["Joe", "Mike", "Robert"]) yield* Actor.send(stack, { _tag: "Push", value: name })
  for (let i = 0; i < 4; i++) {
    const popped = yield* pop(stack)
    yield* Console.log(Option.getOrElse(popped, () => "empty"))
  }
  yield* Actor.send(stack, { _tag: "Shutdown" })
})

if (process.argv[1]?.endsWith("stack.ts")) {
  Effect.runPromise(Effect.scoped(main)).catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
