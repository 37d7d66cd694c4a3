/**
 * The directory: the one actor that starts account actors.
 *
 * - When it starts after the accounts' factory supervisor did (at boot, or after that supervisor was restarted,
 *   which restarts the directory too: the bank's supervisor is `RestForOne`), the factory has no children: the
 *   directory starts one actor per account in the store, then completes the transfers the store still has as
 *   pending (a previous run stopped between a debit and its credit).
 * - It opens new accounts: creates the record in the store, then starts its actor.
 *
 * Starting actors from one place, in order, means no two processes ever race to start the same account.
 */
import { Actor, FactorySupervisor, Subject } from "@effect-otp/core"
import { Context, Effect } from "effect"
import { Accounts, credit } from "./account.js"
import * as Store from "./store.js"

/** What opening an account answers. */
export type OpenResult = "Opened" | "Exists" | "Unavailable"

/** The directory's messages. */
export type DirectoryMsg =
  | { readonly _tag: "Open"; readonly id: string; readonly replyTo: Subject.Subject<OpenResult> }
  /** The continue of init: start the accounts' actors. */
  | { readonly _tag: "Activate" }

/** The directory, as a service: its stable (named) subject. */
export class Directory extends Context.Service<Directory, Subject.Subject<DirectoryMsg>>()("bank/Directory") {}

/**
 * Starts the actors of the accounts in the store, unless the factory already has children (then only the directory
 * was restarted). Returns the number of accounts.
 */
const activate = Effect.gen(function*() {
  const accounts = yield* Accounts
  const running = (yield* FactorySupervisor.countChildren(accounts)).specs
  if (running > 0) return running
  const data = yield* Store.snapshot
  for (const id of Object.keys(data.accounts)) {
    yield* FactorySupervisor.startChild(accounts, id).pipe(
      Effect.catch((error) => Effect.logWarning(`account ${id} did not start: ${error._tag}`))
    )
  }
  const pending = Object.entries(data.pending)
  for (const [opId, transfer] of pending) {
    yield* credit(transfer.to, transfer.amount, opId).pipe(
      Effect.tap(() => Effect.log(`completed pending transfer ${opId}: ${transfer.amount} to ${transfer.to}`)),
      Effect.catch((error) => Effect.logWarning(`pending transfer ${opId} not completed: ${error._tag}`))
    )
  }
  yield* Effect.log(`activated ${Object.keys(data.accounts).length} accounts, ${pending.length} pending transfers`)
  return Object.keys(data.accounts).length
})

const openAccount = (id: string) =>
  Effect.gen(function*() {
    if (!(yield* Store.open(id))) return "Exists" as const
    yield* FactorySupervisor.startChild(yield* Accounts, id)
    return "Opened" as const
  }).pipe(Effect.catch(() => Effect.succeed("Unavailable" as const)))

/** The directory actor; its state is the number of accounts it knows about. */
export const directory = Actor.newWithInitialiser("1 second", (_: Subject.Subject<DirectoryMsg>) =>
  // Activation is a continue (gen_server's handle_continue): init returns at once and the tree goes on starting,
  // and the directory activates before it handles anything else, an `Open` sent meanwhile included.
  Effect.succeed(Actor.initialised<number, DirectoryMsg>(0).pipe(Actor.withContinue({ _tag: "Activate" })))).pipe(
    Actor.onMessage((count: number, message: DirectoryMsg) => {
      switch (message._tag) {
        case "Activate":
          return Effect.map(Effect.orDie(activate), (activated) => Actor.continue(activated))
        case "Open":
          return Effect.flatMap(openAccount(message.id), (result) =>
            Effect.as(
              Subject.send(message.replyTo, result),
              Actor.continue(result === "Opened" ? count + 1 : count)
            ))
      }
    }),
    Actor.onTerminate((count, reason) => Effect.log(`stopped directory (${count} accounts, ${reason._tag})`))
  )

/** Opens account `id`. */
export const open = (id: string) =>
  Directory.use((directory) =>
    Subject.call(
      directory,
      (replyTo: Subject.Subject<OpenResult>): DirectoryMsg => ({ _tag: "Open", id, replyTo }),
      "5 seconds"
    )
  )
