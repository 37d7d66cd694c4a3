%% A member of the ring case's ring (the twin of `ringMember` in src/ring.ts): a gen_server whose state is its
%% successor; it forwards the token (the hops still to make) there with gen_server:cast, and at the last hop tells
%% the process that started the ring.
-module(bench_ring).
-behaviour(gen_server).

-export([start_link/2]).
-export([init/1, handle_call/3, handle_cast/2]).

%% Next is the successor's pid, or undefined until a {link, Next} cast closes the ring.
start_link(Next, Done) ->
    {ok, Pid} = gen_server:start_link(?MODULE, {Next, Done}, []),
    Pid.

init(State) -> {ok, State}.

handle_call(_Request, _From, State) -> {reply, ok, State}.

handle_cast({link, Next}, {_, Done}) -> {noreply, {Next, Done}};
handle_cast(0, {_, Done} = State) ->
    Done ! {ring_done, 0},
    {noreply, State};
handle_cast(Hops, {Next, _} = State) when is_pid(Next) ->
    gen_server:cast(Next, Hops - 1),
    {noreply, State}.
