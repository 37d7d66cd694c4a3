%% What Erlang/OTP 25's supervisor does with a child that waits for a restart (its `restarting` state: a restart
%% attempt failed and the supervisor will try again), the nearest Erlang has to a child waiting for its backoff.
%% Checked by test/Backoff.test.ts ("requests and shutdown while a child waits"). Run:
%%   erlc restarting.erl && erl -noshell -eval 'restarting:main()'
%% Trace on OTP 25 (supervisor reports left out):
%%   which_children while retrying: {reply,[{c,restarting,worker,[restarting]}]}
%%   restart_child while retrying: {reply,{error,restarting}}
%%   terminate_child while retrying: {reply,ok}
%%   which_children after terminate: {reply,[{c,undefined,worker,[restarting]}]}
%%   which_children later (try_again found no restarting child): [{c,undefined,worker,[restarting]}]
%%   restart_child then: {ok,<0.81.0>}
%%   starts: 3
%% effect-otp: the same, except that restartChild of a waiting child starts it at once (a person asking for it
%% overrides the backoff) where Erlang answers {error, restarting}.
-module(restarting).
-behaviour(supervisor).
-export([main/0, init/1, start_child/1]).

init(Test) ->
    {ok, {#{strategy => one_for_one, intensity => 10, period => 5},
          [#{id => c, start => {?MODULE, start_child, [Test]}}]}}.

start_child(Test) ->
    N = case get_count() of undefined -> 1; K -> K + 1 end,
    persistent_term:put(count, N),
    case N of
        2 -> Test ! {starting, self()},
             receive go -> {error, nope} end;
        _ -> {ok, spawn_link(fun() -> receive never -> ok end end)}
    end.

get_count() -> persistent_term:get(count, undefined).

main() ->
    process_flag(trap_exit, true),
    {ok, Sup} = supervisor:start_link(?MODULE, self()),
    [{c, P1, worker, _}] = supervisor:which_children(Sup),
    exit(P1, kill),
    receive {starting, Sup} -> ok end,
    R1 = gen_server:send_request(Sup, which_children),
    R2 = gen_server:send_request(Sup, {restart_child, c}),
    R3 = gen_server:send_request(Sup, {terminate_child, c}),
    R4 = gen_server:send_request(Sup, which_children),
    Sup ! go,
    io:format("which_children while retrying: ~p~n", [gen_server:wait_response(R1, 1000)]),
    io:format("restart_child while retrying: ~p~n", [gen_server:wait_response(R2, 1000)]),
    io:format("terminate_child while retrying: ~p~n", [gen_server:wait_response(R3, 1000)]),
    io:format("which_children after terminate: ~p~n", [gen_server:wait_response(R4, 1000)]),
    timer:sleep(100),
    io:format("which_children later (try_again found no restarting child): ~p~n", [supervisor:which_children(Sup)]),
    io:format("restart_child then: ~p~n", [supervisor:restart_child(Sup, c)]),
    io:format("starts: ~p~n", [get_count()]),
    halt().
