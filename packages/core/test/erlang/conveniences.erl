%% The gen_server scenarios test/ActorConveniences.test.ts follows (continue, timeout, hibernate), run on OTP 25:
%%
%%   cd /tmp && erlc /path/to/conveniences.erl && erl -noshell -eval 'conveniences:main()' -s init stop
%%
%% Trace of 2026-12-06 (milliseconds since the start; the crash at the end is the unhandled cast `hi`):
%%   --- continue from init, message queued in init
%%   2 continue c1 / 6 continue c2 / 6 info queued_before_init_returned
%%   --- timeout from init 100ms; sys:get_state at 60ms, 120ms
%%   23 info queued_before_init_returned / 23 cast arm / 85 get_state s0 / 146 get_state s0 / 247 timeout
%%   --- suspend during timeout
%%   347 cast arm / 358 suspended / 559 resumed / 660 timeout
%%   --- timeout 0 from init with a message queued
%%   760 info queued_before_init_returned            (no timeout)
%%   --- hibernate memory
%%   memory 2728 -> 1160 bytes; heap words 233 -> 37; {erlang,hibernate,3}
%%   get_state while hibernated s0; after sys:get_state: {erlang,hibernate,3} (still hibernated)
-module(conveniences).
-behaviour(gen_server).
-export([main/0, init/1, handle_call/3, handle_cast/2, handle_info/2, handle_continue/2]).

t() -> erlang:monotonic_time(millisecond).
log(F, A) -> io:format("~p " ++ F ++ "~n", [t() - get(t0) | A]).

init({T0, Mode}) -> put(t0, T0), self() ! queued_before_init_returned,
  case Mode of
    cont -> {ok, s0, {continue, c1}};
    timeout -> {ok, s0, 100};
    timeout0 -> {ok, s0, 0};
    hib -> {ok, s0}
  end.
handle_continue(c1, S) -> log("continue c1", []), {noreply, S, {continue, c2}};
handle_continue(c2, S) -> log("continue c2", []), {noreply, S}.
handle_call(get, _From, S) -> {reply, S, S};
handle_call(hib, _From, S) -> {reply, ok, S, hibernate};
handle_call(arm, _From, S) -> {reply, ok, S, 100}.
handle_cast(arm, S) -> log("cast arm", []), {noreply, S, 100}.
handle_info(timeout, S) -> log("timeout", []), {noreply, S};
handle_info(M, S) -> log("info ~p", [M]), {noreply, S}.

main() ->
  T0 = erlang:monotonic_time(millisecond), put(t0, T0),
  io:format("--- continue from init, message queued in init~n"),
  {ok, P1} = gen_server:start(?MODULE, {T0, cont}, []),
  timer:sleep(20),
  io:format("--- timeout from init 100ms; sys:get_state at 60ms, 120ms~n"),
  {ok, P2} = gen_server:start(?MODULE, {T0, timeout}, []),
  %% the init's own queued message arrives first and cancels
  gen_server:cast(P2, arm), timer:sleep(60), log("get_state ~p", [sys:get_state(P2)]),
  timer:sleep(60), log("get_state ~p", [sys:get_state(P2)]),
  timer:sleep(200),
  io:format("--- suspend during timeout~n"),
  gen_server:cast(P2, arm), timer:sleep(10), sys:suspend(P2), log("suspended", []), timer:sleep(200),
  sys:resume(P2), log("resumed", []), timer:sleep(200),
  io:format("--- timeout 0 from init with a message queued~n"),
  {ok, _P3} = gen_server:start(?MODULE, {T0, timeout0}, []),
  timer:sleep(20),
  io:format("--- hibernate memory~n"),
  {ok, P4} = gen_server:start(?MODULE, {T0, hib}, []),
  timer:sleep(10),
  {memory, M0} = process_info(P4, memory), {total_heap_size, H0} = process_info(P4, total_heap_size),
  ok = gen_server:call(P4, hib), timer:sleep(10),
  {memory, M1} = process_info(P4, memory), {total_heap_size, H1} = process_info(P4, total_heap_size),
  {current_function, CF} = process_info(P4, current_function),
  io:format("memory ~p -> ~p bytes; heap words ~p -> ~p; ~p~n", [M0, M1, H0, H1, CF]),
  log("get_state while hibernated ~p", [sys:get_state(P4)]),
  {current_function, CF2} = process_info(P4, current_function),
  io:format("after sys:get_state: ~p ~p~n", [CF2, process_info(P4, memory)]),
  gen_server:cast(P4, hi), timer:sleep(10),
  {current_function, CF3} = process_info(P4, current_function),
  io:format("after a message: ~p ~p~n", [CF3, process_info(P4, memory)]),
  exit(P1, kill), ok.
