"use strict";
// The shopper's chat page: demo login, the conversation live over /ws/shopper (bot, agent and
// system messages, quick-reply buttons, typing), 转人工 and the queue position, reconnection that
// restores the history and resends what the server has not acknowledged, and the rating at the end.

(() => {
  const { HUMAN_PAYLOAD, el, clear, api, Socket, clock, clientId, ButtonTitles } = Kefu;
  const $ = (id) => document.getElementById(id);

  const SESSION_KEY = "kefu.shopper";
  const RATED_KEY = "kefu.shopper.rated";
  const MAX_CHARS = 500;
  const SYNC_MS = 5000; // while queued; otherwise every fourth tick
  const MESSAGE_ERRORS = new Set(["empty_message", "too_long", "bad_request", "storage_unavailable"]);
  const STATUS = { bot: "智能助手为您服务", queued: "正在排队等待人工客服", agent: "人工客服为您服务中" };

  let session = null; // {token, name, shopper_id, conversation_id}
  let socket = null;
  let mode = "bot";
  let position = null;
  let agentName = "";
  let outbox = []; // sent, not acknowledged yet: {clientId, text, shown, stored, node}
  const rendered = new Map(); // message_id -> list item
  let titles = new ButtonTitles();
  let typingTimer = null;
  let syncTicks = 0;
  let pendingRating = null; // the rating box whose score was sent, until the thanks (or a refusal)
  let lastTypingSent = 0;

  // --- login -----------------------------------------------------------------------------------
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    const answer = await api("/api/shopper/login", { method: "POST", body: { shopper_id: $("shopper-id").value } });
    if (!answer.ok) {
      $("login-error").textContent = answer.data.message || "登录失败，请稍后再试。";
      return;
    }
    session = answer.data;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    start();
  });

  $("logout-button").addEventListener("click", () => logout(""));

  function start() {
    $("login").hidden = true;
    $("chat").hidden = false;
    document.title = `在线客服 - ${session.name}`;
    socket = new Socket("/ws/shopper", session.token, { event: onEvent, down: onDown });
    $("text").focus();
  }

  function logout(message) {
    if (socket) socket.close();
    socket = null;
    session = null;
    sessionStorage.removeItem(SESSION_KEY);
    outbox = [];
    rendered.clear();
    clear($("messages"));
    setMode("bot", null);
    $("chat").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    document.title = "在线客服";
  }

  function onDown(everOpened) {
    $("connection").hidden = false;
    if (!everOpened) checkLogin();
  }

  /** A refused connection may mean the login expired: then back to the login form. */
  async function checkLogin() {
    if (!session) return;
    const answer = await api("/api/shopper/conversation", { token: session.token });
    if (answer.status === 401) logout(answer.data.message);
  }

  // --- events from the server --------------------------------------------------------------------
  function onEvent(data) {
    switch (data.type) {
      case "hello": restore(data); break;
      case "message": receive(data.message); break;
      case "state": setMode(data.mode, data.position); break;
      case "typing": if (data.sender === "bot" || data.sender === "agent") showTyping(data.sender); break;
      case "ack": acknowledge(data.client_id); break;
      case "error": refused(data); break;
      default: break;
    }
  }

  /** A (re)connection: show the whole history, then resend what was not acknowledged. */
  function restore(hello, resend = true) {
    $("connection").hidden = true;
    const seenBefore = new Set(rendered.keys());
    clear($("messages"));
    rendered.clear();
    titles = new ButtonTitles();
    const history = hello.messages || [];
    history.forEach(render);
    // Shopper messages stored while we were away: the echo of a message in the outbox was lost.
    const fresh = history.filter((m) => m.sender === "shopper" && !seenBefore.has(m.message_id));
    for (const item of outbox) {
      const i = fresh.findIndex((m) => m.text === item.text);
      if (i >= 0) fresh.splice(i, 1);
      if (item.stored || i >= 0) {
        item.stored = true;
      } else {
        item.node = pendingBubble(item);
        $("messages").append(item.node);
      }
      if (resend) socket.send({ type: "message", text: item.text, client_id: item.clientId });
    }
    setMode(hello.mode, hello.position);
    scrollDown();
  }

  function receive(message) {
    if (!message) return;
    if (message.sender === "shopper") {
      const item = outbox.find((o) => !o.stored && o.text === message.text);
      if (item) {
        item.stored = true;
        delivered(item.node, message);
        return;
      }
    }
    if (message.sender === "bot" || message.sender === "agent") hideTyping();
    if (message.sender === "system") pendingRating = null;
    render(message);
    scrollDown();
  }

  function acknowledge(id) {
    const item = outbox.find((o) => o.clientId === id);
    if (!item) return;
    outbox = outbox.filter((o) => o !== item);
    if (item.node && item.node.classList.contains("pending")) delivered(item.node, null);
    if (mode === "bot") hideTyping(); // the bot's turn is over
  }

  function refused(data) {
    if (pendingRating && /^rating_/.test(data.error || "")) { // e.g. rated before, in another window
      lockRating(pendingRating, 0);
      pendingRating.querySelector(".rating-label").textContent = data.message;
      pendingRating = null;
      return;
    }
    const item = outbox.find((o) => !o.stored);
    if (MESSAGE_ERRORS.has(data.error) && item) {
      outbox = outbox.filter((o) => o !== item);
      item.node.classList.remove("pending");
      item.node.classList.add("failed");
      setState(item.node, "未发送");
      hideTyping();
    }
    const notice = el("li", "msg system error");
    notice.append(el("p", "text", data.message || "操作没有成功，请稍后再试。"));
    $("messages").append(notice);
    scrollDown();
  }

  // --- rendering ----------------------------------------------------------------------------------
  function render(message) {
    if (message.message_id && rendered.has(message.message_id)) return;
    let node;
    if (message.sender === "system") {
      node = systemNotice(message);
    } else {
      const text = message.sender === "shopper" ? titles.show(message.text) : message.text;
      node = bubble(message.sender, text, message);
    }
    if (message.sender === "bot") titles.learn(message.buttons);
    if (message.sender === "agent" && message.agent_name) {
      agentName = message.agent_name;
      if (mode === "agent") setMode(mode, position);
    }
    if (message.message_id) {
      node.dataset.id = message.message_id;
      rendered.set(message.message_id, node);
    }
    $("messages").append(node);
  }

  function bubble(sender, text, message) {
    const item = el("li", `msg ${sender}`);
    if (sender === "bot") item.append(el("span", "who", "智能助手"));
    if (sender === "agent") item.append(el("span", "who", message.agent_name ? `人工客服 ${message.agent_name}` : "人工客服"));
    const body = el("div", "bubble");
    body.append(el("p", "text", text));
    if (sender === "bot" && Array.isArray(message.buttons) && message.buttons.length) {
      const row = el("div", "quick-replies");
      for (const button of message.buttons) {
        if (!button || !button.payload) continue;
        const chip = el("button", "quick", button.title || button.payload);
        chip.type = "button";
        chip.addEventListener("click", () => send(button.payload, button.title || button.payload));
        row.append(chip);
      }
      body.append(row);
    }
    item.append(body);
    item.append(el("time", "at", clock(message.at || Date.now() / 1000)));
    return item;
  }

  function systemNotice(message) {
    const item = el("li", "msg system");
    item.append(el("p", "text", message.text));
    const custom = message.custom || {};
    if (custom.type === "rating_request" && typeof custom.ticket_id === "string") {
      item.append(ratingWidget(custom.ticket_id));
    }
    return item;
  }

  function pendingBubble(item) {
    const node = bubble("shopper", item.shown, { at: Date.now() / 1000 });
    node.classList.add("pending");
    setState(node, "发送中…");
    return node;
  }

  function delivered(node, message) {
    if (!node) return;
    node.classList.remove("pending");
    setState(node, "");
    if (message && message.message_id) {
      node.dataset.id = message.message_id;
      rendered.set(message.message_id, node);
    }
  }

  function setState(node, text) {
    let state = node.querySelector(".state");
    if (!text) {
      if (state) state.remove();
      return;
    }
    if (!state) {
      state = el("span", "state");
      node.append(state);
    }
    state.textContent = text;
  }

  function scrollDown() {
    const list = $("messages");
    list.scrollTop = list.scrollHeight;
  }

  // --- rating -------------------------------------------------------------------------------------
  function ratedTickets() {
    try { return JSON.parse(localStorage.getItem(RATED_KEY)) || {}; } catch (e) { return {}; }
  }

  function ratingWidget(ticketId) {
    const box = el("div", "rating");
    const stars = el("div", "stars");
    for (let score = 5; score >= 1; score -= 1) { // reversed in CSS, so hover lights the stars before
      const star = el("button", "star", "★");
      star.type = "button";
      star.dataset.score = String(score);
      star.title = `${score} 分`;
      star.setAttribute("aria-label", `${score} 分`);
      star.addEventListener("click", () => rate(ticketId, score, box));
      stars.append(star);
    }
    box.append(stars, el("span", "rating-label", "点击星星为本次服务打分"));
    const done = ratedTickets()[ticketId];
    if (done) lockRating(box, done);
    return box;
  }

  function rate(ticketId, score, box) {
    if (!socket || !socket.send({ type: "rating", ticket_id: ticketId, score })) {
      refused({ message: "网络连接已断开，请稍后再评价。" });
      return;
    }
    const rated = ratedTickets();
    rated[ticketId] = score;
    localStorage.setItem(RATED_KEY, JSON.stringify(rated));
    lockRating(box, score);
    pendingRating = box;
  }

  function lockRating(box, score) {
    box.classList.add("done");
    for (const star of box.querySelectorAll(".star")) {
      star.disabled = true;
      star.classList.toggle("on", Number(star.dataset.score) <= score);
    }
    if (score) box.querySelector(".rating-label").textContent = `您的评分：${score} 分`;
  }

  // --- state, queue position and typing -----------------------------------------------------------
  function setMode(newMode, newPosition) {
    mode = newMode || "bot";
    position = newPosition || null;
    const banner = $("banner");
    banner.hidden = mode === "bot";
    if (mode === "queued") {
      banner.textContent = position
        ? `正在为您转接人工客服，您目前排在第 ${position} 位，请稍候…`
        : "正在为您转接人工客服，请稍候…";
    } else if (mode === "agent") {
      banner.textContent = agentName ? `人工客服 ${agentName} 正在为您服务` : "人工客服正在为您服务";
    }
    banner.className = `banner ${mode}`;
    $("status-line").textContent = STATUS[mode] || STATUS.bot;
    $("human-button").disabled = mode !== "bot";
  }

  /** Now and then, compare with the server: the queue position changes without an event to us
   *  (tickets ahead are claimed), and an event lost between gateway and Redis must not hide a reply. */
  async function sync() {
    syncTicks += 1;
    if (!session || !socket || !socket.isOpen || (mode !== "queued" && syncTicks % 4 !== 0)) return;
    const answer = await api("/api/shopper/conversation", { token: session.token });
    if (answer.status === 401) logout(answer.data.message);
    if (!answer.ok) return;
    const missed = (answer.data.messages || []).some((m) => m.message_id && !rendered.has(m.message_id));
    if (missed) restore(answer.data, false);
    else setMode(answer.data.mode, answer.data.position);
  }
  setInterval(sync, SYNC_MS);

  function showTyping(sender) {
    $("typing-text").textContent = sender === "agent" ? "客服正在输入…" : "智能助手正在输入…";
    $("typing").hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, sender === "agent" ? 6000 : 30000);
    scrollDown();
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    $("typing").hidden = true;
  }

  // --- sending ------------------------------------------------------------------------------------
  function send(text, shown) {
    const item = { clientId: clientId(), text, shown: shown || text, stored: false, node: null };
    item.node = pendingBubble(item);
    $("messages").append(item.node);
    outbox.push(item);
    socket.send({ type: "message", text, client_id: item.clientId }); // else resent on reconnect
    scrollDown();
  }

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("text");
    const text = box.value.trim();
    if (!text) return;
    if (text.length > MAX_CHARS) {
      refused({ message: `消息有点长（超过 ${MAX_CHARS} 个字），请分几次发送。` });
      return;
    }
    box.value = "";
    send(text);
  });

  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });

  $("text").addEventListener("input", () => {
    const now = Date.now();
    if (mode === "agent" && socket && now - lastTypingSent > 2500) {
      lastTypingSent = now;
      socket.send({ type: "typing" });
    }
  });

  $("human-button").addEventListener("click", () => send(HUMAN_PAYLOAD, "转人工"));

  // --- start --------------------------------------------------------------------------------------
  try { session = JSON.parse(sessionStorage.getItem(SESSION_KEY)); } catch (e) { session = null; }
  if (session && session.token) start();
})();
