/**
 * Composable child layers (issue 18, item 7). Effect's `Layer.unwrap` and `Layer.provide` return plain layers, which
 * are not a supervisor's children any more (the bug of the report: a config-driven tree did not typecheck);
 * `Supervision.childLayerFrom`, `mapChild` and `provideChild` are their child-layer forms. The tree here takes its
 * shape from `Config`: how many workers, their names and their restart type, and a counter's first value.
 */
import { afterEach, assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Config, ConfigProvider, Context, Effect, Layer, Option, Schema } from "effect"
import type { ConfigError } from "effect/Config"
import { Actor, Name, Process, Registry, StaticSupervisor, Subject, Supervision, Testing } from "../src/index.js"
import type { CounterMsg } from "./actors.js"
import { counterBuilder, getCount } from "./actors.js"

afterEach(Testing.leakCheck())

type WorkerMsg = { readonly _tag: "Crash" }

class Workers extends Context.Service<Workers, Registry.Registry<string, void, WorkerMsg>>()("test/Workers") {}
class Counter extends Context.Service<Counter, Subject.Subject<CounterMsg>>()("test/Counter") {}

const WorkersLive = Layer.effect(Workers)(Registry.make<string, void, WorkerMsg>({ keys: "unique" }))

/** A worker registered under `name`, crashing on request. */
const worker = (registry: Registry.Registry<string, void, WorkerMsg>, name: string) =>
  Supervision.childLayer(Effect.sync(() => ({
    child: Supervision.worker(
      Actor.new(null).pipe(
        Actor.onMessage((_: null, _message: WorkerMsg) => Effect.fail("crash requested")),
        Actor.registered(registry, name),
        Actor.start
      )
    ).pipe(Supervision.label(name)),
    context: Context.empty()
  })))

const restartTypes = ["Permanent", "Transient", "Temporary"] as const

/** The pool: one worker per configured name, each with the configured restart type. */
const PoolLive = Supervision.childLayerFrom(Effect.gen(function*() {
  const names = yield* Config.Array(Schema.String, "names").pipe(Config.nested("pool"))
  const restart = yield* Config.Literals(restartTypes, "restart").pipe(Config.nested("pool"))
  const registry = yield* Workers
  return StaticSupervisor.layer(
    StaticSupervisor.new("OneForOne"),
    ...names.map((name) => worker(registry, name).pipe(Supervision.mapChild(Supervision.restart(restart))))
  )
}))

/** A counter starting at the configured value, its restart type configured too. */
const CounterLive = Supervision.childLayerFrom(Effect.gen(function*() {
  const start = yield* Config.Int("start").pipe(Config.nested("counter"))
  return Actor.toLayer(Counter, counterBuilder(start))
}))

const root = Name.make<StaticSupervisor.Message>("test/config-root")

const AppLive = StaticSupervisor.layer(
  StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.named(root)),
  PoolLive,
  CounterLive
)

const provider = (restart: string, names: ReadonlyArray<string>) =>
  ConfigProvider.layer(ConfigProvider.fromUnknown({ pool: { names, restart }, counter: { start: 40 } }))

/** Crashes the worker registered as `name` and waits for its end. */
const crash = (name: string) =>
  Effect.gen(function*() {
    const workers = yield* Workers
    const [entry] = yield* Registry.lookup(workers, name)
    yield* Subject.send(Registry.via(workers, name), { _tag: "Crash" })
    yield* Testing.awaitExit(entry.pid, "1 second", (reason) => reason._tag === "Abnormal")
    return entry.pid
  })

describe("composable child layers", () => {
  it("childLayerFrom, mapChild and provideChild keep a child layer a child layer, with its types", () => {
    expectTypeOf(PoolLive).toEqualTypeOf<Supervision.ChildLayer<never, ConfigError | Actor.StartError, Workers>>()
    expectTypeOf(CounterLive).toEqualTypeOf<Supervision.ChildLayer<Counter, ConfigError | Actor.StartError, never>>()
    expectTypeOf(AppLive).toEqualTypeOf<Supervision.ChildLayer<Counter, ConfigError | Actor.StartError, Workers>>()
    // provideChild: the pool's requirement fed by the registry's layer, still a child layer
    const provided = PoolLive.pipe(Supervision.provideChild(WorkersLive))
    expectTypeOf(provided).toEqualTypeOf<Supervision.ChildLayer<never, ConfigError | Actor.StartError, never>>()
    StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), provided)
    // Effect's own combinators give plain layers, which a supervisor does not take as children.
    // @ts-expect-error: Layer.unwrap returns a Layer, not a ChildLayer
    StaticSupervisor.layer(StaticSupervisor.new("OneForOne"), Layer.unwrap(Effect.succeed(CounterLive)))
  })

  it.effect("a tree whose children come from Config typechecks, runs, and restarts by the configured types", () =>
    Effect.gen(function*() {
      const program = Effect.gen(function*() {
        const tree = yield* Supervision.tree(root)
        const pool = tree.children[0]
        assert.deepStrictEqual(
          pool.children?.map((child) => [Option.getOrUndefined(child.label), child.restart]),
          [["alpha", "Transient"], ["beta", "Transient"], ["gamma", "Transient"]]
        )
        // The counter took its first value from Config.
        assert.strictEqual(yield* getCount(yield* Counter), 40)
        // A transient worker that crashes is restarted, and registered again.
        const before = yield* crash("beta")
        const workers = yield* Workers
        const after = yield* Testing.awaitRegistered(workers, "beta", "1 second")
        assert.notStrictEqual(String(after), String(before))
        const restarted = (yield* Supervision.tree(root)).children[0].children?.[1]
        assert.strictEqual(restarted?.restarts, 1)
      })
      yield* program.pipe(
        Effect.provide(
          AppLive.pipe(
            Layer.provideMerge(WorkersLive),
            Layer.provide(provider("Transient", ["alpha", "beta", "gamma"]))
          )
        ),
        Effect.scoped
      )
    }))

  it.effect("another configuration, another tree: two temporary workers, not restarted after a crash", () =>
    Effect.gen(function*() {
      const program = Effect.gen(function*() {
        const pool = (yield* Supervision.tree(root)).children[0]
        assert.deepStrictEqual(pool.children?.map((child) => child.restart), ["Temporary", "Temporary"])
        yield* crash("one")
        yield* Testing.settle()
        const workers = yield* Workers
        assert.deepStrictEqual(yield* Registry.lookup(workers, "one"), [])
        assert.strictEqual((yield* Registry.lookup(workers, "two")).length, 1)
        // a temporary child is forgotten when it ends
        assert.strictEqual((yield* Supervision.tree(root)).children[0].children?.length, 1)
      })
      yield* program.pipe(
        Effect.provide(
          AppLive.pipe(Layer.provideMerge(WorkersLive), Layer.provide(provider("Temporary", ["one", "two"])))
        ),
        Effect.scoped
      )
    }))

  it.effect("a configuration that does not parse fails the tree's start with its ConfigError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.scoped(
          Layer.build(AppLive.pipe(Layer.provideMerge(WorkersLive), Layer.provide(provider("Sometimes", ["x"]))))
        )
      )
      assert.strictEqual(error._tag, "ConfigError")
      // It failed while the tree was described, before anything started: no supervisor took the root's name.
      assert.isTrue(Option.isNone(yield* Process.whereis(root)))
    }))

  it.effect("provideChild builds its layer once, in the tree's scope: the service outlives the child's restarts", () =>
    Effect.gen(function*() {
      const made: Array<Registry.Registry<string, void, WorkerMsg>> = []
      const CountedWorkers = Layer.effect(Workers)(
        Effect.tap(
          Registry.make<string, void, WorkerMsg>({ keys: "unique" }),
          (registry) => Effect.sync(() => made.push(registry))
        )
      )
      const Pool = PoolLive.pipe(Supervision.provideChild(CountedWorkers))
      const program = Effect.gen(function*() {
        assert.strictEqual(made.length, 1)
        const before = yield* crash("solo").pipe(Effect.provideService(Workers, made[0]))
        const after = yield* Testing.awaitRegistered(made[0], "solo", "1 second")
        assert.notStrictEqual(String(after), String(before))
        assert.strictEqual(made.length, 1)
      })
      yield* program.pipe(
        Effect.provide(
          StaticSupervisor.layer(StaticSupervisor.new("OneForOne").pipe(StaticSupervisor.named(root)), Pool).pipe(
            Layer.provide(provider("Permanent", ["solo"]))
          )
        ),
        Effect.scoped
      )
    }))
})
