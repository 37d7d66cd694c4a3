%% Runs the scenarios of the differential tests (issue 18) on gen_statem, all at once in this node (each its own
%% gen_statem and runner process), in real time: the script's sends at their instants (calls are requests whose
%% replies come back to the runner); collects each scenario's trace entries (with real times in milliseconds since its start) and writes
%% one JSON line per scenario: {"id": ..., "entries": [[kind, time, ...], ...]}. See record.sh.
-module(statem_runner).

-export([main/1]).

main([In, Out]) ->
    logger:set_primary_config(level, none),
    {ok, Scenarios} = file:consult(In),
    Self = self(),
    [spawn(fun() -> Self ! {done, Id, catch run(Scenario)} end) || Scenario = #{id := Id} <- Scenarios],
    Lines = [receive {done, Id, Entries} -> json_line(Id, Entries) end || #{id := Id} <- Scenarios],
    ok = file:write_file(Out, Lines).

run(#{program := Program, script := Script, horizon := Horizon}) ->
    T0 = erlang:monotonic_time(millisecond),
    {ok, {Pid, Ref}} = gen_statem:start_monitor(statem_interp, {Program, self(), T0}, []),
    loop(#{script => Script, horizon => Horizon, pid => Pid, ref => Ref, t0 => T0, acc => [], alive => true,
           pending => []}).

loop(#{script := Script, horizon := Horizon, pid := Pid, ref := Ref, t0 := T0, acc := Acc} = Run) ->
    Next = case Script of
               [#{at := At} | _] -> At;
               [] -> Horizon
           end,
    Wait = max(0, T0 + Next - erlang:monotonic_time(millisecond)),
    receive
        {entry, Entry} ->
            loop(Run#{acc := [Entry | Acc]});
        {'DOWN', Ref, process, Pid, Reason} ->
            loop(Run#{acc := [['end', since(T0), statem_interp:reason_name(Reason)] | Acc], alive := false});
        Message ->
            loop(response(Message, Run))
    after Wait ->
        case Script of
            [_ | _] ->
                %% the events of this instant, one after the other, with nothing received in between
                {Now, Later} = lists:splitwith(fun(#{at := At}) -> At =:= Next end, Script),
                loop(lists:foldl(fun send/2, Run#{script := Later}, Now));
            [] ->
                #{alive := Alive} = Run,
                Alive andalso begin demonitor(Ref, [flush]), exit(Pid, kill) end,
                Last = case Alive of
                           true -> [[alive, since(T0)]];
                           false -> []
                       end,
                #{acc := Final} = drain(Run#{acc := Last ++ Acc}),
                lists:reverse(Final)
        end
    end.

drain(#{acc := Acc} = Run) ->
    receive
        {entry, Entry} -> drain(Run#{acc := [Entry | Acc]});
        Message -> drain(response(Message, Run))
    after 0 -> Run
    end.

%% A call's reply (or the end of its request: the machine died), or a message that is none of these.
response(Message, #{pending := Pending, acc := Acc, t0 := T0} = Run) ->
    Check = fun({Request, _}) -> gen_statem:check_response(Message, Request) =:= no_reply end,
    case lists:splitwith(Check, Pending) of
        {_, []} ->
            Run;
        {Before, [{Request, Id} | After]} ->
            Entries = case gen_statem:check_response(Message, Request) of
                          {reply, Reply} -> [[reply, since(T0), Id, Reply] | Acc];
                          {error, _} -> Acc
                      end,
            Run#{pending := Before ++ After, acc := Entries}
    end.

%% Sends one event of the script; calls are requests (gen_statem:send_request), so that the events of an instant
%% arrive in the order of the script.
send(#{kind := cast, v := V}, #{pid := Pid, alive := true} = Run) ->
    gen_statem:cast(Pid, V),
    Run;
send(#{kind := call, v := V, id := Id}, #{pid := Pid, alive := true, pending := Pending} = Run) ->
    Run#{pending := [{gen_statem:send_request(Pid, {V, Id}), Id} | Pending]};
send(_, #{alive := false} = Run) ->
    Run.

since(T0) -> erlang:monotonic_time(millisecond) - T0.

json_line(Id, Entries) -> [json(#{id => Id, entries => Entries}), "\n"].

json(Map) when is_map(Map) ->
    ["{", lists:join(",", [[json(K), ":", json(V)] || {K, V} <- lists:sort(maps:to_list(Map))]), "}"];
json(List) when is_list(List) -> ["[", lists:join(",", [json(X) || X <- List]), "]"];
json(Atom) when is_atom(Atom) -> json(atom_to_binary(Atom));
json(Int) when is_integer(Int) -> integer_to_list(Int);
json(Bin) when is_binary(Bin) -> [$", [escape(C) || C <- binary_to_list(Bin)], $"];
json(Other) -> json(iolist_to_binary(io_lib:format("~0p", [Other]))).

escape($") -> "\\\"";
escape($\\) -> "\\\\";
escape(C) when C < 32 -> " ";
escape(C) -> C.
