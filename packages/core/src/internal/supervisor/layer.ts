/**
 * Children as Layers: a layer that, built on its own, starts its child in the layer's scope, and, given to
 * `StaticSupervisor.layer`, describes the child for the supervisor to start and restart.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { StartError } from "../../Errors.js"
import type { ChildLayer, SupervisedChild } from "../../Supervision.js"
import { servicesOf } from "../process.js"
import type { ChildSpecImpl } from "./spec.js"

/** @internal */
export const ChildLayerTypeId: unique symbol = Symbol.for("@effect-otp/core/Supervision/ChildLayer")

/**
 * Makes a child layer from an effect that, each time the layer is built, describes the child and the services it
 * provides. The child's start runs with the services of the context the description was made in, so it sees the
 * services of the siblings before it.
 * @internal
 */
export const childLayer = <ROut, E, RIn>(
  describe: Effect.Effect<SupervisedChild<ROut>, E, RIn>
): ChildLayer<ROut, E | StartError, Exclude<RIn, Scope.Scope>> => {
  const withServices = Effect.flatMap(
    describe,
    (described) =>
      Effect.map(Effect.context<never>(), (context): SupervisedChild<ROut> => {
        const child = described.child as ChildSpecImpl
        return {
          child: child.with({ start: Effect.provideContext(child.start, servicesOf(context)) }),
          context: described.context
        }
      })
  )
  const layer = Layer.effectContext(
    Effect.flatMap(withServices, (described) => Effect.as((described.child as ChildSpecImpl).start, described.context))
  )
  // A child's start needs what its description needed (`RIn`): it runs with the services captured above.
  return Object.assign(layer, { [ChildLayerTypeId]: withServices }) as ChildLayer<
    ROut,
    E | StartError,
    Exclude<RIn, Scope.Scope>
  >
}
