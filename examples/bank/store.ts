/**
 * The store: one actor owning the JSON file that holds every account, the bank's source of truth.
 *
 * Only the store touches the file, so writes never interleave. A write is atomic: the whole file is written to a
 * temporary file which is then renamed over the old one, so a reader (or a restart) sees the old version or the
 * new one, never half of each. Writes are group-committed: a write request updates the state in memory and is
 * answered only after the next `Flush`, which the store sends itself when the first write of a batch arrives. The
 * flush lands behind every request already queued, so one file write confirms all of them.
 *
 * An account actor acknowledges an operation only after the store confirmed it, and reloads its balance from the
 * store when it (re)starts: a crash loses nothing that was acknowledged.
 */
import { Actor, Subject } from "@effect-otp/core"
import { Context, Effect, FileSystem, Option, Schema } from "effect"
import * as path from "node:path"

/**
 * How many operation ids the store remembers per account: a client that retries an operation (same idempotency
 * key) while it is among the last `RECENT_OPERATIONS` of that account gets the original outcome, not a second
 * application.
 */
export const RECENT_OPERATIONS = 128

/** What the store keeps per account: the balance and the ids of its latest operations. */
export const AccountRecord = Schema.Struct({
  balance: Schema.Number,
  recent: Schema.Array(Schema.String)
})
export type AccountRecord = typeof AccountRecord.Type

/** A transfer that left `from` and has not reached `to` yet: written with the debit, removed by the credit. */
export const PendingCredit = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  amount: Schema.Number
})
export type PendingCredit = typeof PendingCredit.Type

/** The file's content: accounts by id, and pending credits by operation id. */
export const StoreData = Schema.Struct({
  accounts: Schema.Record(Schema.String, AccountRecord),
  pending: Schema.Record(Schema.String, PendingCredit)
})
export type StoreData = typeof StoreData.Type

const empty: StoreData = { accounts: {}, pending: {} }

/** `recent` with `opId` appended, keeping the last `RECENT_OPERATIONS`. */
export const remember = (recent: ReadonlyArray<string>, opId: string): ReadonlyArray<string> =>
  recent.length < RECENT_OPERATIONS ? [...recent, opId] : [...recent.slice(1 - RECENT_OPERATIONS), opId]

/**
 * The store's messages. `Write` sets an account's balance after operation `opId`; with `pending` it also records a
 * transfer in flight (the debit), with `settles` it removes it (the credit). `Open`, `Write` are answered once on
 * disk; `Load` and `Snapshot` at once, from memory.
 */
export type StoreMsg =
  | { readonly _tag: "Load"; readonly id: string; readonly replyTo: Subject.Subject<Option.Option<AccountRecord>> }
  | { readonly _tag: "Snapshot"; readonly replyTo: Subject.Subject<StoreData> }
  | { readonly _tag: "Open"; readonly id: string; readonly replyTo: Subject.Subject<boolean> }
  | {
    readonly _tag: "Write"
    readonly id: string
    readonly opId: string
    readonly balance: number
    readonly pending?: PendingCredit
    readonly settles?: boolean
    readonly replyTo: Subject.Subject<void>
  }
  | { readonly _tag: "Flush" }

/** The store, as a service: its stable (named) subject. */
export class Store extends Context.Service<Store, Subject.Subject<StoreMsg>>()("bank/Store") {}

interface StoreState {
  readonly self: Subject.Subject<StoreMsg>
  readonly file: string
  readonly data: StoreData
  /** Replies held until the next flush; non-empty exactly when a `Flush` is on its way. */
  readonly waiting: ReadonlyArray<Effect.Effect<void>>
}

/** Reads and validates a store file; a missing file is an empty store. */
export const readStoreFile = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(file))) return empty
    return yield* Schema.decodeUnknownEffect(Schema.fromJsonString(StoreData))(yield* fs.readFileString(file))
  })

/** Writes the file atomically: a temporary file first, then a rename over the old one. */
const writeAtomically = (file: string, data: StoreData) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const temporary = `${file}.tmp`
    yield* fs.writeFileString(temporary, JSON.stringify(data))
    yield* fs.rename(temporary, file)
  })

/** Changes the data and holds `reply` until the change is on disk, asking for a flush if none is on its way. */
const later = (state: StoreState, data: StoreData, reply: Effect.Effect<void>): Effect.Effect<StoreState> =>
  Effect.as(
    state.waiting.length === 0 ? Subject.send(state.self, { _tag: "Flush" }) : Effect.void,
    { ...state, data, waiting: [...state.waiting, reply] }
  )

const flush = (state: StoreState) =>
  Effect.gen(function*() {
    yield* writeAtomically(state.file, state.data)
    yield* Effect.all(state.waiting, { discard: true })
    return { ...state, waiting: [] }
  })

const handle = (state: StoreState, message: StoreMsg) =>
  Effect.gen(function*() {
    const { accounts, pending } = state.data
    switch (message._tag) {
      case "Load":
        yield* Subject.send(message.replyTo, Option.fromNullishOr(accounts[message.id]))
        return Actor.continue(state)
      case "Snapshot":
        yield* Subject.send(message.replyTo, state.data)
        return Actor.continue(state)
      case "Open": {
        if (accounts[message.id] !== undefined) {
          yield* Subject.send(message.replyTo, false)
          return Actor.continue(state)
        }
        const data = { accounts: { ...accounts, [message.id]: { balance: 0, recent: [] } }, pending }
        return Actor.continue(yield* later(state, data, Subject.send(message.replyTo, true)))
      }
      case "Write": {
        const record = accounts[message.id] ?? { balance: 0, recent: [] }
        const updated = { balance: message.balance, recent: remember(record.recent, message.opId) }
        let nextPending = pending
        if (message.pending !== undefined) nextPending = { ...pending, [message.opId]: message.pending }
        if (message.settles === true) {
          const { [message.opId]: _settled, ...rest } = pending
          nextPending = rest
        }
        const data = { accounts: { ...accounts, [message.id]: updated }, pending: nextPending }
        return Actor.continue(yield* later(state, data, Subject.send(message.replyTo, undefined)))
      }
      case "Flush":
        // A failed write crashes the store: its supervisor restarts it (and the accounts after it) from the file.
        return Actor.continue(yield* Effect.orDie(flush(state)))
    }
  })

/**
 * The store actor for `file` (its directory is created if needed). Init loads the file; a file that does not parse
 * fails the start, rather than being overwritten.
 */
export const store = (file: string) =>
  Actor.newWithInitialiser("5 seconds", (self: Subject.Subject<StoreMsg>) =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      yield* fs.makeDirectory(path.dirname(file), { recursive: true })
      const data = yield* readStoreFile(file)
      return Actor.initialised<StoreState, StoreMsg>({ self, file, data, waiting: [] })
    })).pipe(
      Actor.onMessage(handle),
      Actor.onTerminate((state, reason) =>
        Effect.gen(function*() {
          if (state.waiting.length > 0) yield* Effect.ignore(writeAtomically(state.file, state.data))
          const count = Object.keys(state.data.accounts).length
          yield* Effect.log(`stopped store (${count} accounts in ${state.file}, ${reason._tag})`)
        })
      )
    )

const STORE_TIMEOUT = "2 seconds"

/** Loads one account's record (`None` for an unknown account). */
export const load = (id: string) =>
  Store.use((store) =>
    Subject.call(
      store,
      (replyTo: Subject.Subject<Option.Option<AccountRecord>>): StoreMsg => ({ _tag: "Load", id, replyTo }),
      STORE_TIMEOUT
    )
  )

/** Everything in the store (as it is in memory: possibly ahead of the file by one batch). */
export const snapshot = Store.use((store) =>
  Subject.call(store, (replyTo: Subject.Subject<StoreData>): StoreMsg => ({ _tag: "Snapshot", replyTo }))
)

/** Creates an account with balance 0; `false` when it already exists. Answered once on disk. */
export const open = (id: string) =>
  Store.use((store) =>
    Subject.call(
      store,
      (replyTo: Subject.Subject<boolean>): StoreMsg => ({ _tag: "Open", id, replyTo }),
      STORE_TIMEOUT
    )
  )

/** Writes an account's new balance after operation `opId`; answered once on disk. */
export const write = (
  write: {
    readonly id: string
    readonly opId: string
    readonly balance: number
    readonly pending?: PendingCredit
    readonly settles?: boolean
  }
) =>
  Store.use((store) =>
    Subject.call(
      store,
      (replyTo: Subject.Subject<void>): StoreMsg => ({ _tag: "Write", ...write, replyTo }),
      STORE_TIMEOUT
    )
  )
