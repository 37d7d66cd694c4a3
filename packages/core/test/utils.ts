import { afterEach, expect } from "@effect/vitest"
import { Effect } from "effect"
import { Process, Subject } from "../src/index.js"

/**
 * Fails the test that leaves a live process behind. Every test's own implicit process ends with its fiber, and every
 * spawned process must end with its scope, so the process table is empty between tests.
 */
export const checkNoProcessLeft = () =>
  afterEach(async () => {
    const left = await Effect.runPromise(Process.list)
    expect(left.map(String), "processes left alive after the test").toEqual([])
  })

/** Spawns a process that reports its own subject of type `A` to the caller, and returns both. */
export const spawnWithSubject = <A, E, R>(
  body: (subject: Subject.Subject<A>) => Effect.Effect<unknown, E, R>,
  options: { readonly linked: boolean } = { linked: true }
) =>
  Effect.gen(function*() {
    const ready = yield* Subject.make<Subject.Subject<A>>()
    const run = Effect.gen(function*() {
      const subject = yield* Subject.make<A>()
      yield* Subject.send(ready, subject)
      return yield* body(subject)
    })
    const pid = yield* (options.linked ? Process.spawn(run) : Process.spawnUnlinked(run))
    const subject = yield* Subject.receive(ready, "1 second")
    return { pid, subject } as const
  })

/** A process body that waits until it is stopped. */
export const idle = Effect.never
