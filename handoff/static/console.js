"use strict";
// The agent console: login, the live queue over /ws/agent, conversations in tabs (transcript with the
// bot's understanding and anger marks, the order, reply box with canned replies, claim / transfer /
// resolve / hand back), alerts on new messages, and the supervisor's board.
// Every REST call carries the agent's token; all text goes through textContent (Kefu.el).

(() => {
  const { el, clear, api, Socket, clock, duration, ButtonTitles, alerts } = Kefu;
  const $ = (id) => document.getElementById(id);

  const SESSION_KEY = "kefu.agent";
  const ANGRY_FLAG = 0.6; // anger score from which a ticket gets the red flag
  const BOARD_POLL_MS = 5000;
  const SYNC_MS = 15000; // queue and open tabs compared with the server, in case an event was lost
  const SENDERS = { bot: "智能助手", system: "系统" };
  const STATUS = { waiting: "排队中", claimed: "接待中", resolved: "已解决", returned: "已交还机器人" };

  let me = null; // {token, agent: {agent_id, name, role}}
  let socket = null;
  let labels = { reasons: {}, order_statuses: {}, moods: {}, topics: {} };
  let canned = [];
  let snapshot = { waiting: [], mine: [], agents_online: 0 };
  const tabs = new Map(); // ticket_id -> tab
  let active = null; // ticket_id of the visible tab
  let boardTimer = null;

  // --- login ------------------------------------------------------------------------------------
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    const answer = await api("/api/agent/login", {
      method: "POST", body: { agent_id: $("agent-id").value.trim(), password: $("password").value },
    });
    if (!answer.ok) {
      $("login-error").textContent = answer.data.message || "登录失败，请稍后再试。";
      return;
    }
    $("password").value = "";
    me = { token: answer.data.token, agent: answer.data.agent };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(me));
    start();
  });

  $("logout-button").addEventListener("click", () => logout(""));

  async function start() {
    const reference = await call("/api/agent/reference");
    if (!reference) return;
    labels = reference.labels || labels;
    canned = reference.canned_replies || [];
    $("login").hidden = true;
    $("app").hidden = false;
    $("me").textContent = `${me.agent.name}（${me.agent.agent_id}${me.agent.role === "supervisor" ? "，主管" : ""}）`;
    $("board-button").hidden = me.agent.role !== "supervisor";
    socket = new Socket("/ws/agent", me.token, { event: onEvent, down: onDown });
  }

  function logout(message) {
    if (socket) socket.close();
    socket = null;
    me = null;
    sessionStorage.removeItem(SESSION_KEY);
    for (const id of [...tabs.keys()]) closeTab(id);
    showView("desk");
    $("app").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
  }

  /** An authorised API call; a 401 sends the agent back to the login form. Returns data or null. */
  async function call(path, method = "GET", body = undefined) {
    if (!me) return null;
    const answer = await api(path, { token: me.token, method, body });
    if (answer.status === 401) {
      logout(answer.data.message || "登录已失效，请重新登录。");
      return null;
    }
    if (!answer.ok) {
      toast(answer.data.message || "操作没有成功，请稍后再试。");
      return null;
    }
    return answer.data;
  }

  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  // --- events from the server -------------------------------------------------------------------
  function onDown(everOpened) {
    if (!me) return;
    $("connection").hidden = false;
    if (!everOpened) call("/api/agent/queue"); // a refused socket: is the login still valid?
  }

  function onEvent(data) {
    if (data.type === "hello") {
      $("connection").hidden = true;
      for (const tab of tabs.values()) refresh(tab); // catch up on what was missed while away
    }
    if (data.type === "hello" || data.type === "queue") {
      snapshot = data;
      renderQueue();
      queueEvent(data.event);
      if (!$("board").hidden) loadBoard();
    } else if (data.type === "message") {
      const tab = tabFor(data.conversation_id);
      if (tab && data.message) {
        addLine(tab, data.message, true);
        if (data.message.sender === "shopper") notify(tab);
      }
    } else if (data.type === "typing") {
      const tab = tabFor(data.conversation_id);
      if (tab && data.sender === "shopper") showTyping(tab);
    } else if (data.type === "error") {
      toast(data.message || "操作没有成功。");
    }
  }

  function queueEvent(event) {
    if (!event) return;
    if (event.event === "enqueued" || event.event === "requeued") {
      alerts.flash("【新顾客排队】客服工作台");
    }
    const tab = tabs.get(event.ticket_id);
    if (tab) refresh(tab);
  }

  /** The tab showing a conversation (the open ticket's, if an older ticket of it is open too). */
  function tabFor(conversationId) {
    const showing = [...tabs.values()].filter((t) => t.ticket && t.ticket.conversation_id === conversationId);
    return showing.find((t) => t.ticket.status === "waiting" || t.ticket.status === "claimed") || showing[0] || null;
  }

  // --- the queue ----------------------------------------------------------------------------------
  function renderQueue() {
    const waiting = snapshot.waiting || [];
    const mine = snapshot.mine || [];
    $("waiting-count").textContent = String(waiting.length);
    $("mine-count").textContent = String(mine.length);
    $("online").textContent = `在线客服 ${snapshot.agents_online || 0} 人`;
    $("waiting-empty").hidden = waiting.length > 0;
    $("claim-next").disabled = waiting.length === 0;
    clear($("waiting"));
    waiting.forEach((line) => $("waiting").append(ticketCard(line, true)));
    clear($("mine"));
    mine.forEach((line) => $("mine").append(ticketCard(line, false)));
    for (const line of mine) if (!tabs.has(line.ticket_id)) openTab(line.ticket_id, false); // claimed or transferred to me
    document.title = waiting.length ? `(${waiting.length}) 客服工作台` : "客服工作台";
  }

  function ticketCard(line, waiting) {
    const card = el("li", "ticket-card");
    card.dataset.ticketId = line.ticket_id;
    card.dataset.conversationId = line.conversation_id;
    if (line.ticket_id === active) card.classList.add("current");
    const top = el("div", "card-top");
    top.append(el("span", "priority", `优先级 ${line.priority}`));
    top.append(el("span", "reason", labels.reasons[line.reason] || line.reason));
    if (waiting) {
      const wait = el("span", "wait");
      wait.dataset.since = String(line.created_at);
      wait.textContent = duration(Date.now() / 1000 - line.created_at);
      top.append(wait);
    }
    card.append(top, flags(line), el("p", "summary", line.summary || ""));
    const buttons = el("div", "card-actions");
    const view = el("button", "small", "查看");
    view.type = "button";
    view.addEventListener("click", () => openTab(line.ticket_id, true));
    buttons.append(view);
    if (waiting) {
      const claim = el("button", "small primary claim-button", "接入");
      claim.type = "button";
      claim.addEventListener("click", () => claimTicket(line.ticket_id));
      buttons.append(claim);
    }
    card.append(buttons);
    return card;
  }

  function flags(line) {
    const row = el("div", "flags");
    row.append(el("span", "shopper-id", line.shopper_id));
    if (line.vip) row.append(el("span", "flag vip", "VIP"));
    if (line.anger_score >= ANGRY_FLAG) row.append(el("span", "flag angry", `情绪激动 ${line.anger_score.toFixed(2)}`));
    if (line.requeue_count) row.append(el("span", "flag", "再次排队"));
    return row;
  }

  setInterval(() => {
    const now = Date.now() / 1000;
    for (const node of document.querySelectorAll(".wait[data-since]")) {
      node.textContent = duration(now - Number(node.dataset.since));
    }
  }, 1000);

  setInterval(async () => {
    if (!me || !socket || !socket.isOpen) return;
    const data = await call("/api/agent/queue");
    if (!data) return;
    snapshot = data;
    renderQueue();
    for (const tab of tabs.values()) refresh(tab);
  }, SYNC_MS);

  $("claim-next").addEventListener("click", async () => {
    const data = await call("/api/agent/claim-next", "POST", {});
    if (data) openTab(data.ticket.ticket_id, true);
  });

  async function claimTicket(ticketId) {
    const data = await call(`/api/agent/tickets/${encodeURIComponent(ticketId)}/claim`, "POST", {});
    if (!data) return;
    const tab = openTab(ticketId, true);
    refresh(tab);
  }

  // --- conversation tabs -------------------------------------------------------------------------
  function openTab(ticketId, focus) {
    let tab = tabs.get(ticketId);
    if (!tab) {
      tab = createTab(ticketId);
      tabs.set(ticketId, tab);
      refresh(tab);
    }
    if (focus || !active) activate(ticketId);
    return tab;
  }

  function createTab(ticketId) {
    const panel = $("panel-template").content.firstElementChild.cloneNode(true);
    const button = el("button", "tab");
    button.type = "button";
    button.setAttribute("role", "tab");
    button.append(el("span", "tab-name", ticketId), el("span", "unread"));
    button.addEventListener("click", () => activate(ticketId));
    const tab = { ticketId, panel, button, ticket: null, rendered: new Set(), unread: 0, typingTimer: null,
                  lastTyping: 0, loading: null, orderFor: null };
    const q = (selector) => panel.querySelector(selector);
    tab.q = q;
    for (const group of canned) {
      const optgroup = el("optgroup");
      optgroup.label = group.title;
      for (const reply of group.replies) {
        const option = el("option", "", reply);
        option.value = reply;
        optgroup.append(option);
      }
      q(".canned").append(optgroup);
    }
    q(".canned").addEventListener("change", (event) => {
      const box = q(".reply-text");
      if (event.target.value) box.value = box.value ? `${box.value}${event.target.value}` : event.target.value;
      event.target.value = "";
      box.focus();
    });
    q(".reply").addEventListener("submit", (event) => { event.preventDefault(); reply(tab); });
    q(".reply-text").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        reply(tab);
      }
    });
    q(".reply-text").addEventListener("input", () => {
      const now = Date.now();
      if (mineNow(tab) && socket && now - tab.lastTyping > 2500) {
        tab.lastTyping = now;
        socket.send({ type: "typing", ticket_id: ticketId });
      }
    });
    q(".claim").addEventListener("click", () => claimTicket(ticketId));
    q(".transfer-to").addEventListener("focus", () => loadAgents(tab));
    q(".transfer-button").addEventListener("click", () => transfer(tab));
    q(".resolve").addEventListener("click", () => command(tab, "resolve", "已结束服务，已请顾客评价。"));
    q(".handback").addEventListener("click", () => command(tab, "handback", "已交还智能助手继续服务。"));
    q(".close-tab").addEventListener("click", () => closeTab(ticketId));
    panel.hidden = true;
    $("tabs").append(button);
    $("panels").append(panel);
    $("no-tab").hidden = true;
    return tab;
  }

  function activate(ticketId) {
    active = ticketId;
    for (const [id, tab] of tabs) {
      const on = id === ticketId;
      tab.panel.hidden = !on;
      tab.button.classList.toggle("active", on);
      tab.button.setAttribute("aria-selected", on ? "true" : "false");
      if (on) {
        tab.unread = 0;
        tab.button.querySelector(".unread").textContent = "";
        scrollDown(tab);
      }
    }
    for (const card of document.querySelectorAll(".ticket-card")) {
      card.classList.toggle("current", card.dataset.ticketId === ticketId);
    }
    showView("desk");
  }

  function closeTab(ticketId) {
    const tab = tabs.get(ticketId);
    if (!tab) return;
    tab.panel.remove();
    tab.button.remove();
    tabs.delete(ticketId);
    if (active === ticketId) {
      active = null;
      const next = tabs.keys().next();
      if (!next.done) activate(next.value);
    }
    $("no-tab").hidden = tabs.size > 0;
  }

  const mineNow = (tab) => tab.ticket && tab.ticket.status === "claimed" && tab.ticket.agent_id === me.agent.agent_id;

  /** Load the ticket and the whole conversation again and redraw the tab. */
  function refresh(tab) {
    if (tab.loading) { // a change while loading: load once more afterwards
      tab.stale = true;
      return tab.loading;
    }
    tab.loading = (async () => {
      try {
        const data = await call(`/api/agent/tickets/${encodeURIComponent(tab.ticketId)}`);
        if (!data || !tabs.has(tab.ticketId)) return;
        tab.ticket = data.ticket;
        tab.position = data.position;
        drawHead(tab);
        drawTranscript(tab, data.messages || []);
        if (socket) socket.send({ type: "watch", ticket_id: tab.ticketId }); // live events, also before a claim
        if (tab.orderFor !== tab.ticketId) loadOrder(tab);
      } finally {
        tab.loading = null;
        if (tab.stale) {
          tab.stale = false;
          refresh(tab);
        }
      }
    })();
    return tab.loading;
  }

  function drawHead(tab) {
    const t = tab.ticket;
    const q = tab.q;
    tab.button.querySelector(".tab-name").textContent = `${t.shopper_id} · ${labels.reasons[t.reason] || t.reason}`;
    q(".shopper").textContent = `顾客 ${t.shopper_id}`;
    const badges = q(".badges");
    clear(badges);
    badges.append(el("span", `flag status ${t.status}`, STATUS[t.status] || t.status));
    if (t.vip) badges.append(el("span", "flag vip", "VIP"));
    if (t.anger_score >= ANGRY_FLAG) badges.append(el("span", "flag angry", `情绪激动 ${t.anger_score.toFixed(2)}`));
    q(".summary").textContent = t.summary || "";

    const info = q(".ticket-info");
    clear(info);
    const rows = [
      ["原因", labels.reasons[t.reason] || t.reason],
      ["优先级", String(t.priority)],
      ["状态", STATUS[t.status] || t.status],
      ["排队位置", tab.position ? `第 ${tab.position} 位` : "—"],
      ["转人工时间", clock(t.created_at)],
      ["接待客服", t.agent_id || "—"],
      ["评分", t.rating ? `${t.rating} 分` : "—"],
    ];
    for (const [name, value] of rows) info.append(el("dt", "", name), el("dd", "", value));

    const mine = mineNow(tab);
    q(".claim").hidden = t.status !== "waiting";
    q(".transfer").hidden = !mine;
    q(".resolve").hidden = !mine;
    q(".handback").hidden = !mine;
    q(".close-tab").hidden = mine;
    for (const node of q(".reply").elements) node.disabled = !mine;
    let note = "";
    if (t.status === "waiting") note = "顾客正在排队，接入后才能回复。";
    else if (t.status === "claimed" && !mine) note = `该会话由客服 ${t.agent_id} 接待中，您只能查看。`;
    else if (t.status === "resolved" || t.status === "returned") note = "会话已结束，智能助手继续为顾客服务。";
    q(".panel-note").textContent = note;
    q(".panel-note").hidden = !note;
  }

  // --- the transcript ----------------------------------------------------------------------------
  function drawTranscript(tab, messages) {
    const list = tab.q(".transcript");
    const ids = messages.map((m) => m.message_id);
    if (ids.length && ids.length === tab.rendered.size && ids.every((id) => tab.rendered.has(id))) return;
    clear(list);
    tab.rendered = new Set();
    tab.titles = new ButtonTitles();
    // What the bot understood of each shopper message (from Rasa, in the ticket), matched in order.
    tab.understood = (tab.ticket.transcript || []).filter((m) => m.sender === "shopper");
    const lines = messages.length ? messages : tab.ticket.transcript || [];
    lines.forEach((m) => addLine(tab, m, false));
    scrollDown(tab);
  }

  function understanding(tab, message) {
    if (message.intent) return message;
    const i = tab.understood.findIndex((u) => u.text === message.text || (u.custom && u.custom.payload === message.text));
    return i >= 0 ? tab.understood.splice(i, 1)[0] : null;
  }

  function addLine(tab, m, live) {
    if (m.message_id && tab.rendered.has(m.message_id)) return;
    if (m.message_id) tab.rendered.add(m.message_id);
    const item = el("li", `line ${m.sender}`);
    const head = el("div", "line-head");
    const who = m.sender === "shopper" ? `顾客 ${tab.ticket.shopper_id}`
      : m.sender === "agent" ? `客服 ${m.agent_name || m.agent_id || ""}` : SENDERS[m.sender] || m.sender;
    head.append(el("span", "who", who), el("time", "at", clock(m.at)));
    item.append(head);
    item.append(el("p", "text", m.sender === "shopper" ? tab.titles.show(m.text) : m.text));
    if (m.sender === "bot") {
      tab.titles.learn(m.buttons);
      if (m.buttons && m.buttons.length) {
        item.append(el("p", "buttons-shown", "按钮：" + m.buttons.map((b) => b.title || b.payload).join(" / ")));
      }
    }
    if (m.sender === "shopper") item.append(shopperTags(item, understanding(tab, m), m.sentiment));
    tab.q(".transcript").append(item);
    if (live) {
      if (m.sender === "shopper") tab.q(".typing").hidden = true;
      scrollDown(tab);
    }
  }

  function shopperTags(item, understood, ownSentiment) {
    const tags = el("div", "tags");
    if (understood && understood.intent) {
      const topic = labels.topics[understood.intent];
      const name = topic ? `${topic}（${understood.intent}）` : understood.intent;
      const confidence = typeof understood.confidence === "number" ? ` · 置信度 ${Math.round(understood.confidence * 100)}%` : "";
      tags.append(el("span", "tag intent", `意图：${name}${confidence}`));
    }
    const sentiment = ownSentiment || (understood && understood.sentiment);
    if (sentiment && sentiment.label && sentiment.label !== "neutral") {
      const mood = labels.moods[sentiment.label] || sentiment.label;
      const score = typeof sentiment.score === "number" ? ` ${sentiment.score.toFixed(2)}` : "";
      tags.append(el("span", `tag mood ${sentiment.label}`, `情绪：${mood}${score}`));
      if (sentiment.label === "angry") item.classList.add("angry");
      const cues = (sentiment.cues || []).filter((c) => c && c.weight > 0 && c.text).map((c) => c.text);
      if (cues.length) tags.append(el("span", "tag cues", `线索：${cues.join("、")}`));
    }
    return tags;
  }

  function scrollDown(tab) {
    const list = tab.q(".transcript");
    list.scrollTop = list.scrollHeight;
  }

  function showTyping(tab) {
    const node = tab.q(".typing");
    node.hidden = false;
    clearTimeout(tab.typingTimer);
    tab.typingTimer = setTimeout(() => { node.hidden = true; }, 5000);
  }

  function notify(tab) {
    if (tab.ticketId !== active || document.hidden) {
      tab.unread += 1;
      tab.button.querySelector(".unread").textContent = String(tab.unread);
    }
    alerts.flash("【新消息】客服工作台");
  }

  // --- the order ----------------------------------------------------------------------------------
  async function loadOrder(tab) {
    tab.orderFor = tab.ticketId;
    const data = await call(`/api/agent/tickets/${encodeURIComponent(tab.ticketId)}/order`);
    const box = tab.q(".order");
    if (!data) return;
    clear(box);
    if (!data.order) {
      box.append(el("p", "muted", tab.ticket.order_id ? `没有查到订单 ${tab.ticket.order_id}` : "未涉及具体订单"));
      return;
    }
    const o = data.order;
    const info = el("dl", "order-info");
    const add = (name, value) => info.append(el("dt", "", name), el("dd", "", value));
    add("订单号", o.order_id);
    add("状态", labels.order_statuses[o.status] || o.status);
    add("金额", `¥${o.total_amount}`);
    add("下单时间", o.created_at.slice(0, 16).replace("T", " "));
    add("收货地址", o.address);
    box.append(info);
    const items = el("ul", "order-items");
    for (const item of o.items || []) items.append(el("li", "", `${item.name} × ${item.quantity}（¥${item.unit_price}）`));
    box.append(items);
    const s = data.shipment;
    if (s) {
      const ship = el("dl", "order-info");
      const addShip = (name, value) => ship.append(el("dt", "", name), el("dd", "", value));
      addShip("物流", `${s.carrier} ${s.tracking_number}`);
      addShip("预计送达", s.expected_delivery.slice(0, 10));
      box.append(el("h4", "", "物流跟踪"), ship);
      const events = el("ol", "tracking");
      for (const e of [...(s.events || [])].reverse()) {
        events.append(el("li", "", `${e.time.slice(5, 16).replace("T", " ")} ${e.description}`));
      }
      box.append(events);
    }
  }

  // --- agent actions -------------------------------------------------------------------------------
  async function reply(tab) {
    const box = tab.q(".reply-text");
    const text = box.value.trim();
    if (!text || !mineNow(tab)) return;
    const data = await call(`/api/agent/tickets/${encodeURIComponent(tab.ticketId)}/messages`, "POST", { text });
    if (!data) return;
    box.value = "";
    addLine(tab, data.message, true);
  }

  async function loadAgents(tab) {
    const data = await call("/api/agent/agents");
    if (!data) return;
    const select = tab.q(".transfer-to");
    const chosen = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const agent of data.agents) {
      if (agent.agent_id === me.agent.agent_id) continue;
      const option = el("option", "", `${agent.name}（${agent.agent_id}，接待 ${agent.tickets}）`);
      option.value = agent.agent_id;
      select.append(option);
    }
    if (select.options.length === 1) select.options[0].textContent = "暂无其他在线客服";
    select.value = chosen;
  }

  async function transfer(tab) {
    const target = tab.q(".transfer-to").value;
    if (!target) {
      toast("请先选择要转接的客服。");
      return;
    }
    if (await command(tab, "transfer", `已转接给客服 ${target}。`, { to_agent: target })) closeTab(tab.ticketId);
  }

  async function command(tab, name, done, body = {}) {
    const data = await call(`/api/agent/tickets/${encodeURIComponent(tab.ticketId)}/${name}`, "POST", body);
    if (!data) return false;
    toast(done);
    if (tabs.has(tab.ticketId)) await refresh(tab);
    return true;
  }

  // --- the supervisor's board ----------------------------------------------------------------------
  for (const button of document.querySelectorAll(".view-button")) {
    button.addEventListener("click", () => showView(button.dataset.view));
  }

  function showView(view) {
    $("desk").hidden = view !== "desk";
    $("board").hidden = view !== "board";
    for (const button of document.querySelectorAll(".view-button")) {
      button.classList.toggle("active", button.dataset.view === view);
    }
    clearInterval(boardTimer);
    boardTimer = null;
    if (view === "board") {
      loadBoard();
      boardTimer = setInterval(loadBoard, BOARD_POLL_MS);
    }
  }

  async function loadBoard() {
    const s = await call("/api/agent/supervisor/stats");
    if (!s) return;
    const reasons = s.labels.reasons || {};
    const handoffs = Object.entries(s.handoffs_today);
    $("s-queue").textContent = String(s.queue_length);
    $("s-oldest").textContent = duration(s.waiting.oldest_seconds);
    $("s-average").textContent = duration(s.waiting.average_seconds);
    $("s-agents").textContent = String(s.agents_online.length);
    $("s-handoffs").textContent = String(handoffs.reduce((sum, [, n]) => sum + n, 0));
    const rating = s.satisfaction_today;
    $("s-rating").textContent = rating.average === null ? "—" : `${rating.average.toFixed(1)} 分`;
    $("s-rating-count").textContent = `共 ${rating.count} 条评价`;
    bars($("c-reasons"), handoffs.sort((a, b) => b[1] - a[1]).map(([r, n]) => [reasons[r] || r, n, `${n} 次`]));
    bars($("c-waits"), s.waiting.tickets.map((t) => [`${t.vip ? "VIP " : ""}${reasons[t.reason] || t.reason}`,
      t.wait_seconds, duration(t.wait_seconds)]));
    bars($("c-agents"), s.agents_online.map((a) => [`${a.name}（${a.agent_id}）`, a.tickets, `${a.tickets} 个`]));
    bars($("c-closed"), [["已解决", s.closed_today.resolved, `${s.closed_today.resolved} 个`],
      ["交还机器人", s.closed_today.returned, `${s.closed_today.returned} 个`]]);
    $("s-updated").textContent = `更新于 ${new Date(s.at * 1000).toLocaleTimeString("zh-CN")}，每 5 秒自动刷新`;
  }

  /** A horizontal bar chart: rows of [label, value, value text]. */
  function bars(list, rows) {
    clear(list);
    if (!rows.length) {
      list.append(el("li", "muted", "暂无数据"));
      return;
    }
    const top = Math.max(...rows.map((r) => r[1]), 1);
    for (const [label, value, text] of rows) {
      const item = el("li", "bar-row");
      const track = el("span", "bar");
      const fill = el("span", "fill");
      fill.style.width = `${(100 * value) / top}%`;
      track.append(fill);
      item.append(el("span", "bar-label", label), track, el("span", "bar-value", text));
      list.append(item);
    }
  }

  // --- start ----------------------------------------------------------------------------------------
  try { me = JSON.parse(sessionStorage.getItem(SESSION_KEY)); } catch (e) { me = null; }
  if (me && me.token) start();
})();
