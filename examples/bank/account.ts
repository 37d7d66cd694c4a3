/**
 * Accounts: one actor per account, started on demand under a factory supervisor and found by id through a
 * registry of unique keys.
 *
 * An account actor registers itself under its id in init, loads its balance from the store, and from then on
 * receives what is sent to `Registry.via(registry, id)`. It is the only writer of its balance, so checks such as
 * "enough funds?" need no lock. Every change goes to the store first and is acknowledged only once the store
 * confirmed it. If the store does not confirm, the actor crashes and its restart reloads the truth from the store.
 *
 * Operations carry an id (the HTTP idempotency key). An account remembers the ids of its latest operations (in the
 * store, with the balance), so a retried operation is answered without being applied twice: a caller whose call
 * failed because the account crashed can simply call again.
 *
 * A transfer is two steps on two actors: a debit of `from` (recording the transfer as pending in the same write),
 * then a credit of `to` (removing it). The credit is retried until it lands; if it cannot land before the deadline,
 * the transfer stays pending in the store, and a retry of the request (or the directory, at the next start)
 * completes it.
 */
import type { Name } from "@effect-otp/core"
import { Actor, FactorySupervisor, Registry, Selector, Subject } from "@effect-otp/core"
import { Context, Data, Effect, Layer, Option, Schedule } from "effect"
import * as Store from "./store.js"

/** The registry where each account actor registers under its id. */
export class AccountRegistry extends Context.Service<AccountRegistry, Registry.Registry<string, void>>()(
  "bank/AccountRegistry"
) {
  /** A registry living as long as the layer's scope. */
  static readonly layer = Layer.effect(AccountRegistry, Registry.make<string>({ keys: "unique" }))
}

/** What a debit answers. */
export type DebitResult =
  | { readonly _tag: "Debited"; readonly balance: number }
  | { readonly _tag: "InsufficientFunds"; readonly balance: number }

/** An account actor's messages. */
export type AccountMsg =
  | { readonly _tag: "Balance"; readonly replyTo: Subject.Subject<number> }
  | {
    readonly _tag: "Deposit"
    readonly opId: string
    readonly amount: number
    readonly replyTo: Subject.Subject<number>
  }
  | {
    readonly _tag: "Debit"
    readonly opId: string
    readonly to: string
    readonly amount: number
    readonly replyTo: Subject.Subject<DebitResult>
  }
  | {
    readonly _tag: "Credit"
    readonly opId: string
    readonly amount: number
    readonly replyTo: Subject.Subject<number>
  }

interface AccountState {
  readonly id: string
  readonly balance: number
  /** The ids of the latest operations, as in the store. */
  readonly recent: ReadonlyArray<string>
}

/**
 * Writes the new balance to the store, then replies. If the store does not confirm, the actor stops abnormally:
 * it cannot know whether the write happened, so it lets its supervisor restart it from the store.
 */
const commit = <A>(
  state: AccountState,
  change: { readonly opId: string; readonly balance: number; readonly pending?: Store.PendingCredit },
  settles: boolean,
  replyTo: Subject.Subject<A>,
  reply: (balance: number) => A
) =>
  Store.write({ id: state.id, ...change, settles }).pipe(
    Effect.andThen(Subject.send(replyTo, reply(change.balance))),
    Effect.as(Actor.continue<AccountState, AccountMsg>({
      ...state,
      balance: change.balance,
      recent: Store.remember(state.recent, change.opId)
    })),
    Effect.catch((error) => Effect.succeed(Actor.stopAbnormal(`the store did not confirm: ${error._tag}`)))
  )

const replying = <A>(state: AccountState, replyTo: Subject.Subject<A>, value: A) =>
  Effect.as(Subject.send(replyTo, value), Actor.continue<AccountState, AccountMsg>(state))

const handle = (state: AccountState, message: AccountMsg) => {
  switch (message._tag) {
    case "Balance":
      return replying(state, message.replyTo, state.balance)
    case "Deposit": {
      if (state.recent.includes(message.opId)) return replying(state, message.replyTo, state.balance)
      const balance = state.balance + message.amount
      return commit(state, { opId: message.opId, balance }, false, message.replyTo, (b) => b)
    }
    case "Debit": {
      if (state.recent.includes(message.opId)) {
        return replying<DebitResult>(state, message.replyTo, { _tag: "Debited", balance: state.balance })
      }
      if (state.balance < message.amount) {
        return replying<DebitResult>(state, message.replyTo, { _tag: "InsufficientFunds", balance: state.balance })
      }
      const balance = state.balance - message.amount
      const pending = { from: state.id, to: message.to, amount: message.amount }
      return commit(
        state,
        { opId: message.opId, balance, pending },
        false,
        message.replyTo,
        (b): DebitResult => ({ _tag: "Debited", balance: b })
      )
    }
    case "Credit": {
      if (state.recent.includes(message.opId)) return replying(state, message.replyTo, state.balance)
      const balance = state.balance + message.amount
      return commit(state, { opId: message.opId, balance }, true, message.replyTo, (b) => b)
    }
  }
}

/**
 * The actor of account `id`: registers under `id` (a taken key fails the start), loads its record from the store
 * (an id the store does not know fails the start), and receives through its registry subject.
 */
export const account = (id: string) =>
  Actor.newWithInitialiser("2 seconds", () =>
    Effect.gen(function*() {
      const registry = yield* AccountRegistry
      yield* Registry.register(registry, id, undefined)
      const record = yield* Store.load(id)
      if (Option.isNone(record)) return yield* Effect.fail(`the store has no account ${id}`)
      const self = Registry.via<AccountMsg>(registry, id)
      return Actor.initialised<AccountState, AccountMsg>({ id, ...record.value }).pipe(
        Actor.selecting(Selector.make<AccountMsg>().pipe(Selector.select(self))),
        Actor.returning(self)
      )
    })).pipe(Actor.onMessage(handle))

/** The factory supervisor of account actors (its argument is the account id). */
export class Accounts extends Context.Service<
  Accounts,
  FactorySupervisor.FactorySupervisor<string, Subject.Subject<AccountMsg>>
>()("bank/Accounts") {}

/**
 * How many account restarts the accounts' supervisor tolerates: generous, since the demo kills an account every
 * 200 ms and an account restart is cheap (one store read). Only a crash storm (`POST /crash-storm`) exceeds it.
 */
export const ACCOUNTS_TOLERANCE = { intensity: 100, period: "1 second" } as const

/**
 * The accounts' factory supervisor as a child layer, registered under `name`. Children are `Transient`: a killed
 * account is restarted, one that stops normally is not. When more accounts crash than `ACCOUNTS_TOLERANCE` allows,
 * it gives up, and the bank supervisor (`RestForOne`) restarts it and the directory, which starts every account
 * again from the store.
 */
export const AccountsLive = (name: Name.Name<FactorySupervisor.Message<string, Subject.Subject<AccountMsg>>>) =>
  FactorySupervisor.toLayer(
    Accounts,
    FactorySupervisor.workerChild((id: string) => Actor.start(account(id))).pipe(
      FactorySupervisor.restartTolerance(ACCOUNTS_TOLERANCE),
      FactorySupervisor.named(name)
    )
  )

// --- calling accounts ----------------------------------------------------------------------------------------

/** No account with this id. */
export class UnknownAccount extends Data.TaggedError("UnknownAccount")<{ readonly id: string }> {
  override get message() {
    return `no account ${this.id}`
  }
}

/** The account exists but its actor is not there (being restarted) and did not come back in time. */
export class AccountUnavailable extends Data.TaggedError("AccountUnavailable")<{ readonly id: string }> {
  override get message() {
    return `account ${this.id} is unavailable (restarting), try again`
  }
}

/** The account actor did not answer in time. */
export class AccountTimeout extends Data.TaggedError("AccountTimeout")<{ readonly id: string }> {
  override get message() {
    return `account ${this.id} did not answer in time`
  }
}

/** Not enough money on `id` for a transfer of `amount`. */
export class InsufficientFunds extends Data.TaggedError("InsufficientFunds")<{
  readonly id: string
  readonly balance: number
  readonly amount: number
}> {
  override get message() {
    return `account ${this.id} has ${this.balance}, less than ${this.amount}`
  }
}

/** How long one call to an account may take. */
const CALL_TIMEOUT = "1 second"
/** While an account is being restarted, calls are retried this often, for at most this long. */
const WHILE_RESTARTING = Schedule.spaced("5 millis").pipe(Schedule.upTo({ duration: "1 second" }))
/** A transfer's credit is retried for at most this long before the request gives up (the transfer stays pending). */
const CREDIT_DEADLINE = Schedule.spaced("10 millis").pipe(Schedule.upTo({ duration: "5 seconds" }))

/** Whether the store knows account `id` (a store that does not answer counts as "unavailable"). */
const known = (id: string) =>
  Effect.mapError(Effect.map(Store.load(id), Option.isSome), () => new AccountUnavailable({ id }))

/** Fails with `UnknownAccount` unless account `id` exists. */
export const ensureKnown = (id: string) =>
  Effect.gen(function*() {
    const registered = yield* Registry.lookup(yield* AccountRegistry, id)
    if (registered.length === 0 && !(yield* known(id))) return yield* Effect.fail(new UnknownAccount({ id }))
  })

/**
 * Calls the actor of account `id`. A call that finds no actor, or whose actor died before answering, is retried
 * for a while (operations are idempotent, so that is safe); then it fails with `AccountUnavailable`, or with
 * `UnknownAccount` if the store does not know the account.
 */
const call = <A>(id: string, make: (replyTo: Subject.Subject<A>) => AccountMsg) =>
  Effect.gen(function*() {
    const registry = yield* AccountRegistry
    return yield* Subject.call(Registry.via<AccountMsg>(registry, id), make, CALL_TIMEOUT)
  }).pipe(
    Effect.catchTags({
      CallTimeout: () => Effect.fail(new AccountTimeout({ id })),
      CalleeDown: () => Effect.fail(new AccountUnavailable({ id })),
      NoProcess: () =>
        Effect.flatMap(
          known(id),
          (exists) => Effect.fail(exists ? new AccountUnavailable({ id }) : new UnknownAccount({ id }))
        ),
      CallingSelf: Effect.die
    }),
    Effect.retry({ schedule: WHILE_RESTARTING, while: (error) => error._tag === "AccountUnavailable" })
  )

/** The balance of account `id`. */
export const balance = (id: string) =>
  call(id, (replyTo: Subject.Subject<number>): AccountMsg => ({ _tag: "Balance", replyTo }))

/** Deposits `amount` on `id` as operation `opId` (applied once however often it is retried); the new balance. */
export const deposit = (id: string, amount: number, opId: string) =>
  call(id, (replyTo: Subject.Subject<number>): AccountMsg => ({ _tag: "Deposit", opId, amount, replyTo }))

/** The credit half of transfer `opId`, retried until it lands or its deadline passes. */
export const credit = (to: string, amount: number, opId: string) =>
  call(to, (replyTo: Subject.Subject<number>): AccountMsg => ({ _tag: "Credit", opId, amount, replyTo })).pipe(
    Effect.retry({ schedule: CREDIT_DEADLINE, while: (error) => error._tag !== "UnknownAccount" })
  )

/**
 * Transfers `amount` from `from` to `to` as operation `opId`: checks that `to` exists, debits `from` (failing with
 * `InsufficientFunds`), then credits `to`. Retrying a transfer with the same `opId` completes it without moving the
 * money twice.
 */
export const transfer = (from: string, to: string, amount: number, opId: string) =>
  Effect.gen(function*() {
    yield* ensureKnown(to)
    const debited = yield* call(
      from,
      (replyTo: Subject.Subject<DebitResult>): AccountMsg => ({ _tag: "Debit", opId, to, amount, replyTo })
    )
    if (debited._tag === "InsufficientFunds") {
      return yield* Effect.fail(new InsufficientFunds({ id: from, balance: debited.balance, amount }))
    }
    const credited = yield* credit(to, amount, opId)
    return { from: debited.balance, to: credited }
  })
