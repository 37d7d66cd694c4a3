/**
 * `@effect-otp/observer`: a live web view of a running effect-otp system (Erlang's observer, Elixir's
 * LiveDashboard): its supervision trees, its process table, one process's details, and a kill button.
 *
 * @since 1.0.0
 */

/**
 * The observer's layers (routes for an `HttpRouter`, a standalone server, the report log) and the JSON it serves.
 *
 * @since 1.0.0
 */
export * as Observer from "./Observer.js"
