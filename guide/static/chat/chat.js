// The Macau guide's web chat (socket.io) and kiosk mode (the kiosk channel), one script.
"use strict";
(() => {
const config = JSON.parse(document.getElementById("config").textContent);
const LANGUAGES = ["en", "zh-Hant", "zh-Hans", "pt"];
const WORDS = {
  "en": {payQr: "QR code to scan with your wallet app", title: "Macau guide", language: "Language", message: "Message", placeholder: "Ask about Macau…", send: "Send",
         locate: "Use my location", located: "Using your location", noLocation: "Your location is not available",
         walk: "min walk", ride: "min by bus or taxi", openUntil: "open until", open24: "open 24 hours", map: "Map",
         crowd: "Crowd", offline: "The guide cannot be reached just now; trying again…", handoff: "Continue on my phone",
         restart: "Start over", scan: "Scan to continue on your phone", scanNote: "This code works once, for a few minutes.",
         done: "Done", welcome: "Touch your language to start", notSetUp: "This kiosk is not set up: open it with its token.",
         continued: "Continuing the conversation from the kiosk.", codeFailed: "This code cannot be used: ask the kiosk for a new one.",
         pay: "Pay", tooFast: "Too many messages at once: please wait a moment.", levels: ["comfortable", "moderate", "busy", "congested", "severely congested"]},
  "zh-Hant": {payQr: "用電子錢包掃描的付款二維碼", title: "澳門導覽", language: "語言", message: "訊息", placeholder: "問我關於澳門的事…", send: "發送",
         locate: "使用我的位置", located: "正在使用你的位置", noLocation: "無法取得你的位置",
         walk: "分鐘步行", ride: "分鐘車程", openUntil: "營業至", open24: "24小時開放", map: "地圖", crowd: "人流",
         offline: "暫時無法連接導覽，正在重試…", handoff: "在手機上繼續", restart: "重新開始", scan: "用手機掃描以繼續對話",
         scanNote: "此二維碼只可使用一次，數分鐘內有效。", done: "完成", welcome: "請選擇語言開始",
         notSetUp: "此服務機尚未設定。", continued: "正在繼續服務機上的對話。", codeFailed: "此二維碼無法使用，請在服務機重新取得。",
         pay: "付款", tooFast: "訊息太密，請稍等片刻。", levels: ["舒適", "適中", "繁忙", "擁擠", "非常擁擠"]},
  "zh-Hans": {payQr: "用电子钱包扫描的付款二维码", title: "澳门导览", language: "语言", message: "消息", placeholder: "问我关于澳门的事…", send: "发送",
         locate: "使用我的位置", located: "正在使用你的位置", noLocation: "无法获取你的位置",
         walk: "分钟步行", ride: "分钟车程", openUntil: "营业至", open24: "24小时开放", map: "地图", crowd: "人流",
         offline: "暂时无法连接导览，正在重试…", handoff: "在手机上继续", restart: "重新开始", scan: "用手机扫描以继续对话",
         scanNote: "此二维码只能使用一次，几分钟内有效。", done: "完成", welcome: "请选择语言开始",
         notSetUp: "此服务机尚未设置。", continued: "正在继续服务机上的对话。", codeFailed: "此二维码无法使用，请在服务机重新获取。",
         pay: "付款", tooFast: "消息太频繁，请稍等片刻。", levels: ["舒适", "适中", "繁忙", "拥挤", "非常拥挤"]},
  "pt": {payQr: "Código QR para ler com a carteira digital", title: "Guia de Macau", language: "Língua", message: "Mensagem", placeholder: "Pergunte sobre Macau…", send: "Enviar",
         locate: "Usar a minha localização", located: "A usar a sua localização", noLocation: "A sua localização não está disponível",
         walk: "min a pé", ride: "min de autocarro ou táxi", openUntil: "aberto até", open24: "aberto 24 horas", map: "Mapa",
         crowd: "Movimento", offline: "O guia não está acessível agora; a tentar de novo…", handoff: "Continuar no telemóvel",
         restart: "Recomeçar", scan: "Leia com o telemóvel para continuar", scanNote: "Este código funciona uma vez, por poucos minutos.",
         done: "Concluído", welcome: "Toque na sua língua para começar", notSetUp: "Este quiosque não está configurado.",
         continued: "A continuar a conversa do quiosque.", codeFailed: "Este código não pode ser usado: peça outro ao quiosque.",
         pay: "Pagar", tooFast: "Demasiadas mensagens seguidas: aguarde um momento.", levels: ["confortável", "moderado", "movimentado", "congestionado", "muito congestionado"]},
};
const KIOSK = config.mode === "kiosk";
const $ = (id) => document.getElementById(id);
const log = $("log"), form = $("form"), input = $("input"), statusLine = $("status");
let language = KIOSK ? config.language : pickLanguage();
let location_ = null;

function pickLanguage() {
  const saved = localStorage.getItem("macau-guide-language");
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const t = tag.toLowerCase();
    if (t.startsWith("pt")) return "pt";
    if (t === "zh-tw" || t === "zh-hk" || t === "zh-mo" || t.startsWith("zh-hant")) return "zh-Hant";
    if (t.startsWith("zh")) return "zh-Hans";
    if (t.startsWith("en")) return "en";
  }
  return "en";
}

function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function words() { return WORDS[language] || WORDS.en; }

function applyWords() {
  const w = words();
  document.documentElement.lang = language;
  $("title").textContent = KIOSK && config.names ? (config.names[language] || w.title) : w.title;
  input.placeholder = w.placeholder;
  $("input-label").textContent = w.message;
  $("send").textContent = w.send;
  if (!KIOSK) {
    $("language-label").textContent = w.language;
    $("language").value = language;
    $("locate").querySelector("span").textContent = location_ ? w.located : w.locate;
    $("locate").setAttribute("aria-label", location_ ? w.located : w.locate);  // its text is hidden on a phone
  } else {
    $("handoff").querySelector("span").textContent = w.handoff;
    $("restart").querySelector("span").textContent = w.restart;
    $("welcome-title").textContent = w.welcome;
    $("qr-title").textContent = w.scan;
    $("qr-note").textContent = w.scanNote;
    $("qr-close").textContent = w.done;
    for (const b of document.querySelectorAll("[data-language]")) b.setAttribute("aria-pressed", String(b.dataset.language === language));
  }
}

// --- drawing messages -------------------------------------------------------------------

function linkify(parent, text) {
  const parts = text.split(/(https?:\/\/[^\s)]+)/g);
  parts.forEach((part, i) => {
    if (i % 2) {
      const a = document.createElement("a");
      a.href = part; a.textContent = part; a.rel = "noopener"; a.target = "_blank";
      parent.appendChild(a);
    } else if (part) parent.appendChild(document.createTextNode(part));
  });
}

function textBlock(text) {
  const div = document.createElement("div");
  div.className = "text";
  text.split("\n").forEach((line, i) => {
    if (i) div.appendChild(document.createElement("br"));
    linkify(div, line);
  });
  return div;
}

function card(c) {
  const w = words();
  const el = document.createElement("article");
  el.className = "card";
  el.dataset.id = c.id || "";
  const h = document.createElement("h3");
  h.textContent = c.name || "";
  el.appendChild(h);
  if (c.photo) {
    const img = document.createElement("img");
    img.src = c.photo; img.alt = c.name || ""; img.className = "photo";
    el.appendChild(img);
  }
  const facts = document.createElement("p");
  facts.className = "facts";
  if (c.crowd_level) {
    const badge = document.createElement("span");
    badge.className = `badge level-${c.crowd_level}`;
    badge.textContent = `${w.crowd}: ${w.levels[c.crowd_level - 1]}`;
    facts.appendChild(badge);
  }
  const bits = [];
  if (c.walk_minutes != null) bits.push(`${c.walk_minutes} ${w.walk}`);
  else if (c.ride_minutes != null) bits.push(`${c.ride_minutes} ${w.ride}`);
  if (c.open_24h) bits.push(w.open24);
  else if (c.open_until) bits.push(`${w.openUntil} ${c.open_until}`);
  if (bits.length) facts.appendChild(document.createTextNode(" " + bits.join(" · ")));
  if (facts.childNodes.length) el.appendChild(facts);
  if (c.map) {
    const a = document.createElement("a");
    a.href = c.map; a.textContent = `🗺 ${w.map}`; a.className = "map"; a.target = "_blank"; a.rel = "noopener";
    el.appendChild(a);
  }
  return el;
}

function buttonRow(buttons) {
  const row = document.createElement("div");
  row.className = "buttons";
  row.setAttribute("role", "group");
  for (const b of buttons) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = b.title;
    button.addEventListener("click", () => send(b.payload, b.title));
    row.appendChild(button);
  }
  return row;
}

function bubble(from) {
  const el = document.createElement("div");
  el.className = `msg ${from}`;
  log.appendChild(el);
  return el;
}

// One bot message (REST shape: text, buttons, image, custom); a card joins the bubble before it.
function drawBot(m) {
  const custom = m.custom || {};
  const payment = custom.payment;
  if (payment && !m.text && !m.image && !m.buttons && !custom.card
      && (KIOSK || !payment.checkout_url || log.querySelector(`a[href="${CSS.escape(payment.checkout_url)}"]`))) {
    return;  // the payment's own words, link or QR code are already on screen
  }
  const last = log.lastElementChild;
  let el;
  if (custom.card && !m.text && last && last.classList.contains("bot") && !last.querySelector(".card")) {
    el = last;
    el.insertBefore(card(custom.card), el.querySelector(".buttons"));
  } else {
    el = bubble("bot");
    if (m.text) el.appendChild(textBlock(m.text));
    if (custom.card) el.appendChild(card(custom.card));
  }
  if (m.image) {
    const img = document.createElement("img");
    img.src = m.image; img.className = "image"; img.alt = m.image.includes("/qr.svg") ? words().payQr : "";
    el.appendChild(img);
  }
  if (payment && payment.checkout_url && !KIOSK && !m.image && !(m.text || "").includes(payment.checkout_url)) {
    const a = document.createElement("a");
    a.href = payment.checkout_url; a.className = "pay"; a.textContent = words().pay; a.target = "_blank"; a.rel = "noopener";
    el.appendChild(a);
  }
  if (m.buttons && m.buttons.length) el.appendChild(buttonRow(m.buttons));
  el.scrollIntoView({block: "end"});
}

function drawVisitor(text) {
  bubble("visitor").appendChild(textBlock(text));
  log.lastElementChild.scrollIntoView({block: "end"});
}

// socket.io shapes -> REST shape
function normalize(m) {
  const out = {text: m.text, custom: m.custom};
  if (m.quick_replies && m.quick_replies.length) out.buttons = m.quick_replies;
  if (m.buttons) out.buttons = m.buttons;
  if (m.attachment && m.attachment.type === "image") out.image = m.attachment.payload.src;
  if (m.image) out.image = m.image;
  return out;
}

function metadata() {
  const md = {language, device: KIOSK ? "screen" : (matchMedia("(pointer: coarse)").matches && innerWidth < 900 ? "phone" : "screen")};
  if (location_) md.location = location_;
  return md;
}

function setStatus(text) { statusLine.textContent = text || ""; }

// --- web chat over socket.io ------------------------------------------------------------

let socket = null, sessionId = null, ready = false;
const queue = [];

async function loadHistory(conversationId) {
  try {
    const r = await fetch(`/api/v1/conversations/${encodeURIComponent(conversationId)}/messages`);
    if (!r.ok) return null;
    return await r.json();
  } catch (e) { return null; }
}

function connect() {
  socket = io(config.dialogue_url || undefined, {path: "/socket.io", transports: ["websocket"]});
  socket.on("connect", () => socket.emit("session_request", {session_id: sessionId}));
  socket.on("session_confirm", () => {
    ready = true;
    if (statusLine.textContent === words().offline) setStatus("");  // news such as "this code cannot be used" stays
    while (queue.length) socket.emit("user_uttered", queue.shift());
  });
  socket.on("bot_uttered", (m) => drawBot(normalize(m)));
  socket.on("rate_limited", () => setStatus(words().tooFast));  // the message was not sent (429)
  socket.on("connect_error", () => setStatus(words().offline));
  socket.on("disconnect", () => { ready = false; });
}

async function startWeb() {
  const params = new URLSearchParams(location.search);
  const code = params.get("continue");
  let greeting = false;
  if (code) {
    dropQuery();
    try {
      const r = await fetch("/api/v1/handoff/redeem", {method: "POST", headers: {"Content-Type": "application/json"},
                                                        body: JSON.stringify({code})});
      if (r.ok) {
        const body = await r.json();
        localStorage.setItem("macau-guide-session", body.conversation_id);
        language = body.language || language;
        localStorage.setItem("macau-guide-language", language);
        setStatus(words().continued);
      } else setStatus(words().codeFailed);
    } catch (e) { setStatus(words().codeFailed); }
  }
  sessionId = localStorage.getItem("macau-guide-session");
  if (!sessionId) {
    sessionId = `web-${randomId()}`;
    localStorage.setItem("macau-guide-session", sessionId);
  }
  document.body.dataset.conversation = sessionId;
  applyWords();
  const past = await loadHistory(sessionId);
  if (past && past.messages.length) {
    for (const m of past.messages) m.from === "visitor" ? drawVisitor(m.text) : drawBot(m);
    if (!code && LANGUAGES.includes(past.language) && !localStorage.getItem("macau-guide-language")) language = past.language;
  } else greeting = true;
  connect();
  if (greeting) send(`/greet${JSON.stringify({language})}`, null);
  $("language").addEventListener("change", (e) => {
    language = e.target.value;
    localStorage.setItem("macau-guide-language", language);
    applyWords();
    send(`/greet${JSON.stringify({language})}`, null);
  });
  $("locate").addEventListener("click", locate);
  if (navigator.permissions) {
    navigator.permissions.query({name: "geolocation"}).then((p) => { if (p.state === "granted") locate(); }).catch(() => {});
  }
}

function dropQuery() { window.history.replaceState(null, "", location.pathname); }

function locate() {
  if (!navigator.geolocation) { setStatus(words().noLocation); return; }
  navigator.geolocation.getCurrentPosition((pos) => {
    location_ = {lat: pos.coords.latitude, lon: pos.coords.longitude};
    $("locate").setAttribute("aria-pressed", "true");
    applyWords();
  }, () => setStatus(words().noLocation), {maximumAge: 300000, timeout: 10000});
}

// --- kiosk over the kiosk channel -------------------------------------------------------

let kioskToken = null, idleTimer = null;

async function postKiosk(message) {
  const session = sessionId;  // answers that arrive after an idle reset belong to the last visitor: dropped
  try {
    const r = await fetch(`${config.dialogue_url}/webhooks/kiosk/webhook`, {
      method: "POST", headers: {"Content-Type": "application/json", "Authorization": `Bearer ${kioskToken}`},
      body: JSON.stringify({sender: sessionId, message, metadata: {language}}),
    });
    if (session !== sessionId) return;
    if (r.status === 401) { setStatus(words().notSetUp); return; }
    if (r.status === 429) { setStatus(words().tooFast); return; }
    if (!r.ok) { setStatus(words().offline); return; }
    setStatus("");
    const replies = await r.json();
    if (session !== sessionId) return;
    for (const m of replies) drawBot(m);
  } catch (e) { setStatus(words().offline); }
}

function resetKiosk() {
  log.replaceChildren();
  sessionId = randomId();
  document.body.dataset.conversation = `kiosk-${config.kiosk_id}.${sessionId}`;  // channels/senders.py kiosk_conversation
  language = config.language;
  setStatus("");
  input.value = "";
  $("qr").hidden = true;
  $("qr-code").replaceChildren();
  $("welcome").hidden = false;
  applyWords();
}

function touched() {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(resetKiosk, config.idle_seconds * 1000);
}

function chooseLanguage(tag) {
  // Full screen needs a touch first (browsers refuse it otherwise); a kiosk browser in --kiosk mode already is.
  if (document.fullscreenEnabled && !document.fullscreenElement) document.documentElement.requestFullscreen().catch(() => {});
  language = tag;
  $("welcome").hidden = true;
  applyWords();
  send(`/greet${JSON.stringify({language})}`, null);
}

async function handoff() {
  const session = sessionId;
  const r = await fetch("/api/v1/handoff", {
    method: "POST", headers: {"Content-Type": "application/json", "Authorization": `Bearer ${kioskToken}`},
    body: JSON.stringify({session: sessionId, language}),
  });
  if (!r.ok) { setStatus(words().offline); return; }
  const body = await r.json();
  if (session !== sessionId) return;  // the kiosk was reset meanwhile: no QR code of the last visitor
  const box = $("qr-code");
  box.innerHTML = body.qr_svg;  // our own server's SVG (segno)
  box.dataset.url = body.url;
  $("qr").hidden = false;
  $("qr-close").focus();
}

function startKiosk() {
  const key = `macau-guide-kiosk-token:${config.kiosk_id}`;
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) { localStorage.setItem(key, fromHash); window.history.replaceState(null, "", location.pathname); }
  kioskToken = localStorage.getItem(key);
  $("welcome-place").textContent = (config.names || {})[config.language] || "";
  resetKiosk();
  if (!kioskToken) { $("welcome").hidden = true; setStatus(words().notSetUp); }
  for (const b of document.querySelectorAll("[data-language]")) b.addEventListener("click", () => chooseLanguage(b.dataset.language));
  $("restart").addEventListener("click", resetKiosk);
  $("handoff").addEventListener("click", handoff);
  $("qr-close").addEventListener("click", resetKiosk);  // the conversation went to the phone: nothing stays here
  for (const type of ["pointerdown", "keydown", "touchstart"]) document.addEventListener(type, touched, {passive: true});
  touched();
}

// --- sending ---------------------------------------------------------------------------

function send(message, shown) {
  if (shown) drawVisitor(shown);
  if (KIOSK) { postKiosk(message); return; }
  const data = {message, session_id: sessionId, metadata: metadata()};
  if (ready) socket.emit("user_uttered", data); else queue.push(data);
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send(text, text);
});

if (KIOSK) startKiosk(); else startWeb();
})();
