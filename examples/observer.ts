/**
 * The observer (`@effect-otp/observer`) mounted in an application's own HTTP server, next to its routes, as
 * LiveDashboard mounts into a Phoenix router: a supervision tree with a counter actor, a route that adds to it, and
 * the observer under `/observer`, which may kill processes here (a demo).
 *
 * Run with `npm run example -- examples/observer.ts`, open http://127.0.0.1:4791/observer, kill the counter with the
 * page's button and watch its supervisor restart it. `curl -X POST http://127.0.0.1:4791/add` sends it a message.
 */
import { Actor, Name, StaticSupervisor, Subject } from "@effect-otp/core"
import { Observer } from "@effect-otp/observer"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

class Counter extends Context.Service<Counter, Subject.Subject<number>>()("example/Counter") {}
const counter = Actor.new(0).pipe(
  Actor.onMessage((count: number, n: number) => Effect.succeed(Actor.continue(count + n)))
)

// The tree's root is registered under a name: the observer walks the tree from it.
const root = Name.make<StaticSupervisor.Message>("example/root")
const TreeLive = StaticSupervisor.layer(
  StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.named(root)),
  Actor.toLayer(Counter, counter)
)

const Routes = Layer.mergeAll(
  HttpRouter.add("POST", "/add", Effect.as(Counter.use((c) => Subject.send(c, 1)), HttpServerResponse.text("added"))),
  Observer.layer({ roots: [root], allowKill: true }) // GET /observer, and its API under /observer/api
)

/** The application on `port` (0: a free one), on 127.0.0.1; it provides the server (whose address has the port). */
export const AppLive = (port: number) =>
  HttpRouter.serve(Routes).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" })),
    Layer.provide(TreeLive),
    Layer.provide(Observer.layerReports) // below the tree, so that the tree's reports reach the observer
  )

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  Layer.launch(AppLive(4791)).pipe(NodeRuntime.runMain)
}
