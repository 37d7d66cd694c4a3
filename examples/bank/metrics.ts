/**
 * `GET /metrics`: the bank's metrics in Prometheus' text format. The library's metrics are on for the whole tree
 * (`Metrics.layer`); Effect's metrics go to OpenTelemetry (`@effect/opentelemetry`), whose Prometheus exporter is
 * read on each scrape instead of serving a port of its own.
 */
import { Metrics } from "@effect-otp/core"
import * as OtelMetrics from "@effect/opentelemetry/OtelMetrics"
import * as Resource from "@effect/opentelemetry/Resource"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import { Context, Effect, Layer } from "effect"
import { HttpServerResponse } from "effect/http"

/** The Prometheus exporter the bank's metrics are read from. */
export class Exporter extends Context.Service<Exporter, PrometheusExporter>()("bank/MetricsExporter") {}

/**
 * The library's metrics on, and Effect's metrics exported through OpenTelemetry to a Prometheus exporter that
 * `GET /metrics` reads (it opens no port: `preventServerStart`).
 */
export const MetricsLive = Layer.unwrap(Effect.sync(() => {
  const exporter = new PrometheusExporter({ preventServerStart: true })
  return Layer.mergeAll(
    Metrics.layer,
    Layer.succeed(Exporter)(exporter),
    OtelMetrics.layer(() => exporter).pipe(Layer.provide(Resource.layer({ serviceName: "effect-otp-bank" })))
  )
}))

const serializer = new PrometheusSerializer()

/** The handler of `GET /metrics`: a collection of the exporter, in Prometheus' text format (0.0.4). */
export const scrape = Effect.gen(function*() {
  const exporter = yield* Exporter
  const { resourceMetrics } = yield* Effect.promise(() => exporter.collect())
  return HttpServerResponse.text(serializer.serialize(resourceMetrics), {
    contentType: "text/plain; version=0.0.4; charset=utf-8"
  })
})
