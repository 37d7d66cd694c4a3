/**
 * The built-in load generator, and the check that no acknowledged money was lost.
 *
 * `clients` concurrent HTTP clients (plain `fetch`) make random deposits and transfers among `accounts` accounts
 * for `duration`, while a chaos client breaks things and a noisy client sends bursts of reads to meet the rate
 * limiter. For the bank (`runLoad`), the chaos client kills a random account actor every `crashEvery` through
 * `POST /crash/:id` (and, halfway, sets off a crash storm, `POST /crash-storm`, that makes the accounts' supervisor
 * give up and be restarted). Another service speaking the same HTTP API (the cluster demo's front end) brings its
 * own chaos and its own source of truth through `runTraffic`'s `LoadTarget`.
 * Each operation has its own idempotency key and is sent until its answer is definitive: 200 (applied) or 409
 * (refused: insufficient funds). A 429 waits for the time the limiter said; a 503, a 504 or a broken connection is
 * retried after 10 ms with the same key, which the bank applies at most once.
 *
 * The client keeps, for every account, the balance the acknowledged operations imply. At the end it reads the
 * service's source of truth (the bank: the store's file, since what is on disk is what counts) and compares: `lost`
 * is the sum over accounts of the difference between what is stored and the expectation, so `lost: 0` means every
 * account holds exactly what was acknowledged; and the total equals the starting total plus the acknowledged
 * deposits, since transfers conserve money.
 */
import { Clock, Duration, Effect, Fiber, Random } from "effect"
import { readStoreFile } from "./store.js"
import type { TreeNode } from "./tree.js"
import { restartsIn } from "./tree.js"

/** The traffic: what every service speaking the bank's HTTP API is sent. */
export interface TrafficOptions {
  readonly baseUrl: string
  readonly duration: Duration.Input
  readonly accounts: number
  readonly clients: number
  /** How many reads the noisy client sends at once, every second (0: no noisy client). */
  readonly noisyBurst: number
}

/** What to run against the bank. */
export interface LoadOptions extends TrafficOptions {
  readonly dataFile: string
  readonly crashEvery: Duration.Input
}

/** What the service holds, read from its source of truth rather than asked over HTTP. */
export interface Stored {
  readonly balances: Readonly<Record<string, number>>
  /** Transfers debited and not credited. */
  readonly pending: number
}

/** What differs between the services the load runs against: where the truth is stored, and how to break things. */
export interface LoadTarget<E, R> {
  readonly stored: Effect.Effect<Stored, E, R>
  /** Runs beside the clients, from `started` until `stopAt` (epoch milliseconds). */
  readonly chaos: (
    ids: ReadonlyArray<string>,
    window: { readonly started: number; readonly stopAt: number }
  ) => Effect.Effect<void, E, R>
}

/** An operation the service acknowledged (answered 200), under its idempotency key. */
export interface Acknowledged {
  readonly key: string
  readonly operation: Operation
}

/** What happened, and whether the service's stored balances agree. */
export interface TrafficReport {
  readonly seconds: number
  readonly requests: number
  readonly requestsPerSecond: number
  readonly deposits: number
  readonly transfers: number
  /** Transfers refused for insufficient funds (nothing moved). */
  readonly refused: number
  /** Requests answered 503/504 or cut, sent again with the same key. */
  readonly retried: number
  /** Requests answered 429. */
  readonly rateLimited: number
  /** Reads sent by the noisy client, and how many of them were answered 429. */
  readonly noisy: number
  readonly noisyLimited: number
  /** Operations that never got a definitive answer (none expected). */
  readonly unresolved: number
  /** Answers no client should get (400, 404...). */
  readonly unexpected: number
  /** Every acknowledged operation, in the order of the acknowledgements. */
  readonly acknowledged: ReadonlyArray<Acknowledged>
  /** The starting total plus the acknowledged deposits; and the total stored. */
  readonly expectedTotal: number
  readonly storedTotal: number
  /** Transfers the service still has as pending (debited, not credited). */
  readonly pending: number
  /** The sum over accounts of |stored balance - acknowledged balance|. */
  readonly lost: number
}

/** What happened to the bank, and whether its store agrees. */
export interface LoadReport extends TrafficReport {
  /** Account actors killed through /crash. */
  readonly crashes: number
  /** Account actors killed by the crash storm, more than the accounts' supervisor tolerates. */
  readonly stormKills: number
  /** Restarts reported by GET /tree, all supervisors included. */
  readonly restarts: number
  /** Account actors under the accounts' factory supervisor at the end. */
  readonly accountsInTree: number
  readonly tree: TreeNode
  /** `GET /metrics` at the end of the load: Prometheus' text format. */
  readonly metrics: string
}

interface Answer {
  readonly status: number
  readonly body: any
}

/** One HTTP request; a connection error or a 10 s timeout is status 0. */
const request = (url: string, init: { method: string; client: string; key?: string; body?: unknown }) =>
  Effect.tryPromise((signal) =>
    fetch(url, {
      method: init.method,
      signal,
      headers: {
        "content-type": "application/json",
        "x-client-id": init.client,
        ...(init.key !== undefined ? { "idempotency-key": init.key } : {})
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
    }).then(async (response): Promise<Answer> => ({ status: response.status, body: await response.json() }))
  ).pipe(Effect.timeout("10 seconds"), Effect.orElseSucceed((): Answer => ({ status: 0, body: null })))

/** A deposit or a transfer, as the clients send them. */
export type Operation =
  | { readonly _tag: "Deposit"; readonly id: string; readonly amount: number }
  | { readonly _tag: "Transfer"; readonly from: string; readonly to: string; readonly amount: number }

/** The state of a run; plain mutable counters, since all clients run on one thread. */
class Run {
  requests = 0
  deposits = 0
  transfers = 0
  refused = 0
  retried = 0
  rateLimited = 0
  unresolved = 0
  unexpected = 0
  noisy = 0
  noisyLimited = 0
  /** The sum of acknowledged deposits. */
  deposited = 0
  readonly acknowledged: Array<Acknowledged> = []
  constructor(readonly expected: Map<string, number>) {}
  acknowledge(key: string, operation: Operation) {
    this.acknowledged.push({ key, operation })
    if (operation._tag === "Deposit") {
      this.deposits++
      this.deposited += operation.amount
      this.add(operation.id, operation.amount)
    } else {
      this.transfers++
      this.add(operation.from, -operation.amount)
      this.add(operation.to, operation.amount)
    }
  }
  add(id: string, amount: number) {
    this.expected.set(id, (this.expected.get(id) ?? 0) + amount)
  }
}

/** Sends `operation` until its answer is definitive, or `giveUpAt` passes. */
const perform = (run: Run, baseUrl: string, client: string, key: string, operation: Operation, giveUpAt: number) =>
  Effect.gen(function*() {
    const [url, body] = operation._tag === "Deposit" ?
      [`${baseUrl}/accounts/${operation.id}/deposit`, { amount: operation.amount }] :
      [`${baseUrl}/transfer`, { from: operation.from, to: operation.to, amount: operation.amount }]
    while (true) {
      const answer = yield* request(url, { method: "POST", client, key, body })
      run.requests++
      if (answer.status === 200) return run.acknowledge(key, operation)
      if (answer.status === 409 && answer.body?.error === "InsufficientFunds") return void run.refused++
      if (answer.status !== 429 && answer.status !== 0 && answer.status < 500) return void run.unexpected++
      if ((yield* Clock.currentTimeMillis) > giveUpAt) return void run.unresolved++
      if (answer.status === 429) {
        run.rateLimited++
        yield* Effect.sleep(Duration.millis(answer.body?.retryAfterMillis ?? 10))
      } else {
        run.retried++
        yield* Effect.sleep("10 millis")
      }
    }
  })

/** One of `ids`, at random (`Random.nextIntBetween` includes both bounds). */
const pick = (ids: ReadonlyArray<string>) => Effect.map(Random.nextIntBetween(0, ids.length - 1), (i) => ids[i])

const randomOperation = (ids: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const amount = yield* Random.nextIntBetween(1, 100)
    const from = yield* pick(ids)
    if (yield* Random.nextBoolean) return { _tag: "Deposit", id: from, amount } as const
    let to = from
    while (to === from) to = yield* pick(ids)
    return { _tag: "Transfer", from, to, amount } as const
  })

/** Opens the accounts (an account that exists already is fine: the check starts from the file's balances). */
const openAccounts = (baseUrl: string, ids: ReadonlyArray<string>) =>
  Effect.forEach(ids, (id) =>
    Effect.gen(function*() {
      while (true) {
        const answer = yield* request(`${baseUrl}/accounts/${id}`, { method: "POST", client: "setup" })
        if (answer.status === 201 || answer.status === 409) return
        if (answer.status !== 429 && answer.status !== 0 && answer.status < 500) {
          return yield* Effect.die(new Error(`opening ${id}: ${answer.status} ${JSON.stringify(answer.body)}`))
        }
        yield* Effect.sleep("10 millis")
      }
    }), { discard: true })

/**
 * A noisy client that, once a second, sends `size` balance reads at once under one client id: beyond the limiter's
 * burst they are answered 429. It shows the limiter at work whatever the speed of the machine.
 */
const noisy = (run: Run, baseUrl: string, ids: ReadonlyArray<string>, size: number, stopAt: number) =>
  Effect.gen(function*() {
    while (size > 0 && (yield* Clock.currentTimeMillis) + 1000 < stopAt) {
      yield* Effect.sleep("1 second")
      const answers = yield* Effect.forEach(
        Array.from({ length: size }, (_, i) => ids[i % ids.length]),
        (id) => request(`${baseUrl}/accounts/${id}`, { method: "GET", client: "noisy" }),
        { concurrency: "unbounded" }
      )
      run.requests += answers.length
      run.noisy += answers.length
      run.noisyLimited += answers.filter((answer) => answer.status === 429).length
    }
  })

/** The account ids the load uses: `acct-01`, `acct-02`... */
export const accountIds = (accounts: number): ReadonlyArray<string> =>
  Array.from({ length: accounts }, (_, i) => `acct-${String(i + 1).padStart(2, "0")}`)

/**
 * Runs the traffic against `options.baseUrl` with `target`'s chaos beside it, then checks what `target` stored
 * against what was acknowledged.
 */
export const runTraffic = <E, R>(options: TrafficOptions, target: LoadTarget<E, R>) =>
  Effect.gen(function*() {
    const { baseUrl } = options
    const ids = accountIds(options.accounts)
    yield* openAccounts(baseUrl, ids)
    const before = yield* target.stored
    const run = new Run(new Map(ids.map((id) => [id, before.balances[id] ?? 0])))
    const startTotal = ids.reduce((sum, id) => sum + (run.expected.get(id) ?? 0), 0)

    const started = yield* Clock.currentTimeMillis
    const stopAt = started + Duration.toMillis(options.duration)
    const giveUpAt = stopAt + 10_000
    const client = (n: number) =>
      Effect.gen(function*() {
        for (let seq = 0; (yield* Clock.currentTimeMillis) < stopAt; seq++) {
          yield* perform(run, baseUrl, `client-${n}`, `c${n}-${started}-${seq}`, yield* randomOperation(ids), giveUpAt)
        }
      })
    yield* Effect.all([
      Effect.forEach(Array.from({ length: options.clients }, (_, n) => n), client, { concurrency: "unbounded" }),
      target.chaos(ids, { started, stopAt }),
      noisy(run, baseUrl, ids, options.noisyBurst, stopAt)
    ], { concurrency: "unbounded", discard: true })
    const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000

    const after = yield* target.stored
    let lost = 0
    for (const id of ids) lost += Math.abs((after.balances[id] ?? 0) - (run.expected.get(id) ?? 0))
    const report: TrafficReport = {
      seconds,
      requests: run.requests,
      requestsPerSecond: run.requests / seconds,
      deposits: run.deposits,
      transfers: run.transfers,
      refused: run.refused,
      retried: run.retried,
      rateLimited: run.rateLimited,
      noisy: run.noisy,
      noisyLimited: run.noisyLimited,
      unresolved: run.unresolved,
      unexpected: run.unexpected,
      acknowledged: run.acknowledged,
      expectedTotal: startTotal + run.deposited,
      storedTotal: ids.reduce((sum, id) => sum + (after.balances[id] ?? 0), 0),
      pending: after.pending,
      lost
    }
    return report
  })

/** What the bank's chaos client did. */
interface Kills {
  crashes: number
  stormKills: number
}

/** Kills a random account actor every `every`, until `stopAt`; at `stormAt`, sets off one crash storm. */
const chaos = (
  kills: Kills,
  baseUrl: string,
  ids: ReadonlyArray<string>,
  every: Duration.Input,
  stormAt: number,
  stopAt: number
) =>
  Effect.gen(function*() {
    const crashes: Array<Fiber.Fiber<void>> = []
    let stormed = false
    while ((yield* Clock.currentTimeMillis) < stopAt) {
      yield* Effect.sleep(every)
      if (!stormed && (yield* Clock.currentTimeMillis) >= stormAt) {
        stormed = true
        // A client of its own (the chaos client's rate may be at its limit), sent again while rate limited.
        for (let attempt = 0; attempt < 100; attempt++) {
          const storm = yield* request(`${baseUrl}/crash-storm`, { method: "POST", client: "storm" })
          if (storm.status === 200) kills.stormKills += storm.body.killed
          if (storm.status !== 429) break
          yield* Effect.sleep(Duration.millis(storm.body?.retryAfterMillis ?? 10))
        }
      }
      const id = yield* pick(ids)
      // Not awaited: the pace stays one kill per `every` however long the server takes to answer.
      const crash = Effect.map(request(`${baseUrl}/crash/${id}`, { method: "POST", client: "chaos" }), (answer) => {
        if (answer.status === 200) kills.crashes++
      })
      crashes.push(yield* Effect.forkChild(crash))
    }
    yield* Fiber.joinAll(crashes)
  })

const findNode = (node: TreeNode, label: string): TreeNode | undefined =>
  node.label === label ? node : node.children?.map((child) => findNode(child, label)).find((n) => n !== undefined)

/** Runs the load against the bank, account actors killed as it goes, then checks the store's file. */
export const runLoad = (options: LoadOptions) =>
  Effect.gen(function*() {
    const { baseUrl } = options
    const kills: Kills = { crashes: 0, stormKills: 0 }
    const traffic = yield* runTraffic(options, {
      stored: Effect.map(readStoreFile(options.dataFile), (data): Stored => ({
        balances: Object.fromEntries(Object.entries(data.accounts).map(([id, account]) => [id, account.balance])),
        pending: Object.keys(data.pending).length
      })),
      chaos: (ids, { started, stopAt }) =>
        chaos(kills, baseUrl, ids, options.crashEvery, started + (stopAt - started) / 2, stopAt)
    })
    const tree = yield* request(`${baseUrl}/tree`, { method: "GET", client: "report" })
    if (tree.status !== 200) {
      return yield* Effect.die(new Error(`GET /tree: ${tree.status} ${JSON.stringify(tree.body)}`))
    }
    const root: TreeNode = tree.body.tree
    const metrics = yield* Effect.promise(() => fetch(`${baseUrl}/metrics`).then((response) => response.text()))
    const report: LoadReport = {
      ...traffic,
      crashes: kills.crashes,
      stormKills: kills.stormKills,
      restarts: restartsIn(root),
      accountsInTree: findNode(root, "bank/Accounts")?.children?.length ?? 0,
      tree: root,
      metrics
    }
    return report
  })

/** Whether the run is clean: nothing lost, nothing left unresolved or pending, no unexpected answer. */
export const isClean = (report: TrafficReport) =>
  report.lost === 0 && report.unresolved === 0 && report.unexpected === 0 && report.pending === 0 &&
  report.expectedTotal === report.storedTotal

/**
 * The traffic's report as printed lines: `chaos` says what broke, `stored` where the balances were read (`"in the
 * file"`), `checks` are the target's own checks, printed before `lost`.
 */
export const formatTraffic = (
  report: TrafficReport,
  target: { readonly chaos: ReadonlyArray<string>; readonly stored: string; readonly checks: ReadonlyArray<string> }
): ReadonlyArray<string> => [
  `load:        ${report.seconds.toFixed(1)} s, ${report.requests} requests, ${
    report.requestsPerSecond.toFixed(0)
  } requests/s`,
  `operations:  ${report.deposits} deposits and ${report.transfers} transfers acknowledged, ${report.refused} transfers refused (insufficient funds)`,
  `retries:     ${report.retried} after 503/504 (same idempotency key), ${report.rateLimited} after 429 (rate limited)`,
  ...(report.noisy === 0 ? [] : [
    `limiter:     ${report.noisyLimited} of ${report.noisy} reads of a noisy client (bursts of reads at once) answered 429`
  ]),
  ...target.chaos,
  `store:       ${report.storedTotal} ${target.stored}, ${report.expectedTotal} acknowledged, ${report.pending} transfers pending, ${report.unresolved} operations unresolved`,
  ...target.checks,
  `lost: ${report.lost}`
]

/** The bank's report, as printed lines. */
export const formatReport = (report: LoadReport): ReadonlyArray<string> =>
  formatTraffic(report, {
    chaos: [
      `crashes:     ${report.crashes} account actors killed, ${report.restarts} restarts in /tree, ${report.accountsInTree} accounts under the factory supervisor`,
      `storm:       ${report.stormKills} account actors killed at once: the accounts' supervisor gave up and was restarted`
    ],
    stored: "in the file",
    checks: []
  })
