import { afterEach, assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Equal, Exit, Fiber, Option, Scope } from "effect"
import { TestClock } from "effect/testing"
import { Actor, Process, Selector, StaticSupervisor, Subject, System, Testing } from "../src/index.js"
import { downs, failureOf, idle, spawnWithSubject, trapped } from "./fixtures.js"

afterEach(Testing.leakCheck())

const { ExitReason } = Process

describe("Process", () => {
  describe("identity", () => {
    it.effect("self is stable, and a child has another pid", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        assert.isTrue(Equal.equals(me, yield* Process.self))
        assert.match(String(me), /^<0\.\d+>$/)
        const { pid, subject } = yield* spawnWithSubject<never, never, never>(() => idle)
        assert.isFalse(Equal.equals(me, pid))
        const owner = yield* Subject.owner(subject)
        assert.isTrue(Option.isSome(owner) && Equal.equals(owner.value, pid))
      }))

    it.effect("a child reports its own pid, different from the parent's", () =>
      Effect.gen(function*() {
        const inbox = yield* Subject.make<Process.Pid>()
        const child = yield* Process.spawn(Effect.flatMap(Process.self, (pid) => Subject.send(inbox, pid)))
        const reported = yield* Subject.receive(inbox, "1 second")
        assert.isTrue(Equal.equals(reported, child))
        assert.isFalse(Equal.equals(reported, yield* Process.self))
      }))

    it.effect("isAlive follows the process's life; awaitExit gives the reason", () =>
      Effect.gen(function*() {
        const done = yield* Process.spawn(Effect.void)
        assert.deepStrictEqual(yield* Process.awaitExit(done), ExitReason.Normal())
        assert.isFalse(yield* Process.isAlive(done))
        const forever = yield* Process.spawn(idle)
        assert.isTrue(yield* Process.isAlive(forever))
        // awaitExit on a dead process answers at once
        assert.deepStrictEqual(yield* Process.awaitExit(done), ExitReason.Normal())
      }))

    it.effect("a failing or dying body exits Abnormal with its Cause", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const failed = yield* Process.spawn(Effect.fail("boom"))
        const reason = yield* Process.awaitExit(failed)
        assert.deepStrictEqual(failureOf(reason), Option.some("boom"))
        const died = yield* Process.spawn(Effect.die(new Error("defect")))
        const defect = yield* Process.awaitExit(died)
        assert.strictEqual(defect._tag, "Abnormal")
        assert.isTrue(defect._tag === "Abnormal" && Cause.hasDies(defect.reason as Cause.Cause<unknown>))
      }))
  })

  describe("links (Erlang's rules)", () => {
    it.effect("code outside any process is one: a crash reaching it through a link interrupts it", () =>
      Effect.gen(function*() {
        // A Deferred, not a subject: the test fiber must not become a process before it forks, or the forked
        // fiber would belong to the same process.
        const pidOfOutside = yield* Deferred.make<Process.Pid>()
        const outside = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          yield* Deferred.succeed(pidOfOutside, yield* Process.self)
          yield* Process.spawn(Effect.fail("crash"))
          return yield* Effect.never
        })))
        const pid = yield* Deferred.await(pidOfOutside)
        assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(outside)))
        assert.deepStrictEqual(failureOf(yield* Process.awaitExit(pid)), Option.some("crash"))
      }))

    it.effect("linking to self is true, to a new process true, to a dead one false", () =>
      Effect.gen(function*() {
        assert.isTrue(yield* Process.link(yield* Process.self))
        const live = yield* Process.spawnUnlinked(idle)
        assert.isTrue(yield* Process.link(live))
        const relinked = yield* Process.spawn(idle)
        assert.isTrue(yield* Process.link(relinked))
        const dead = yield* Process.spawn(Effect.void)
        yield* Process.awaitExit(dead)
        assert.isFalse(yield* Process.link(dead))
      }))

    it.effect("unlink never fails: unlinked, linked or dead", () =>
      Effect.gen(function*() {
        yield* Process.unlink(yield* Process.spawnUnlinked(idle))
        yield* Process.unlink(yield* Process.spawn(idle))
        const dead = yield* Process.spawn(Effect.void)
        yield* Process.awaitExit(dead)
        yield* Process.unlink(dead)
      }))

    it.effect("Normal is dropped by a non-trapping linked process", () =>
      Effect.gen(function*() {
        const { pid: parent, subject } = yield* spawnWithSubject<string, never, Scope.Scope>((inbox) =>
          Effect.gen(function*() {
            const child = yield* Process.spawn(Effect.void)
            yield* Process.awaitExit(child)
            yield* Subject.receiveForever(inbox)
          })
        )
        yield* Subject.send(subject, "still there?")
        assert.deepStrictEqual(yield* Process.awaitExit(parent), ExitReason.Normal())
      }))

    it.effect("an abnormal exit ends a non-trapping linked process with the same reason", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const parent = yield* Process.spawnUnlinked(Effect.gen(function*() {
          yield* Process.spawn(Effect.fail("child crashed"))
          return yield* idle
        }))
        const reason = yield* Process.awaitExit(parent)
        assert.deepStrictEqual(failureOf(reason), Option.some("child crashed"))
      }))

    it.effect("the signal travels both ways: a dying parent takes its linked child down", () =>
      Effect.gen(function*() {
        const children = yield* Subject.make<Process.Pid>()
        const parent = yield* Process.spawnUnlinked(Effect.gen(function*() {
          yield* Subject.send(children, yield* Process.spawn(idle))
          return yield* Effect.fail("parent crashed")
        }))
        const child = yield* Subject.receive(children, "1 second")
        assert.deepStrictEqual(failureOf(yield* Process.awaitExit(parent)), Option.some("parent crashed"))
        assert.deepStrictEqual(failureOf(yield* Process.awaitExit(child)), Option.some("parent crashed"))
      }))

    it.effect("a trapping process gets an ExitMessage for Abnormal, Normal and Killed instead of dying", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const crashed = yield* Process.spawn(Effect.fail("crash"))
        const first = yield* Selector.receive(trapped, "1 second")
        assert.isTrue(Equal.equals(first.pid, crashed))
        assert.deepStrictEqual(failureOf(first.reason), Option.some("crash"))

        const finished = yield* Process.spawn(Effect.void)
        const second = yield* Selector.receive(trapped, "1 second")
        assert.isTrue(Equal.equals(second.pid, finished))
        assert.deepStrictEqual(second.reason, ExitReason.Normal())

        const killed = yield* Process.spawn(idle)
        yield* Process.kill(killed)
        const third = yield* Selector.receive(trapped, "1 second")
        assert.isTrue(Equal.equals(third.pid, killed))
        assert.deepStrictEqual(third.reason, ExitReason.Killed())
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
      }))

    it.effect("Killed arriving through a link ends a non-trapping process with Killed", () =>
      Effect.gen(function*() {
        const children = yield* Subject.make<Process.Pid>()
        const parent = yield* Process.spawnUnlinked(Effect.gen(function*() {
          yield* Subject.send(children, yield* Process.spawn(idle))
          return yield* idle
        }))
        yield* Process.kill(yield* Subject.receive(children, "1 second"))
        assert.deepStrictEqual(yield* Process.awaitExit(parent), ExitReason.Killed())
      }))

    it.effect("after unlink, a crash no longer travels", () =>
      Effect.gen(function*() {
        const { pid: child, subject } = yield* spawnWithSubject<"crash", string, never>((inbox) =>
          Effect.flatMap(Subject.receiveForever(inbox), () => Effect.fail("crashed"))
        )
        yield* Process.unlink(child)
        yield* Subject.send(subject, "crash")
        assert.deepStrictEqual(failureOf(yield* Process.awaitExit(child)), Option.some("crashed"))
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
      }))
  })

  describe("kill and exit", () => {
    it.effect("a finalizer that fails when the body failed: the exit reason keeps both causes", () =>
      Effect.gen(function*() {
        const pid = yield* Process.spawnUnlinked(
          Effect.andThen(Effect.addFinalizer(() => Effect.die("cleanup")), Effect.fail("boom"))
        )
        const reason = yield* Process.awaitExit(pid)
        assert.isTrue(reason._tag === "Abnormal" && Cause.isCause(reason.reason))
        const cause = (reason as { readonly reason: Cause.Cause<unknown> }).reason
        assert.deepStrictEqual(Option.getOrUndefined(Cause.findErrorOption(cause)), "boom")
        assert.deepStrictEqual(cause.reasons.filter(Cause.isDieReason).map((reason) => reason.defect), ["cleanup"])
      }))

    it.effect("kill cannot be trapped", () =>
      Effect.gen(function*() {
        const { pid } = yield* spawnWithSubject<never, never, never>(
          () => Effect.andThen(Process.trapExits(true), idle),
          { linked: false }
        )
        yield* Process.kill(pid)
        assert.isFalse(yield* Process.isAlive(pid))
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Killed())
      }))

    it.effect("kill and exit on a dead pid do nothing", () =>
      Effect.gen(function*() {
        const pid = yield* Process.spawn(Effect.void)
        yield* Process.awaitExit(pid)
        yield* Process.kill(pid)
        yield* Process.exit(pid, ExitReason.Abnormal({ reason: "late" }))
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Normal())
      }))

    it.effect("a process killed right after spawn still reports its death", () =>
      Effect.gen(function*() {
        yield* Process.trapExits(true)
        const pid = yield* Process.spawn(idle)
        const monitor = yield* Process.monitor(pid)
        yield* Process.kill(pid)
        const exit = yield* Selector.receive(trapped, "1 second")
        assert.deepStrictEqual(exit.reason, ExitReason.Killed())
        const down = yield* Selector.receive(downs, "1 second")
        assert.isTrue(Equal.equals(down.monitor, monitor))
        assert.deepStrictEqual(down.reason, ExitReason.Killed())
      }))

    it.effect("exit(pid, Normal) is ignored by a non-trapping process", () =>
      Effect.gen(function*() {
        const pid = yield* Process.spawn(idle)
        yield* Process.exit(pid, ExitReason.Normal())
        assert.isTrue(yield* Process.isAlive(pid))
      }))

    it.effect("exit(pid, reason) ends a non-trapping process with that reason", () =>
      Effect.gen(function*() {
        const pid = yield* Process.spawnUnlinked(idle)
        yield* Process.exit(pid, ExitReason.Abnormal({ reason: "told to" }))
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Abnormal({ reason: "told to" }))
      }))

    it.effect("a trapping target gets exit(pid, reason) as an ExitMessage from the sender", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        const received = yield* Subject.make<Process.ExitMessage>()
        const { pid, subject } = yield* spawnWithSubject<"go", never, never>((go) =>
          Effect.gen(function*() {
            yield* Process.trapExits(true)
            yield* Subject.receiveForever(go)
            yield* Subject.send(received, yield* Selector.receiveForever(trapped))
            yield* Subject.send(received, yield* Selector.receiveForever(trapped))
          })
        )
        yield* Subject.send(subject, "go")
        yield* Process.exit(pid, ExitReason.Normal())
        yield* Process.exit(pid, ExitReason.Killed())
        const first = yield* Subject.receive(received, "1 second")
        assert.isTrue(Equal.equals(first.pid, me))
        assert.deepStrictEqual(first.reason, ExitReason.Normal())
        // exit(pid, Killed) is an ordinary, trappable signal; only kill is untrappable
        assert.deepStrictEqual((yield* Subject.receive(received, "1 second")).reason, ExitReason.Killed())
      }))

    it.effect("exit(self, Normal) ends the caller with Normal", () =>
      Effect.gen(function*() {
        const reached = yield* Subject.make<string>()
        const pid = yield* Process.spawn(Effect.gen(function*() {
          yield* Process.exit(yield* Process.self, ExitReason.Normal())
          yield* Subject.send(reached, "should not get here")
        }))
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Normal())
        assert.isTrue(Option.isNone(yield* Effect.option(Subject.receive(reached, 0))))
      }))
  })

  describe("monitors", () => {
    it.effect("Down carries Normal, Killed and Abnormal reasons", () =>
      Effect.gen(function*() {
        const normal = yield* Process.spawnUnlinked(Effect.void)
        const m1 = yield* Process.monitor(normal)
        const killed = yield* Process.spawnUnlinked(idle)
        const m2 = yield* Process.monitor(killed)
        yield* Process.kill(killed)
        const crashed = yield* Process.spawnUnlinked(Effect.fail("bad"))
        const m3 = yield* Process.monitor(crashed)
        const byMonitor = new Map<Process.Monitor, Process.Down>()
        for (let i = 0; i < 3; i++) {
          const down = yield* Selector.receive(downs, "1 second")
          byMonitor.set(down.monitor, down)
        }
        assert.deepStrictEqual(byMonitor.get(m1)!.reason, ExitReason.Normal())
        assert.isTrue(Equal.equals(byMonitor.get(m1)!.pid, normal))
        assert.deepStrictEqual(byMonitor.get(m2)!.reason, ExitReason.Killed())
        assert.deepStrictEqual(failureOf(byMonitor.get(m3)!.reason), Option.some("bad"))
      }))

    it.effect("monitoring a dead pid delivers Down(noproc) at once", () =>
      Effect.gen(function*() {
        const pid = yield* Process.spawn(Effect.void)
        yield* Process.awaitExit(pid)
        const monitor = yield* Process.monitor(pid)
        const down = yield* Selector.receive(downs, 0)
        assert.isTrue(Equal.equals(down.monitor, monitor))
        assert.deepStrictEqual(down.reason, ExitReason.Abnormal({ reason: "noproc" }))
      }))

    it.effect("a monitor does not link: the monitoring process survives a crash", () =>
      Effect.gen(function*() {
        const pid = yield* Process.spawnUnlinked(Effect.fail("crash"))
        yield* Process.monitor(pid)
        yield* Selector.receive(downs, "1 second")
        assert.isTrue(yield* Process.isAlive(yield* Process.self))
      }))

    it.effect("repeated monitors are independent; a specific-monitor selector takes only its own", () =>
      Effect.gen(function*() {
        const { pid, subject } = yield* spawnWithSubject<"stop", never, never>(Subject.receiveForever, {
          linked: false
        })
        const first = yield* Process.monitor(pid)
        const second = yield* Process.monitor(pid)
        assert.isFalse(Equal.equals(first, second))
        yield* Subject.send(subject, "stop")
        const onlySecond = Selector.make<string>().pipe(Selector.selectSpecificMonitor(second, () => "second"))
        assert.strictEqual(yield* Selector.receive(onlySecond, "1 second"), "second")
        assert.isTrue(Option.isNone(yield* Effect.option(Selector.receive(onlySecond, 0))))
        const down = yield* Selector.receive(downs, 0)
        assert.isTrue(Equal.equals(down.monitor, first))
      }))

    it.effect("demonitor before the exit: no Down arrives", () =>
      Effect.gen(function*() {
        const { pid, subject } = yield* spawnWithSubject<"stop", never, never>(Subject.receiveForever, {
          linked: false
        })
        const monitor = yield* Process.monitor(pid)
        yield* Process.demonitor(monitor)
        yield* Subject.send(subject, "stop")
        yield* Process.awaitExit(pid)
        assert.isTrue(Option.isNone(yield* Effect.option(Selector.receive(downs, 0))))
      }))

    it.effect("demonitor also removes a delivered, unreceived Down", () =>
      Effect.gen(function*() {
        const pid = yield* Process.spawnUnlinked(Effect.void)
        const monitor = yield* Process.monitor(pid)
        const other = yield* Process.monitor(pid)
        yield* Process.awaitExit(pid)
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 2)
        yield* Process.demonitor(monitor)
        assert.strictEqual(yield* Process.messageQueueLength(yield* Process.self), 1)
        const left = yield* Selector.receive(downs, 0)
        assert.isTrue(Equal.equals(left.monitor, other))
      }))
  })

  describe("lifetimes bound to a Scope", () => {
    it.effect("closing a scope leaves no process alive, nested ones included", () =>
      Effect.gen(function*() {
        const pids = yield* Effect.scoped(Effect.gen(function*() {
          const inbox = yield* Subject.make<Process.Pid>()
          const a = yield* Process.spawn(idle)
          const b = yield* Process.spawnUnlinked(Effect.gen(function*() {
            yield* Subject.send(inbox, yield* Process.spawn(idle))
            yield* Subject.send(inbox, yield* Process.spawnUnlinked(idle))
            return yield* idle
          }))
          const grandchildren = [yield* Subject.receive(inbox, "1 second"), yield* Subject.receive(inbox, "1 second")]
          return [a, b, ...grandchildren]
        }))
        for (const pid of pids) {
          assert.isFalse(yield* Process.isAlive(pid))
          assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Shutdown())
        }
        assert.deepStrictEqual((yield* Process.list).filter((pid) => pids.some((p) => Equal.equals(p, pid))), [])
      }))

    it.effect("processes are shut down in reverse start order, each as a trapped Shutdown from the owner", () =>
      Effect.gen(function*() {
        const me = yield* Process.self
        const log = yield* Subject.make<string>()
        const stopping = (name: string) =>
          Effect.gen(function*() {
            yield* Process.trapExits(true)
            const exit = yield* Selector.receiveForever(trapped)
            yield* Subject.send(log, `${name} ${exit.reason._tag} from ${Equal.equals(exit.pid, me) ? "owner" : "?"}`)
          })
        yield* Effect.scoped(Effect.gen(function*() {
          for (const name of ["a", "b", "c"]) {
            const { subject } = yield* spawnWithSubject<"ready", never, never>(() => stopping(name))
            void subject
          }
        }))
        const order = [
          yield* Subject.receive(log, 0),
          yield* Subject.receive(log, 0),
          yield* Subject.receive(log, 0)
        ]
        assert.deepStrictEqual(order, ["c Shutdown from owner", "b Shutdown from owner", "a Shutdown from owner"])
        // The owner was unlinked first, so it is not signalled by the shutdown it caused.
        assert.isTrue(yield* Process.isAlive(me))
      }))

    it.effect("a trapping process that ignores Shutdown is killed after 5 seconds", () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const { pid } = yield* spawnWithSubject<never, never, never>(() =>
          Effect.andThen(Process.trapExits(true), idle)
        ).pipe(Scope.provide(scope))
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
        yield* TestClock.adjust("4999 millis")
        assert.isTrue(yield* Process.isAlive(pid))
        yield* TestClock.adjust("1 millis")
        yield* Fiber.join(closing)
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Killed())
      }))

    it.effect("a process that ends by itself is dropped from its scope", () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const pid = yield* Process.spawn(Effect.void).pipe(Scope.provide(scope))
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Normal())
        yield* Scope.close(scope, Exit.void)
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Normal())
      }))

    it.effect("fibers forked inside a process belong to it: same pid, same mailbox", () =>
      Effect.gen(function*() {
        const results = yield* Subject.make<readonly [string, boolean]>()
        const { subject } = yield* spawnWithSubject<number, never, never>((inbox) =>
          Effect.gen(function*() {
            const me = yield* Process.self
            const worker = (name: string) =>
              Effect.gen(function*() {
                const pid = yield* Process.self
                const n = yield* Subject.receiveForever(inbox)
                yield* Subject.send(results, [`${name}:${n}`, Equal.equals(pid, me)] as const)
              })
            yield* Effect.all([worker("x"), worker("y")], { concurrency: "unbounded" })
          })
        )
        yield* Subject.send(subject, 1)
        yield* Subject.send(subject, 2)
        const got = [yield* Subject.receive(results, "1 second"), yield* Subject.receive(results, "1 second")]
        assert.deepStrictEqual(got.map(([s]) => s.split(":")[1]).sort(), ["1", "2"])
        assert.isTrue(got.every(([, same]) => same))
      }))
  })

  // Effect 4 resumes a fiber synchronously, in the stack of whoever wakes it. The library runs woken processes from its
  // own run queue instead (internal/scheduler.ts), so that chains of wakes do not nest: these would overflow the stack
  // (RangeError, a lost message, a hang) if they did.
  describe("scheduling: chains of wakes do not nest", () => {
    type Member = { readonly _tag: "Next"; readonly next: Subject.Subject<Member> } | {
      readonly _tag: "Token"
      readonly hops: number
    }

    /** A ring member: learns its successor, then passes each token on with one hop less; the last hop reports. */
    const member = (report: Subject.Subject<Subject.Subject<Member>>, done: Subject.Subject<number>) =>
      Effect.gen(function*() {
        const inbox = yield* Subject.make<Member>()
        yield* Subject.send(report, inbox)
        let next: Subject.Subject<Member> | undefined
        while (true) {
          const message = yield* Subject.receiveForever(inbox)
          if (message._tag === "Next") next = message.next
          else if (message.hops === 0) yield* Subject.send(done, 0)
          else yield* Subject.send(next!, { _tag: "Token", hops: message.hops - 1 })
        }
      })

    it.effect("a token goes twice round a ring of 100,000 processes", () =>
      Effect.gen(function*() {
        const size = 100_000
        const report = yield* Subject.make<Subject.Subject<Member>>()
        const done = yield* Subject.make<number>()
        for (let i = 0; i < size; i++) yield* Process.spawn(member(report, done))
        const inboxes: Array<Subject.Subject<Member>> = []
        for (let i = 0; i < size; i++) inboxes.push(yield* Subject.receive(report, "1 second"))
        for (let i = 0; i < size; i++) yield* Subject.send(inboxes[i], { _tag: "Next", next: inboxes[(i + 1) % size] })
        yield* Subject.send(inboxes[0], { _tag: "Token", hops: 2 * size })
        assert.strictEqual(yield* Subject.receive(done, "1 second"), 0)
        assert.strictEqual((yield* Process.list).length, size + 1)
      }), 120_000)

    it.effect(
      "killing the first of a chain of 10,000 linked processes ends them all, each with Killed",
      () =>
        Effect.gen(function*() {
          const size = 10_000
          const last = yield* Subject.make<Process.Pid>()
          // each process spawns the next, linked; the last reports its pid
          const link = (left: number): Effect.Effect<void, never, Scope.Scope> =>
            left === 0 ?
              Effect.flatMap(Process.self, (pid) => Subject.send(last, pid)).pipe(Effect.andThen(idle)) :
              Effect.andThen(Process.spawn(Effect.suspend(() => link(left - 1))), idle)
          const first = yield* Process.spawnUnlinked(link(size - 1))
          const end = yield* Subject.receive(last, "1 second")
          yield* Process.kill(first)
          assert.deepStrictEqual(yield* Process.awaitExit(end), ExitReason.Killed())
          assert.deepStrictEqual((yield* Process.list).length, 1)
        }),
      60_000
    )

    it.effect(
      "a crash at the end of a chain of 10,000 linked processes travels back to the first",
      () =>
        Effect.gen(function*() {
          const size = 10_000
          const link = (left: number): Effect.Effect<void, string, Scope.Scope> =>
            left === 0 ?
              Effect.fail("boom at the end") :
              Effect.andThen(Process.spawn(Effect.suspend(() => link(left - 1))), idle)
          const first = yield* Process.spawnUnlinked(link(size - 1))
          assert.deepStrictEqual(failureOf(yield* Process.awaitExit(first)), Option.some("boom at the end"))
          assert.deepStrictEqual((yield* Process.list).length, 1)
        }),
      60_000
    )

    it.effect("a process takes no message sent after an exit signal that ends it", () =>
      Effect.gen(function*() {
        const handled = yield* Subject.make<number>()
        const { pid, subject } = yield* spawnWithSubject<number, never, never>(
          (inbox) => Effect.forever(Effect.flatMap(Subject.receiveForever(inbox), (n) => Subject.send(handled, n))),
          {
            linked: false
          }
        )
        yield* Subject.send(subject, 1)
        yield* Process.exit(pid, ExitReason.Abnormal({ reason: "stop" }))
        yield* Subject.send(subject, 2)
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.Abnormal({ reason: "stop" }))
        const got: Array<number> = []
        while (true) {
          const next = yield* Effect.option(Subject.receive(handled, 0))
          if (Option.isNone(next)) break
          got.push(next.value)
        }
        assert.notInclude(got, 2)
      }))
  })
})

describe("Process.info", () => {
  it.effect("what runs in a process, its mailbox, links, monitors and counts; none once it has ended", () =>
    Effect.gen(function*() {
      const self = yield* Process.self
      const actor = yield* Actor.start(
        Actor.new(0).pipe(Actor.onMessage((n: number, k: number) => Effect.succeed(Actor.continue(n + k))))
      )
      yield* System.suspend(actor.pid)
      yield* Subject.send(actor.data, 1)
      yield* Subject.send(actor.data, 2)
      const monitor = yield* Process.monitor(actor.pid)
      const info = Option.getOrThrow(yield* Process.info(actor.pid))
      assert.strictEqual(info.kind, "actor")
      assert.isFalse(info.implicit)
      assert.strictEqual(info.messageQueueLength, 2)
      assert.deepStrictEqual(info.links.map(String), [String(self)])
      assert.deepStrictEqual(info.monitoredBy.map(String), [String(self)])
      assert.isTrue(Option.isNone(info.name))
      assert.strictEqual(info.startedAt, 0) // TestClock time
      // An idle actor's measured heap, plus a queued envelope per message.
      assert.strictEqual(info.memoryEstimate, 1_720 + 2 * 48)
      yield* System.resume(actor.pid)
      yield* Process.demonitor(monitor)

      const sup = yield* StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.start)
      assert.strictEqual(Option.getOrThrow(yield* Process.info(sup.pid)).kind, "supervisor")
      assert.isTrue(Option.getOrThrow(yield* Process.info(sup.pid)).trapExit)
      const plain = yield* Process.spawnUnlinked(idle)
      assert.strictEqual(Option.getOrThrow(yield* Process.info(plain)).kind, "process")
      assert.isTrue(Option.getOrThrow(yield* Process.info(self)).implicit)

      yield* Process.kill(plain)
      yield* Process.awaitExit(plain)
      assert.isTrue(Option.isNone(yield* Process.info(plain)))
    }).pipe(Effect.scoped))
})
