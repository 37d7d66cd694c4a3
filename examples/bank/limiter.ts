/**
 * The rate limiter: an actor holding one token bucket per client.
 *
 * Each client's bucket holds up to `burst` tokens and refills at `rate` tokens per second; a request takes one
 * token, or is refused with the time until the next token. Time is read from Effect's `Clock`, so a test can drive
 * it with `TestClock`. The state is one immutable map owned by the actor: no lock, no race.
 */
import { Actor, Subject } from "@effect-otp/core"
import { Clock, Context, Effect, HashMap, Option } from "effect"

/** Tokens per second and bucket size, for every client. */
export interface LimiterConfig {
  readonly rate: number
  readonly burst: number
}

/** What the limiter decides for one request. */
export type Decision =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "Limited"; readonly retryAfterMillis: number }

/** The limiter's messages. */
export type LimiterMsg = {
  readonly _tag: "Acquire"
  readonly client: string
  readonly replyTo: Subject.Subject<Decision>
}

/** The limiter, as a service: its stable (named) subject. */
export class Limiter extends Context.Service<Limiter, Subject.Subject<LimiterMsg>>()("bank/Limiter") {}

interface Bucket {
  readonly tokens: number
  readonly at: number
}

interface LimiterState {
  readonly config: LimiterConfig
  readonly buckets: HashMap.HashMap<string, Bucket>
  readonly allowed: number
  readonly limited: number
}

const allowed: Decision = { _tag: "Allowed" }

const acquire = (state: LimiterState, client: string, now: number): [Decision, LimiterState] => {
  const { burst, rate } = state.config
  const bucket = Option.getOrElse(HashMap.get(state.buckets, client), () => ({ tokens: burst, at: now }))
  const tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * rate) / 1000)
  if (tokens >= 1) {
    const buckets = HashMap.set(state.buckets, client, { tokens: tokens - 1, at: now })
    return [allowed, { ...state, buckets, allowed: state.allowed + 1 }]
  }
  const retryAfterMillis = Math.ceil(((1 - tokens) * 1000) / rate)
  const buckets = HashMap.set(state.buckets, client, { tokens, at: now })
  return [{ _tag: "Limited", retryAfterMillis }, { ...state, buckets, limited: state.limited + 1 }]
}

/** The limiter actor. */
export const limiter = (config: LimiterConfig) =>
  Actor.new<LimiterState, LimiterMsg>({ config, buckets: HashMap.empty(), allowed: 0, limited: 0 }).pipe(
    Actor.onMessage((state: LimiterState, message: LimiterMsg) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const [decision, next] = acquire(state, message.client, now)
        return Effect.as(Subject.send(message.replyTo, decision), Actor.continue(next))
      })
    ),
    Actor.onTerminate((state, reason) =>
      Effect.log(`stopped limiter (${state.allowed} requests allowed, ${state.limited} limited, ${reason._tag})`)
    )
  )

/**
 * Asks the limiter for a token for `client`. A limiter that does not answer lets the request through (fail open):
 * the limiter protects the bank, it must not take it down.
 */
export const acquireToken = (client: string) =>
  Limiter.use((limiter) =>
    Subject.call(
      limiter,
      (replyTo: Subject.Subject<Decision>): LimiterMsg => ({ _tag: "Acquire", client, replyTo }),
      "1 second"
    )
  ).pipe(Effect.orElseSucceed(() => allowed))
