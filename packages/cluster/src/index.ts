/**
 * `@effect-otp/cluster`: actors as sharded entities on effect's cluster.
 *
 * @since 1.0.0
 */

/**
 * Protocols (Schema-typed requests) and behaviours, run as local actors or as cluster entities.
 *
 * @since 1.0.0
 */
export * as Protocol from "./Protocol.js"

/**
 * Runners of effect's cluster, wired in code, with PostgreSQL storage or in memory.
 *
 * @since 1.0.0
 */
export * as Runner from "./Runner.js"
