%% The Erlang twin of the cluster-call case (src/cluster.ts): sequential gen_server:calls, each timed on its own, to
%% a counter on a peer node of this host (peer:start, as bench_threads does), and to one on this node. Median and p99
%% (nearest rank) in µs, under the keys of our figures: the cross-node call stands beside both cross-runner calls
%% (durable and volatile), the same-node call beside both local ones, and the ratio across / same node beside ours.
-module(bench_cluster).

-export([call/1]).

%% Warm-up calls before the timed ones, as on our side (local and across processes).
-define(WARMUP, 500).

now_ns() -> erlang:monotonic_time(nanosecond).

%% The nearest-rank quantile Q of a sorted list.
quantile(Sorted, Q) ->
    Len = length(Sorted),
    lists:nth(min(Len, max(1, ceil(Q * Len))), Sorted).

timed_calls(_Server, 0, Acc) -> Acc;
timed_calls(Server, K, Acc) ->
    T0 = now_ns(),
    _ = gen_server:call(Server, get),
    timed_calls(Server, K - 1, [now_ns() - T0 | Acc]).

%% {Median, P99} in µs of N calls after the warm-up.
latency(Server, N) ->
    _ = timed_calls(Server, ?WARMUP, []),
    Sorted = lists:sort(timed_calls(Server, N, [])),
    {quantile(Sorted, 0.5) / 1000, quantile(Sorted, 0.99) / 1000}.

call({N, _}) ->
    {ok, Local} = bench_counter:start_link(),
    {LocalMedian, LocalP99} = latency(Local, N),
    {Peer, Node} = bench_threads:start_peer(),
    {NodeMedian, NodeP99} = latency(bench_threads:remote_counter(Node), N),
    peer:stop(Peer),
    [{usDurable, NodeMedian}, {usDurableP99, NodeP99}, {usVolatile, NodeMedian}, {usVolatileP99, NodeP99},
     {usLocal, LocalMedian}, {usLocalP99, LocalP99}, {usSubjectCall, LocalMedian}, {usSubjectCallP99, LocalP99},
     {durableOverLocal, NodeMedian / LocalMedian}, {volatileOverLocal, NodeMedian / LocalMedian}].
