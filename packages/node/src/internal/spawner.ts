/**
 * Starting an actor on another node by the name of its definition (Erlang's `spawn(Node, Module, Function, Args)`):
 * every node runs a spawner, a process that receives start requests; the directory of the nodes' spawners is handed
 * out by the main thread as nodes connect.
 *
 * @internal
 */
import type { Actor as ActorNs } from "@effect-otp/core"
import { Actor, Distribution, Errors, Process, Subject } from "@effect-otp/core"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"

/** A subject's address on the wire. @internal */
export const Address = Schema.Struct({
  n: Schema.Number,
  p: Schema.Number,
  t: Schema.Union([Schema.Number, Schema.String])
})

/** @internal */
export type Address = typeof Address.Type

/** @internal */
export const SpawnReply = Schema.Union([
  Schema.TaggedStruct("Started", { pid: Process.PidSchema, subject: Address }),
  Schema.TaggedStruct("Failed", { error: Schema.String, reason: Schema.Unknown })
])

/** @internal */
export type SpawnReply = typeof SpawnReply.Type

/** @internal */
export const SpawnRequest = Schema.Struct({
  definition: Schema.String,
  args: Schema.Unknown,
  link: Schema.NullOr(Process.PidSchema),
  requester: Process.PidSchema,
  replyTo: Subject.schema(SpawnReply)
})

/** @internal */
export type SpawnRequest = typeof SpawnRequest.Type

/** The spawners of the connected nodes (this one's too), by node number. @internal */
export const spawners = new Map<number, Address>()

/**
 * Runs a service of the runtime in `root` (the node's lifetime: a spawner, the name server): a process, marked as
 * the runtime's (not a leak), that receives `requests` on a subject other nodes reach by the address returned;
 * `serve` runs in it, with the process's own scope.
 * @internal
 */
export const runService = <A, I>(
  root: Scope.Scope,
  requests: Schema.Codec<A, I>,
  serve: (inbox: Subject.Subject<A>) => Effect.Effect<void, never, Scope.Scope>
): Effect.Effect<Address> =>
  Effect.gen(function*() {
    const address = yield* Deferred.make<Address>()
    yield* Process.spawnUnlinked(
      Effect.gen(function*() {
        Distribution.markSystem(yield* Process.self)
        const inbox = yield* Subject.make<A>()
        yield* Deferred.succeed(address, Schema.encodeSync(Subject.schema(requests))(inbox))
        yield* serve(inbox)
      })
    ).pipe(Scope.provide(root))
    return yield* Deferred.await(address)
  })

/**
 * Runs this node's spawner in `root` (the node's lifetime): a process that starts, for each request, an actor of the
 * named definition in `root`, linked to the requester when asked. Returns the spawner's address.
 * @internal
 */
export const runSpawner = (root: Scope.Scope): Effect.Effect<Address> =>
  runService(root, SpawnRequest, (inbox) =>
    Effect.forever(Effect.flatMap(
      Subject.receiveForever(inbox),
      // Each start runs in a process of its own, so a slow initialiser holds up no other start.
      (request) => Process.spawnUnlinked(startFor(request, root))
    )))

const startFor = (request: SpawnRequest, root: Scope.Scope): Effect.Effect<void> =>
  Effect.gen(function*() {
    const reply = (answer: SpawnReply) => Subject.send(request.replyTo, answer)
    const definition = Distribution.definition(request.definition)
    if (definition === undefined) {
      return yield* reply({
        _tag: "Failed",
        error: "UnknownDefinition",
        reason: `no actor definition "${request.definition}" is loaded on node ${Distribution.localNode()}`
      })
    }
    const args = Schema.decodeUnknownExit(definition.arguments as Schema.Codec<unknown, unknown>)(request.args)
    if (Exit.isFailure(args)) {
      return yield* reply({ _tag: "Failed", error: "BadArguments", reason: String(args.cause) })
    }
    const started = yield* Actor.start(definition.behaviour(args.value)).pipe(Scope.provide(root), Effect.exit)
    if (Exit.isFailure(started)) {
      const error = started.cause.reasons.find((reason) => reason._tag === "Fail")
      const failure = error?._tag === "Fail" ? (error.error as Errors.StartError) : undefined
      return yield* reply({
        _tag: "Failed",
        error: failure?._tag ?? "InitFailed",
        reason: reasonText(failure ?? started.cause)
      })
    }
    const child = started.value as ActorNs.Started<Subject.Subject<unknown>>
    // The requester is the actor's parent, as the caller of `Actor.start` would be (its `Shutdown` stops the actor).
    Distribution.adopt(child.pid, request.requester)
    if (request.link !== null) Distribution.link(child.pid, request.link)
    yield* Process.unlink(child.pid)
    const subject = Schema.encodeSync(Subject.schema(definition.messages as Schema.Codec<unknown, unknown>))(child.data)
    yield* reply({ _tag: "Started", pid: child.pid, subject })
  })

const reasonText = (reason: unknown): unknown => {
  const wire = Distribution.encodeReason(Process.ExitReason.Abnormal({ reason }))
  return wire._tag === "Abnormal" ? wire.reason : wire._tag
}

/**
 * Starts an actor of `definition` on `node` (see `Node.spawn`). @internal
 */
export const spawnOn = <Args, M>(
  node: number,
  definition: ActorNs.Definition<Args, M>,
  args: Args,
  options: { readonly link: boolean; readonly timeout: Duration.Input }
): Effect.Effect<ActorNs.Started<Subject.Subject<M>>, Errors.StartError> =>
  Effect.gen(function*() {
    const address = spawners.get(node)
    if (address === undefined) {
      return yield* new Errors.InitFailed({ reason: `node ${node} is not connected` })
    }
    const encoded = Schema.encodeUnknownExit(definition.arguments as Schema.Codec<unknown, unknown>)(args)
    if (Exit.isFailure(encoded)) {
      return yield* new Errors.InitFailed({ reason: `arguments of "${definition.name}": ${String(encoded.cause)}` })
    }
    const spawner = Distribution.importSubject<SpawnRequest>(
      address,
      SpawnRequest as unknown as Schema.Codec<unknown, unknown>
    )
    const self: Process.Pid = yield* Process.self
    const reply = yield* Subject.call(
      spawner,
      (replyTo: Subject.Subject<SpawnReply>) => ({
        definition: definition.name,
        args: encoded.value,
        link: options.link ? self : null,
        requester: self,
        replyTo
      }),
      options.timeout
    ).pipe(
      Effect.catchTags({
        CallTimeout: () =>
          Effect.fail(new Errors.InitTimeout({ timeout: Duration.format(Duration.fromInputUnsafe(options.timeout)) })),
        CalleeDown: (down) => Effect.fail(new Errors.InitExited({ reason: down.reason })),
        NoProcess: () => Effect.fail(new Errors.InitFailed({ reason: `node ${node} is not connected` })),
        CallingSelf: () => Effect.fail(new Errors.InitFailed({ reason: "a node cannot spawn through itself" }))
      })
    )
    if (reply._tag === "Failed") {
      return yield* new Errors.InitFailed({ reason: reply.reason })
    }
    const subject = Distribution.importSubject<M>(reply.subject, definition.messages as Schema.Codec<unknown, unknown>)
    return { pid: reply.pid, data: subject }
  })
