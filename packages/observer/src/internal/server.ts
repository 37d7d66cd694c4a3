/**
 * The observer on a server of its own: Node's `http` server on the host and port of the options (127.0.0.1 by
 * default), serving the observer's routes only, and saying where (and whether other machines can reach it).
 *
 * @internal
 */
import { NodeHttpServer } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import { HttpRouter, HttpServer } from "effect/http"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"
import type { ServeOptions } from "../Observer.js"
import { decodeServeSettings, isLoopback } from "./options.js"
import * as routes from "./routes.js"

/** The line the server logs once it listens. @internal */
export const announcement = (url: string, prefix: string, host: string): string =>
  `observer: ${url}${prefix === "" ? "/" : prefix} ` +
  (isLoopback(host) ? `(bound to ${host} only)` : `(bound to ${host}: reachable from other machines)`)

/** @internal */
export const serve = (options: ServeOptions | undefined) =>
  Layer.unwrap(Effect.sync(() => {
    const settings = decodeServeSettings("Observer.serve", options)
    const listening = Layer.effectDiscard(
      HttpServer.HttpServer.use((server) =>
        Effect.log(announcement(HttpServer.formatAddress(server.address), settings.prefix, settings.host))
      )
    )
    // The routes are served, then the address is logged: once it is, the page answers.
    return listening.pipe(
      Layer.provide(Layer.provideMerge(
        HttpRouter.serve(routes.layer(() => settings), { disableLogger: true, disableListenLog: true }),
        NodeHttpServer.layer(createServer, { port: settings.port, host: settings.host })
      ))
    )
  }))
