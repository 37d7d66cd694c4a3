/**
 * A worker that connects to a flaky service, with a restart backoff of its own: each restart waits twice as long as
 * the one before (100 ms, 200 ms, 400 ms...), and once it has stayed connected for 10 seconds the next crash waits
 * 100 ms again. It says `connected` to a subject of the caller's each time it starts. A cache next to it restarts at
 * once, and its crashes never lengthen the worker's waits: the backoff belongs to the worker, not to the supervisor
 * (`StaticSupervisor.restartSchedule` would share one schedule between them). `examples/test/backoff.test.ts` tests
 * it with `Testing`: a probe, the TestClock and `awaitRestart`.
 */
import { Actor, StaticSupervisor, Subject, Supervision } from "@effect-otp/core"
import { Effect, Schedule } from "effect"

export type WorkerMsg = { readonly _tag: "Crash" }

/** The worker: reports each start to `events`, crashes when told to. */
export const worker = (events: Subject.Subject<string>) =>
  Actor.newWithInitialiser(
    "1 second",
    (_self: Subject.Subject<WorkerMsg>) => Effect.as(Subject.send(events, "connected"), Actor.initialised(0))
  ).pipe(Actor.onMessage((_state: number, _msg: WorkerMsg) => Effect.die(new Error("connection lost"))))

/** A cache: a map, restarted at once (and empty) when it crashes. */
export const cache = Actor.new(new Map<string, string>())

/**
 * The supervisor: child 0, the worker, restarts after 100 ms, 200 ms, 400 ms... (back to 100 ms after 10 seconds
 * connected); child 1, the cache, at once; up to 10 restarts a minute between them.
 */
export const startSupervised = (events: Subject.Subject<string>) =>
  StaticSupervisor.new("OneForOne").pipe(
    StaticSupervisor.restartTolerance({ intensity: 10, period: "1 minute" }),
    StaticSupervisor.add(
      Supervision.worker(Actor.start(worker(events))).pipe(
        Supervision.label("worker"),
        Supervision.backoff(Schedule.exponential("100 millis"), { resetAfter: "10 seconds" })
      )
    ),
    StaticSupervisor.add(Supervision.worker(Actor.start(cache)).pipe(Supervision.label("cache"))),
    StaticSupervisor.start
  )
