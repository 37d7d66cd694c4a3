/**
 * What the observer's tests share: a small application tree (a root supervisor with an actor and a factory
 * supervisor), the observer's routes called in-process (no socket, so `TestClock` drives the event stream). The
 * leak check is the kit's: `afterEach(Testing.leakCheck())`.
 */
import { Actor, FactorySupervisor, Name, StaticSupervisor, Subject, Testing } from "@effect-otp/core"
import { Context, Effect, Layer, Stream } from "effect"
import { HttpRouter, HttpServerRequest } from "effect/http"
import type { HttpServerResponse } from "effect/http"
import { Observer } from "../src/index.js"
import type { Options } from "../src/Observer.js"

export type CounterMsg =
  | { readonly _tag: "Add"; readonly n: number }
  | { readonly _tag: "Get"; readonly replyTo: Subject.Subject<number> }

export class Counter extends Context.Service<Counter, Subject.Subject<CounterMsg>>()("test/Counter") {}

export class Jobs extends Context.Service<
  Jobs,
  FactorySupervisor.FactorySupervisor<number, Subject.Subject<never>>
>()("test/Jobs") {}

const counter = Actor.new(0).pipe(Actor.onMessage((count: number, message: CounterMsg) =>
  message._tag === "Add"
    ? Effect.succeed(Actor.continue(count + message.n))
    : Effect.as(Subject.send(message.replyTo, count), Actor.continue(count))
))

/** The count: also a way to wait until the counter has handled what was sent before. */
export const getCount = Counter.use((subject) =>
  Actor.call(subject, (replyTo: Subject.Subject<number>): CounterMsg => ({ _tag: "Get", replyTo }), "1 second")
)

/** The count once the counter has been restarted (after a kill): its supervisor runs (`Testing.settle`), then the call. */
export const getCountAfterRestart = Effect.andThen(Testing.settle(), getCount)

/**
 * The tree: `test/root` (OneForOne) over the counter actor (`test/Counter`) and a factory supervisor of jobs
 * (`test/Jobs`), with two jobs started. The names are fresh per tree.
 */
export const makeTree = Effect.gen(function*() {
  const root = Name.make<StaticSupervisor.Message>("test/root")
  const TreeLive = StaticSupervisor.layer(
    StaticSupervisor.new("OneForOne").pipe(
      StaticSupervisor.named(root),
      StaticSupervisor.restartTolerance({ intensity: 10, period: "1 second" })
    ),
    Actor.toLayer(Counter, counter),
    FactorySupervisor.toLayer(Jobs, FactorySupervisor.workerChild((n: number) => Actor.start(Actor.new(n))))
  )
  const context = yield* Layer.build(TreeLive)
  const jobs = Context.get(context, Jobs)
  yield* FactorySupervisor.startChild(jobs, 1)
  yield* FactorySupervisor.startChild(jobs, 2)
  return { root, context }
})

/** An answer of the observer: its status, headers and body. */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  readonly json: any
}

const answer = (response: HttpServerResponse.HttpServerResponse): Answer => {
  const text = response.body._tag === "Uint8Array" ? new TextDecoder().decode(response.body.body) : ""
  const json = response.headers["content-type"] === "application/json" ? JSON.parse(text) : undefined
  return { status: response.status, headers: response.headers, text, json }
}

/**
 * The observer's routes with `options`, as a function from a request to its response, run in the test's fiber
 * (so under its `TestClock`). Needs the `Reports` of `Observer.layerReports`.
 */
export const observe = (options?: Options) =>
  Effect.gen(function*() {
    const handler = yield* HttpRouter.toHttpEffect(Observer.layer(options))
    const respond = (method: "GET" | "POST", path: string, headers: Record<string, string> = {}) =>
      Effect.provideService(
        handler,
        HttpServerRequest.HttpServerRequest,
        HttpServerRequest.fromWeb(new Request(`http://localhost${path}`, { method, headers }))
      )
    return {
      respond,
      request: (method: "GET" | "POST", path: string, headers?: Record<string, string>) =>
        Effect.map(respond(method, path, headers), answer),
      /** The event stream's body, as the text of each write (the `retry` line, then one event each). */
      events: (path = "/observer/api/events") =>
        Effect.map(
          respond("GET", path),
          (response) =>
            response.body._tag === "Stream" ? Stream.decodeText(response.body.stream) : Stream.die("not a stream")
        )
    }
  })
