/**
 * The HTTP API, on Effect's HTTP router (`effect/http`) and the Node server of `@effect/platform-node`.
 *
 * | request                                             | answer                                               |
 * | --------------------------------------------------- | ---------------------------------------------------- |
 * | `POST /accounts/:id`                                | 201 `{ id, balance }`, 409 `AccountExists`           |
 * | `GET /accounts/:id`                                 | 200 `{ id, balance }`, 404 `UnknownAccount`          |
 * | `POST /accounts/:id/deposit` `{ amount }`           | 200 `{ id, balance }`                                |
 * | `POST /transfer` `{ from, to, amount }`             | 200 `{ from, to }`, 409 `InsufficientFunds`          |
 * | `POST /crash/:id`                                   | 200 `{ id, killed }`: kills the account's actor      |
 * | `POST /crash-storm`                                 | 200 `{ killed }`: more kills than the accounts'      |
 * |                                                     | supervisor tolerates: it gives up and is restarted   |
 * | `GET /tree`                                         | 200 the live supervision tree                        |
 * | `GET /metrics`                                      | 200 the metrics, Prometheus text format              |
 * | `GET /observer`                                     | the observer (`@effect-otp/observer`): the live tree, |
 * |                                                     | the process table, details, a kill button            |
 *
 * Every request but the observer's first takes a token from the rate limiter (per `x-client-id` header, else per
 * remote address):
 * 429 `RateLimited` with `Retry-After` when there is none. Errors are JSON `{ error, message, ... }`: 400 for a bad
 * request, 404 unknown account, 409 conflicts, 503 an account being restarted for too long, 504 an account that did
 * not answer in time. Deposits and transfers are idempotent under the `idempotency-key` header: send the same key
 * again after a 5xx or a lost connection, and the operation is applied once.
 */
import type { Supervision } from "@effect-otp/core"
import { FactorySupervisor, Process, Registry } from "@effect-otp/core"
import { Observer } from "@effect-otp/observer"
import { NodeHttpServer } from "@effect/platform-node"
import { Data, Effect, Layer, Option, Schema, SchemaIssue } from "effect"
import type { HttpServerError } from "effect/http"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import type { AccountTimeout, InsufficientFunds, UnknownAccount } from "./account.js"
import * as Account from "./account.js"
import { AccountRegistry, AccountUnavailable } from "./account.js"
import * as Directory from "./directory.js"
import { acquireToken } from "./limiter.js"
import { scrape } from "./metrics.js"
import { restartsIn, tree, TreeRoot } from "./tree.js"

/** The request is malformed (bad JSON, a bad amount, a bad id). */
export class InvalidRequest extends Data.TaggedError("InvalidRequest")<{ readonly message: string }> {}

/** The client has no token left; it may try again after `retryAfterMillis`. */
export class RateLimited extends Data.TaggedError("RateLimited")<{ readonly retryAfterMillis: number }> {
  override get message() {
    return `too many requests, retry in ${this.retryAfterMillis} ms`
  }
}

/** The account to open already exists. */
export class AccountExists extends Data.TaggedError("AccountExists")<{ readonly id: string }> {
  override get message() {
    return `account ${this.id} already exists`
  }
}

/** Every error the API answers with. */
export type ApiError =
  | InvalidRequest
  | RateLimited
  | AccountExists
  | UnknownAccount
  | InsufficientFunds
  | AccountUnavailable
  | AccountTimeout

const statusOf: { readonly [K in ApiError["_tag"]]: number } = {
  InvalidRequest: 400,
  UnknownAccount: 404,
  AccountExists: 409,
  InsufficientFunds: 409,
  RateLimited: 429,
  AccountUnavailable: 503,
  AccountTimeout: 504
}

/** The JSON answer for an error: its tag, message and fields. */
const errorResponse = (error: ApiError) => {
  const { _tag, ...fields } = { ...error }
  return HttpServerResponse.jsonUnsafe({ error: _tag, message: error.message, ...fields }, {
    status: statusOf[error._tag],
    ...(error._tag === "RateLimited"
      ? { headers: { "retry-after": String(Math.ceil(error.retryAfterMillis / 1000)) } }
      : {})
  })
}

/** An account id, as the path and the bodies carry it. */
export const AccountId = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.-]{1,64}$/))
/** An amount of money: a positive integer. */
export const Amount = Schema.Int.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1_000_000_000))

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

/** Decoding failures of the path or the body are `InvalidRequest`s, saying which field is wrong and why. */
const invalid = (error: Schema.SchemaError | HttpServerError.HttpServerError) =>
  new InvalidRequest({
    message: error._tag === "SchemaError" ?
      formatIssues(error.issue).issues.map((issue) => `${(issue.path ?? []).map(String).join(".")}: ${issue.message}`)
        .join("; ") :
      "the body is not JSON"
  })

/** The `:id` of the path, checked. */
export const accountId = Effect.mapError(HttpRouter.schemaPathParams(Schema.Struct({ id: AccountId })), invalid)
/** The JSON body, decoded with `schema`. */
export const body = <A>(schema: Schema.ConstraintDecoder<A>) =>
  Effect.mapError(HttpServerRequest.schemaBodyJson(schema), invalid)

/** The id of an operation of `kind` sent under the idempotency key `key`. */
export const operationIdOf = (kind: "deposit" | "transfer", key: string) => `${kind}:${key}`

/**
 * The operation id: the `idempotency-key` header (or a fresh one: then a retry is a new operation), prefixed with
 * the kind of operation, so that a key reused for another kind of operation is not mistaken for a retry.
 */
export const operationId = (kind: "deposit" | "transfer") =>
  HttpServerRequest.HttpServerRequest.useSync((request) =>
    operationIdOf(kind, request.headers["idempotency-key"] ?? randomUUID())
  )

/** Runs a route's effect, answering its errors as JSON. */
export const respond = <R>(effect: Effect.Effect<HttpServerResponse.HttpServerResponse, ApiError, R>) =>
  Effect.catch(effect, (error) => Effect.succeed(errorResponse(error)))

/** A JSON answer. */
export const json = (body: unknown, status = 200) => HttpServerResponse.jsonUnsafe(body, { status })

const openAccount = Effect.gen(function*() {
  const { id } = yield* accountId
  const result = yield* Directory.open(id).pipe(Effect.mapError(() => new AccountUnavailable({ id })))
  switch (result) {
    case "Opened":
      return json({ id, balance: 0 }, 201)
    case "Exists":
      return yield* Effect.fail(new AccountExists({ id }))
    case "Unavailable":
      return yield* Effect.fail(new AccountUnavailable({ id }))
  }
})

const getAccount = Effect.gen(function*() {
  const { id } = yield* accountId
  return json({ id, balance: yield* Account.balance(id) })
})

const deposit = Effect.gen(function*() {
  const { id } = yield* accountId
  const { amount } = yield* body(Schema.Struct({ amount: Amount }))
  return json({ id, balance: yield* Account.deposit(id, amount, yield* operationId("deposit")) })
})

const transfer = Effect.gen(function*() {
  const { amount, from, to } = yield* body(Schema.Struct({ from: AccountId, to: AccountId, amount: Amount }))
  if (from === to) return yield* Effect.fail(new InvalidRequest({ message: "from and to are the same account" }))
  const balances = yield* Account.transfer(from, to, amount, yield* operationId("transfer"))
  return json({ from: { id: from, balance: balances.from }, to: { id: to, balance: balances.to } })
})

/** Kills the account's actor (untrappable, like `kill -9`); its supervisor restarts it from the store. */
const crash = Effect.gen(function*() {
  const { id } = yield* accountId
  const entries = yield* Registry.lookup(yield* AccountRegistry, id)
  if (entries.length === 0) {
    yield* Account.ensureKnown(id)
    return yield* Effect.fail(new AccountUnavailable({ id }))
  }
  yield* Process.kill(entries[0].pid)
  return json({ id, killed: String(entries[0].pid) })
})

/**
 * A crash storm: kills the account actors, round after round (each round once they are back), until more have
 * crashed than the accounts' supervisor tolerates. It gives up (its report says so), and the bank supervisor
 * restarts it and the directory, which starts every account again from the store.
 */
const crashStorm = Effect.gen(function*() {
  const accounts = yield* Account.Accounts
  let killed = 0
  for (let round = 0; killed <= Account.ACCOUNTS_TOLERANCE.intensity && round < 1_000; round++) {
    const children = yield* FactorySupervisor.whichChildren(accounts).pipe(
      Effect.orElseSucceed((): ReadonlyArray<Supervision.ChildInfo> => [])
    )
    for (const child of children) {
      if (Option.isSome(child.pid) && killed <= Account.ACCOUNTS_TOLERANCE.intensity) {
        yield* Process.kill(child.pid.value)
        killed++
      }
    }
    // The supervisor restarts them from its mailbox: let it, then kill them again.
    yield* Effect.sleep("1 millis")
  }
  return json({ killed })
})

const supervisionTree = Effect.gen(function*() {
  const root = yield* tree.pipe(Effect.mapError(() => new AccountUnavailable({ id: "supervision tree" })))
  return json({ restarts: restartsIn(root), tree: root })
})

/**
 * The routes, as a Layer that registers them with the router. Deposits and transfers are uninterruptible: a client
 * hanging up does not cut a transfer in two.
 */
export const router = Layer.merge(
  HttpRouter.addAll([
    HttpRouter.route("POST", "/accounts/:id", respond(openAccount)),
    HttpRouter.route("GET", "/accounts/:id", respond(getAccount)),
    HttpRouter.route("POST", "/accounts/:id/deposit", respond(deposit), { uninterruptible: true }),
    HttpRouter.route("POST", "/transfer", respond(transfer), { uninterruptible: true }),
    HttpRouter.route("POST", "/crash/:id", respond(crash)),
    HttpRouter.route("POST", "/crash-storm", respond(crashStorm)),
    HttpRouter.route("GET", "/tree", respond(supervisionTree)),
    HttpRouter.route("GET", "/metrics", scrape)
  ]),
  // The observer, under /observer, showing the tree from its root's name. Killing is allowed: this is a demo.
  Layer.unwrap(TreeRoot.useSync((root) => Observer.layer({ roots: [root], allowKill: true })))
)

/** Where the observer is mounted: its page, its API, its event stream. */
export const OBSERVER_PATH = Observer.defaultPrefix

/** `routes` (the router, built) behind the rate limiter; unknown routes are 404s. */
export const app = <R>(
  routes: Effect.Effect<HttpServerResponse.HttpServerResponse, HttpServerError.HttpServerError, R>
) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    // The observer is for whoever runs the bank, not a client: it does not spend tokens, and works while the
    // limiter restarts.
    if (request.url.startsWith(OBSERVER_PATH)) return yield* routes
    const client = request.headers["x-client-id"] ?? Option.getOrElse(request.remoteAddress, () => "unknown")
    const decision = yield* acquireToken(client)
    if (decision._tag === "Limited") {
      return errorResponse(new RateLimited({ retryAfterMillis: decision.retryAfterMillis }))
    }
    return yield* routes
  }).pipe(
    Effect.catchReason(
      "HttpServerError",
      "RouteNotFound",
      () => Effect.succeed(json({ error: "NotFound", message: "no such route" }, 404))
    )
  )

/**
 * The HTTP server on 127.0.0.1:`port` (0 for a free port), serving `app`, as a Layer providing the `HttpServer`
 * (whose address tells the port). Closing it stops listening and says so.
 */
export const HttpLive = (port: number) =>
  Layer.effect(
    HttpServer.HttpServer,
    Effect.gen(function*() {
      // Registered before the server, so that it runs after the server closed.
      let listening = false
      yield* Effect.addFinalizer(() => listening ? Effect.log("stopped http server") : Effect.void)
      const server = yield* NodeHttpServer.make(() => createServer(), { port, host: "127.0.0.1" }).pipe(
        Effect.tapError((error) => Effect.logError(`cannot listen on 127.0.0.1:${port}: ${String(error.cause)}`))
      )
      listening = true
      yield* server.serve(app(yield* HttpRouter.toHttpEffect(router)))
      yield* Effect.log(`listening on ${urlOf(server)}`)
      return server
    })
  )

/** The base URL of a server listening on TCP. */
export const urlOf = (server: HttpServer.HttpServer["Service"]) =>
  server.address._tag === "UnixPathAddress" ? "unix socket" : HttpServer.formatAddress(server.address)
