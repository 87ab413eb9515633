// The wallboard: one page, no build step, no library. It logs in through the API's own
// login mutation, reads the Dashboard query and keeps it live over graphql-transport-ws
// (queueUpdates and agentActivity), reconnecting by itself after a drop or a restart.
"use strict";

const API = "/graphql";
const TOKEN_KEY = "dialler.wallboard.token";
const REFRESH_MS = 15000;      // the whole board again, for what no event carries
const SETTLE_MS = 250;         // after a burst of events, one read of the board
const RETRY_MS = [500, 1000, 2000, 4000, 8000];

const DASHBOARD = `query Wallboard($from: DateTime!, $to: DateTime!) {
  dashboard {
    dayStartsAt
    queues { queueType size callableNow }
    agents { agent { id name } status statusSince callsToday talkSecondsToday }
    callsToday contactRate averageHandleSeconds conversionsToday dispositionsToday
    sync { lagSeconds lastEventAt deadLetters lastReconciliationAt lastReconciliationDrift }
  }
  outcomeBreakdown(from: $from, to: $to, by: HOUR) { key count contact }
}`;
const LOGIN = `mutation WallboardLogin($e: String!, $p: String!) {
  login(email: $e, password: $p) {
    __typename
    ... on LoginSucceeded { token agent { name role } }
    ... on LoginFailed { message }
  }
}`;
const QUEUE_UPDATES = "subscription { queueUpdates { kind fromQueue toQueue occurredAt } }";
const AGENT_ACTIVITY = "subscription { agentActivity { agentId status occurredAt } }";
const QUEUE_NAMES = {UNSIGNED: "Unsigned", OUTSTANDING_REQUESTS: "Outstanding requests",
                     CALLBACK: "Callbacks"};
const STATUSES = ["AVAILABLE", "ON_CALL", "WRAP_UP", "PAUSED", "OFFLINE"];

const state = {token: sessionStorage.getItem(TOKEN_KEY), board: null, hours: [],
               socket: null, retries: 0, settle: null, refresher: null, generation: 0};
// For the browser tests and the latency benchmark: when each queue figure changed.
window.wallboard = {changes: [], events: 0, lastRender: 0};

class ApiError extends Error {
  constructor(message, extensions) {
    super(message);
    this.code = (extensions || {}).code;
    this.extensions = extensions || {};
  }
}

const $ = (id) => document.getElementById(id);

async function gql(query, variables) {
  const headers = {"Content-Type": "application/json"};
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const response = await fetch(API, {method: "POST", headers,
                                     body: JSON.stringify({query, variables})});
  const body = await response.json();
  if (body.errors && body.errors.length) {
    throw new ApiError(body.errors[0].message, body.errors[0].extensions);
  }
  return body.data;
}

// --- signing in and out -------------------------------------------------------------------

async function login(event) {
  event.preventDefault();
  $("login-message").textContent = "";
  try {
    const data = await gql(LOGIN, {e: $("email").value, p: $("password").value});
    const result = data.login;
    if (result.__typename !== "LoginSucceeded") {
      $("login-message").textContent = result.message;  // the API's own words
      return;
    }
    state.token = result.token;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    $("password").value = "";
    start();
  } catch (error) {
    $("login-message").textContent = error instanceof ApiError ? error.message
      : "The dialler does not answer; try again in a moment.";
  }
}

function signOut(message) {
  state.generation += 1;  // whatever is in flight for the old token is dropped
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  if (state.socket) state.socket.close(1000);
  state.socket = null;
  clearInterval(state.refresher);
  document.body.classList.add("signed-out");
  document.body.classList.remove("stale");
  $("login-message").textContent = message || "";
}

function start() {
  document.body.classList.remove("signed-out");
  state.generation += 1;
  state.retries = 0;
  refresh();
  connect();
  clearInterval(state.refresher);
  state.refresher = setInterval(refresh, REFRESH_MS);
}

// --- reading the board ---------------------------------------------------------------------

async function refresh() {
  const generation = state.generation;
  const to = new Date(Date.now() + 60000).toISOString();
  const from = state.board ? state.board.dayStartsAt
    : new Date(Date.now() - 86400000).toISOString();
  try {
    const data = await gql(DASHBOARD, {from, to});
    if (generation !== state.generation) return;
    const dayChanged = !state.board || state.board.dayStartsAt !== data.dashboard.dayStartsAt;
    state.board = data.dashboard;
    state.hours = dayChanged ? [] : data.outcomeBreakdown;
    if (dayChanged) refreshSoon();  // the hours again, from the day's real start
    setOnline(state.socket && state.socket.readyState === WebSocket.OPEN);
    render();
  } catch (error) {
    if (generation !== state.generation) return;
    if (!handleRefusal(error)) setOnline(false);
  }
}

function refreshSoon() {
  clearTimeout(state.settle);
  state.settle = setTimeout(refresh, SETTLE_MS);
}

/** True when the error ended the session (back to the login). */
function handleRefusal(error) {
  if (!(error instanceof ApiError)) return false;
  if (error.code === "UNAUTHENTICATED") {
    signOut("Your session has ended: log in again.");
    return true;
  }
  if (error.code === "FORBIDDEN") {
    signOut(error.message);
    return true;
  }
  return false;
}

// --- live events ---------------------------------------------------------------------------

function connect() {
  const generation = state.generation;
  const url = new URL(API, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url, "graphql-transport-ws");
  state.socket = socket;
  socket.onopen = () => socket.send(JSON.stringify(
    {type: "connection_init", payload: {Authorization: `Bearer ${state.token}`}}));
  socket.onmessage = (message) => {
    if (generation !== state.generation) return;
    const frame = JSON.parse(message.data);
    if (frame.type === "connection_ack") {
      state.retries = 0;
      subscribe(socket, "queues", QUEUE_UPDATES);
      subscribe(socket, "agents", AGENT_ACTIVITY);
      setOnline(true);
      refresh();  // whatever moved while we were away
    } else if (frame.type === "next") {
      onEvent(frame.id, frame.payload);
    } else if (frame.type === "ping") {
      socket.send(JSON.stringify({type: "pong"}));
    } else if (frame.type === "error") {
      const first = (frame.payload || [])[0] || {};
      handleRefusal(new ApiError(first.message, first.extensions));
    }
  };
  socket.onclose = (event) => {
    if (generation !== state.generation || state.socket !== socket) return;
    // 4401: the session ended (logged out, disabled, new role); 4403: the token was refused.
    if (event.code === 4401 || event.code === 4403) {
      signOut(event.reason ? `Signed out: ${event.reason}; log in again.`
        : "Your session has ended: log in again.");
      return;
    }
    setOnline(false);
    const wait = RETRY_MS[Math.min(state.retries, RETRY_MS.length - 1)];
    state.retries += 1;
    setTimeout(() => { if (generation === state.generation) connect(); }, wait);
  };
}

function subscribe(socket, id, query) {
  socket.send(JSON.stringify({id, type: "subscribe", payload: {query}}));
}

function onEvent(id, payload) {
  if (payload.errors && payload.errors.length) {
    handleRefusal(new ApiError(payload.errors[0].message, payload.errors[0].extensions));
    return;
  }
  window.wallboard.events += 1;
  if (id === "queues") moveQueues(payload.data.queueUpdates);
  if (id === "agents") moveAgent(payload.data.agentActivity);
  refreshSoon();
}

/** The sizes move at once; callable-now and the rest follow with the next read. */
function moveQueues(event) {
  if (!state.board) return;
  const bySize = Object.fromEntries(state.board.queues.map((q) => [q.queueType, q]));
  if (event.kind !== "RESCORED") {
    if (event.fromQueue && bySize[event.fromQueue]) bySize[event.fromQueue].size -= 1;
    if (event.toQueue && bySize[event.toQueue]) bySize[event.toQueue].size += 1;
  }
  render();
}

function moveAgent(event) {
  if (!state.board) return;
  const found = state.board.agents.find((a) => a.agent.id === event.agentId);
  if (found) {
    found.status = event.status;
    found.statusSince = event.occurredAt;
    render();
  }
}

function setOnline(online) {
  document.body.classList.toggle("stale", !online);
  const badge = $("connection");
  badge.textContent = online ? "live" : "reconnecting…";
  badge.className = `connection ${online ? "live" : "down"}`;
}

// --- drawing ---------------------------------------------------------------------------------

function render() {
  const board = state.board;
  if (!board) return;
  renderQueues(board.queues);
  $("calls").textContent = board.callsToday.toLocaleString("en-GB");
  $("contact-rate").textContent = board.contactRate === null ? "–"
    : `${Math.round(board.contactRate * 100)}%`;
  $("handle").textContent = board.averageHandleSeconds === null ? "–"
    : duration(board.averageHandleSeconds);
  $("conversions").textContent = board.conversionsToday.toLocaleString("en-GB");
  renderAgents(board.agents);
  renderHours(state.hours);
  renderSync(board.sync);
  window.wallboard.lastRender = Date.now();
}

function renderQueues(queues) {
  const section = $("queues");
  const order = Object.keys(QUEUE_NAMES);
  const sorted = [...queues].sort((a, b) => order.indexOf(a.queueType) - order.indexOf(b.queueType));
  for (const queue of sorted) {
    let tile = section.querySelector(`[data-queue="${queue.queueType}"]`);
    if (!tile) {
      tile = document.createElement("div");
      tile.className = "queue";
      tile.dataset.queue = queue.queueType;
      tile.innerHTML = '<div class="name"></div><div class="size"></div>'
        + '<div class="callable"></div>';
      tile.querySelector(".name").textContent = QUEUE_NAMES[queue.queueType] || queue.queueType;
      section.appendChild(tile);
    }
    const size = String(queue.size);
    const shown = tile.querySelector(".size");
    if (shown.textContent !== size) {
      shown.textContent = size;
      window.wallboard.changes.push({queue: queue.queueType, size: queue.size, at: Date.now()});
    }
    tile.querySelector(".callable").textContent = `${queue.callableNow} callable now`;
    tile.classList.toggle("empty", queue.size === 0);
  }
}

function renderAgents(agents) {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const a of agents) counts[a.status] = (counts[a.status] || 0) + 1;
  $("status-counts").replaceChildren(...STATUSES.filter((s) => counts[s]).map((s) => {
    const chip = document.createElement("span");
    chip.className = `status-${s}`;
    chip.textContent = `${label(s)} ${counts[s]}`;
    return chip;
  }));
  const order = (a) => STATUSES.indexOf(a.status);
  const rows = [...agents].sort((a, b) => order(a) - order(b)
                                || a.agent.name.localeCompare(b.agent.name));
  $("agents").replaceChildren(...rows.map((a) => {
    const row = document.createElement("tr");
    for (const [text, cls] of [[a.agent.name, ""], [label(a.status), `status-${a.status}`],
                               [since(a.statusSince), "since"], [String(a.callsToday), ""]]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      if (cls) cell.className = cls;
      if (cls === "since") cell.dataset.since = a.statusSince || "";
      row.appendChild(cell);
    }
    return row;
  }));
}

function renderHours(rows) {
  const byHour = {};
  for (let h = 8; h <= 20; h += 1) byHour[h] = {calls: 0, contacts: 0};
  for (const row of rows) {
    const hour = Number(row.key);
    byHour[hour] = byHour[hour] || {calls: 0, contacts: 0};
    byHour[hour].calls += row.count;
    if (row.contact) byHour[hour].contacts += row.count;
  }
  const top = Math.max(1, ...Object.values(byHour).map((h) => h.calls));
  $("hours").replaceChildren(...Object.keys(byHour).map(Number).sort((a, b) => a - b)
    .map((hour) => {
      const column = document.createElement("div");
      column.className = "hour";
      const bars = document.createElement("div");
      bars.className = "bars";
      for (const kind of ["calls", "contacts"]) {
        const bar = document.createElement("div");
        bar.className = `bar ${kind}`;
        bar.style.height = `${(100 * byHour[hour][kind]) / top}%`;
        bar.title = `${byHour[hour][kind]} ${kind} at ${hour}:00`;
        bars.appendChild(bar);
      }
      const at = document.createElement("div");
      at.className = "at";
      at.textContent = String(hour).padStart(2, "0");
      column.append(bars, at);
      return column;
    }));
}

function renderSync(sync) {
  const parts = [
    ["CDC lag", sync.lagSeconds === null ? "–" : `${sync.lagSeconds.toFixed(1)} s`,
     sync.lagSeconds !== null && sync.lagSeconds > 30],
    ["Dead letters", String(sync.deadLetters), sync.deadLetters > 0],
    ["Last change", sync.lastEventAt ? clockTime(sync.lastEventAt) : "–", false],
    ["Last reconciliation", sync.lastReconciliationAt
      ? `${clockTime(sync.lastReconciliationAt)} (drift ${sync.lastReconciliationDrift ?? 0})`
      : "–", false],
  ];
  $("sync").replaceChildren(...parts.map(([name, value, alarm]) => {
    const item = document.createElement("div");
    item.append(`${name}: `);
    const figure = document.createElement("span");
    figure.textContent = value;
    if (alarm) figure.className = "alarm";
    item.appendChild(figure);
    return item;
  }));
}

function label(status) {
  return status.charAt(0) + status.slice(1).toLowerCase().replace("_", " ");
}

function since(iso) {
  if (!iso) return "–";
  return duration(Math.max(0, (Date.now() - Date.parse(iso)) / 1000));
}

function duration(seconds) {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

function clockTime(iso) {
  return new Date(iso).toLocaleTimeString("en-GB", {timeZone: "Europe/London"});
}

function tick() {
  $("clock").textContent = new Date().toLocaleTimeString("en-GB", {timeZone: "Europe/London"});
  for (const cell of document.querySelectorAll("td.since")) {
    cell.textContent = since(cell.dataset.since);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", login);
  $("logout").addEventListener("click", () => signOut(""));
  setInterval(tick, 1000);
  tick();
  if (state.token) start();
});
