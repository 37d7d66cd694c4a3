/**
 * What a benchmark case is (its sizes, figures and implementations), and the helpers every case's code uses: the
 * clock, the heap, scopes, checks, and the fibers of the substrates.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { LeanMailbox } from "./substrate.js"

// ---------------------------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------------------------

/** The size of one run: `n` is the case's main count, `m` a secondary one (1 when unused). */
export interface Size {
  readonly n: number
  readonly m: number
}

/** The figures of one run, by metric key. */
export type Figures = Readonly<Record<string, number>>

/** One figure a case reports (one row of the table). */
export interface Metric {
  readonly key: string
  readonly label: string
  readonly unit: string
}

/** An implementation of a case: runs it once at `size`. */
export type Run = (size: Size) => Effect.Effect<Figures>

/** A substrate implementation, labelled for the table. */
export interface Substrate {
  readonly label: string
  readonly run: Run
}

/** A benchmark case. */
export interface BenchCase {
  /** What is measured, for the runner's log. */
  readonly description: string
  /** The unit of the main figure (the first metric); every metric has its own. */
  readonly unit: string
  readonly metrics: ReadonlyArray<Metric>
  readonly sizes: {
    readonly full: ReadonlyArray<Size>
    readonly quick: ReadonlyArray<Size>
    readonly smoke: Size
  }
  /** How many measured runs at `size`, given the mode's count (default: that count). */
  readonly runs?: (size: Size, runs: number) => number
  /** The size of the warm-up run that precedes the measured runs, in the same process. */
  readonly warmup: (size: Size) => Size
  readonly ours: Run
  /** The first substrate fills the substrate column; the others get rows of their own. */
  readonly substrates: Readonly<Record<string, Substrate>>
  /** Whether `erlang/bench.erl` implements the case. */
  readonly erlang: boolean
  /** The Erlang VM's scheduler flags (default `+S 1`, one scheduler, as Node runs JavaScript on one thread). */
  readonly erlangFlags?: ReadonlyArray<string>
  /** Whether the Erlang twin starts peer nodes: its VM then runs as a distributed node (`-sname`). */
  readonly distributed?: boolean
}

/** A size with a main count only. */
export const size = (n: number, m = 1): Size => ({ n, m })

/** "1000000" or "100x100". */
export const formatSize = (s: Size): string => s.m === 1 ? `${s.n}` : `${s.n}x${s.m}`

/** The inverse of `formatSize`. */
export const parseSize = (text: string): Size => {
  const match = /^(\d+)(?:x(\d+))?$/.exec(text.replace(/_/g, ""))
  if (match === null) throw new Error(`not a size: ${text} (expected N or NxM)`)
  return size(Number(match[1]), match[2] === undefined ? 1 : Number(match[2]))
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

export const now = (): number => performance.now()

/** A full collection when Node runs with `--expose-gc` (the runner does; the smoke test does not). */
export const collectGarbage = (): void => {
  if (typeof globalThis.gc === "function") {
    globalThis.gc()
    globalThis.gc()
  }
}

export const heapUsed = (): number => process.memoryUsage().heapUsed

/**
 * Clears the young generation of the garbage setup left, so the timed loop does not pay for it; reads the clock.
 * A minor collection on purpose: after a full one V8 shrinks the young generation, and the next few thousand
 * iterations ran 30–50 µs slower each while it grew back (measured on request-reply), which distorts short loops.
 */
export const startClock = (): number => {
  if (typeof globalThis.gc === "function") globalThis.gc({ type: "minor" })
  return now()
}

/** Runs a case body in its own scope; its expected failures are benchmark bugs. */
export const scoped = <A, E>(body: Effect.Effect<A, E, Scope.Scope>): Effect.Effect<A> =>
  Effect.orDie(Effect.scoped(body))

export const check = (condition: boolean, what: string): Effect.Effect<void> =>
  condition ? Effect.void : Effect.die(new Error(`benchmark check failed: ${what}`))

/** A warm-up a tenth of the run, at least `floor` and at most `cap` (JIT-compiling the loop needs a few thousand). */
export const tenth = (floor: number, cap: number) => (s: Size): Size =>
  size(Math.min(s.n, Math.max(floor, Math.min(cap, Math.ceil(s.n / 10)))), s.m)

/**
 * Forks a fiber running `body(mailbox, index)` for each mailbox, in the current scope, and returns once every one
 * of them has run up to its first wait (forked fibers start on the scheduler, not at once).
 */
export const forkMembers = <A>(
  mailboxes: ReadonlyArray<LeanMailbox<A>>,
  body: (mailbox: LeanMailbox<A>, index: number) => Effect.Effect<unknown>
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    let started = 0
    for (let i = 0; i < mailboxes.length; i++) {
      const mailbox = mailboxes[i]!
      yield* Effect.forkScoped(Effect.suspend(() => {
        started++
        return body(mailbox, i)
      }))
    }
    while (started < mailboxes.length) yield* Effect.yieldNow
  })
