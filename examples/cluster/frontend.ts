/**
 * The HTTP front end of the cluster demo: the bank's routes (the ones its load generator uses), served by a process
 * that hosts no entity and calls the Account entities through the cluster (`Runner.layerClientOnly` and
 * `Protocol.layerClient`).
 *
 * | request                                   | answer                                                        |
 * | ----------------------------------------- | ------------------------------------------------------------- |
 * | `POST /accounts/:id`                      | 201 `{ id, balance }`: activates the entity                   |
 * | `GET /accounts/:id`                       | 200 `{ id, balance }`                                         |
 * | `POST /accounts/:id/deposit` `{ amount }` | 200 `{ id, balance }`, 504 `AccountTimeout` after 1 s         |
 * | `POST /transfer` `{ from, to, amount }`   | 200 `{ from, to }`, 409 `InsufficientFunds`, 504 after 1 s    |
 *
 * As with the bank, deposits and transfers are idempotent under the `idempotency-key` header, and a 503 or a 504
 * means "send again with the same key". There is no rate limiter and no `/crash`: the demo's chaos is a runner
 * killed.
 */
import { Protocol } from "@effect-otp/cluster"
import { NodeHttpServer } from "@effect/platform-node"
import type { Scope } from "effect"
import { Effect, Fiber, Layer, Option, Schedule, Schema } from "effect"
import type { HttpServer } from "effect/http"
import { HttpRouter } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { createServer } from "node:http"
import { AccountTimeout, AccountUnavailable } from "../bank/account.js"
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
 * most once.
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

/** How long the front end holds a deposit or a transfer before it answers 504 (the client retries, same key). */
export const RESPONSE_DEADLINE = "1 second"

/**
 * Runs `operation` apart from the request, in `background` (the front end's scope), and answers its outcome if it
 * comes within `RESPONSE_DEADLINE`; otherwise 504 (`AccountTimeout`, naming the account `waitingFor()` returns),
 * while the operation goes on. A client that retries with the same idempotency key sends the same requests again,
 * with the same primary keys: the cluster attaches each to the one in flight, or answers its stored reply. During a
 * failover (about 3 s) this is what the accounts of the dead runner see: retries, then one application each.
 *
 * Nothing cuts an operation short, neither the deadline nor a client hanging up: a saga cut between its steps would
 * leave a transfer half done (withdrawn, not deposited) until the client sent it again, and for good if it never did.
 * (A single durable request would run on anyway: the cluster's client detaches it from a caller that stops waiting.)
 */
const withinDeadline = <A, E, R>(
  background: Scope.Scope,
  operation: Effect.Effect<A, E, R>,
  waitingFor: () => string
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkIn(operation, background)
    const exit = yield* Effect.timeoutOption(Fiber.await(fiber), RESPONSE_DEADLINE)
    if (Option.isNone(exit)) return yield* Effect.fail(new AccountTimeout({ id: waitingFor() }))
    return yield* exit.value
  })

const deposit = (background: Scope.Scope) =>
  Effect.gen(function*() {
    const { id } = yield* accountId
    const { amount } = yield* body(Schema.Struct({ amount: Amount }))
    const op = yield* operationId("deposit")
    const balance = yield* withinDeadline(
      background,
      Effect.flatMap(account(id), (calls) => calls.deposit(op, amount)),
      () => id
    )
    return json({ id, balance })
  })

/**
 * A transfer spans two entities, which may live on two machines: it is a saga, not a transaction. Withdraw from
 * `from` under the key `<op>:w`; if that is refused, so is the transfer (409); once it is applied, deposit to `to`
 * under `<op>:d`, sent until it lands. Each step is idempotent under its own key, so a client that sends the transfer
 * again after a 504 or a cut connection replays the saga: the steps already applied answer their stored replies.
 *
 * This replaces what one machine would do with one transaction, or with linked actors under a `one_for_all`
 * supervisor: across machines there is no shared fate to lean on, only durable steps with keys, run to the end.
 */
const transfer = (background: Scope.Scope) =>
  Effect.gen(function*() {
    const { amount, from, to } = yield* body(Schema.Struct({ from: AccountId, to: AccountId, amount: Amount }))
    if (from === to) return yield* Effect.fail(new InvalidRequest({ message: "from and to are the same account" }))
    const op = yield* operationId("transfer")
    let waitingFor = from
    const saga = Effect.gen(function*() {
      const fromBalance = yield* (yield* account(from)).withdraw(withdrawalOf(op), amount)
      waitingFor = to
      const toBalance = yield* (yield* account(to)).deposit(depositOf(op), amount)
      return { from: { id: from, balance: fromBalance }, to: { id: to, balance: toBalance } }
    })
    return json(yield* withinDeadline(background, saga, () => waitingFor))
  })

/** The routes; deposits and transfers run in `background`, beyond their request if need be. */
const routes = (background: Scope.Scope) =>
  HttpRouter.addAll([
    HttpRouter.route("POST", "/accounts/:id", respond(openAccount)),
    HttpRouter.route("GET", "/accounts/:id", respond(getAccount)),
    HttpRouter.route("POST", "/accounts/:id/deposit", respond(deposit(background))),
    HttpRouter.route("POST", "/transfer", respond(transfer(background)))
  ])

/**
 * The front end on 127.0.0.1 (a free port: the `HttpServer`'s address says which), calling Account entities. Its
 * scope holds the operations still running when it closes: they are interrupted after the server has stopped.
 */
export const layer: Layer.Layer<
  HttpServer.HttpServer,
  ServeError,
  Protocol.Client<AccountRpcs>
> = Layer.unwrap(
  Effect.map(
    Effect.scope,
    (background) => HttpRouter.serve(routes(background), { disableLogger: true, disableListenLog: true })
  )
).pipe(
  Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" }))
)
