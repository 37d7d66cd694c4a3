import { afterEach, assert, describe, it } from "@effect/vitest"
import { Effect, Equal, Option } from "effect"
import { Process, Selector, Subject, Testing } from "../src/index.js"

afterEach(Testing.leakCheck())

const none = <A, E>(effect: Effect.Effect<A, E>) => Effect.map(Effect.option(effect), Option.isNone)

describe("Selector", () => {
  it.effect("skips unselected messages and takes matching ones in mailbox order", () =>
    Effect.gen(function*() {
      const s1 = yield* Subject.make<string>()
      const s2 = yield* Subject.make<number>()
      const s3 = yield* Subject.make<boolean>()
      yield* Subject.send(s1, "1")
      yield* Subject.send(s2, 2)
      yield* Subject.send(s3, true)
      const selector = Selector.make<string>().pipe(
        Selector.selectMap(s2, (n) => String(n)),
        Selector.selectMap(s3, (b) => String(b))
      )
      assert.strictEqual(yield* Selector.receive(selector, 0), "2")
      assert.strictEqual(yield* Selector.receive(selector, 0), "true")
      assert.isTrue(yield* none(Selector.receive(selector, 0)))

      yield* Subject.send(s2, 2)
      yield* Subject.send(s3, false)
      const all = Selector.select(selector, s1)
      // s1's message is first in the mailbox now that it is selected
      assert.strictEqual(yield* Selector.receive(all, 0), "1")
      assert.strictEqual(yield* Selector.receive(all, 0), "2")
      assert.strictEqual(yield* Selector.receive(all, 0), "false")
      assert.isTrue(yield* none(Selector.receive(all, 0)))
    }))

  it.effect("merge: the right selector wins where both select the same subject", () =>
    Effect.gen(function*() {
      const a = yield* Subject.make<number>()
      const b = yield* Subject.make<number>()
      const left = Selector.make<string>().pipe(
        Selector.selectMap(a, (n) => `left a ${n}`),
        Selector.selectMap(b, (n) => `left b ${n}`)
      )
      const right = Selector.make<string>().pipe(Selector.selectMap(a, (n) => `right a ${n}`))
      const merged = Selector.merge(left, right)
      yield* Subject.send(a, 1)
      yield* Subject.send(b, 2)
      assert.strictEqual(yield* Selector.receive(merged, 0), "right a 1")
      assert.strictEqual(yield* Selector.receive(merged, 0), "left b 2")
    }))

  it.effect("map transforms every selected message", () =>
    Effect.gen(function*() {
      const a = yield* Subject.make<number>()
      const selector = Selector.make<number>().pipe(Selector.select(a), Selector.map((n) => n * 10))
      yield* Subject.send(a, 4)
      assert.strictEqual(yield* Selector.receive(selector, 0), 40)
    }))

  it.effect("deselect leaves that subject's messages queued", () =>
    Effect.gen(function*() {
      const a = yield* Subject.make<string>()
      const b = yield* Subject.make<string>()
      const both = Selector.make<string>().pipe(Selector.select(a), Selector.select(b))
      const onlyB = Selector.deselect(both, a)
      yield* Subject.send(a, "a")
      yield* Subject.send(b, "b")
      assert.strictEqual(yield* Selector.receive(onlyB, 0), "b")
      assert.isTrue(yield* none(Selector.receive(onlyB, 0)))
      assert.strictEqual(yield* Subject.receive(a, 0), "a")
    }))

  it.effect("selects subjects, trapped exits and monitors together, in arrival order", () =>
    Effect.gen(function*() {
      yield* Process.trapExits(true)
      const texts = yield* Subject.make<string>()
      type Event =
        | { readonly _tag: "Text"; readonly text: string }
        | { readonly _tag: "Exit"; readonly pid: Process.Pid }
        | { readonly _tag: "Down"; readonly pid: Process.Pid }
      const selector = Selector.make<Event>().pipe(
        Selector.selectMap(texts, (text): Event => ({ _tag: "Text", text })),
        Selector.selectTrappedExits((exit): Event => ({ _tag: "Exit", pid: exit.pid })),
        Selector.selectMonitors((down): Event => ({ _tag: "Down", pid: down.pid }))
      )
      const linked = yield* Process.spawn(Effect.void)
      yield* Process.awaitExit(linked)
      yield* Subject.send(texts, "hello")
      const watched = yield* Process.spawnUnlinked(Effect.void)
      yield* Process.monitor(watched)
      yield* Process.awaitExit(watched)
      const first = yield* Selector.receive(selector, 0)
      assert.isTrue(first._tag === "Exit" && Equal.equals(first.pid, linked))
      assert.deepStrictEqual(yield* Selector.receive(selector, 0), { _tag: "Text", text: "hello" })
      const third = yield* Selector.receive(selector, 0)
      assert.isTrue(third._tag === "Down" && Equal.equals(third.pid, watched))
    }))

  it.effect("a waiting selector is woken by the first matching message only", () =>
    Effect.gen(function*() {
      const a = yield* Subject.make<string>()
      const b = yield* Subject.make<string>()
      const selector = Selector.make<string>().pipe(Selector.select(b))
      yield* Process.spawn(Effect.andThen(Subject.send(a, "a"), Subject.send(b, "b")))
      assert.strictEqual(yield* Selector.receive(selector, "1 second"), "b")
      assert.strictEqual(yield* Subject.receive(a, 0), "a")
    }))
})
