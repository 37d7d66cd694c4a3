%% The gen_statem callback module of the differential tests (issue 18): it interprets a scenario's program (see
%% ../program.ts for what a program is), in either callback mode, and sends what happens to its runner as trace
%% entries: init, every callback invocation (time, state, event type and value, data), enter calls, terminate.
%% The answers come from the program's table; the TypeScript side recomputes them from the same program.
-module(statem_interp).
-behaviour(gen_statem).

-export([init/1, callback_mode/0, handle_event/4, terminate/3, reason_name/1]).
-export([s0/3, s1/3, s2/3, s3/3]).

%% Callback invocations (events and enter calls) before every callback answers {stop, normal}: program.ts FUEL.
-define(FUEL, 40).

init({Program, Runner, T0}) ->
    put(ctx, {Program, Runner, T0}),
    put(count, 0),
    #{init := #{state := S, actions := As}} = Program,
    emit([init, now_ms(), S, 0]),
    {ok, S, 0, [action(A, S, 0, none) || A <- As]}.

callback_mode() ->
    {#{mode := Mode, enter := Enter}, _, _} = get(ctx),
    Base = case Mode of
               onEvent -> handle_event_function;
               onState -> state_functions
           end,
    case Enter of
        null -> Base;
        _ -> [Base, state_enter]
    end.

%% handle_event_function mode
handle_event(enter, Old, S, D) -> enter(Old, S, D);
handle_event(Type, Content, S, D) -> event(Type, Content, S, D).

%% state_functions mode: one function per state, each interpreting the same table
s0(enter, Old, D) -> enter(Old, s0, D);
s0(Type, Content, D) -> event(Type, Content, s0, D).
s1(enter, Old, D) -> enter(Old, s1, D);
s1(Type, Content, D) -> event(Type, Content, s1, D).
s2(enter, Old, D) -> enter(Old, s2, D);
s2(Type, Content, D) -> event(Type, Content, s2, D).
s3(enter, Old, D) -> enter(Old, s3, D);
s3(Type, Content, D) -> event(Type, Content, s3, D).

terminate(Reason, S, D) ->
    emit([terminate, now_ms(), S, D, reason_name(Reason)]).

event(EventType, Content, S, D) ->
    {Type, V, Id, From} = decode(EventType, Content),
    emit([cb, now_ms(), S, Type, V, Id, D]),
    {#{table := Table}, _, _} = get(ctx),
    Answer = case bump() > ?FUEL of
                 true -> fuel();
                 false -> maps:get(key(S, Type, V), Table, #{actions => [], to => #{t => keep_state_and_data}})
             end,
    result(Answer, S, D, From).

enter(Old, S, D) ->
    emit([enter, now_ms(), Old, S, D]),
    {#{enter := Enter}, _, _} = get(ctx),
    Answer = case bump() > ?FUEL of
                 true -> fuel();
                 false -> maps:get(S, Enter)
             end,
    result(Answer, S, D, none).

decode(cast, V) -> {cast, V, 0, none};
decode({call, From}, {V, Id}) -> {call, V, Id, From};
decode(internal, V) -> {internal, V, 0, none};
decode(timeout, V) -> {timeout, V, 0, none};
decode(state_timeout, V) -> {state_timeout, V, 0, none};
decode({timeout, Name}, V) -> {list_to_atom("timeout:" ++ atom_to_list(Name)), V, 0, none};
%% Not sent by the scenario: OTP 25.2's gen_statem can let a timer message it does not know any more through as info
%% (seen after a generic timeout 0 was enqueued, then the same timeout set again); record.ts discards the scenario.
decode(info, _) -> {info, stray, 0, none}.

key(S, Type, V) -> list_to_atom(lists:concat([S, " ", Type, " ", V])).

fuel() -> #{actions => [], to => #{t => stop, reason => normal, reply => false}}.

bump() ->
    N = get(count) + 1,
    put(count, N),
    N.

result(#{actions := As, to := To}, S, D, From) ->
    Actions = [action(A, S, D, From) || A <- As],
    case To of
        #{t := next_state, s := S2} -> {next_state, S2, data(To, D), Actions};
        #{t := keep_state} -> {keep_state, data(To, D), Actions};
        #{t := keep_state_and_data} -> {keep_state_and_data, Actions};
        #{t := repeat_state} -> {repeat_state, data(To, D), Actions};
        #{t := repeat_state_and_data} -> {repeat_state_and_data, Actions};
        #{t := stop, reason := R, reply := true} when From =/= none ->
            {stop_and_reply, reason(R), [{reply, From, reply_value(S, D)}]};
        #{t := stop, reason := R} -> {stop, reason(R)}
    end.

data(#{inc := true}, D) -> D + 1;
data(_, D) -> D.

action(#{t := postpone}, _, _, _) -> postpone;
action(#{t := next, v := V}, _, _, _) -> {next_event, internal, V};
action(#{t := timeout, ms := Ms, v := V}, _, _, _) -> {timeout, Ms, V};
action(#{t := state_timeout, ms := Ms, v := V}, _, _, _) -> {state_timeout, Ms, V};
action(#{t := generic, name := Name, ms := Ms, v := V}, _, _, _) -> {{timeout, Name}, Ms, V};
action(#{t := cancel_state}, _, _, _) -> {state_timeout, cancel};
action(#{t := cancel, name := Name}, _, _, _) -> {{timeout, Name}, cancel};
action(#{t := reply}, S, D, From) when From =/= none -> {reply, From, reply_value(S, D)}.

reply_value(S, D) -> iolist_to_binary([atom_to_list(S), ":", integer_to_list(D)]).

reason(normal) -> normal;
reason(shutdown) -> shutdown;
reason(abnormal) -> boom.

%% How both sides name an exit reason; anything else is a harness error, shown as it is.
reason_name(normal) -> normal;
reason_name(shutdown) -> shutdown;
reason_name(boom) -> abnormal;
reason_name(Other) -> iolist_to_binary(io_lib:format("error:~0p", [Other])).

emit(Entry) ->
    {_, Runner, _} = get(ctx),
    Runner ! {entry, Entry}.

now_ms() ->
    {_, _, T0} = get(ctx),
    erlang:monotonic_time(millisecond) - T0.
