/**
 * The application: its supervision tree declared as Layers, with the HTTP server on top.
 *
 * ```text
 * root supervisor (OneForOne)     registered as bank/root: GET /tree walks the tree from it
 * ├── limiter                      token buckets per client
 * └── bank supervisor (RestForOne)
 *     ├── store                    owns the JSON file
 *     ├── accounts (factory)       one actor per account, by id through the registry
 *     └── directory                starts account actors: all of them at boot, new ones on open
 * ```
 *
 * The bank is `RestForOne` because what comes later depends on what came before: if the store restarts, the
 * account actors must reload from it; if the accounts' supervisor restarts (too many crashes at once), the
 * directory must start the accounts again. The limiter depends on nothing: `OneForOne` above.
 *
 * Layers build in order and are released in reverse: the registry and the observer's report log, the tree
 * (children in start order), then the HTTP server (with the observer's routes); on shutdown the server stops first, then the tree in reverse start order, each top-level process
 * saying so.
 */
import type { FactorySupervisor, Subject } from "@effect-otp/core"
import { Actor, Name, StaticSupervisor } from "@effect-otp/core"
import { Observer } from "@effect-otp/observer"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import type { AccountMsg } from "./account.js"
import { AccountRegistry, AccountsLive } from "./account.js"
import type { DirectoryMsg } from "./directory.js"
import { Directory, directory } from "./directory.js"
import { HttpLive } from "./http.js"
import type { LimiterConfig, LimiterMsg } from "./limiter.js"
import { Limiter, limiter } from "./limiter.js"
import { MetricsLive } from "./metrics.js"
import type { StoreMsg } from "./store.js"
import { Store, store } from "./store.js"
import { TreeRoot } from "./tree.js"

/** How to run the bank. */
export interface AppOptions {
  /** The HTTP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number
  /** The store's JSON file. */
  readonly dataFile: string
  /** The rate limit, per client. */
  readonly limit: LimiterConfig
}

/** The supervision tree, as a Layer providing its services (stable named subjects, the factory's handle). */
export const TreeLive = (options: AppOptions) => {
  // Fresh names per tree, so two trees (two tests, say) never collide.
  const names = {
    root: Name.make<StaticSupervisor.Message>("bank/root"),
    bank: Name.make<StaticSupervisor.Message>("bank/bank"),
    limiter: Name.make<LimiterMsg>("bank/limiter"),
    store: Name.make<StoreMsg>("bank/store"),
    accounts: Name.make<FactorySupervisor.Message<string, Subject.Subject<AccountMsg>>>("bank/accounts"),
    directory: Name.make<DirectoryMsg>("bank/directory")
  }
  const BankLive = StaticSupervisor.layer(
    StaticSupervisor.new("RestForOne").pipe(
      StaticSupervisor.restartTolerance({ intensity: 5, period: "10 seconds" }),
      StaticSupervisor.named(names.bank)
    ),
    Actor.toLayer(Store, store(options.dataFile).pipe(Actor.named(names.store))),
    AccountsLive(names.accounts),
    Actor.toLayer(Directory, directory.pipe(Actor.named(names.directory)))
  )
  const RootLive = StaticSupervisor.layer(
    // Registered under a name, so that the tree can be walked from outside (`Supervision.tree(name)`).
    StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.named(names.root)),
    Actor.toLayer(Limiter, limiter(options.limit).pipe(Actor.named(names.limiter))),
    BankLive
  )
  return Layer.merge(RootLive, Layer.succeed(TreeRoot, names.root))
}

/** Says when the whole tree has stopped: released after the tree, since it is built before it. */
const TreeStoppedLog = Layer.effectDiscard(Effect.addFinalizer(() => Effect.log("stopped supervision tree")))

/**
 * The whole application: the HTTP server on top of the tree, on top of the registry and the file system. It
 * provides the `HttpServer` (its address says the port).
 */
export const AppLive = (options: AppOptions) =>
  HttpLive(options.port).pipe(
    Layer.provide(TreeLive(options)),
    // The library's metrics on for the whole tree, exported to Prometheus through OpenTelemetry (GET /metrics).
    Layer.provideMerge(MetricsLive),
    // The observer's report log goes below the tree, so that the tree's processes log into it too.
    Layer.provide(Layer.mergeAll(AccountRegistry.layer, NodeFileSystem.layer, TreeStoppedLog, Observer.layerReports))
  )
