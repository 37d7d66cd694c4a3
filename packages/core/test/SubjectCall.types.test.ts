/**
 * `Subject.call` on request unions with several reply types (issue 18, item 8): the reply type comes from the member
 * the request is, picked by its literal fields, with no annotation; when it cannot be told, the call does not
 * typecheck and the message says "annotate replyTo: Subject<...>". The type assertions here are checked by `tsc -b`
 * (`npm run typecheck`); each `@ts-expect-error` fails the typecheck if its line compiles.
 */
import { afterEach, assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Effect } from "effect"
import { Actor, Name, Subject, Testing } from "../src/index.js"
import type { CallError } from "../src/Subject.js"

afterEach(Testing.leakCheck())

type Request =
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }
  | { readonly _tag: "Name"; readonly replyTo: Subject.Subject<string> }
  | { readonly _tag: "Add"; readonly n: number }

type Reply<A> = Effect.Effect<A, CallError>

const handle = (count: number, request: Request) => {
  switch (request._tag) {
    case "Get":
      return Effect.as(Subject.send(request.replyTo, count), Actor.continue(count))
    case "Name":
      return Effect.as(Subject.send(request.replyTo, `counter at ${count}`), Actor.continue(count))
    case "Add":
      return Effect.succeed(Actor.continue(count + request.n))
  }
}

/** Only for the types: the effects made with it are never run. */
const subject = Subject.named(Name.make<Request>("types"))

describe("Subject.call on a union with several reply types", () => {
  it("infers the reply type from the member the request is, with no annotation", () => {
    expectTypeOf(Subject.call(subject, (replyTo) => ({ _tag: "Get", replyTo }))).toEqualTypeOf<Reply<number>>()
    expectTypeOf(Subject.call(subject, (replyTo) => ({ _tag: "Name", replyTo }), "1 second"))
      .toEqualTypeOf<Reply<string>>()
    // In a pipe too (the data-last form), and through `Actor.call`.
    expectTypeOf(subject.pipe(Subject.call((replyTo) => ({ _tag: "Name", replyTo })))).toEqualTypeOf<Reply<string>>()
    expectTypeOf(Actor.call(subject, (replyTo) => ({ _tag: "Get", replyTo }))).toEqualTypeOf<Reply<number>>()
  })

  it("takes an annotated replyTo's type as the reply type, as before", () => {
    expectTypeOf(Subject.call(subject, (replyTo: Subject.Subject<number>) => ({ _tag: "Get", replyTo })))
      .toEqualTypeOf<Reply<number>>()
    // Annotating both the parameter and the whole union as the return type: the parameter says the reply type.
    expectTypeOf(Subject.call(subject, (replyTo: Subject.Subject<string>): Request => ({ _tag: "Name", replyTo })))
      .toEqualTypeOf<Reply<string>>()
    expectTypeOf(subject.pipe(Subject.call((replyTo: Subject.Subject<number>) => ({ _tag: "Get", replyTo }))))
      .toEqualTypeOf<Reply<number>>()
    // Only the return type annotated with the whole union: the request could be any member, so any of its replies.
    expectTypeOf(Subject.call(subject, (replyTo): Request => ({ _tag: "Get", replyTo })))
      .toEqualTypeOf<Reply<number | string>>()
  })

  it("infers through generic message types", () => {
    const get = <T>(counter: Subject.Subject<{ readonly _tag: "Get"; readonly replyTo: Subject.Subject<T> }>) =>
      Subject.call(counter, (replyTo) => ({ _tag: "Get", replyTo }))
    expectTypeOf(get<bigint>).returns.toEqualTypeOf<Reply<bigint>>()
  })

  it("rejects a request that is no member, and an annotation that contradicts the member", () => {
    // @ts-expect-error: "Gett" is not a tag of Request
    Subject.call(subject, (replyTo) => ({ _tag: "Gett", replyTo }))
    // @ts-expect-error: a Get replies with a number
    Subject.call(subject, (replyTo: Subject.Subject<string>) => ({ _tag: "Get", replyTo }))
    // @ts-expect-error: the same in a pipe
    subject.pipe(Subject.call((replyTo) => ({ _tag: "Gett", replyTo })))
  })

  it("fails with 'annotate replyTo: Subject<...>' when the request does not say its reply type", () => {
    type Ambiguous =
      | { readonly _tag: "Lookup"; readonly key: string; readonly replyTo: Subject.Subject<number> }
      | { readonly _tag: "Lookup"; readonly key: string; readonly replyTo: Subject.Subject<string> }
    const lookup = subject as unknown as Subject.Subject<Ambiguous>
    // The error reads: Argument of type '(replyTo: ReplySubject) => { ... }' is not assignable to parameter of type
    // '... & { readonly "annotate replyTo: Subject<...>, one of": string | number; }'.
    // @ts-expect-error: two members with the tag "Lookup" reply with different types
    Subject.call(lookup, (replyTo) => ({ _tag: "Lookup", key: "a", replyTo }))
    type Check = Subject.CheckReply<
      Ambiguous,
      { readonly _tag: "Lookup"; readonly key: "a"; readonly replyTo: Subject.ReplySubject }
    >
    expectTypeOf<Check>().toEqualTypeOf<{ readonly "annotate replyTo: Subject<...>, one of": string | number }>()
    // @ts-expect-error: the same in a pipe
    lookup.pipe(Subject.call((replyTo) => ({ _tag: "Lookup", key: "a", replyTo })))
    // The annotation the message asks for settles it.
    expectTypeOf(Subject.call(lookup, (replyTo: Subject.Subject<string>) => ({ _tag: "Lookup", key: "a", replyTo })))
      .toEqualTypeOf<Reply<string>>()
  })

  it("keeps the explicit type arguments <A, R> and <A>: make's replyTo is a Subject<R>, R the reply type", () => {
    const get = Subject.call<Request, number>(subject, (replyTo) => {
      expectTypeOf(replyTo).toEqualTypeOf<Subject.Subject<number>>()
      return { _tag: "Get", replyTo }
    })
    expectTypeOf(get).toEqualTypeOf<Reply<number>>()
    expectTypeOf(subject.pipe(Subject.call<Request, string>((replyTo) => ({ _tag: "Name", replyTo }), "1 second")))
      .toEqualTypeOf<Reply<string>>()
    expectTypeOf(Actor.call<Request, number>(subject, (replyTo) => ({ _tag: "Get", replyTo }), "1 second"))
      .toEqualTypeOf<Reply<number>>()
    expectTypeOf(subject.pipe(Actor.call<Request, number>((replyTo) => ({ _tag: "Get", replyTo }))))
      .toEqualTypeOf<Reply<number>>()
    // The request is typed as the whole union `A`, as before: any member will do, and `R` says the reply type.
    expectTypeOf(Subject.call<Request, number>(subject, () => ({ _tag: "Add", n: 1 }))).toEqualTypeOf<Reply<number>>()
    // `<A>` alone: `R` is `ReplyOf<A>`, here the reply types of all the members.
    expectTypeOf(Subject.call<Request>(subject, (replyTo) => {
      expectTypeOf(replyTo).toEqualTypeOf<Subject.Subject<number | string>>()
      return { _tag: "Add", n: 1 }
    })).toEqualTypeOf<Reply<number | string>>()
    type Counter = Exclude<Request, { readonly _tag: "Name" }>
    const counter = subject as unknown as Subject.Subject<Counter>
    expectTypeOf(Subject.call<Counter>(counter, (replyTo) => ({ _tag: "Get", replyTo }))).toEqualTypeOf<Reply<number>>()
    expectTypeOf(counter.pipe(Subject.call<Counter>((replyTo) => ({ _tag: "Get", replyTo }))))
      .toEqualTypeOf<Reply<number>>()
    // In generic code too.
    type Getter<T> = { readonly _tag: "Get"; readonly replyTo: Subject.Subject<T> }
    const getFirst = <T>(getter: Subject.Subject<Getter<T>>) =>
      Subject.call<Getter<T>, T>(getter, (replyTo) => ({ _tag: "Get", replyTo }))
    const getLast = <T>(getter: Subject.Subject<Getter<T>>) =>
      getter.pipe(Subject.call<Getter<T>, T>((replyTo) => ({ _tag: "Get", replyTo })))
    expectTypeOf(getFirst<bigint>).returns.toEqualTypeOf<Reply<bigint>>()
    expectTypeOf(getLast<bigint>).returns.toEqualTypeOf<Reply<bigint>>()
  })

  it("checks explicit type arguments as before", () => {
    // @ts-expect-error: a Get's replyTo is a Subject<number>, not the Subject<string> that R = string makes
    Subject.call<Request, string>(subject, (replyTo) => ({ _tag: "Get", replyTo }))
    // @ts-expect-error: the same in a pipe
    subject.pipe(Subject.call<Request, string>((replyTo) => ({ _tag: "Get", replyTo })))
    // @ts-expect-error: the subject is not a Subject<A>
    Subject.call<Counter, number>(subject, (replyTo) => ({ _tag: "Get", replyTo }))
    // @ts-expect-error: the same in a pipe
    subject.pipe(Subject.call<Counter, number>((replyTo) => ({ _tag: "Get", replyTo })))
    type Counter = Exclude<Request, { readonly _tag: "Name" }>
  })

  it.effect("the inferred calls run: each member's reply arrives with its own type", () =>
    Effect.gen(function*() {
      const counter = yield* Actor.new(0).pipe(Actor.onMessage(handle), Actor.start)
      yield* Actor.send(counter.data, { _tag: "Add", n: 2 })
      const count = yield* Actor.call(counter.data, (replyTo) => ({ _tag: "Get", replyTo }), "1 second")
      const name = yield* counter.data.pipe(Actor.call((replyTo) => ({ _tag: "Name", replyTo }), "1 second"))
      assert.strictEqual(count + 1, 3)
      assert.strictEqual(name.toUpperCase(), "COUNTER AT 2")
    }))
})
