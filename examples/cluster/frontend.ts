/**
 * The HTTP front end of the cluster demo: the bank's routes (the ones its load generator uses), served by a process
 * that hosts no entity and calls the Account entities through the cluster (`Runner.layerClientOnly` and
 * `Protocol.layerClient`).
 *
 * | request                                   | answer                                                        |
 * | ----------------------------------------- | ------------------------------------------------------------- |
 * | `POST /accounts/:id`                      | 201 `{ id, balance }`: activates the entity                   |
 * | `GET /accounts/:id`                       | 200 `{ id, balance }`                                         |
 * | `POST /accounts/:id/deposit` `{ amount }` | 200 `{ id, balance }`                                         |
 * | `POST /transfer` `{ from, to, amount }`   | 200 `{ from, to }`, 409 `InsufficientFunds`                   |
 *
 * As with the bank, deposits and transfers are idempotent under the `idempotency-key` header, and 503 means "send
 * again with the same key". There is no rate limiter and no `/crash`: the demo's chaos is a runner killed.
 */
import { Protocol } from "@effect-otp/cluster"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Schedule, Schema } from "effect"
import type { HttpServer } from "effect/http"
import { HttpRouter } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { createServer } from "node:http"
import { AccountUnavailable } from "../bank/account.js"
import { AccountId, accountId, Amount, body, InvalidRequest, json, operationId, respond } from "../bank/http.js"
import type { AccountRpcs, InsufficientFunds, Location } from "./account.js"
import { Account, depositOf, withdrawalOf } from "./account.js"

/** The calls to one account entity, each sent until its answer is definitive. */
export interface AccountCalls {
  readonly balance: Effect.Effect<number, AccountUnavailable>
  readonly deposit: (op: string, amount: number) => Effect.Effect<number, AccountUnavailable>
  readonly withdraw: (op: string, amount: number) => Effect.Effect<number, InsufficientFunds | AccountUnavailable>
  readonly where: Effect.Effect<Location, AccountUnavailable>
}

/** While the cluster cannot deliver a request (its storage failing, say), it is sent again this often, this long. */
const UNTIL_DELIVERED = Schedule.spaced("50 millis").pipe(Schedule.upTo({ duration: "30 seconds" }))

/**
 * The methods of entity `id`, each sent until its answer is definitive: a reply, or the entity's own failure. A
 * request the cluster could not deliver is sent again, the same payload and so the same `primaryKey`: applied at
 * most once. No timeout cuts a request short: an interrupted durable request stores the interruption as its reply,
 * which every later request with its key would get.
 */
export const account = (id: string): Effect.Effect<AccountCalls, never, Protocol.Client<AccountRpcs>> =>
  Effect.map(Account.Client, (client) => {
    const methods = client(id)
    const definitive = <A, E>(request: Effect.Effect<A, E | Protocol.DeliveryError>) =>
      request.pipe(
        Effect.retry({ while: (error) => error instanceof Protocol.DeliveryError, schedule: UNTIL_DELIVERED }),
        Effect.catchIf((error) => error instanceof Protocol.DeliveryError, () =>
          Effect.fail(new AccountUnavailable({ id })))
      ) as Effect.Effect<A, Exclude<E, Protocol.DeliveryError> | AccountUnavailable>
    return {
      balance: definitive(methods.Balance()),
      deposit: (op: string, amount: number) => definitive(methods.Deposit({ op, amount })),
      withdraw: (op: string, amount: number) => definitive(methods.Withdraw({ op, amount })),
      where: definitive(methods.Where())
    }
  })

/** An entity exists as soon as it is addressed: "opening" an account activates it. */
const openAccount = Effect.gen(function*() {
  const { id } = yield* accountId
  return json({ id, balance: yield* (yield* account(id)).balance }, 201)
})

const getAccount = Effect.gen(function*() {
  const { id } = yield* accountId
  return json({ id, balance: yield* (yield* account(id)).balance })
})

const deposit = Effect.gen(function*() {
  const { id } = yield* accountId
  const { amount } = yield* body(Schema.Struct({ amount: Amount }))
  return json({ id, balance: yield* (yield* account(id)).deposit(yield* operationId("deposit"), amount) })
})

/**
 * A transfer spans two entities, which may live on two machines: it is a saga, not a transaction. Withdraw from
 * `from` under the key `<op>:w`; if that is refused, the transfer is (409); once it is applied, deposit to `to` under
 * `<op>:d`, sent until it lands. Each step is idempotent under its own key, so a client that sends the transfer again
 * after a 503 or a cut connection replays the saga: the steps already applied answer their stored replies.
 *
 * This replaces what one machine would do with one transaction, or with linked actors under a `one_for_all`
 * supervisor: across machines there is no shared fate to lean on, only durable steps with keys.
 */
const transfer = Effect.gen(function*() {
  const { amount, from, to } = yield* body(Schema.Struct({ from: AccountId, to: AccountId, amount: Amount }))
  if (from === to) return yield* Effect.fail(new InvalidRequest({ message: "from and to are the same account" }))
  const op = yield* operationId("transfer")
  const fromBalance = yield* (yield* account(from)).withdraw(withdrawalOf(op), amount)
  const toBalance = yield* (yield* account(to)).deposit(depositOf(op), amount)
  return json({ from: { id: from, balance: fromBalance }, to: { id: to, balance: toBalance } })
})

/**
 * The routes. Deposits and transfers are uninterruptible: a client hanging up does not cut a saga in two, nor
 * interrupt a durable request.
 */
const routes = HttpRouter.addAll([
  HttpRouter.route("POST", "/accounts/:id", respond(openAccount)),
  HttpRouter.route("GET", "/accounts/:id", respond(getAccount)),
  HttpRouter.route("POST", "/accounts/:id/deposit", respond(deposit), { uninterruptible: true }),
  HttpRouter.route("POST", "/transfer", respond(transfer), { uninterruptible: true })
])

/** The front end on 127.0.0.1 (a free port: the `HttpServer`'s address says which), calling Account entities. */
export const layer: Layer.Layer<
  HttpServer.HttpServer,
  ServeError,
  Protocol.Client<AccountRpcs>
> = HttpRouter.serve(routes, { disableLogger: true, disableListenLog: true }).pipe(
  Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" }))
)
