# The semantics of Elixir's Task.Supervisor that test/TaskSupervisor.test.ts checks, run on Elixir 1.14.0 (OTP 25):
#
#     elixir packages/core/test/elixir/task_supervisor.exs > packages/core/test/elixir/task_supervisor.out
#
# Each line of the output is one scenario, numbered as the tests name them ("Elixir 3b"). Timings are rounded to
# 100 ms. The crash reports Elixir logs are switched off: only what the caller sees is printed.
Logger.configure(level: :none)
defmodule S do
  def sup(opts \\ []) do
    {:ok, sup} = Task.Supervisor.start_link(opts)
    Process.unlink(sup)
    sup
  end
  def report(name, value), do: IO.puts("#{name}: #{inspect(value)}")
  def flush(acc \\ []) do
    receive do m -> flush([m | acc]) after 50 -> Enum.reverse(acc) end
  end
  def in_proc(f) do
    parent = self()
    {_pid, ref} = spawn_monitor(fn -> send(parent, {:res, f.()}) end)
    receive do
      {:res, r} -> receive do {:DOWN, ^ref, _, _, reason} -> {:returned, r, :down, reason} end
      {:DOWN, ^ref, _, _, reason} -> {:died, reason}
    end
  end
end

# 1. async_nolink crash: yield gives {:exit, reason}; the caller (not trapping) survives, no EXIT message
s = S.sup()
r = S.in_proc(fn ->
  t = Task.Supervisor.async_nolink(s, fn -> raise "boom" end)
  y = Task.yield(t, 1000)
  {elem(y, 0), match?({%RuntimeError{}, _}, elem(y, 1)), S.flush()}
end)
S.report("1 nolink crash yield", r)

# 1b. await on a crashed nolink task: the caller exits (Elixir's await exits), reason wraps the task's reason
r = S.in_proc(fn ->
  t = Task.Supervisor.async_nolink(s, fn -> exit(:custom) end)
  Task.await(t, 1000)
end)
S.report("1b nolink crash await", r)

# 1c. a throw/exit(:normal) in a nolink task
r = S.in_proc(fn ->
  t = Task.Supervisor.async_nolink(s, fn -> exit(:normal) end)
  Task.yield(t, 1000)
end)
S.report("1c nolink exit normal yield", r)

# 2. nolink task killed: yield gives {:exit, :killed}
r = S.in_proc(fn ->
  t = Task.Supervisor.async_nolink(s, fn -> Process.sleep(:infinity) end)
  Process.exit(t.pid, :kill)
  {Task.yield(t, 1000), S.flush()}
end)
S.report("2 nolink killed yield", r)

# 3. the supervisor is killed while a nolink task runs: the task dies (killed via link), the caller gets {:exit, :killed}
r = S.in_proc(fn ->
  s2 = S.sup()
  t = Task.Supervisor.async_nolink(s2, fn -> Process.sleep(:infinity) end)
  Process.exit(s2, :kill)
  {Task.yield(t, 1000), S.flush()}
end)
S.report("3 sup killed, nolink", r)

# 3b. the supervisor is stopped (Supervisor.stop, reason :normal -> children shut down with :shutdown)
r = S.in_proc(fn ->
  s2 = S.sup()
  t = Task.Supervisor.async_nolink(s2, fn -> Process.sleep(:infinity) end)
  Supervisor.stop(s2)
  {Task.yield(t, 1000), S.flush()}
end)
S.report("3b sup stopped, nolink", r)

# 3c. the supervisor is stopped while a linked async task runs: the caller (not trapping) dies with :shutdown
r = S.in_proc(fn ->
  s2 = S.sup()
  t = Task.Supervisor.async(s2, fn -> Process.sleep(:infinity) end)
  spawn(fn -> Supervisor.stop(s2) end)
  Task.await(t, 1000)
end)
S.report("3c sup stopped, linked async", r)

# 3d. same, caller trapping: gets an EXIT message :shutdown, and yield {:exit, :shutdown}
r = S.in_proc(fn ->
  Process.flag(:trap_exit, true)
  s2 = S.sup()
  t = Task.Supervisor.async(s2, fn -> Process.sleep(:infinity) end)
  Supervisor.stop(s2)
  {Task.yield(t, 1000), S.flush()}
end)
S.report("3d sup stopped, linked async, trapping caller", r)

# 4. shutdown of the supervisor: a trapping task gets :shutdown and is killed after the task's shutdown (default 5000)
for shutdown <- [nil, 300, :brutal_kill] do
  r = S.in_proc(fn ->
    s2 = S.sup()
    me = self()
    opts = if shutdown, do: [shutdown: shutdown], else: []
    t = Task.Supervisor.async_nolink(s2, fn ->
      Process.flag(:trap_exit, true)
      send(me, :trapping)
      receive do {:EXIT, _, reason} -> send(me, {:task_got, reason}); Process.sleep(:infinity) end
    end, opts)
    receive do :trapping -> :ok end
    t0 = System.monotonic_time(:millisecond)
    Supervisor.stop(s2)
    dt = System.monotonic_time(:millisecond) - t0
    {Task.yield(t, 100), round(dt / 100) * 100, S.flush()}
  end)
  S.report("4 sup stop, trapping task, shutdown #{inspect(shutdown)} -> {yield, ms, msgs}", r)
end

# 4b. two trapping tasks, shutdown 300 each: stopped together (the supervisor takes 300 ms, not 600)
r = S.in_proc(fn ->
  s2 = S.sup()
  me = self()
  for _ <- 1..2 do
    Task.Supervisor.start_child(s2, fn ->
      Process.flag(:trap_exit, true)
      send(me, :trapping)
      Process.sleep(:infinity)
    end, shutdown: 300)
  end
  for _ <- 1..2, do: (receive do :trapping -> :ok end)
  t0 = System.monotonic_time(:millisecond)
  Supervisor.stop(s2)
  round((System.monotonic_time(:millisecond) - t0) / 100) * 100
end)
S.report("4b two trapping tasks, shutdown 300: ms to stop", r)

# 5. start_child crashes: temporary -> not restarted, no intensity hit even with max_restarts: 0
s3 = S.sup(max_restarts: 0)
for _ <- 1..3 do
  {:ok, pid} = Task.Supervisor.start_child(s3, fn -> raise "boom" end)
  ref = Process.monitor(pid)
  receive do {:DOWN, ^ref, _, _, _} -> :ok end
end
Process.sleep(50)
S.report("5 three temporary crashes, max_restarts 0: sup alive, children", {Process.alive?(s3), Task.Supervisor.children(s3)})

# 5b. transient crash: restarted (counts), normal exit: not restarted
me = self()
s4 = S.sup(max_restarts: 3)
{:ok, pid} = Task.Supervisor.start_child(s4, fn ->
  send(me, {:run, self()})
  n = :persistent_term.get(:runs, 0)
  :persistent_term.put(:runs, n + 1)
  if n < 2, do: raise("boom"), else: :ok
end, restart: :transient)
runs = for _ <- 1..3, do: (receive do {:run, p} -> p after 1000 -> :none end)
Process.sleep(50)
S.report("5b transient: runs (pids differ), first pid, sup alive, children", {length(Enum.uniq(runs)), hd(runs) == pid, Process.alive?(s4), Task.Supervisor.children(s4)})

# 5c. transient crash with max_restarts 0: the supervisor gives up (exits :shutdown)
s5 = S.sup(max_restarts: 0)
ref = Process.monitor(s5)
{:ok, _} = Task.Supervisor.start_child(s5, fn -> raise "boom" end, restart: :transient)
S.report("5c transient crash, max_restarts 0: sup down", receive do {:DOWN, ^ref, _, _, reason} -> reason after 1000 -> :alive end)

# 5d. permanent start_child: restarted on normal exit
s6 = S.sup(max_restarts: 2)
ref = Process.monitor(s6)
{:ok, _} = Task.Supervisor.start_child(s6, fn -> send(me, :perm_run) end, restart: :permanent)
n = Enum.count(1..4, fn _ -> receive do :perm_run -> true after 300 -> false end end)
S.report("5d permanent: runs, sup down", {n, receive do {:DOWN, ^ref, _, _, reason} -> reason after 300 -> :alive end})

# 6. max_children: async raises, start_child {:error, :max_children}, async_nolink raises
s7 = S.sup(max_children: 1)
{:ok, p1} = Task.Supervisor.start_child(s7, fn -> Process.sleep(:infinity) end)
S.report("6 start_child full", Task.Supervisor.start_child(s7, fn -> :ok end))
S.report("6 async full", S.in_proc(fn -> Task.Supervisor.async(s7, fn -> :ok end) end))
S.report("6 async_nolink full", S.in_proc(fn -> Task.Supervisor.async_nolink(s7, fn -> :ok end) end))
S.report("6 terminate_child", {Task.Supervisor.terminate_child(s7, p1), Task.Supervisor.terminate_child(s7, p1), Task.Supervisor.children(s7)})
S.report("6 after a slot frees", elem(Task.Supervisor.start_child(s7, fn -> :ok end), 0))

# 7. the owner dies abnormally: its linked async task dies with it; a nolink task runs to the end
s8 = S.sup()
owner = spawn(fn ->
  a = Task.Supervisor.async(s8, fn -> Process.sleep(200); send(me, :linked_done) end)
  b = Task.Supervisor.async_nolink(s8, fn -> Process.sleep(200); send(me, :nolink_done) end)
  send(me, {:pids, a.pid, b.pid})
  receive do :die -> exit(:crash) end
end)
{a, b} = receive do {:pids, a, b} -> {a, b} end
ra = Process.monitor(a)
rb = Process.monitor(b)
send(owner, :die)
da = receive do {:DOWN, ^ra, _, _, r} -> r end
db = receive do {:DOWN, ^rb, _, _, r} -> r end
S.report("7 owner crashed: linked task reason, nolink task reason, messages", {da, db, S.flush()})

# 7b. the owner ends normally: its linked async task keeps running (a normal exit signal is ignored)
_owner = spawn(fn ->
  a = Task.Supervisor.async(s8, fn -> Process.sleep(200); send(me, :linked_done) end)
  send(me, {:pid, a.pid})
end)
a = receive do {:pid, a} -> a end
ra = Process.monitor(a)
S.report("7b owner ended normally: linked task reason, messages", {receive do {:DOWN, ^ra, _, _, r} -> r end, S.flush()})

# 8. yield / shutdown on nolink tasks
r = S.in_proc(fn ->
  t = Task.Supervisor.async_nolink(s, fn -> Process.sleep(200); :done end)
  y1 = Task.yield(t, 10)
  y2 = Task.yield(t, 1000)
  t2 = Task.Supervisor.async_nolink(s, fn -> Process.sleep(:infinity) end)
  sd = Task.shutdown(t2)
  t3 = Task.Supervisor.async_nolink(s, fn -> :early end)
  Process.sleep(50)
  sd3 = Task.shutdown(t3)
  t4 = Task.Supervisor.async_nolink(s, fn -> exit(:crashed) end)
  Process.sleep(50)
  sd4 = Task.shutdown(t4, :brutal_kill)
  {y1, y2, sd, sd3, sd4, S.flush(), Task.Supervisor.children(s)}
end)
S.report("8 yield/shutdown nolink", r)

# 9. async_stream_nolink: crash -> {:exit, reason}; kill_task -> {:exit, :timeout}; caller survives
r = S.in_proc(fn ->
  Task.Supervisor.async_stream_nolink(s, 1..4, fn
    2 -> exit(:bad)
    3 -> Process.sleep(1000)
    i -> i
  end, timeout: 100, on_timeout: :kill_task) |> Enum.to_list()
end)
S.report("9 async_stream_nolink", r)

# 9b. async_stream_nolink, on_timeout :exit (default): the caller exits
r = S.in_proc(fn ->
  Task.Supervisor.async_stream_nolink(s, 1..2, fn i -> Process.sleep(i * 100); i end, timeout: 150) |> Enum.to_list()
end)
S.report("9b async_stream_nolink timeout :exit", r)

# 9c. async_stream (linked): a crash kills a non-trapping caller; a trapping caller gets {:exit, reason}
r = S.in_proc(fn ->
  Task.Supervisor.async_stream(s, 1..3, fn 2 -> exit(:bad); i -> i end) |> Enum.to_list()
end)
S.report("9c async_stream crash, not trapping", r)
r = S.in_proc(fn ->
  Process.flag(:trap_exit, true)
  {Task.Supervisor.async_stream(s, 1..3, fn 2 -> exit(:bad); i -> i end) |> Enum.to_list(), S.flush()}
end)
S.report("9c async_stream crash, trapping", r)

# 9d. the stream halted early: the running tasks are gone
r = S.in_proc(fn ->
  res = Task.Supervisor.async_stream_nolink(s, 1..10, fn i -> Process.sleep(i * 50); i end, max_concurrency: 5) |> Enum.take(2)
  Process.sleep(20)
  {res, Task.Supervisor.children(s)}
end)
S.report("9d halted early: result, children left", r)

# 10. children: finished tasks leave; the supervisor is a DynamicSupervisor counting them
r = S.in_proc(fn ->
  t = Task.Supervisor.async_nolink(s, fn -> Process.sleep(100) end)
  c1 = Task.Supervisor.children(s)
  Task.await(t)
  Process.sleep(10)
  {c1 == [t.pid], Task.Supervisor.children(s)}
end)
S.report("10 children", r)

# 11. a caller that dies before the task got its go: not reachable in one node (the call is synchronous); skip
# 12. async on a dead supervisor: the caller exits (noproc)
s9 = S.sup()
Supervisor.stop(s9)
S.report("12 async on a dead supervisor", S.in_proc(fn -> Task.Supervisor.async_nolink(s9, fn -> :ok end) end))
S.report("12 start_child on a dead supervisor", S.in_proc(fn -> Task.Supervisor.start_child(s9, fn -> :ok end) end))
