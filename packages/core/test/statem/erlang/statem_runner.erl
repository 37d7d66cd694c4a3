%% Runs the scenarios of the differential tests (issue 18) on gen_statem, all at once in this node (each its own
%% gen_statem and runner process), in real time: the script's sends at their instants, calls from their own caller
%% processes; collects each scenario's trace entries (with real times in milliseconds since its start) and writes
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
    loop(Script, Horizon, Pid, Ref, T0, [], true).

loop(Script, Horizon, Pid, Ref, T0, Acc, Alive) ->
    Next = case Script of
               [#{at := At} | _] -> At;
               [] -> Horizon
           end,
    Wait = max(0, T0 + Next - erlang:monotonic_time(millisecond)),
    receive
        {entry, Entry} ->
            loop(Script, Horizon, Pid, Ref, T0, [Entry | Acc], Alive);
        {'DOWN', Ref, process, Pid, Reason} ->
            End = ['end', since(T0), statem_interp:reason_name(Reason)],
            loop(Script, Horizon, Pid, Ref, T0, [End | Acc], false)
    after Wait ->
        case Script of
            [Send | Rest] ->
                Alive andalso send(Pid, Send, T0),
                loop(Rest, Horizon, Pid, Ref, T0, Acc, Alive);
            [] when Alive ->
                Last = [alive, since(T0)],
                demonitor(Ref, [flush]),
                exit(Pid, kill),
                lists:reverse(drain([Last | Acc]));
            [] ->
                lists:reverse(drain(Acc))
        end
    end.

drain(Acc) ->
    receive {entry, Entry} -> drain([Entry | Acc]) after 0 -> Acc end.

send(Pid, #{kind := cast, v := V}, _) ->
    gen_statem:cast(Pid, V);
send(Pid, #{kind := call, v := V, id := Id}, T0) ->
    Runner = self(),
    spawn(fun() ->
                  try gen_statem:call(Pid, {V, Id}) of
                      Reply -> Runner ! {entry, [reply, since(T0), Id, Reply]}
                  catch
                      _:_ -> ok
                  end
          end).

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
