%% The Erlang twins of the threads cases (src/threads.ts): CPU-bound gen_servers with one scheduler online against
%% two, gen_server calls and casts across schedulers (the VM runs with +S 2) and across nodes (peer nodes on this
%% host, the VM itself a distributed node: -sname), and how long a lost peer node takes to be seen and replaced.
-module(bench_threads).
-behaviour(gen_server).

-export([prepare/0, cpu/1, call/1, one_way/1, restart/1]).
%% Shared with bench_cluster.
-export([start_peer/0, remote_counter/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

now_ns() -> erlang:monotonic_time(nanosecond).
ms(Ns) -> Ns / 1.0e6.

%% --- threads-cpu ----------------------------------------------------------------------------------------------

%% The same linear congruential generator as burn() in src/threads-actors.ts (kept to 31 bits: small integers).
burn(0, X) -> X;
burn(K, X) -> burn(K - 1, (X * 1103515245 + 12345) band 16#7fffffff).

%% The iterations of burn/2 that take Millis, measured over a run of about 50 ms.
calibrate(Millis) -> calibrate(Millis, 100000).
calibrate(Millis, K) ->
    T0 = now_ns(),
    _ = burn(K, 1),
    Elapsed = ms(now_ns() - T0),
    case Elapsed >= 50 of
        true -> max(1, round(K * Millis / Elapsed));
        false -> calibrate(Millis, K * 2)
    end.

%% The burner gen_server: each cast {burn, Seed} costs Iterations steps; after Expect of them it reports.
init({burner, Report, Expect, Iterations}) -> {ok, {Report, Expect, Iterations, 0}}.

handle_cast({burn, Seed}, {Report, Expect, Iterations, Count}) ->
    Result = burn(Iterations, Seed),
    case Count + 1 of
        Expect -> Report ! {burned, Result}, {noreply, {Report, Expect, Iterations, 0}};
        Next -> {noreply, {Report, Expect, Iterations, Next}}
    end.

handle_call(_Request, _From, State) -> {reply, ok, State}.
handle_info(_Info, State) -> {noreply, State}.

send_rounds(_Burners, 0, _J) -> ok;
send_rounds(Burners, M, J) ->
    [gen_server:cast(B, {burn, J}) || B <- Burners],
    send_rounds(Burners, M - 1, J + 1).

burn_with(Schedulers, N, M, Iterations) ->
    erlang:system_flag(schedulers_online, Schedulers),
    Self = self(),
    Burners = [begin {ok, B} = gen_server:start_link(?MODULE, {burner, Self, M, Iterations}, []), B end
               || _ <- lists:seq(1, N)],
    T0 = now_ns(),
    send_rounds(Burners, M, 0),
    [receive {burned, _} -> ok end || _ <- Burners],
    Elapsed = now_ns() - T0,
    [begin unlink(B), exit(B, kill) end || B <- Burners],
    N * M / (Elapsed / 1.0e9).

cpu({N, M}) ->
    Iterations = calibrate(1),
    Online = erlang:system_info(schedulers_online),
    One = burn_with(1, N, M, Iterations),
    Two = burn_with(2, N, M, Iterations),
    erlang:system_flag(schedulers_online, Online),
    [{msgsPerSec1, One}, {msgsPerSec2, Two}, {speedup, Two / One}].

%% --- peers ----------------------------------------------------------------------------------------------------

%% A peer node on this host with the benchmark's modules, one scheduler (as a node's thread).
start_peer() ->
    Dir = filename:dirname(code:which(?MODULE)),
    {ok, Peer, Node} = peer:start(#{name => peer:random_name(), args => ["-pa", Dir, "+S", "1"]}),
    {Peer, Node}.

%% A counter gen_server on Node, not linked to the caller of erpc.
remote_counter(Node) ->
    {ok, Pid} = erpc:call(Node, gen_server, start, [bench_counter, 0, []]),
    Pid.

call_loop(_Server, 0) -> ok;
call_loop(Server, K) -> _ = gen_server:call(Server, get), call_loop(Server, K - 1).

time_calls(Server, N) ->
    call_loop(Server, min(N, 2000)),
    T0 = now_ns(),
    call_loop(Server, N),
    (now_ns() - T0) / 1000 / N.

%% --- threads-call ---------------------------------------------------------------------------------------------

call({N, _}) ->
    {ok, Local} = bench_counter:start_link(),
    UsLocal = time_calls(Local, N),
    {Peer, Node} = start_peer(),
    Remote = remote_counter(Node),
    UsNode = time_calls(Remote, N),
    peer:stop(Peer),
    [{usPerCall, UsLocal}, {usPerCallNode, UsNode}].

%% --- threads-one-way ------------------------------------------------------------------------------------------

cast_loop(_Server, 0) -> ok;
cast_loop(Server, K) -> gen_server:cast(Server, {add, 1}), cast_loop(Server, K - 1).

casts_per_sec(Server, N) ->
    T0 = now_ns(),
    cast_loop(Server, N),
    N = gen_server:call(Server, get, infinity),
    N / ((now_ns() - T0) / 1.0e9).

one_way({N, _}) ->
    {ok, Local} = bench_counter:start_link(),
    PerSec = casts_per_sec(Local, N),
    {Peer, Node} = start_peer(),
    PerSecNode = casts_per_sec(remote_counter(Node), N),
    peer:stop(Peer),
    [{msgsPerSec, PerSec}, {msgsPerSecNode, PerSecNode}].

%% Loses a peer node once, outside the measured runs: the system processes that this starts on first use (the
%% native host name resolver) stay, and bench:main's isolated/2 would otherwise wait for them to end.
prepare() ->
    _ = lose_peer(kill),
    ok.

%% --- threads-restart ------------------------------------------------------------------------------------------

%% Ends a peer node (halt inside it, or kill -9 of its OS process), then times until monitor_node says nodedown and
%% until a new peer's counter answers a call.
lose_peer(Kill) ->
    {Peer, Node} = start_peer(),
    Counter = remote_counter(Node),
    0 = gen_server:call(Counter, get),
    OsPid = erpc:call(Node, os, getpid, []),
    true = monitor_node(Node, true),
    T0 = now_ns(),
    case Kill of
        halt -> erpc:cast(Node, erlang, halt, [3]);
        kill -> os:cmd("kill -9 " ++ OsPid)
    end,
    receive {nodedown, Node} -> ok end,
    Detected = now_ns() - T0,
    %% The lost node's peer process may outlive it: the run ends only once its processes are gone.
    exit(Peer, kill),
    {Peer2, Node2} = start_peer(),
    0 = gen_server:call(remote_counter(Node2), get),
    Answered = now_ns() - T0,
    peer:stop(Peer2),
    {Detected, Answered}.

average(Kill, N) ->
    Results = [lose_peer(Kill) || _ <- lists:seq(1, N)],
    {ms(lists:sum([D || {D, _} <- Results])) / N, ms(lists:sum([A || {_, A} <- Results])) / N}.

restart({N, _}) ->
    T0 = now_ns(),
    {Peer, _Node} = start_peer(),
    Start = ms(now_ns() - T0),
    peer:stop(Peer),
    {DetectKill, AnswerKill} = average(kill, N),
    {DetectHalt, AnswerHalt} = average(halt, N),
    [{msNodeStart, Start}, {msDetectTerminate, DetectKill}, {msAnswerTerminate, AnswerKill},
     {msDetectExit, DetectHalt}, {msAnswerExit, AnswerHalt}].
