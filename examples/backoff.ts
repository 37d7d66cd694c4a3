/**
 * A worker that connects to a flaky service, supervised with exponential backoff: each restart waits twice as long
 * as the one before (100 ms, 200 ms, 400 ms...). It says `connected` to a subject of the caller's each time it
 * starts. `examples/test/backoff.test.ts` tests it with `Testing`: a probe, the TestClock and `awaitRestart`.
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

/** The supervisor: restarts the worker after 100 ms, 200 ms, 400 ms..., up to 10 restarts a minute. */
export const startSupervised = (events: Subject.Subject<string>) =>
  StaticSupervisor.new("OneForOne").pipe(
    StaticSupervisor.restartSchedule(Schedule.exponential("100 millis")),
    StaticSupervisor.restartTolerance({ intensity: 10, period: "1 minute" }),
    StaticSupervisor.add(Supervision.worker(Actor.start(worker(events))).pipe(Supervision.label("worker"))),
    StaticSupervisor.start
  )
