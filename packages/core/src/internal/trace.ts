/**
 * The span every actor message is handled in.
 *
 * `Effect.withSpan` per message would cost more than the rest of an actor's message path (a span, a context copy, a
 * fiber cache for the span's context), which would make tracing the dominant cost of every actor. So the actor
 * decides once, when its loop starts, how to trace:
 *
 * - tracing disabled (`Effect.withTracerEnabled(false)`), or Effect's default (native) tracer, which exports nothing:
 *   no span of its own; a handler runs in the span the actor was started in;
 * - any other tracer (OpenTelemetry, a test tracer): a fresh span per message, named after the actor, with its pid
 *   and name as attributes, ended with the handler's exit, child of the span the actor was started in.
 *
 * (A span per actor under the native tracer, so that `Effect.currentSpan` answers with the actor's own, cost about
 * 330 bytes per idle actor on Effect 4: the span, and a fiber cache of its own, since the parent span is one of the
 * keys a fiber caches. Nothing reads it but the handler's own code.)
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"
import { clockOf } from "./timer.js"

/** Wraps one message's handling in its span. @internal */
export type TraceMessage = <A, E, R>(handler: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** @internal */
export const untraced: TraceMessage = (handler) => handler

const noContext = Context.empty()

/**
 * How the actor running on `fiber` (its own fiber) traces its messages: the wrapper for each message.
 * @internal
 */
export const traceMessages = (
  fiber: Fiber.Fiber<unknown, unknown>,
  name: string,
  attributes: Record<string, unknown>
): TraceMessage => {
  if (!fiber.getRef(References.TracerEnabled)) return untraced
  const tracer = fiber.getRef(Tracer.Tracer)
  if (tracer === Tracer.nativeTracer) return untraced
  const parent = Context.getOption(fiber.context, Tracer.ParentSpan)
  const clock = clockOf(fiber)
  const timing = fiber.getRef(References.TracerTimingEnabled)
  const now = () => (timing ? clock.currentTimeNanosUnsafe() : BigInt(0))
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
