/**
 * Children as Layers: a layer that, built on its own, starts its child in the layer's scope, and, given to
 * `StaticSupervisor.layer`, describes the child for the supervisor to start and restart.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { Started } from "../../Actor.js"
import type { StartError } from "../../Errors.js"
import type { Subject } from "../../Subject.js"
import type { ChildLayer, ChildSpecification, SupervisedChild } from "../../Supervision.js"
import type { NameImpl } from "../name.js"
import { make as makeName } from "../name.js"
import { servicesOf } from "../process.js"
import { named } from "../subject.js"
import type { ChildSpecImpl } from "./spec.js"
import { worker } from "./spec.js"

/** @internal */
export const ChildLayerTypeId: unique symbol = Symbol.for("@effect-otp/core/Supervision/ChildLayer")

/**
 * A child layer from what it contributes to a supervisor: built on its own, the layer starts the child it describes
 * in the layer's scope (unsupervised) and provides its services. Every child layer is made here, so every one is
 * both a Layer and a description. @internal
 */
const fromDescription = <ROut, E, RIn>(
  describe: Effect.Effect<SupervisedChild<ROut>, E, RIn>
): ChildLayer<ROut, E, RIn> => {
  const layer = Layer.effectContext(
    Effect.flatMap(describe, (described) => Effect.as((described.child as ChildSpecImpl).start, described.context))
  )
  return Object.assign(layer, { [ChildLayerTypeId]: describe }) as unknown as ChildLayer<ROut, E, RIn>
}

/**
 * Makes a child layer from an effect that, each time the layer is built, describes the child and the services it
 * provides. The child's start runs with the services of the context the description was made in, so it sees the
 * services of the siblings before it.
 * @internal
 */
export const childLayer = <ROut, E, RIn>(
  describe: Effect.Effect<SupervisedChild<ROut>, E, RIn>
): ChildLayer<ROut, E | StartError, Exclude<RIn, Scope.Scope>> =>
  // A child's start needs what its description needed (`RIn`): it runs with the services captured here.
  fromDescription(Effect.flatMap(
    describe,
    (described) =>
      Effect.map(Effect.context<never>(), (context): SupervisedChild<ROut> => {
        const child = described.child as ChildSpecImpl
        return {
          child: child.with({ start: Effect.provideContext(child.start, servicesOf(context)) }),
          context: described.context
        }
      })
  )) as ChildLayer<ROut, E | StartError, Exclude<RIn, Scope.Scope>>

/** `Supervision.childLayerFrom`: the child layer an effect makes, described when the tree is built. @internal */
export const childLayerFrom = <ROut, E1, RIn, E, R>(
  effect: Effect.Effect<ChildLayer<ROut, E1, RIn>, E, R>
): ChildLayer<ROut, E | E1, RIn | Exclude<R, Scope.Scope>> =>
  fromDescription(Effect.flatMap(effect, (child) => child[ChildLayerTypeId])) as ChildLayer<
    ROut,
    E | E1,
    RIn | Exclude<R, Scope.Scope>
  >

/** `Supervision.mapChild`: the same child layer, its child specification changed by `f`. @internal */
export const mapChild = <ROut, E, RIn>(
  self: ChildLayer<ROut, E, RIn>,
  f: (child: ChildSpecification<unknown, unknown>) => ChildSpecification<unknown, unknown>
): ChildLayer<ROut, E, RIn> =>
  fromDescription(Effect.map(self[ChildLayerTypeId], (described) => ({ ...described, child: f(described.child) })))

/**
 * `Supervision.provideChild`: the child layer with its requirements fed by `layer`, built once in the scope the
 * child is described in (the tree's, or the layer's when built on its own), so its services outlive every restart
 * of the child. @internal
 */
export const provideChild = <ROut, E, RIn, ROut2, E2, RIn2>(
  self: ChildLayer<ROut, E, RIn>,
  layer: Layer.Layer<ROut2, E2, RIn2>
): ChildLayer<ROut, E | E2, Exclude<RIn, ROut2> | RIn2> =>
  fromDescription(
    Effect.flatMap(Layer.build(layer), (context) => Effect.provideContext(self[ChildLayerTypeId], context))
  ) as ChildLayer<ROut, E | E2, Exclude<RIn, ROut2> | RIn2>

/**
 * `Actor.toLayer` and `StateMachine.toLayer`: the behaviour as a child layer providing its subject under `tag`. The
 * process is named (with the builder's name, or a fresh one each time the layer is built) and the service is the named
 * subject, so it stays valid when a supervisor restarts the process. @internal
 */
export const namedChildLayer = <I, M, R>(
  tag: Context.Key<I, Subject<M>>,
  builderName: NameImpl<M> | undefined,
  start: (name: NameImpl<M>) => Effect.Effect<Started<unknown>, StartError, R>
): ChildLayer<I, StartError, Exclude<R, Scope.Scope>> =>
  childLayer(
    Effect.sync(() => {
      const name: NameImpl<M> = builderName ?? makeName<M>(tag.key)
      return {
        child: worker(start(name)).with({ label: tag.key }),
        context: Context.make(tag, named(name))
      }
    })
  )
