/**
 * The observer's HTTP routes, under its prefix:
 *
 * | request                              | answer                                                              |
 * | ------------------------------------ | ------------------------------------------------------------------- |
 * | `GET {prefix}`                       | the page (`observer.css` and `observer.js` beside it)               |
 * | `GET {prefix}/api/snapshot`          | one `Snapshot` as JSON (without rates: one look has none)           |
 * | `GET {prefix}/api/events`            | `text/event-stream`: a `snapshot` event at once, then every interval |
 * | `GET {prefix}/api/processes/:pid`    | `ProcessDetails` (404 with the reports kept, for a dead pid)        |
 * | `POST {prefix}/api/processes/:pid/kill` | 200 `{ killed }`; 403 unless `allowKill`; 404 no such process    |
 *
 * A pid in a path is written `0.42` (or `<0.42>`, encoded).
 *
 * @internal
 */
import * as Process from "@effect-otp/core/Process"
import * as System from "@effect-otp/core/System"
import * as Effect from "effect/Effect"
import * as Sse from "effect/encoding/Sse"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { inspect } from "node:util"
import type { Peer, ProcessDetails, Snapshot, StateView } from "../Observer.js"
import type { Assets } from "./assets.js"
import { load } from "./assets.js"
import type { Settings } from "./options.js"
import type { ReportLog } from "./reports.js"
import { Reports } from "./reports.js"
import type { Sample } from "./snapshot.js"
import { snapshot, summary } from "./snapshot.js"

/** How long a disconnected page waits before it reconnects (the SSE `retry` field). */
const RETRY_MILLIS = 1_000
/** A state longer than this is cut: the page is for reading, not for dumping a cache. */
const MAX_STATE = 20_000
/** The header a kill must carry: a form on another site cannot set it without the browser asking us first (CORS). */
const KILL_HEADER = "x-observer"

const json = (body: unknown, status = 200) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: { "cache-control": "no-store" } })

const errorJson = (status: number, error: string, message: string, extra: Record<string, unknown> = {}) =>
  json({ error, message, ...extra }, status)

/** The pid shown as `<0.42>`, from a path segment `0.42` or `<0.42>`. */
const pidKey = (segment: string) => `<${segment.replace(/^<|>$/g, "")}>`

/** The host name of a `Host` header, lower case, without its port: `127.0.0.1:4780` and `[::1]:80` give the address. */
const hostName = (header: string | undefined): string | undefined => {
  if (header === undefined || header === "") return undefined
  const match = /^\[([^\]]+)\](?::\d+)?$/.exec(header) ?? /^([^:]+)(?::\d+)?$/.exec(header)
  return match?.[1]?.toLowerCase()
}

/** The host name of an `Origin` header (`http://localhost:4780`). */
const originHost = (origin: string): string | undefined => {
  try {
    return new URL(origin).hostname.replace(/^\[|\]$/g, "").toLowerCase()
  } catch {
    return undefined
  }
}

const findPid = (key: string) => Effect.map(Process.list, (pids) => pids.find((pid) => String(pid) === key))

/** What the event stream reads of a request that came through Node's `http` server (`IncomingMessage`). */
interface NodeSource {
  readonly httpVersionMajor?: unknown
  readonly socket?: { readonly server?: { readonly listening?: unknown } }
}

/**
 * Whether the Node server this request came through has stopped listening (it is shutting down). The event stream
 * ends then, so that an open page does not hold the server's graceful shutdown for its whole timeout (20 seconds by
 * default). Through another server (a web handler) this is never known, and the stream lasts as long as the client.
 */
const serverStopped = (request: HttpServerRequest.HttpServerRequest): () => boolean => {
  const server = (request.source as NodeSource).socket?.server
  return server !== undefined && typeof server.listening === "boolean" ? () => server.listening === false : () => false
}

/**
 * Over HTTP/1, the event stream's connection is not kept alive after it: once the stream ends (the server stops),
 * an idle kept-alive connection would hold the server's shutdown until the client's keep-alive timeout. HTTP/2
 * forbids the header, and needs it not.
 */
const closeAfter = (request: HttpServerRequest.HttpServerRequest): Record<string, string> =>
  (request.source as NodeSource).httpVersionMajor === 1 ? { connection: "close" } : {}

const sseEvent = (event: string, data: unknown) =>
  Sse.encoder.write({ _tag: "Event", event, id: undefined, data: JSON.stringify(data) })

/** The routes' shared state: what each look found, for the details of one process. */
interface Memory {
  labels: ReadonlyMap<string, string>
}

/** @internal */
export const make = (settings: Settings, reports: ReportLog, assets: Assets) => {
  const memory: Memory = { labels: new Map() }
  const publicSettings = {
    prefix: settings.prefix,
    intervalMillis: settings.intervalMillis,
    allowKill: settings.allowKill,
    showState: settings.showState
  }

  const look = (previous: Sample | undefined) =>
    Effect.map(snapshot(settings, previous), (result) => {
      memory.labels = result.labels
      const body: Snapshot = { ...result.snapshot, settings: publicSettings }
      return [result.sample, body] as const
    })

  const events = Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
    const stopped = serverStopped(request)
    const updates = Stream.tick(settings.intervalMillis).pipe(
      Stream.takeWhile(() => !stopped()),
      Stream.mapAccumEffect(
        (): Sample | undefined => undefined,
        (previous) => Effect.map(look(previous), ([sample, body]) => [sample, [sseEvent("snapshot", body)]] as const)
      )
    )
    return HttpServerResponse.stream(
      Stream.concat(Stream.make(`retry: ${RETRY_MILLIS}\n\n`), updates).pipe(Stream.encodeText),
      {
        contentType: "text/event-stream",
        // No proxy buffering and no caching: each event is for now.
        headers: { "cache-control": "no-store", "x-accel-buffering": "no", ...closeAfter(request) }
      }
    )
  })

  const peer = (pid: Process.Pid): Effect.Effect<Peer> =>
    Effect.map(Process.info(pid), (info) =>
      Option.match(info, {
        onNone: () => ({ pid: String(pid), label: null, kind: null }),
        onSome: (info) => ({
          pid: String(pid),
          label: summary(info, memory.labels.get(String(pid))).label,
          kind: info.kind
        })
      }))

  const stateOf = (info: Process.ProcessInfo): Effect.Effect<StateView> => {
    if (!settings.showState) {
      return Effect.succeed({ shown: false, text: "hidden: mount the observer with { showState: true } to see it" })
    }
    if (info.kind !== "actor") {
      return Effect.succeed({ shown: false, text: `a ${info.kind} has no state to show (only actors do)` })
    }
    return System.getState(info.pid).pipe(
      Effect.timeout(settings.timeoutMillis),
      Effect.match({
        onFailure: (error) => ({ shown: false, text: `not answered: ${error._tag}` }),
        onSuccess: (state) => {
          const text = inspect(state, { depth: 4, breakLength: 100, maxArrayLength: 100, maxStringLength: 1_000 })
          return { shown: true, text: text.length > MAX_STATE ? `${text.slice(0, MAX_STATE)}\n…` : text }
        }
      })
    )
  }

  const details = Effect.gen(function*() {
    const key = pidKey((yield* HttpRouter.params).pid ?? "")
    const pid = yield* findPid(key)
    const found = pid === undefined ? Option.none() : yield* Process.info(pid)
    if (Option.isNone(found)) {
      return errorJson(404, "NoProcess", `${key} is not alive`, { pid: key, reports: reports.recent(key) })
    }
    const info = found.value
    const body: ProcessDetails = {
      ...summary(info, memory.labels.get(key)),
      startedAt: info.startedAt,
      links: yield* Effect.forEach(info.links, peer),
      monitoredBy: yield* Effect.forEach(info.monitoredBy, peer),
      state: yield* stateOf(info),
      reports: reports.recent(key),
      allowKill: settings.allowKill
    }
    return json(body)
  })

  const kill = Effect.gen(function*() {
    if (!settings.allowKill) {
      return errorJson(
        403,
        "KillDisabled",
        "killing processes is off: mount the observer with { allowKill: true } to allow it"
      )
    }
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.headers[KILL_HEADER] !== "kill") {
      return errorJson(403, "MissingHeader", `a kill must carry the header "${KILL_HEADER}: kill"`)
    }
    const key = pidKey((yield* HttpRouter.params).pid ?? "")
    const pid = yield* findPid(key)
    if (pid === undefined) return errorJson(404, "NoProcess", `${key} is not alive`, { pid: key })
    const info = yield* Process.info(pid)
    if (Option.isSome(info) && info.value.implicit) {
      return errorJson(
        403,
        "ImplicitProcess",
        `${key} is code outside any process (the main program, a request being served): killing it would stop the ` +
          "application, not show a supervisor at work"
      )
    }
    yield* Effect.logInfo(`observer: killing ${key}`)
    yield* Process.kill(pid)
    return json({ killed: key })
  })

  /**
   * Every route answers only requests addressed to an allowed host, from no origin or an allowed one: a page of
   * another site whose name was pointed at this machine (DNS rebinding) gets 403, its kill header or not.
   */
  const guarded = <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      // A browser always sends `Host`; a request without one (HTTP/1.0, an in-process handler) names no other site.
      const header = request.headers.host
      const host = hostName(header)
      if (header !== undefined && (host === undefined || !settings.allowedHosts.has(host))) {
        return Effect.succeed(
          errorJson(403, "ForbiddenHost", `the observer does not answer to the host ${String(request.headers.host)}`)
        )
      }
      const origin = request.headers.origin
      if (origin !== undefined && origin !== "null") {
        const from = originHost(origin)
        if (from === undefined || !settings.allowedHosts.has(from)) {
          return Effect.succeed(errorJson(403, "ForbiddenOrigin", `requests from ${origin} are not allowed`))
        }
      }
      return handler
    })

  const file = (body: string, contentType: string) =>
    HttpServerResponse.text(body, { contentType, headers: { "cache-control": "no-cache" } })
  const page = HttpServerResponse.text(assets.html, {
    contentType: "text/html; charset=utf-8",
    headers: {
      "cache-control": "no-cache",
      // The page runs its one script and talks to its own origin only.
      "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
      "x-content-type-options": "nosniff"
    }
  })
  const at = (path: string) => `${settings.prefix}${path}` as HttpRouter.PathInput

  return [
    HttpRouter.route("GET", settings.prefix === "" ? "/" : at(""), guarded(Effect.succeed(page))),
    HttpRouter.route("GET", at("/observer.css"), guarded(Effect.succeed(file(assets.css, "text/css; charset=utf-8")))),
    HttpRouter.route(
      "GET",
      at("/observer.js"),
      guarded(Effect.succeed(file(assets.js, "text/javascript; charset=utf-8")))
    ),
    HttpRouter.route("GET", at("/api/snapshot"), guarded(Effect.map(look(undefined), ([, body]) => json(body)))),
    HttpRouter.route("GET", at("/api/events"), guarded(events)),
    HttpRouter.route("GET", at("/api/processes/:pid"), guarded(details)),
    HttpRouter.route("POST", at("/api/processes/:pid/kill"), guarded(kill))
  ] as const
}

/**
 * The routes as a Layer adding them to the `HttpRouter`: the options are checked (`decode` throws `InvalidOption`,
 * a defect) and the page read when it is built.
 * @internal
 */
export const layer = (decode: () => Settings) =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const settings = yield* Effect.sync(decode)
      yield* router.addAll(make(settings, yield* Reports, yield* load(settings.prefix)))
    })
  )
