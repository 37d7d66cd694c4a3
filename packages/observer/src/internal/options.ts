/**
 * The observer's options, checked once, with their defaults applied. A bad option is a programmer's mistake, so, as
 * everywhere in effect-otp, it is a defect raised when the layer is built, whose message names the function and the
 * field (`Observer.layer options.interval: -1 seconds is not a valid duration`); nothing throws where the layer is
 * described.
 *
 * @internal
 */
import * as FactorySupervisor from "@effect-otp/core/FactorySupervisor"
import * as Name from "@effect-otp/core/Name"
import * as Process from "@effect-otp/core/Process"
import type * as Supervision from "@effect-otp/core/Supervision"
import * as Duration from "effect/Duration"
import type { Options, ServeOptions } from "../Observer.js"
import { InvalidOption } from "./errors.js"

/** The options with their defaults, as the routes use them. @internal */
export interface Settings {
  /** The path the observer is mounted under, without a trailing slash ("" at the root). */
  readonly prefix: string
  /** The supervisors whose trees are shown; empty: the root supervisors found at each update. */
  readonly roots: ReadonlyArray<Supervision.TreeRoot>
  readonly intervalMillis: number
  readonly timeoutMillis: number
  readonly allowKill: boolean
  readonly showState: boolean
  readonly maxProcesses: number
  /** The host names requests may be addressed to (lower case), loopback names included. */
  readonly allowedHosts: ReadonlySet<string>
}

/** @internal */
export const DEFAULT_PREFIX = "/observer"
/** One update a second: what a person follows, and a negligible load for the system watched. @internal */
export const DEFAULT_INTERVAL = "1 second"
/** Below this, the page would redraw faster than anyone reads and the sampling would start to cost. @internal */
export const MIN_INTERVAL_MILLIS = 50
/** How long a supervisor may take to describe its children before it is shown without them. @internal */
export const DEFAULT_TIMEOUT = "1 second"
/** Rows of the process table sent per update: the busiest processes first when there are more. @internal */
export const DEFAULT_MAX_PROCESSES = 2_000
/** @internal */
export const DEFAULT_HOST = "127.0.0.1"
/** @internal */
export const DEFAULT_PORT = 4790

const fail = (fn: string, field: string, problem: string): never => {
  throw new InvalidOption({ function: fn, field, problem })
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

const boolean = (fn: string, field: string, value: unknown, fallback: boolean): boolean => {
  if (value === undefined) return fallback
  if (typeof value !== "boolean") fail(fn, field, `${describe(value)} is not a boolean`)
  return value as boolean
}

const millis = (fn: string, field: string, value: unknown, fallback: Duration.Input, min: number): number => {
  const input = (value === undefined ? fallback : value) as Duration.Input
  const decoded = Duration.fromInput(input)
  if (decoded._tag === "None") return fail(fn, field, `${describe(value)} is not a valid duration`)
  const ms = Duration.toMillis(decoded.value)
  if (!Number.isFinite(ms) || ms < min) {
    return fail(fn, field, `${describe(value)} is not a valid duration (at least ${min} millis, finite)`)
  }
  return ms
}

const integer = (fn: string, field: string, value: unknown, fallback: number, min: number, max: number): number => {
  if (value === undefined) return fallback
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(fn, field, `${describe(value)} is not an integer from ${min} to ${max}`)
  }
  return value as number
}

const describe = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "number" || typeof value === "boolean" || value === undefined || value === null) {
    return String(value)
  }
  return Process.isPid(value) ? String(value) : typeof value
}

/** Something `Supervision.tree` takes: a pid, a `Name`, or a supervisor's handle. */
const isTreeRoot = (u: unknown): u is Supervision.TreeRoot =>
  Process.isPid(u) || Name.isName(u) ||
  (isRecord(u) && (Process.isPid(u.pid) || FactorySupervisor.TypeId in u))

/**
 * "/observer", "/ops/observer/" or "/" (the root); without spaces, a query, or the router's `:` and `*`, which would
 * make it a pattern rather than a path.
 */
const prefix = (fn: string, value: unknown): string => {
  if (value === undefined) return DEFAULT_PREFIX
  if (typeof value !== "string" || !value.startsWith("/") || /[\s?#:*%]/.test(value) || value.includes("//")) {
    return fail(fn, "prefix", `${describe(value)} is not a path such as "/observer" (no spaces, ?, #, :, * or %)`)
  }
  return value.replace(/\/+$/, "")
}

const roots = (fn: string, value: unknown): ReadonlyArray<Supervision.TreeRoot> => {
  if (value === undefined) return []
  if (!Array.isArray(value)) return fail(fn, "roots", `${describe(value)} is not an array`)
  value.forEach((root: unknown, i) => {
    if (!isTreeRoot(root)) {
      fail(fn, `roots[${i}]`, `${describe(root)} is not a supervisor's pid, handle or Name`)
    }
  })
  return value
}

/** The names of this machine, which the observer always answers to. @internal */
export const LOOPBACK_HOSTS: ReadonlyArray<string> = ["localhost", "127.0.0.1", "::1"]

const hosts = (fn: string, value: unknown, extra: ReadonlyArray<string>): ReadonlySet<string> => {
  if (value !== undefined && !Array.isArray(value)) {
    return fail(fn, "allowedHosts", `${describe(value)} is not an array`)
  }
  const given = (value ?? []) as ReadonlyArray<unknown>
  given.forEach((host, i) => {
    if (typeof host !== "string" || host.trim() === "" || /[\s/]/.test(host)) {
      fail(fn, `allowedHosts[${i}]`, `${describe(host)} is not a host name (no scheme, port or path)`)
    }
  })
  return new Set([...LOOPBACK_HOSTS, ...extra, ...(given as ReadonlyArray<string>)].map((host) => host.toLowerCase()))
}

const KNOWN = new Set([
  "prefix",
  "roots",
  "interval",
  "timeout",
  "allowKill",
  "showState",
  "maxProcesses",
  "allowedHosts"
])
const KNOWN_SERVE = new Set([...KNOWN, "port", "host"])

const unknownFields = (fn: string, options: Record<string, unknown>, known: ReadonlySet<string>) => {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) fail(fn, key, `unknown option (the options are ${Array.from(known).join(", ")})`)
  }
}

/** Checks the options of the routes; throws `InvalidOption`. @internal */
export const decodeSettings = (
  fn: string,
  options: Options | undefined,
  known: ReadonlySet<string> = KNOWN,
  extraHosts: ReadonlyArray<string> = []
) => {
  if (options === undefined) options = {}
  if (!isRecord(options)) return fail(fn, "options", `${describe(options)} is not an object`)
  unknownFields(fn, options as Record<string, unknown>, known)
  return {
    prefix: prefix(fn, options.prefix),
    roots: roots(fn, options.roots),
    intervalMillis: millis(fn, "interval", options.interval, DEFAULT_INTERVAL, MIN_INTERVAL_MILLIS),
    timeoutMillis: millis(fn, "timeout", options.timeout, DEFAULT_TIMEOUT, 1),
    allowKill: boolean(fn, "allowKill", options.allowKill, false),
    showState: boolean(fn, "showState", options.showState, false),
    maxProcesses: integer(fn, "maxProcesses", options.maxProcesses, DEFAULT_MAX_PROCESSES, 1, 1_000_000),
    allowedHosts: hosts(fn, options.allowedHosts, extraHosts)
  } satisfies Settings
}

/** Checks the options of the standalone server; throws `InvalidOption`. @internal */
export const decodeServeSettings = (fn: string, options: ServeOptions | undefined) => {
  const host = options?.host ?? DEFAULT_HOST
  if (typeof host !== "string" || host.trim() === "") {
    fail(fn, "host", `${describe(host)} is not a host name or address`)
  }
  // The name it binds is one it answers to (a wildcard address is no name: list the names in allowedHosts).
  const settings = decodeSettings(fn, options, KNOWN_SERVE, host === "0.0.0.0" || host === "::" ? [] : [host])
  return { ...settings, port: integer(fn, "port", options?.port, DEFAULT_PORT, 0, 65535), host }
}

/** Whether `host` is reachable from this machine only. @internal */
export const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host)
