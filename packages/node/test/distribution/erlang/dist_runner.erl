%% Runs the scenarios of the distribution differential tests (issue 19) on two real Erlang nodes: this node is
%% node "a" (the driver's), and each scenario gets a fresh peer node "b" (started with `peer`, named uniquely, so
%% it may halt). Scenarios run one after the other, each step followed by a real-time wait for quiescence. Writes
%% one JSON line per scenario: {"id": N, "trace": [StepRecord, ...]} or {"id": N, "error": "..."}. The events of
%% a step are written in arrival order; record.ts sorts them canonically. See record.sh and ../README.md.
%%
%% The driver (the process running `main/1`) spawns the agents, monitors each of them (its own monitors, never
%% recorded: they tell it which agents are alive), sends them commands and waits for each command's ack or the
%% actor's DOWN. Agents forward every message that is not a command to the driver as it arrives; the driver turns
%% pids and monitor references into process and monitor numbers.
-module(dist_runner).

-export([main/1, agent/3]).

%% Quiet time (ms) after a step: the step is over when nothing arrived for this long.
-define(QUIET, 40).
%% Quiet time after node b's nodedown reached the driver (the halt step).
-define(QUIET_HALT, 150).
%% No step waits longer than this for an ack, or for node b's nodedown.
-define(TIMEOUT, 5000).

%% ---------------------------------------------------------------------------------------------------------------
%% Entry point: main([ScenariosFile, OutFile, CodeDir, Tag])
%% ---------------------------------------------------------------------------------------------------------------

main([In, Out, Dir, Tag]) ->
    logger:set_primary_config(level, none),
    {ok, Scenarios} = file:consult(In),
    {ok, File} = file:open(Out, [write, binary]),
    T0 = erlang:monotonic_time(millisecond),
    lists:foreach(
      fun(#{id := Id} = Scenario) ->
              Line = case catch run(Scenario, Dir, Tag) of
                         {ok, Trace} -> #{id => Id, trace => Trace};
                         Error -> #{id => Id, error => text(Error)}
                     end,
              ok = file:write(File, [json(Line), $\n]),
              flush_all(20)
      end, Scenarios),
    ok = file:close(File),
    io:format("run ~s: ~b scenarios in ~b ms~n", [Tag, length(Scenarios), erlang:monotonic_time(millisecond) - T0]).

%% ---------------------------------------------------------------------------------------------------------------
%% A scenario
%% ---------------------------------------------------------------------------------------------------------------

run(#{id := Id, steps := Steps}, Dir, Tag) ->
    Name = list_to_atom("distb_" ++ Tag ++ "_" ++ integer_to_list(Id)),
    {ok, Peer, B} = peer:start(#{name => Name, wait_boot => 15000,
                                 args => ["-pa", Dir, "-kernel", "logger_level", "none"]}),
    true = monitor_node(B, true),
    S0 = #{b => B, peer => Peer, halted => false,
           procs => #{},   % I => {Pid, DriverMonitorRef}
           alive => #{},   % I => boolean()
           monitors => 0,  % monitor steps so far
           refs => #{},    % K => the reference of monitor K (when its actor made it)
           events => []},  % this step's {I, Event}, newest first
    try
        {_, Records} = lists:foldl(fun(Step, {S, Acc}) ->
                                           {S1, Record} = step(Step, length(Acc), S),
                                           {S1, [Record | Acc]}
                                   end, {S0, []}, Steps),
        {ok, lists:reverse(Records)}
    after
        cleanup(S0#{procs := all_procs()})
    end.

%% The agents of the running scenario, kept in the process dictionary too so `cleanup` finds them after a crash.
all_procs() -> case get(procs) of undefined -> #{}; P -> P end.

cleanup(#{peer := Peer, procs := Procs}) ->
    [begin exit(Pid, kill), erlang:demonitor(Ref, [flush]) end || {Pid, Ref} <- maps:values(Procs)],
    erase(procs),
    catch peer:stop(Peer),
    ok.

step(Step, N, S0) ->
    {Done, S1} = exec(Step, S0#{events := []}),
    S2 = settle(S1, quiet(Step)),
    #{events := Events, alive := Alive} = S2,
    Count = maps:size(Alive),
    Grouped = lists:foldl(fun({I, Event}, Acc) ->
                                  Key = list_to_binary("p" ++ integer_to_list(I)),
                                  maps:update_with(Key, fun(L) -> L ++ [Event] end, [Event], Acc)
                          end, #{}, lists:reverse(Events)),
    {S2, #{step => N, done => Done, events => Grouped,
           alive => [maps:get(I, Alive) || I <- lists:seq(0, Count - 1)]}}.

quiet(#{op := halt}) -> ?QUIET_HALT;
quiet(_) -> ?QUIET.

%% ---------------------------------------------------------------------------------------------------------------
%% Executing a step: {Done, State}
%% ---------------------------------------------------------------------------------------------------------------

exec(#{op := spawn, node := Node, trap := Trap}, #{procs := Procs, alive := Alive} = S) ->
    I = maps:size(Procs),
    Where = case Node of a -> node(); b -> maps:get(b, S) end,
    Pid = spawn(Where, ?MODULE, agent, [self(), I, Trap]),
    Ref = erlang:monitor(process, Pid),
    S1 = S#{procs := put_procs(Procs#{I => {Pid, Ref}}), alive := Alive#{I => true}},
    receive
        {ready, Pid} -> {true, S1};
        {'DOWN', Ref, process, Pid, _} -> {false, S1#{alive := Alive#{I => false}}}
    after ?TIMEOUT -> error({no_ready, I})
    end;
exec(#{op := halt}, #{halted := true} = S) ->
    {false, S};
exec(#{op := halt}, #{b := B} = S) ->
    spawn(B, erlang, halt, []),
    S1 = wait_nodedown(B, S),
    {true, S1#{halted := true}};
exec(#{op := monitor} = Step, #{monitors := K} = S) ->
    %% numbered even when the actor is dead
    command(Step, S#{monitors := K + 1});
exec(Step, S) ->
    command(Step, S).

put_procs(Procs) -> put(procs, Procs), Procs.

%% Node b's nodedown, with whatever else arrives before it.
wait_nodedown(B, S) ->
    receive
        {nodedown, B} -> S;
        Message -> wait_nodedown(B, handle(Message, S))
    after ?TIMEOUT -> error(no_nodedown)
    end.

%% A command to its actor, if the actor is alive: waits for its ack (with the command's result) or its DOWN.
command(#{p := P} = Step, #{procs := Procs, alive := Alive} = S) ->
    case maps:get(P, Alive) of
        false -> {false, S};
        true ->
            {Pid, Ref} = maps:get(P, Procs),
            Pid ! {'$cmd', self(), command_of(Step, S)},
            await(Step, Pid, Ref, S)
    end.

await(Step, Pid, Ref, S) ->
    receive
        {ack, Pid, Result} -> {true, acked(Step, Result, S)};
        {'DOWN', Ref, process, Pid, _} = Down -> {true, handle(Down, S)};
        {ev, _, _} = Event -> await(Step, Pid, Ref, handle(Event, S))
    after ?TIMEOUT -> error({no_ack, Step})
    end.

acked(#{op := monitor}, MonitorRef, #{monitors := K, refs := Refs} = S) -> S#{refs := Refs#{K - 1 => MonitorRef}};
acked(_, _, S) -> S.

pid(I, #{procs := Procs}) -> element(1, maps:get(I, Procs)).

command_of(#{op := link, q := Q}, S) -> {link, pid(Q, S)};
command_of(#{op := unlink, q := Q}, S) -> {unlink, pid(Q, S)};
command_of(#{op := monitor, q := Q}, S) -> {monitor, pid(Q, S)};
command_of(#{op := demonitor, m := M}, #{refs := Refs}) ->
    %% a monitor whose actor was dead was never made: demonitoring a fresh reference is the same no-op
    {demonitor, maps:get(M, Refs, make_ref())};
command_of(#{op := exit, q := Q, reason := Reason}, S) -> {exit, pid(Q, S), Reason};
command_of(#{op := stop, reason := Reason}, _) -> {stop, Reason};
command_of(#{op := send, p := P, q := Q}, S) -> {send, pid(Q, S), P};
command_of(#{op := monitor_node}, #{b := B}) -> {monitor_node, B}.

%% ---------------------------------------------------------------------------------------------------------------
%% Quiescence and events
%% ---------------------------------------------------------------------------------------------------------------

%% Handles whatever arrives until nothing did for Quiet ms.
settle(S, Quiet) ->
    receive
        Message -> settle(handle(Message, S), Quiet)
    after Quiet -> S
    end.

handle({ev, Pid, Message}, #{events := Events} = S) ->
    case index(Pid, S) of
        undefined -> S;
        I -> S#{events := [{I, event(Message, S)} | Events]}
    end;
handle({'DOWN', _, process, Pid, _}, #{alive := Alive} = S) ->
    case index(Pid, S) of
        undefined -> S;
        I -> S#{alive := Alive#{I := false}}
    end;
handle({nodedown, B}, #{b := B} = S) ->
    S#{halted := true};
handle(_, S) ->
    S.

index(Pid, #{procs := Procs}) ->
    case [I || {I, {P, _}} <- maps:to_list(Procs), P =:= Pid] of
        [I] -> I;
        [] -> undefined
    end.

event({'EXIT', From, Reason}, S) ->
    case index(From, S) of
        undefined -> #{ev => other, text => text({'EXIT', from_unknown, Reason})};
        K -> #{ev => exit, from => K, reason => reason(Reason)}
    end;
event({'DOWN', Ref, process, _, Reason}, #{refs := Refs}) ->
    case [K || {K, R} <- maps:to_list(Refs), R =:= Ref] of
        [K] -> #{ev => down, m => K, reason => reason(Reason)};
        [] -> #{ev => other, text => text({'DOWN', unknown_monitor, Reason})}
    end;
event({nodedown, _}, _) -> #{ev => nodedown};
event({msg, K}, _) when is_integer(K) -> #{ev => msg, from => K};
event(Other, _) -> #{ev => other, text => text(Other)}.

%% Exit reasons as strings: an atom is its name; an error raised in an agent ({Reason, Stacktrace}: the only one
%% is link/1's noproc) is "error:<Reason>"; anything else its ~0p text.
reason(Reason) when is_atom(Reason) -> atom_to_binary(Reason);
reason({Reason, [{_, _, _, _} | _]}) when is_atom(Reason) -> <<"error:", (atom_to_binary(Reason))/binary>>;
reason(Reason) -> text(Reason).

text(Term) -> unicode:characters_to_binary(io_lib:format("~0p", [Term])).

flush_all(Wait) ->
    receive _ -> flush_all(0)
    after Wait -> ok
    end.

%% ---------------------------------------------------------------------------------------------------------------
%% Agents
%% ---------------------------------------------------------------------------------------------------------------

%% Agent number I: sets its trap_exit flag, says it is ready, then runs the driver's commands and forwards all else.
agent(Driver, _I, Trap) ->
    process_flag(trap_exit, Trap),
    Driver ! {ready, self()},
    agent_loop(Driver).

agent_loop(Driver) ->
    receive
        {'$cmd', Driver, Command} ->
            Result = do(Command),
            Driver ! {ack, self(), Result},
            agent_loop(Driver);
        Message ->
            Driver ! {ev, self(), Message},
            agent_loop(Driver)
    end.

do({link, Pid}) -> link(Pid), ok;
do({unlink, Pid}) -> unlink(Pid), ok;
do({monitor, Pid}) -> erlang:monitor(process, Pid);
do({demonitor, Ref}) -> erlang:demonitor(Ref), ok;
do({exit, Pid, Reason}) -> exit(Pid, Reason), ok;
do({stop, Reason}) -> exit(Reason);
do({send, Pid, I}) -> Pid ! {msg, I}, ok;
do({monitor_node, Node}) -> monitor_node(Node, true), ok.

%% ---------------------------------------------------------------------------------------------------------------
%% JSON (OTP 25 has no json module): maps with atom or binary keys, lists, booleans, integers, atoms and binaries
%% as strings
%% ---------------------------------------------------------------------------------------------------------------

json(true) -> <<"true">>;
json(false) -> <<"false">>;
json(N) when is_integer(N) -> integer_to_binary(N);
json(A) when is_atom(A) -> json(atom_to_binary(A));
json(B) when is_binary(B) -> [$", escape(B), $"];
json(L) when is_list(L) -> [$[, lists:join($,, [json(X) || X <- L]), $]];
json(M) when is_map(M) ->
    [${, lists:join($,, [[json(key(K)), $:, json(V)] || {K, V} <- lists:sort(maps:to_list(M))]), $}].

key(K) when is_atom(K) -> atom_to_binary(K);
key(K) -> K.

escape(B) ->
    [case C of
         $" -> <<"\\\"">>;
         $\\ -> <<"\\\\">>;
         C when C < 32 -> io_lib:format("\\u~4.16.0b", [C]);
         C -> <<C/utf8>>
     end || C <- unicode:characters_to_list(B)].
