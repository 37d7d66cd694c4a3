%% The Erlang side of the benchmark: the twin of each case of src/cases.ts (some in files of their own: fanOut.ts,
%% ring.ts, hibernate.ts; the threads cases' in bench_threads.erl, cluster-call's in bench_cluster.erl), reporting
%% the same figures under the same keys.
%% Run by src/main.ts as
%%
%%   erl -noshell +S 1 +P 4000000 -pa DIR -eval 'bench:main(["request-reply", "1000000", "5", "100000"])' -s init stop
%%
%% (case, size N or NxM, measured runs, warm-up size). Each run happens in a fresh process, which exits `shutdown`
%% afterwards and takes the processes it linked to with it. Prints one line: BENCH_JSON {"runs":[{...}, ...]}.
-module(bench).

-export([main/1]).

main([Case, SizeText, RunsText, WarmupText]) ->
    %% Crash reports would be formatted and printed for every restart; our side logs nothing either.
    ok = logger:set_primary_config(level, none),
    Fun = case_fun(Case),
    case Case of
        "threads-" ++ _ when node() =/= nonode@nohost -> bench_threads:prepare();
        "cluster-" ++ _ when node() =/= nonode@nohost -> bench_threads:prepare();
        _ -> ok
    end,
    _ = isolated(Fun, parse_size(WarmupText)),
    Size = parse_size(SizeText),
    Runs = [isolated(Fun, Size) || _ <- lists:seq(1, list_to_integer(RunsText))],
    io:format("BENCH_JSON {\"case\":\"~s\",\"size\":\"~s\",\"otp\":\"~s\",\"runs\":[~s]}~n",
              [Case, SizeText, erlang:system_info(otp_release), lists:join(",", [figures_json(R) || R <- Runs])]).

case_fun("request-reply") -> fun request_reply/1;
case_fun("one-way") -> fun one_way/1;
case_fun("spawn") -> fun spawn_idle/1;
case_fun("restart") -> fun restart/1;
case_fun("selective-receive") -> fun selective_receive/1;
case_fun("fan-out") -> fun fan_out/1;
case_fun("ring") -> fun ring/1;
case_fun("hibernate") -> fun hibernate/1;
case_fun("threads-cpu") -> fun bench_threads:cpu/1;
case_fun("threads-call") -> fun bench_threads:call/1;
case_fun("threads-one-way") -> fun bench_threads:one_way/1;
case_fun("threads-restart") -> fun bench_threads:restart/1;
case_fun("cluster-call") -> fun bench_cluster:call/1.

%% --- plumbing -------------------------------------------------------------------------------------------------

parse_size(Text) ->
    case string:split(Text, "x") of
        [N] -> {list_to_integer(N), 1};
        [N, M] -> {list_to_integer(N), list_to_integer(M)}
    end.

figures_json(Figures) ->
    ["{", lists:join(",", [io_lib:format("\"~s\":~.6f", [Key, float(Value)]) || {Key, Value} <- Figures]), "}"].

%% Runs Fun(Size) in a fresh process; waits until every process it left behind is gone.
isolated(Fun, Size) ->
    Before = erlang:system_info(process_count),
    Parent = self(),
    {Pid, Ref} = spawn_monitor(fun() ->
        Parent ! {self(), Fun(Size)},
        exit(shutdown)
    end),
    Result = receive
        {Pid, Figures} -> Figures;
        {'DOWN', Ref, process, Pid, Reason} -> erlang:error({case_crashed, Reason})
    end,
    receive {'DOWN', Ref, process, Pid, _} -> ok end,
    wait_for_process_count(Before),
    Result.

wait_for_process_count(Count) ->
    case erlang:system_info(process_count) =< Count of
        true -> ok;
        false -> timer:sleep(10), wait_for_process_count(Count)
    end.

now_ns() -> erlang:monotonic_time(nanosecond).

us_per(ElapsedNs, N) -> ElapsedNs / 1000 / N.

start_counter() ->
    {ok, Pid} = bench_counter:start_link(),
    Pid.

call_loop(_Server, 0) -> ok;
call_loop(Server, K) ->
    _ = gen_server:call(Server, get),
    call_loop(Server, K - 1).

%% --- 1. request-reply -----------------------------------------------------------------------------------------

request_reply({N, _}) ->
    Server = start_counter(),
    T0 = now_ns(),
    call_loop(Server, N),
    [{usPerCall, us_per(now_ns() - T0, N)}].

%% --- 2. one-way -----------------------------------------------------------------------------------------------

cast_loop(_Server, 0) -> ok;
cast_loop(Server, K) ->
    gen_server:cast(Server, {add, 1}),
    cast_loop(Server, K - 1).

one_way({N, _}) ->
    Server = start_counter(),
    T0 = now_ns(),
    cast_loop(Server, N),
    N = gen_server:call(Server, get, infinity),
    [{msgsPerSec, N / ((now_ns() - T0) / 1.0e9)}].

%% --- 3. spawn and memory --------------------------------------------------------------------------------------

start_loop(0, Pids) -> Pids;
start_loop(K, Pids) -> start_loop(K - 1, [start_counter() | Pids]).

spawn_idle({N, _}) ->
    garbage_collect(),
    Before = erlang:memory(processes),
    T0 = now_ns(),
    Pids = start_loop(N, []),
    Elapsed = now_ns() - T0,
    garbage_collect(),
    After = erlang:memory(processes),
    N = length(Pids),
    [{usPerActor, us_per(Elapsed, N)}, {bytesPerActor, (After - Before) / N}].

%% --- 4. restart -----------------------------------------------------------------------------------------------

call_until_up() ->
    try gen_server:call(bench_worker, get)
    catch exit:_ -> call_until_up()
    end.

restarts(0, Elapsed) -> Elapsed;
restarts(K, Elapsed) ->
    gen_server:cast(bench_worker, {add, 1}),
    T0 = now_ns(),
    gen_server:cast(bench_worker, crash),
    0 = call_until_up(),
    restarts(K - 1, Elapsed + (now_ns() - T0)).

one_supervisor(M) ->
    {ok, Sup} = bench_sup:start_link(),
    _ = call_until_up(),
    Elapsed = restarts(M, 0),
    Ref = monitor(process, Sup),
    unlink(Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, process, Sup, _} -> ok end,
    Elapsed.

restart({N, M}) ->
    Elapsed = lists:sum([one_supervisor(M) || _ <- lists:seq(1, N)]),
    [{usPerRestart, us_per(Elapsed, N * M)}].

%% --- 5. selective receive under backlog ------------------------------------------------------------------------

%% A server that selects only calls: anything else stays in its queue, scanned by every receive.
selective_server(Count) ->
    receive
        {'$gen_call', From, get} ->
            gen_server:reply(From, Count),
            selective_server(Count)
    end.

fill(_Pid, 0) -> ok;
fill(Pid, K) ->
    Pid ! {unrelated, K},
    fill(Pid, K - 1).

time_calls(Server, M) ->
    T0 = now_ns(),
    call_loop(Server, M),
    us_per(now_ns() - T0, M).

selective_receive({N, M}) ->
    Empty = spawn_link(fun() -> selective_server(0) end),
    UsEmpty = time_calls(Empty, 10 * M),
    Loaded = spawn_link(fun() -> selective_server(0) end),
    fill(Loaded, N),
    {message_queue_len, Queued} = process_info(Loaded, message_queue_len),
    true = Queued >= N,
    UsBacklog = time_calls(Loaded, M),
    %% The caller with a backlog of its own: gen_server:call's receive of the reply skips it (receive markers).
    fill(self(), N),
    UsCallerBacklog = time_calls(Empty, M),
    [{usPerCallEmpty, UsEmpty}, {usPerCallBacklog, UsBacklog}, {backlogSlowdown, UsBacklog / UsEmpty},
     {usPerCallCallerBacklog, UsCallerBacklog}, {callerBacklogSlowdown, UsCallerBacklog / UsEmpty}].

%% --- 6. fan-out -----------------------------------------------------------------------------------------------

wait_acks(0) -> ok;
wait_acks(K) -> receive ack -> wait_acks(K - 1) end.

fan_out({N, _}) ->
    Registry = ets:new(registry, [duplicate_bag, public, {read_concurrency, true}]),
    [ets:insert(Registry, {topic, start_counter()}) || _ <- lists:seq(1, N)],
    Self = self(),
    T0 = now_ns(),
    [Pid ! {ping, Self} || {_, Pid} <- ets:lookup(Registry, topic)],
    wait_acks(N),
    [{msAll, (now_ns() - T0) / 1.0e6}].

%% --- 7. ring --------------------------------------------------------------------------------------------------

%% Starts K members in front of Next, each knowing its successor; returns the first.
ring_members(0, Next, _Done) -> Next;
ring_members(K, Next, Done) -> ring_members(K - 1, bench_ring:start_link(Next, Done), Done).

%% N gen_servers in a ring, started from the last to the first, the last linked to the first by a cast; the token
%% makes N * M hops, each a gen_server:cast to the next member.
ring({N, M}) ->
    Done = self(),
    Last = bench_ring:start_link(undefined, Done),
    First = ring_members(N - 1, Last, Done),
    gen_server:cast(Last, {link, First}),
    Hops = N * M,
    T0 = now_ns(),
    gen_server:cast(First, Hops),
    receive {ring_done, 0} -> ok end,
    [{usPerHop, us_per(now_ns() - T0, Hops)}].

%% --- hibernate ------------------------------------------------------------------------------------------------

%% N counters called once each (idle), then once more answering {reply, R, S, hibernate}: bytes per process.
hibernate({N, _}) ->
    garbage_collect(),
    Before = erlang:memory(processes),
    Pids = start_loop(N, []),
    [0 = gen_server:call(Pid, get) || Pid <- Pids],
    garbage_collect(),
    Idle = erlang:memory(processes) - Before,
    [0 = gen_server:call(Pid, get_and_hibernate) || Pid <- Pids],
    garbage_collect(),
    Hibernated = erlang:memory(processes) - Before,
    N = length(Pids),
    [{bytesIdle, Idle / N}, {bytesHibernated, Hibernated / N}, {hibernatedRatio, Hibernated / Idle}].
