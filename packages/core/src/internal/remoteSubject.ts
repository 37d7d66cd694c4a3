/**
 * Subjects and pids across nodes (see `remote.ts`): a subject crosses as its address and is encoded with the schema
 * of its messages; a local subject sent to another node is exported (held weakly) so that the node's messages to it
 * are decoded and delivered; a remote subject files its messages under a `RemoteTag` its stand-in forwards.
 *
 * @internal
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaGetter from "effect/SchemaGetter"
import type { Pid } from "../Process.js"
import { noproc } from "./exitReason.js"
import { isPid, PidImpl } from "./pid.js"
import type { ProcessState } from "./process.js"
import { ProcessState as State, table } from "./process.js"
import { decodeFailures, distribution, nodeOf, RemotePid } from "./remote.js"
import { exported } from "./remoteExports.js"
import type { SubjectImpl } from "./subject.js"
import { isSubject, NamedSubject, OwnedSubject, PendingCall, SubjectBase, unsafeSend } from "./subject.js"

const encoders = new WeakMap<Schema.Codec<unknown, unknown>, (value: unknown) => unknown>()
const decoders = new WeakMap<Schema.Codec<unknown, unknown>, (value: unknown) => unknown>()

const same = (value: unknown): unknown => value

/**
 * Whether a schema encodes values as they are (no transformation anywhere in it): its messages then cross without
 * running it, as plain data (checks are the sender's types' business: both nodes run the same program).
 */
const plain = (codec: Schema.Codec<unknown, unknown>): boolean => SchemaAST.toEncoded(codec.ast) === codec.ast

type Codec = Schema.Codec<unknown, unknown, never, never>

/** The cached encoder or decoder (`make`) of a codec: the identity for a plain one. */
const codecFunction = (
  cache: WeakMap<Schema.Codec<unknown, unknown>, (value: unknown) => unknown>,
  codec: Schema.Codec<unknown, unknown>,
  make: (codec: Codec) => (value: unknown) => unknown
): (value: unknown) => unknown => {
  let f = cache.get(codec)
  if (f === undefined) cache.set(codec, f = plain(codec) ? same : make(codec as Codec))
  return f
}

const encoderOf = (codec: Schema.Codec<unknown, unknown>) => codecFunction(encoders, codec, Schema.encodeUnknownSync)

const decoderOf = (codec: Schema.Codec<unknown, unknown>) => codecFunction(decoders, codec, Schema.decodeUnknownSync)

/** What a remote subject files its messages under: the subject's tag there, and how its messages are encoded. */
export class RemoteTag {
  constructor(readonly id: number | string, readonly codec: Schema.Codec<unknown, unknown> | undefined) {}
  encode(value: unknown): unknown {
    return this.codec === undefined ? value : encoderOf(this.codec)(value)
  }
}

/** A subject owned by a process of another node (or registered under a name there). @internal */
export class RemoteSubject<A> extends SubjectBase<A> {
  constructor(readonly pid: RemotePid, readonly tag: RemoteTag) {
    super()
  }
  resolve(): ProcessState | undefined {
    const connection = distribution.connections.get(this.pid.node)
    if (connection === undefined) return undefined
    const proxy = connection.proxy(typeof this.tag.id === "string" ? this.tag.id : this.pid.id)
    // Known to have ended: nobody gets its messages (a call fails with `NoProcess`), as for a local subject.
    return proxy.alive ? proxy : undefined
  }
  toString() {
    return typeof this.tag.id === "string"
      ? `Subject(${this.tag.id}@${this.pid.node})`
      : `Subject(${this.pid.toString()}, #${this.tag.id})`
  }
  [Equal.symbol](that: unknown): boolean {
    return that instanceof RemoteSubject && Equal.equals(that.pid, this.pid) && that.tag.id === this.tag.id
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.hash(this.pid))(
      typeof this.tag.id === "number" ? Hash.number(this.tag.id) : Hash.string(this.tag.id)
    )
  }
}

/** A subject as it crosses threads: its owner's node and pid number, and its tag (a number, or a name's key). */
export interface WireSubject {
  readonly n: number
  readonly p: number
  readonly t: number | string
}

const exportedTags = new WeakSet<object>()

/** Drops the entry of an exported subject whose tag nothing holds any more. */
const unreachable = new FinalizationRegistry<number>((id) => exported.delete(id))

/**
 * The wire form of a subject sent to another node, registering a local subject so that the node's messages to it
 * are decoded with `codec` and delivered. A subject that cannot leave its node (a registry's) is a defect. @internal
 */
export const exportSubject = (
  subject: SubjectImpl<unknown>,
  codec: Schema.Codec<unknown, unknown> | undefined
): WireSubject => {
  if (subject instanceof RemoteSubject) return { n: subject.pid.node, p: subject.pid.id, t: subject.tag.id }
  const local = distribution.local
  if (subject instanceof OwnedSubject) {
    const tag = subject.tag
    if (!exportedTags.has(tag)) {
      exportedTags.add(tag)
      // Held weakly: once nothing on this node holds the subject's tag (no subject, no selector), nobody could
      // receive what a peer sends to it, and its entry goes. Its owner's death only makes it drop what arrives.
      const ref = new WeakRef(tag)
      const owner = subject.owner
      exported.set(tag.id, {
        subject: () => {
          const live = ref.deref()
          return live === undefined ? undefined : new OwnedSubject(owner, live)
        },
        codec
      })
      unreachable.register(tag, tag.id)
    }
    return { n: local, p: subject.owner.pid.id, t: tag.id }
  }
  if (subject instanceof PendingCall) {
    if (!subject.exported && subject.active) {
      subject.exported = true
      exported.set(subject.id, { subject: () => subject, codec })
    }
    return { n: local, p: subject.self.pid.id, t: subject.id }
  }
  if (subject instanceof NamedSubject) {
    exported.set(subject.tag, { subject: () => subject, codec })
    return { n: local, p: 0, t: subject.tag }
  }
  throw new Error(`${subject.toString()} cannot be sent to another node: only process-owned and named subjects can`)
}

/** The subject a wire form stands for on this node. @internal */
export const importSubject = <A>(
  wire: WireSubject,
  codec: Schema.Codec<unknown, unknown> | undefined
): SubjectImpl<A> => {
  if (wire.n === distribution.local) {
    const local = exported.get(wire.t)?.subject()
    if (local !== undefined) return local as SubjectImpl<A>
  }
  return new RemoteSubject<A>(new RemotePid(wire.n, wire.p), new RemoteTag(wire.t, codec))
}

/** Delivers a message from a peer to the exported subject it names; dropped when the subject is gone. */
export const deliverExported = (tag: number | string, payload: unknown): void => {
  const target = exported.get(tag)
  if (target === undefined) return
  let value: unknown
  try {
    value = target.codec === undefined ? payload : decoderOf(target.codec)(payload)
  } catch (error) {
    decodeFailures.count++
    decodeFailures.last = error
    return
  }
  const subject = target.subject()
  if (subject !== undefined) unsafeSend(subject as SubjectImpl<unknown>, value)
}

/**
 * The `Schema` of subjects of messages `A`: a subject inside a message to another node crosses as its address, and
 * messages sent back to it are encoded with `messages`. @internal
 */
export const subjectSchema = <A, I>(messages: Schema.Codec<A, I>) => {
  const codec = messages as unknown as Schema.Codec<unknown, unknown>
  return Schema.Struct({ n: Schema.Number, p: Schema.Number, t: Schema.Union([Schema.Number, Schema.String]) }).pipe(
    Schema.decodeTo(Schema.declare((u): u is SubjectImpl<A> => isSubject(u)), {
      decode: SchemaGetter.transform((wire: WireSubject) => importSubject<A>(wire, codec)),
      encode: SchemaGetter.transform((subject: SubjectImpl<A>) => exportSubject(subject as SubjectImpl<unknown>, codec))
    })
  )
}

/** The `Schema` of pids: a pid crosses as its node and number. @internal */
export const pidSchema = Schema.Struct({ n: Schema.Number, i: Schema.Number }).pipe(
  Schema.decodeTo(Schema.declare((u): u is Pid => isPid(u)), {
    decode: SchemaGetter.transform((wire: { readonly n: number; readonly i: number }) => importPid(wire.n, wire.i)),
    encode: SchemaGetter.transform((pid: Pid) => ({ n: nodeOf(pid), i: pid.id }))
  })
)

/** The pid a wire form stands for here: a local one (a dead one if it has ended), or a remote one. @internal */
export const importPid = (node: number, id: number): Pid => {
  if (node !== distribution.local) return new RemotePid(node, id)
  const state = table.get(id)
  if (state !== undefined) return state.pid
  return deadPid(id)
}

/** The pid of a local process that has ended, rebuilt from its number (it is no longer in the table). */
const deadPid = (id: number): Pid => {
  const state = new State(false, 0, new RemotePid(0, id))
  state.status = 2
  state.reason = noproc
  const pid = new PidImpl(id, state)
  ;(state as { pid: Pid }).pid = pid
  return pid
}
