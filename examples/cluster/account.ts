/**
 * The bank's accounts as entities of effect's cluster: one protocol (`Account`), one behaviour (`account`) whose
 * state, a balance, is rebuilt from SQL on every activation.
 *
 * Every request that changes a balance carries the operation's id as its `primaryKey` (its idempotency key): the
 * cluster stores the request under it, and the same request sent again gets the stored reply instead of running
 * again. The protocol is durable, so the handlers' writes to the ledger commit in the transaction that stores the
 * reply: an operation is in the ledger exactly when its reply is stored. A runner killed in between rolls both back,
 * and the request, still unanswered in storage, is delivered again on the runner that takes the entity's shard.
 *
 * The ledger has no unique constraint, on purpose: an operation applied twice would show as two rows, and the demo's
 * final check counts them.
 */
import { Protocol } from "@effect-otp/cluster"
import { Context, Effect, Schema } from "effect"
import { Rpc } from "effect/rpc"
import { SqlClient } from "effect/sql"
import { operationIdOf } from "../bank/http.js"
import type { Acknowledged } from "../bank/load.js"

/** Not enough money on `id` for a withdrawal of `amount` (the same JSON as the bank's 409). */
export class InsufficientFunds extends Schema.TaggedError<InsufficientFunds>()("InsufficientFunds", {
  id: Schema.String,
  balance: Schema.Number,
  amount: Schema.Number
}) {
  override get message() {
    return `account ${this.id} has ${this.balance}, less than ${this.amount}`
  }
}

/** An operation on one account: its id (the idempotency key) and amount. */
const Operation = { op: Schema.String, amount: Schema.Number }

/** Where an entity is active: its runner's process and port. */
export const Location = Schema.Struct({ pid: Schema.Number, port: Schema.Number })
export type Location = typeof Location.Type

const requests = [
  Rpc.make("Deposit", { payload: Operation, success: Schema.Number, primaryKey: ({ op }) => op }),
  Rpc.make("Withdraw", {
    payload: Operation,
    success: Schema.Number,
    error: InsufficientFunds,
    primaryKey: ({ op }) => op
  }),
  Rpc.make("Balance", { success: Schema.Number }),
  Rpc.make("Where", { success: Location })
] as const

/** The protocol of account entities: durable, except for the reads (nothing to store for them). */
export const Account = Protocol.make("Account", requests, { volatile: ["Balance", "Where"] })

/** The requests of an account entity, as a type. */
export type AccountRpcs = Protocol.Requests<typeof Account>

/** The runner an entity runs on, for `Where`: provided by the runner process. */
export class RunnerHost extends Context.Service<RunnerHost, Location>()("cluster-demo/RunnerHost") {}

/** A transfer is a saga of two operations on two accounts (see `frontend.ts`), with ids derived from the transfer's. */
export const withdrawalOf = (transfer: string) => `${transfer}:w`
export const depositOf = (transfer: string) => `${transfer}:d`

/** The transfer a withdrawal's id belongs to, if `op` is one. */
const transferOfWithdrawal = (op: string) =>
  op.endsWith(withdrawalOf("")) ? op.slice(0, -withdrawalOf("").length) : undefined

/** The ledger's rows: one per applied operation (a withdrawal is a negative amount). */
export const createLedger = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE ledger (
    id bigserial PRIMARY KEY,
    account text NOT NULL,
    op text NOT NULL,
    amount bigint NOT NULL
  )`
  yield* sql`CREATE INDEX ledger_account ON ledger (account)`
})

const record = (account: string, op: string, amount: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO ledger (account, op, amount) VALUES (${account}, ${op}, ${amount})`
  }).pipe(Effect.orDie)

/** The balance of `account`: the sum of its ledger. */
const balanceOf = (account: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ total: string }>`
      SELECT coalesce(sum(amount), 0)::text AS total FROM ledger WHERE account = ${account}`
    return Number(rows[0].total)
  }).pipe(Effect.orDie)

/**
 * An account entity. `init` reads the balance from the ledger, on the runner where the entity is activated: the
 * first one, or the survivor that took its shard after a runner died. A handler that fails (a refused withdrawal)
 * writes nothing and leaves the balance as it was; a SQL error is a defect, which restarts the entity and replays the
 * request, its writes rolled back with the reply's transaction.
 */
export const account = Account
  .behaviour<number, SqlClient.SqlClient | RunnerHost>({
    init: ({ entityId }) => balanceOf(entityId),
    handlers: {
      Deposit: (balance, { amount, op }, { entityId }) =>
        Effect.as(record(entityId, op, amount), Protocol.reply(balance + amount, balance + amount)),
      Withdraw: (balance, { amount, op }, { entityId }) =>
        amount > balance
          ? Effect.fail(new InsufficientFunds({ id: entityId, balance, amount }))
          : Effect.as(record(entityId, op, -amount), Protocol.reply(balance - amount, balance - amount)),
      Balance: (balance) => Effect.succeed(Protocol.reply(balance, balance)),
      Where: (balance) => RunnerHost.useSync((host) => Protocol.reply(balance, host))
    }
  })

/** The ledger, read whole: how many rows each operation has, and each account's balance. */
export interface Ledger {
  readonly rows: number
  readonly operations: ReadonlyMap<string, number>
  readonly balances: Readonly<Record<string, number>>
}

/** Reads the ledger. */
export const readLedger = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const ops = yield* sql<{ op: string; n: string }>`SELECT op, count(*)::text AS n FROM ledger GROUP BY op`
  const sums = yield* sql<{ account: string; total: string }>`
    SELECT account, sum(amount)::text AS total FROM ledger GROUP BY account`
  const ledger: Ledger = {
    rows: ops.reduce((sum, row) => sum + Number(row.n), 0),
    operations: new Map(ops.map((row) => [row.op, Number(row.n)])),
    balances: Object.fromEntries(sums.map((row) => [row.account, Number(row.total)]))
  }
  return ledger
})

/** Transfers withdrawn and not deposited. */
export const pendingTransfers = (ledger: Ledger): number => {
  let pending = 0
  for (const op of ledger.operations.keys()) {
    const transfer = transferOfWithdrawal(op)
    if (transfer !== undefined && !ledger.operations.has(depositOf(transfer))) pending++
  }
  return pending
}

/** What the ledger says, against what the load generator saw acknowledged. */
export interface LedgerCheck {
  readonly rows: number
  readonly acknowledged: number
  /** Acknowledged operations whose rows are there exactly once (a transfer: its withdrawal and its deposit). */
  readonly once: number
  /** Acknowledged operations with a row missing. */
  readonly missing: number
  /** Operations with more than one row: applied twice. */
  readonly duplicates: number
  /** Rows of operations nobody saw acknowledged. */
  readonly unacknowledged: number
}

/** The ledger rows an acknowledged operation must have: what the front end writes for it (see `frontend.ts`). */
const rowsOf = ({ key, operation }: Acknowledged): ReadonlyArray<string> =>
  operation._tag === "Deposit"
    ? [operationIdOf("deposit", key)]
    : [withdrawalOf(operationIdOf("transfer", key)), depositOf(operationIdOf("transfer", key))]

/** Checks that every acknowledged operation is in the ledger exactly once, and nothing else is. */
export const checkLedger = (ledger: Ledger, acknowledged: ReadonlyArray<Acknowledged>): LedgerCheck => {
  const expected = new Set<string>()
  let once = 0
  let missing = 0
  for (const operation of acknowledged) {
    const rows = rowsOf(operation)
    for (const row of rows) expected.add(row)
    if (rows.every((row) => ledger.operations.get(row) === 1)) once++
    if (rows.some((row) => !ledger.operations.has(row))) missing++
  }
  let duplicates = 0
  let unacknowledged = 0
  for (const [op, n] of ledger.operations) {
    if (n > 1) duplicates++
    if (!expected.has(op)) unacknowledged += n
  }
  return { rows: ledger.rows, acknowledged: acknowledged.length, once, missing, duplicates, unacknowledged }
}
