/**
 * The span every actor message is handled in.
 *
 * `Effect.withSpan` per message would cost more than the rest of an actor's message path (a span, a context copy,
 * a new fiber cache for the span's context), which would make tracing the dominant cost of every actor. So the actor
 * decides once, when its loop starts, how to trace:
 *
 * - tracing disabled (`Effect.withTracerEnabled(false)`): no span;
 * - Effect's default (native) tracer, which exports nothing: one span per actor, installed once in the actor's
 *   context, named after the actor, so `Effect.currentSpan` inside a handler still answers and spans opened by the
 *   handler get it as parent, at no cost per message;
 * - any other tracer (OpenTelemetry, a test tracer): a fresh span per message, ended with the handler's exit, child
 *   of the span the actor was started in.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as Option from "effect/Option"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"
import { clockOf } from "./timer.js"

/** Wraps one message's handling in its span. @internal */
export type TraceMessage = <A, E, R>(handler: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** @internal */
export const untraced: TraceMessage = (handler) => handler

let counter = 0
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")

const noLinks: ReadonlyArray<Tracer.SpanLink> = []
const noContext = Context.empty()

/**
 * The one span of an actor under the native tracer. Events and links (a logger may add every log line as an event)
 * are not kept: the span lives as long as the actor and nothing exports it, so keeping them would only grow. It
 * lives as long as the actor too, so it stores little: its ids, status and attribute map are made when read.
 */
class ActorSpan implements Tracer.Span {
  declare readonly _tag: "Span"
  declare readonly annotations: Context.Context<never>
  declare readonly links: ReadonlyArray<Tracer.SpanLink>
  declare readonly sampled: boolean
  declare readonly kind: Tracer.SpanKind
  private readonly id = ++counter
  /** Attributes set on the span after it started (by the handler, say); the actor's own are `initial`. */
  private extra: Map<string, unknown> | undefined = undefined
  private ended: Tracer.SpanStatus | undefined = undefined
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    private readonly startTime: bigint,
    private readonly initial: Readonly<Record<string, unknown>>
  ) {}
  get spanId(): string {
    return hex(this.id, 16)
  }
  get traceId(): string {
    return this.parent._tag === "Some" ? this.parent.value.traceId : "0fe" + hex(this.id, 29)
  }
  get status(): Tracer.SpanStatus {
    return this.ended ?? { _tag: "Started", startTime: this.startTime }
  }
  get attributes(): ReadonlyMap<string, unknown> {
    const attributes = new Map<string, unknown>()
    for (const key in this.initial) attributes.set(key, this.initial[key])
    if (this.extra !== undefined) { for (const [key, value] of this.extra) attributes.set(key, value) }
    return attributes
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.ended = { _tag: "Ended", startTime: this.startTime, endTime, exit }
  }
  attribute(key: string, value: unknown): void {
    if (this.extra === undefined) this.extra = new Map()
    this.extra.set(key, value)
  }
  event(): void {}
  addLinks(): void {}
}
Object.defineProperties(ActorSpan.prototype, {
  _tag: { value: "Span" },
  annotations: { value: noContext },
  links: { value: noLinks },
  sampled: { value: true },
  kind: { value: "internal" }
})

/**
 * Sets up message tracing for the actor running on `fiber` (its own fiber): installs what the actor's whole life
 * needs in the fiber's context, and returns the wrapper for each message.
 * @internal
 */
export const traceMessages = (
  fiber: Fiber.Fiber<unknown, unknown>,
  name: string,
  attributes: Record<string, unknown>
): TraceMessage => {
  if (!fiber.getRef(References.TracerEnabled)) return untraced
  const base = fiber.context
  const parent = Context.getOption(base, Tracer.ParentSpan)
  const clock = clockOf(fiber)
  const timing = fiber.getRef(References.TracerTimingEnabled)
  const now = () => (timing ? clock.currentTimeNanosUnsafe() : BigInt(0))
  const tracer = fiber.getRef(Tracer.Tracer)
  if (tracer === Tracer.nativeTracer) {
    fiber.setContext(Context.add(base, Tracer.ParentSpan, new ActorSpan(name, parent, now(), attributes)))
    return untraced
  }
  return (handler) =>
    Effect.withFiber((current) => {
      const span = tracer.span({
        name,
        parent,
        annotations: noContext,
        links: [],
        startTime: now(),
        kind: "internal",
        root: false,
        sampled: true
      })
      for (const key in attributes) span.attribute(key, attributes[key])
      const restore = current.context
      current.setContext(Context.add(restore, Tracer.ParentSpan, span))
      return Effect.onExit(handler, (exit) =>
        Effect.sync(() => {
          span.end(now(), exit)
          current.setContext(restore)
        }))
    })
}
