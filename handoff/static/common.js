"use strict";
// Helpers shared by the chat page and the agent console.
// Rule for both pages: text from shoppers, agents or the server only ever goes into textContent
// (through el()), never into innerHTML, so no message can become markup or script.

const Kefu = (() => {
  const HUMAN_PAYLOAD = "/request_human"; // what the 转人工 button sends (an intent, like a bot button)

  /** A new element with an optional class list and text (set as text, never parsed). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** Remove every child of a node. */
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /** JSON over fetch with a Bearer token; resolves to {ok, status, data} and never throws. */
  async function api(path, { token, method = "GET", body } = {}) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    try {
      const response = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      return { ok: response.ok, status: response.status, data: data || {} };
    } catch (e) {
      return { ok: false, status: 0, data: { message: "网络连接失败，请检查网络后重试。" } };
    }
  }

  /** A WebSocket that reconnects with back-off; onHello-style handling is up to the page. */
  class Socket {
    constructor(path, token, handlers) {
      this.path = path;
      this.token = token;
      this.handlers = handlers; // {open(), event(data), down(everOpened)}
      this.ws = null;
      this.delay = 500;
      this.stopped = false;
      this.timer = null;
      this.connect();
    }

    get isOpen() {
      return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
    }

    connect() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const url = `${scheme}//${location.host}${this.path}?token=${encodeURIComponent(this.token)}`;
      const ws = new WebSocket(url);
      let opened = false;
      this.ws = ws;
      ws.onopen = () => {
        opened = true;
        this.delay = 500;
        if (this.handlers.open) this.handlers.open();
      };
      ws.onmessage = (frame) => {
        let data;
        try { data = JSON.parse(frame.data); } catch (e) { return; }
        if (data && typeof data === "object") this.handlers.event(data);
      };
      ws.onclose = () => {
        if (this.ws !== ws) return;
        this.ws = null;
        if (this.handlers.down) this.handlers.down(opened);
        if (this.stopped) return;
        this.timer = setTimeout(() => this.connect(), this.delay);
        this.delay = Math.min(this.delay * 2, 4000);
      };
    }

    send(data) {
      if (!this.isOpen) return false;
      this.ws.send(JSON.stringify(data));
      return true;
    }

    close() {
      this.stopped = true;
      clearTimeout(this.timer);
      if (this.ws) this.ws.close();
      this.ws = null;
    }
  }

  const pad = (n) => String(n).padStart(2, "0");

  /** "14:05" for a Unix time in seconds. */
  function clock(at) {
    const d = new Date(at * 1000);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  /** "3 分 05 秒", "1 小时 2 分" for a number of seconds. */
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s} 秒`;
    if (s < 3600) return `${Math.floor(s / 60)} 分 ${pad(s % 60)} 秒`;
    return `${Math.floor(s / 3600)} 小时 ${Math.floor((s % 3600) / 60)} 分`;
  }

  /** A random id for a message the client sends (the server drops a resend with the same id). */
  function clientId() {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return "m" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Payload -> title of every button seen so far, so a clicked button reads as its title. */
  class ButtonTitles {
    constructor() { this.titles = new Map([[HUMAN_PAYLOAD, "转人工"]]); }
    learn(buttons) {
      for (const b of buttons || []) if (b && b.payload) this.titles.set(b.payload, b.title || b.payload);
    }
    show(text) {
      return (typeof text === "string" && text.startsWith("/") && this.titles.get(text)) || text;
    }
  }

  /** Brief sound and a blinking title until the page is looked at again. */
  const alerts = (() => {
    let audio = null;
    let blink = null;
    const original = document.title;
    function beep() {
      try {
        audio = audio || new (window.AudioContext || window.webkitAudioContext)();
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = 880;
        gain.gain.value = 0.08;
        osc.connect(gain).connect(audio.destination);
        osc.start();
        osc.stop(audio.currentTime + 0.15);
      } catch (e) { /* sound is a nicety */ }
    }
    function stop() {
      if (blink) clearInterval(blink);
      blink = null;
      document.title = original;
    }
    function flash(text) {
      beep();
      if (blink || (!document.hidden && document.hasFocus())) return;
      let on = false;
      blink = setInterval(() => {
        on = !on;
        document.title = on ? text : original;
      }, 900);
    }
    document.addEventListener("visibilitychange", () => { if (!document.hidden) stop(); });
    window.addEventListener("focus", stop);
    return { flash, stop };
  })();

  return { HUMAN_PAYLOAD, el, clear, api, Socket, clock, duration, clientId, ButtonTitles, alerts };
})();
