%% The supervisor of the restart case: one_for_one, one named counter worker, a tolerance high enough that it
%% never gives up.
-module(bench_sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

start_link() -> supervisor:start_link(?MODULE, []).

init([]) ->
    Flags = #{strategy => one_for_one, intensity => 1000000, period => 3600},
    Worker = #{id => worker, start => {bench_counter, start_link_named, []}, restart => permanent,
               shutdown => 5000, type => worker},
    {ok, {Flags, [Worker]}}.
