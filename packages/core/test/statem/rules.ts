/**
 * Hand-written scenarios with hand-written traces: a few clear rules of gen_statem, to know that the Erlang
 * interpreter (`erlang/statem_interp.erl`) and the trace mean what we think. `record.sh` runs them on Erlang and
 * fails unless Erlang's trace is exactly the expected one; the differential test runs them on `StateMachine` too.
 */
import type { Answer, Program, Scenario, Send } from "./program.js"

export interface Rule {
  readonly name: string
  readonly scenario: Scenario
  readonly expected: ReadonlyArray<string>
}

const keepAndData = (...actions: Answer["actions"]): Answer => ({ actions, to: { t: "keep_state_and_data" } })
const keepInc: Answer = { actions: [], to: { t: "keep_state", inc: true } }
const goto = (s: string, ...actions: Answer["actions"]): Answer => ({ actions, to: { t: "next_state", s, inc: false } })

const cast = (at: number, v: string): Send => ({ at, kind: "cast", v, id: 0 })
const call = (at: number, v: string, id: number): Send => ({ at, kind: "call", v, id })

const rule = (
  index: number,
  name: string,
  program: Partial<Program> & Pick<Program, "table">,
  script: ReadonlyArray<Send>,
  expected: ReadonlyArray<string>
): Rule => ({
  name,
  scenario: {
    id: `rule-${index}`,
    seed: 0,
    index,
    program: {
      mode: "onEvent",
      states: ["s0", "s1"],
      generics: ["g1", "g2"],
      init: { state: "s0", actions: [] },
      enter: null,
      ...program
    },
    script,
    horizon: script[script.length - 1].at + 7000
  },
  expected
})

export const rules: ReadonlyArray<Rule> = [
  rule(
    0,
    "a postponed event is retried after a state change, not before",
    {
      table: {
        "s0 cast a": keepAndData({ t: "postpone" }),
        "s0 cast b": { actions: [], to: { t: "next_state", s: "s0", inc: true } },
        "s0 call a": goto("s1"),
        "s1 cast a": keepInc
      }
    },
    [cast(1000, "a"), cast(2000, "b"), call(3000, "a", 1)],
    [
      "0 init s0 0 []",
      "1000 s0 cast a data=0 => keep_state_and_data [postpone]",
      "2000 s0 cast b data=0 => next_state s0 +1 []",
      "3000 s0 call a#1 data=1 => next_state s1 []",
      "3000 s1 cast a data=1 => keep_state +1 []",
      "10000 alive"
    ]
  ),
  rule(
    1,
    "an event timeout is cancelled by any event, and fires when none comes",
    {
      table: {
        "s0 cast a": keepAndData({ t: "timeout", ms: 1410, v: "a" }),
        "s0 cast b": keepAndData(),
        "s0 timeout a": keepInc
      }
    },
    [cast(1000, "a"), cast(2000, "b"), cast(3000, "a")],
    [
      "0 init s0 0 []",
      "1000 s0 cast a data=0 => keep_state_and_data [timeout(1410,a)]",
      "2000 s0 cast b data=0 => keep_state_and_data []",
      "3000 s0 cast a data=0 => keep_state_and_data [timeout(1410,a)]",
      "4410 s0 timeout a data=0 => keep_state +1 []",
      "10000 alive"
    ]
  ),
  rule(
    2,
    "a state timeout is cancelled by a state change, not by a transition to the same state",
    {
      table: {
        "s0 cast a": keepAndData({ t: "state_timeout", ms: 1410, v: "a" }),
        "s0 cast b": goto("s1"),
        "s1 cast a": keepAndData({ t: "state_timeout", ms: 1410, v: "a" }),
        "s1 cast b": goto("s1"),
        "s0 state_timeout a": keepInc,
        "s1 state_timeout a": keepInc
      }
    },
    [cast(1000, "a"), cast(2000, "b"), cast(3000, "a"), cast(4000, "b")],
    [
      "0 init s0 0 []",
      "1000 s0 cast a data=0 => keep_state_and_data [state_timeout(1410,a)]",
      "2000 s0 cast b data=0 => next_state s1 []",
      "3000 s1 cast a data=0 => keep_state_and_data [state_timeout(1410,a)]",
      "4000 s1 cast b data=0 => next_state s1 []",
      "4410 s1 state_timeout a data=0 => keep_state +1 []",
      "11000 alive"
    ]
  ),
  rule(
    3,
    "next events are handled in order, before the events already queued (retried postponed ones)",
    {
      table: {
        "s0 cast a": keepAndData({ t: "postpone" }),
        "s0 cast b": goto("s1", { t: "next", v: "a" }, { t: "next", v: "b" }),
        "s1 internal a": keepInc,
        "s1 internal b": { actions: [], to: { t: "keep_state", inc: true } },
        "s1 cast a": keepAndData()
      }
    },
    [cast(1000, "a"), cast(2000, "b")],
    [
      "0 init s0 0 []",
      "1000 s0 cast a data=0 => keep_state_and_data [postpone]",
      "2000 s0 cast b data=0 => next_state s1 [next(a), next(b)]",
      "2000 s1 internal a data=0 => keep_state +1 []",
      "2000 s1 internal b data=1 => keep_state +1 []",
      "2000 s1 cast a data=2 => keep_state_and_data []",
      "9000 alive"
    ]
  ),
  rule(
    4,
    "a state timeout 0 fires at once, in the new state",
    {
      table: {
        "s0 cast a": goto("s1", { t: "state_timeout", ms: 0, v: "b" }),
        "s1 state_timeout b": keepInc
      }
    },
    [cast(1000, "a")],
    [
      "0 init s0 0 []",
      "1000 s0 cast a data=0 => next_state s1 [state_timeout(0,b)]",
      "1000 s1 state_timeout b data=0 => keep_state +1 []",
      "8000 alive"
    ]
  ),
  rule(
    5,
    "a postponed call is answered from the state that handles it",
    {
      table: {
        "s0 call a": keepAndData({ t: "postpone" }),
        "s0 cast b": goto("s1"),
        "s1 call a": { actions: [{ t: "reply" }], to: { t: "keep_state", inc: true } }
      }
    },
    [call(1000, "a", 1), cast(2000, "b")],
    [
      "0 init s0 0 []",
      "1000 s0 call a#1 data=0 => keep_state_and_data [postpone]",
      "2000 s0 cast b data=0 => next_state s1 []",
      "2000 s1 call a#1 data=0 => keep_state +1 [reply]",
      "9000 alive",
      "2000 reply#1 s1:0"
    ]
  ),
  rule(
    6,
    "enter calls: the initial state's (old state = state), after a state change, after repeat_state",
    {
      enter: {
        s0: { actions: [], to: { t: "keep_state", inc: true } },
        s1: keepAndData({ t: "state_timeout", ms: 1410, v: "a" })
      },
      table: {
        "s0 cast a": goto("s1"),
        "s1 state_timeout a": { actions: [], to: { t: "repeat_state_and_data" } },
        "s1 cast b": { actions: [], to: { t: "stop", reason: "shutdown", reply: false } }
      }
    },
    [cast(1000, "a"), cast(3000, "b")],
    [
      "0 init s0 0 []",
      "0 enter s0->s0 data=0 => keep_state +1 []",
      "1000 s0 cast a data=1 => next_state s1 []",
      "1000 enter s0->s1 data=1 => keep_state_and_data [state_timeout(1410,a)]",
      "2410 s1 state_timeout a data=1 => repeat_state_and_data []",
      "2410 enter s1->s1 data=1 => keep_state_and_data [state_timeout(1410,a)]",
      "3000 s1 cast b data=1 => stop shutdown []",
      "3000 terminate s1 data=1 shutdown",
      "3000 end shutdown"
    ]
  ),
  rule(
    7,
    "generic timeouts survive events and state changes, restart when set again, and are cancelled by name",
    {
      mode: "onState",
      init: { state: "s0", actions: [{ t: "generic", name: "g1", ms: 2630, v: "a" }] },
      table: {
        "s0 cast a": goto("s1", { t: "generic", name: "g2", ms: 1410, v: "b" }),
        "s1 cast a": keepAndData({ t: "generic", name: "g2", ms: 1410, v: "b" }),
        "s1 cast b": keepAndData({ t: "cancel", name: "g2" }),
        "s1 timeout:g1 a": keepInc,
        "s1 timeout:g2 b": keepInc
      }
    },
    [cast(1000, "a"), cast(2000, "a"), cast(4000, "a"), cast(5000, "b")],
    [
      "0 init s0 0 [timeout:g1(2630,a)]",
      "1000 s0 cast a data=0 => next_state s1 [timeout:g2(1410,b)]",
      "2000 s1 cast a data=0 => keep_state_and_data [timeout:g2(1410,b)]",
      "2630 s1 timeout:g1 a data=0 => keep_state +1 []",
      "3410 s1 timeout:g2 b data=1 => keep_state +1 []",
      "4000 s1 cast a data=2 => keep_state_and_data [timeout:g2(1410,b)]",
      "5000 s1 cast b data=2 => keep_state_and_data [cancel(g2)]",
      "12000 alive"
    ]
  ),
  rule(
    8,
    "a state timeout 0 is handled before the messages already queued",
    {
      table: {
        "s0 cast a": keepAndData({ t: "state_timeout", ms: 0, v: "a" }),
        "s0 state_timeout a": keepInc,
        "s0 cast b": keepAndData()
      }
    },
    [cast(1000, "a"), cast(1000, "b")],
    [
      "0 init s0 0 []",
      "1000 s0 cast a data=0 => keep_state_and_data [state_timeout(0,a)]",
      "1000 s0 state_timeout a data=0 => keep_state +1 []",
      "1000 s0 cast b data=1 => keep_state_and_data []",
      "8000 alive"
    ]
  ),
  rule(
    9,
    "an event timeout is cancelled by a message already queued",
    {
      table: {
        "s0 cast a": keepAndData({ t: "timeout", ms: 370, v: "a" }),
        "s0 timeout a": keepInc,
        "s0 cast b": keepAndData()
      }
    },
    [cast(1000, "a"), cast(1000, "b"), cast(2000, "a")],
    [
      "0 init s0 0 []",
      "1000 s0 cast a data=0 => keep_state_and_data [timeout(370,a)]",
      "1000 s0 cast b data=0 => keep_state_and_data []",
      "2000 s0 cast a data=0 => keep_state_and_data [timeout(370,a)]",
      "2370 s0 timeout a data=0 => keep_state +1 []",
      "9000 alive"
    ]
  )
]
