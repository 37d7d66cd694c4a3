%% The counter gen_server of the Erlang side of the benchmark (the twin of the counter actor in src/cases.ts).
-module(bench_counter).
-behaviour(gen_server).

-export([start_link/0, start_link_named/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

start_link() -> gen_server:start_link(?MODULE, 0, []).

%% The worker of the restart case, reachable by name across restarts.
start_link_named() -> gen_server:start_link({local, bench_worker}, ?MODULE, 0, []).

init(Count) -> {ok, Count}.

handle_call(get, _From, Count) -> {reply, Count, Count};
%% The hibernate case: reply, then hibernate (a full-sweep collection, the stack dropped).
handle_call(get_and_hibernate, _From, Count) -> {reply, Count, Count, hibernate}.

handle_cast({add, N}, Count) -> {noreply, Count + N};
handle_cast(crash, _Count) -> erlang:error(crash_requested_by_the_benchmark).

%% Fan-out: acknowledge a ping to its sender.
handle_info({ping, From}, Count) ->
    From ! ack,
    {noreply, Count + 1};
handle_info(_Other, Count) -> {noreply, Count}.
