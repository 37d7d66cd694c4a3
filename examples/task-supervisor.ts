/**
 * Task supervision: a program that hands out risky work and must survive it, without trapping exits.
 *
 * Five files are imported, each in a task under a `TaskSupervisor`, with `asyncStreamNolink`: one parser crashes
 * (a defect), one file is missing (a typed failure), one takes too long (its task is killed); each is one failed
 * item of the report, and the caller goes on. Then a summary is sent with `startChild`, fire-and-forget and
 * `Transient`: the mail server refuses it once, and the supervisor runs the task again.
 *
 * Run with `npm run example -- examples/task-supervisor.ts`.
 */
import type { Task } from "@effect-otp/core"
import { Process, TaskSupervisor } from "@effect-otp/core"
import { Console, Data, Effect, Ref, Result, Stream } from "effect"

export class FileNotFound extends Data.TaggedError("FileNotFound")<{ readonly file: string }> {}

class MailRefused extends Data.TaggedError("MailRefused")<{ readonly attempt: number }> {}

/** Parses one file into its number of rows. */
const parse = (file: string): Effect.Effect<number, FileNotFound> => {
  if (file === "corrupt.csv") return Effect.die(new Error(`parser crashed on ${file}`))
  if (file === "missing.csv") return Effect.fail(new FileNotFound({ file }))
  if (file === "huge.csv") return Effect.as(Effect.sleep("1 minute"), 1_000_000)
  return Effect.as(Effect.sleep("10 millis"), file.length * 10)
}

/** One line of the report: a file and its rows, or why it failed. */
export type Outcome = readonly [file: string, outcome: string]

const describe = (result: Result.Result<number, FileNotFound | Task.TaskExited | Task.TaskTimeout>): string =>
  Result.match(result, {
    onSuccess: (rows) => `${rows} rows`,
    onFailure: (error) => {
      switch (error._tag) {
        case "FileNotFound":
          return "not found"
        case "TaskExited":
          return `crashed (${error.reason._tag})`
        case "TaskTimeout":
          return "too slow, killed"
      }
    }
  })

/** Imports every file, 2 at a time, each within 1 second; one outcome per file, in order. */
export const importAll = (tasks: TaskSupervisor.TaskSupervisor, files: ReadonlyArray<string>) =>
  TaskSupervisor.asyncStreamNolink(tasks, files, parse, {
    maxConcurrency: 2,
    timeout: "1 second",
    onTimeout: "killTask"
  }).pipe(
    Stream.runCollect,
    Effect.map((results) => results.map((result, i): Outcome => [files[i], describe(result)]))
  )

/** Sends the summary in a task nobody waits for; the mail server refuses the first attempt. */
export const sendSummary = (tasks: TaskSupervisor.TaskSupervisor, attempts: Ref.Ref<number>, text: string) =>
  TaskSupervisor.startChild(
    tasks,
    Effect.flatMap(
      Ref.updateAndGet(attempts, (n) => n + 1),
      (attempt) => attempt === 1 ? Effect.fail(new MailRefused({ attempt })) : Console.log(`mail sent: ${text}`)
    ),
    { restart: "Transient" }
  )

export const files = ["orders.csv", "corrupt.csv", "customers.csv", "missing.csv", "huge.csv"]

const main = Effect.gen(function*() {
  const tasks = yield* TaskSupervisor.start()
  const report = yield* importAll(tasks.data, files)
  for (const [file, outcome] of report) yield* Console.log(`${file.padEnd(14)} ${outcome}`)
  const attempts = yield* Ref.make(0)
  const mail = yield* sendSummary(
    tasks.data,
    attempts,
    `${report.filter(([, o]) => o.endsWith("rows")).length} imported`
  )
  yield* Process.awaitExit(mail)
  yield* Effect.sleep("10 millis")
  yield* Console.log(
    `mail attempts: ${yield* Ref.get(attempts)}; the caller is still alive: ${yield* Process.isAlive(
      yield* Process.self
    )}`
  )
})

if (process.argv[1]?.endsWith("task-supervisor.ts")) {
  Effect.runPromise(Effect.scoped(main)).catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
