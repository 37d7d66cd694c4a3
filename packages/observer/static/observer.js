// The observer's page: follows `api/events` (server-sent events, one `snapshot` per update) and draws the
// supervision trees, the process table and the selected process's details. Plain DOM, no framework; every text
// from the server goes through `textContent`, never through HTML.
"use strict"

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`)

/** An element: `h("td", { class: "num" }, "12")`. Attributes starting with "on" are listeners. */
const h = (tag, attributes, ...children) => {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value)
    else element.setAttribute(key, value === true ? "" : String(value))
  }
  for (const child of children.flat(Infinity)) {
    if (child !== undefined && child !== null && child !== false) {
      element.append(child instanceof Node ? child : String(child))
    }
  }
  return element
}

const bytes = (n) => n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`
const rate = (r) => r === null ? "–" : r < 10 ? r.toFixed(1) : Math.round(r).toLocaleString()
const time = (ms) => new Date(ms).toLocaleTimeString()
/** "<0.42>" as a path segment: "0.42". */
const pidPath = (pid) => encodeURIComponent(pid.replace(/^<|>$/g, ""))

const state = {
  snapshot: null,
  /** The selected process, and its place in a tree if it has one: a restarted child is followed to its new pid. */
  selected: null,
  selectedKey: null,
  /** The tree key of each pid drawn, at the last update. */
  keyOfPid: new Map(),
  sort: { key: "messageQueueLength", descending: true },
  filter: "",
  /** Each tree node's restart count at the previous update, by its key. */
  restarts: new Map(),
  /** When each node started flashing (its restart count went up), by its key. */
  flashedAt: new Map(),
  collapsed: new Set(),
  killResult: null
}

/** How long a node flashes after a restart; as the CSS animation. */
const FLASH_MILLIS = 2000

// --- the connection ----------------------------------------------------------------------------------------

const connection = (status, text) => {
  const element = $("connection")
  element.dataset.state = status
  element.textContent = text
}

let source = null
const connect = () => {
  source = new EventSource("api/events")
  source.addEventListener("open", () => connection("live", "live"))
  source.addEventListener("snapshot", (event) => update(JSON.parse(event.data)))
  source.addEventListener("error", () => {
    connection("lost", "connection lost, reconnecting…")
    // EventSource retries by itself while it is CONNECTING; an answer it cannot use (an error status) closes it.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000)
  })
}

// --- an update ---------------------------------------------------------------------------------------------

const update = (snapshot) => {
  state.snapshot = snapshot
  const shown = snapshot.processes.length
  $("process-count").textContent = shown < snapshot.processCount
    ? `${shown} of ${snapshot.processCount}`
    : `${snapshot.processCount}`
  $("summary").textContent = `${snapshot.processCount} processes · updated ${time(Date.now())} · every ${
    snapshot.settings.intervalMillis
  } ms`
  renderTrees()
  renderTable()
  if (state.selected !== null) loadDetails(state.selected)
}

// --- the trees ---------------------------------------------------------------------------------------------

const select = (pid) => {
  if (pid === null) return
  state.selected = pid
  state.selectedKey = state.keyOfPid.get(pid) ?? null
  state.killResult = null
  renderTrees()
  renderTable()
  loadDetails(pid)
}

/** Notes the node's restart count; a count that went up starts its flash. */
const noteRestarts = (key, restarts, now) => {
  const before = state.restarts.get(key)
  state.restarts.set(key, restarts)
  if (before !== undefined && restarts > before) state.flashedAt.set(key, now)
}

/** The selected node has a new pid (it was restarted): the details follow it. */
const follow = (key, node) => {
  if (key !== state.selectedKey || node.pid === null || node.pid === state.selected) return
  if (state.killResult?.pid === state.selected) {
    state.killResult = { pid: node.pid, text: `${state.killResult.text}, restarted as ${node.pid}` }
  }
  state.selected = node.pid
}

const nodeElement = (key, node, now) => {
  noteRestarts(key, node.restarts, now)
  follow(key, node)
  if (node.pid !== null) state.keyOfPid.set(node.pid, key)
  const supervisor = node.type === "supervisor"
  const collapsed = state.collapsed.has(key)
  const flashedAt = state.flashedAt.get(key)
  const flashing = flashedAt !== undefined && now - flashedAt < FLASH_MILLIS
  const element = h(
    "div",
    {
      class: `node${flashing ? " flash" : ""}${node.pid !== null && node.pid === state.selected ? " selected" : ""}`,
      "data-testid": "tree-node",
      "data-label": node.label,
      "data-pid": node.pid ?? "",
      "data-type": node.type,
      "data-status": node.status,
      "data-restarts": node.restarts,
      title: `${node.type}, ${node.restart}${node.name ? `, registered as ${node.name}` : ""}`,
      onclick: () => select(node.pid)
    },
    h("span", {
      class: "toggle",
      onclick: (event) => {
        if (!supervisor) return
        event.stopPropagation()
        if (collapsed) state.collapsed.delete(key)
        else state.collapsed.add(key)
        renderTrees()
      }
    }, supervisor ? (collapsed ? "▸" : "▾") : ""),
    h("span", { class: `status ${node.status}`, title: node.status }),
    h("span", { class: "label" }, node.label),
    h("span", { class: "pid" }, node.pid ?? node.status),
    h("span", {
      class: `badge restarts${node.restarts > 0 ? " some" : ""}`,
      "data-testid": "restarts",
      title: "restarts"
    }, `↻ ${node.restarts}`),
    h("span", {
      class: `badge${node.messageQueueLength > 0 ? " hot" : ""}`,
      "data-testid": "mailbox",
      title: "messages in its mailbox"
    }, `✉ ${node.messageQueueLength}`),
    supervisor && node.children ? h("span", { class: "badge" }, `${node.children.length} children`) : null
  )
  // Keep the animation where it was: the node is drawn anew at each update.
  if (flashing) element.style.animationDelay = `-${now - flashedAt}ms`
  const children = supervisor && !collapsed && node.children?.length
    ? h("ul", {}, node.children.map((child) => h("li", {}, nodeElement(`${key}/${child.id}`, child, now))))
    : null
  return [element, children]
}

const renderTrees = () => {
  const container = $("trees")
  const snapshot = state.snapshot
  if (snapshot === null) return
  const now = Date.now()
  state.keyOfPid.clear()
  const trees = snapshot.trees.map((tree) => {
    const key = `root:${tree.label}`
    const root = {
      id: 0,
      pid: tree.pid,
      label: tree.label,
      name: tree.name,
      type: "supervisor",
      restart: "root",
      status: tree.pid === null ? "stopped" : "running",
      restarts: 0,
      messageQueueLength: tree.messageQueueLength,
      children: tree.children
    }
    const [element, children] = nodeElement(key, root, now)
    if (tree.error !== null) element.append(h("span", { class: "error" }, tree.error))
    return h("ul", { class: "tree", "data-testid": "tree" }, h("li", {}, element, children))
  })
  container.replaceChildren(
    ...(trees.length > 0 ? trees : [h("p", { class: "empty" }, "No supervisor is running.")])
  )
}

// --- the process table -------------------------------------------------------------------------------------

const pidNumber = (pid) => Number(pid.slice(3, -1))

/** Rows by `key`, in `descending` order or not; rows that tie stay in pid order. */
const compare = (key, descending) => (a, b) => {
  const x = a[key] ?? ""
  const y = b[key] ?? ""
  const order = key === "pid"
    ? pidNumber(x) - pidNumber(y)
    : typeof x === "number" && typeof y === "number"
    ? x - y
    : String(x).localeCompare(String(y))
  return (descending ? -order : order) || pidNumber(a.pid) - pidNumber(b.pid)
}

const matches = (row, filter) =>
  filter === "" ||
  [row.pid, row.label, row.name, row.kind].some((field) => field !== null && field.toLowerCase().includes(filter))

const renderTable = () => {
  const snapshot = state.snapshot
  if (snapshot === null) return
  const { key, descending } = state.sort
  const rows = snapshot.processes.filter((row) => matches(row, state.filter)).sort(compare(key, descending))
  for (const th of document.querySelectorAll("th[data-sort]")) {
    th.setAttribute("aria-sort", th.dataset.sort === key ? (descending ? "descending" : "ascending") : "none")
  }
  $("process-rows").replaceChildren(...rows.map((row) =>
    h(
      "tr",
      {
        "data-testid": "process-row",
        "data-pid": row.pid,
        class: row.pid === state.selected ? "selected" : undefined,
        onclick: () => select(row.pid)
      },
      h("td", { class: "pid" }, row.pid),
      h("td", {}, row.label ?? (row.implicit ? "(code outside any process)" : "")),
      h("td", { class: `kind-${row.kind}` }, row.kind),
      h("td", { class: `num${row.messageQueueLength > 0 ? " hot" : ""}` }, row.messageQueueLength),
      h("td", { class: "num" }, bytes(row.memoryEstimate)),
      h("td", { class: "num" }, rate(row.messagesPerSecond)),
      h("td", { class: "num" }, row.links)
    )
  ))
}

for (const th of document.querySelectorAll("th[data-sort]")) {
  th.addEventListener("click", () => {
    const key = th.dataset.sort
    // A number column sorts largest first on the first click; a text column in alphabetical order.
    state.sort = state.sort.key === key
      ? { key, descending: !state.sort.descending }
      : { key, descending: !["pid", "label", "kind"].includes(key) }
    renderTable()
  })
}

$("filter").addEventListener("input", (event) => {
  state.filter = event.target.value.trim().toLowerCase()
  renderTable()
})

// --- details -----------------------------------------------------------------------------------------------

let detailsRequest = 0
const loadDetails = async (pid) => {
  const request = ++detailsRequest
  let body
  try {
    const response = await fetch(`api/processes/${pidPath(pid)}`, { cache: "no-store" })
    body = await response.json()
  } catch {
    return // the connection's state says it
  }
  // An answer to an older request, or for a process no longer selected, is dropped.
  if (request === detailsRequest && state.selected === pid) renderDetails(pid, body)
}

const peers = (list) =>
  list.length === 0
    ? h("span", { class: "muted" }, "none")
    : h(
      "div",
      { class: "peers" },
      list.map((peer) =>
        h(
          "button",
          { class: "peer", title: peer.kind ?? "ended", onclick: () => select(peer.pid) },
          peer.label ? `${peer.pid} ${peer.label}` : peer.pid
        )
      )
    )

const reportList = (reports) =>
  reports.length === 0
    ? h("p", { class: "empty" }, "No reports about this process since the observer started.")
    : h(
      "ul",
      { class: "reports", "data-testid": "reports" },
      reports.slice().reverse().map((entry) =>
        h(
          "li",
          { "data-testid": "report" },
          h("span", { class: "time" }, time(entry.at)),
          h("span", { class: `level ${entry.level}` }, entry.level),
          entry.report ? h("span", { class: "kind" }, entry.report) : null,
          h("span", { class: "message" }, entry.message)
        )
      )
    )

const killButton = (pid, allowed) =>
  h("button", {
    class: "kill",
    "data-testid": "kill",
    disabled: !allowed,
    title: allowed
      ? `Kill ${pid} (Process.kill, untrappable): its supervisor, if any, restarts it`
      : "Killing is off: mount the observer with { allowKill: true } to enable this button",
    onclick: () => kill(pid)
  }, "Kill")

const kill = async (pid) => {
  let text
  try {
    const response = await fetch(`api/processes/${pidPath(pid)}/kill`, {
      method: "POST",
      headers: { "x-observer": "kill" }
    })
    const body = await response.json()
    text = response.ok ? `killed ${body.killed}` : body.message
  } catch (error) {
    text = `the kill was not sent: ${error}`
  }
  state.killResult = { pid, text }
  loadDetails(pid)
}

const renderDetails = (pid, body) => {
  const panel = $("details")
  const allowKill = state.snapshot?.settings.allowKill ?? false
  const result = state.killResult?.pid === pid
    ? h("span", { class: "kill-result", "data-testid": "kill-result" }, state.killResult.text)
    : null
  if (body.error !== undefined) {
    panel.replaceChildren(
      h(
        "div",
        { class: "details-head" },
        h("h3", { "data-testid": "details-pid" }, pid),
        h("span", { class: "ended" }, "ended"),
        h("div", { class: "actions" }, result)
      ),
      h("h4", {}, "Recent reports"),
      reportList(body.reports ?? [])
    )
    return
  }
  const facts = [
    ["kind", body.implicit ? `${body.kind} (implicit)` : body.kind],
    ["registered", body.name ?? "–"],
    ["mailbox", body.messageQueueLength],
    ["memory", bytes(body.memoryEstimate)],
    ["messages in", body.messagesIn.toLocaleString()],
    ["messages out", body.messagesOut.toLocaleString()],
    ["messages dropped", (body.messagesDropped ?? 0).toLocaleString()],
    ["traps exits", body.trapExit ? "yes" : "no"],
    ["started", time(body.startedAt)]
  ]
  panel.replaceChildren(
    h(
      "div",
      { class: "details-head" },
      h("h3", { "data-testid": "details-pid" }, pid),
      h("span", { class: "label" }, body.label ?? ""),
      h("div", { class: "actions" }, result, killButton(pid, allowKill && body.allowKill))
    ),
    h("dl", { class: "facts" }, facts.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)])),
    h("h4", {}, `Links (${body.links.length})`),
    h("div", { "data-testid": "links" }, peers(body.links)),
    h("h4", {}, `Monitored by (${body.monitoredBy.length})`),
    h("div", { "data-testid": "monitors" }, peers(body.monitoredBy)),
    h("h4", {}, "State"),
    h("pre", { class: `state${body.state.shown ? "" : " muted"}`, "data-testid": "state" }, body.state.text),
    h("h4", {}, "Recent reports"),
    reportList(body.reports)
  )
}

connect()
