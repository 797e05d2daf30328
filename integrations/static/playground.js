// The playground client: sends what you type or press to /playground/api/message and shows the
// replies with their buttons, exactly as the dialog engine drew them.
(function () {
  "use strict";
  const chat = document.getElementById("chat");
  const text = document.getElementById("text");
  const locationForm = document.getElementById("location-form");
  // The session is an HttpOnly cookie the server sets with the page: this script never sees it.
  // The page's words come from the catalogs (integrations/playground.py fills them in).
  const texts = JSON.parse(document.getElementById("texts").textContent);
  let busy = Promise.resolve();

  // Numbers to call become one-tap tel: links: the emergency lines (112, 119, 109, 129), the
  // 1xxx-xxxx hotlines and 0x(x)-xxx(x)-xxxx numbers (a 주민센터's). Not inside amounts such as
  // 1,129,000원 or 129만원. Receipt numbers (SP-7K3Q-9D) are kept on one line.
  const CALLABLE = /(?<![\d\-,.#:\/])(11[29]|1[02]9|1[3-9]\d\d-\d{4}|0\d{1,2}-\d{3,4}-\d{4})(?![\d\-]|,\d|[만원명세건일년개월%])/;
  const RECEIPT = /SP-[0-9A-Z]{4}-[0-9A-Z]{2}/;
  const PIECES = new RegExp(CALLABLE.source + "|(" + RECEIPT.source + ")", "g");

  function fill(element, body) {
    let at = 0;
    for (const match of body.matchAll(PIECES)) {
      element.appendChild(document.createTextNode(body.slice(at, match.index)));
      if (match[1]) {
        const link = document.createElement("a");
        link.className = "call";
        link.href = "tel:" + match[1].replace(/-/g, "");
        link.textContent = "☎ " + match[1];
        element.appendChild(link);
      } else {
        const receipt = document.createElement("span");
        receipt.className = "receipt";
        receipt.textContent = match[2];
        element.appendChild(receipt);
      }
      at = match.index + match[0].length;
    }
    element.appendChild(document.createTextNode(body.slice(at)));
  }

  function bubble(who, body) {
    const div = document.createElement("div");
    div.className = "bubble " + who;
    if (who === "bot") fill(div, body); else div.textContent = body;
    chat.appendChild(div);
    return div;
  }

  // Scroll only once a reply and its buttons are all on the page: scrolling before the buttons
  // arrive left them below the fold on a phone.
  function scrollToEnd() {
    chat.scrollTop = chat.scrollHeight;
  }

  function disableOldButtons() {
    chat.querySelectorAll(".buttons button").forEach(b => { b.disabled = true; });
  }

  function show(message) {
    const div = bubble("bot", message.text);
    // Numbers to call that the reply names (Telegram sends them as contact cards): one big tap each.
    for (const call of message.calls || []) {
      const card = document.createElement("a");
      card.className = "call-card";
      card.href = call.tel;
      card.textContent = "📞 " + call.label;
      div.appendChild(card);
    }
    if (!message.buttons.length) return;
    const box = document.createElement("div");
    box.className = "buttons";
    for (const row of message.buttons) {
      const r = document.createElement("div");
      r.className = "row";
      for (const b of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.label;
        button.dataset.value = b.value;
        button.addEventListener("click", () => {
          if (b.kind === "location") { locationForm.hidden = false; scrollToEnd(); return; }
          if (b.kind === "contact") { text.focus(); return; }
          send({ kind: "choice", value: b.value, version: message.version }, b.label);
        });
        r.appendChild(button);
      }
      box.appendChild(r);
    }
    div.appendChild(box);
  }

  function send(payload, echo) {
    busy = busy.then(async () => {
      if (echo) { bubble("me", echo); scrollToEnd(); }
      disableOldButtons();
      const body = Object.assign({ message_id: Math.floor(Math.random() * 2 ** 52),
                                   language: navigator.language }, payload);
      try {
        const response = await fetch("/playground/api/message", {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        if (!response.ok) { bubble("bot", texts.error + " (" + response.status + ")"); scrollToEnd(); return; }
        const data = await response.json();
        data.messages.forEach(show);
      } catch (err) {
        bubble("bot", texts.network_error);
      }
      scrollToEnd();
    });
    return busy;
  }

  // An audio file as a spoken description (a voice note in Telegram): its length read by the
  // browser, the bytes posted as they are to /playground/api/voice.
  function audioSeconds(file) {
    return new Promise((resolve) => {
      const audio = document.createElement("audio");
      const url = URL.createObjectURL(file);
      const done = (value) => { URL.revokeObjectURL(url); resolve(value); };
      audio.preload = "metadata";
      audio.onloadedmetadata = () => done(isFinite(audio.duration) ? Math.round(audio.duration) : null);
      audio.onerror = () => done(null);
      audio.src = url;
    });
  }

  function sendAudio(file) {
    busy = busy.then(async () => {
      bubble("me", "🎤 " + file.name);
      disableOldButtons();
      const seconds = await audioSeconds(file);
      const query = new URLSearchParams({ message_id: String(Math.floor(Math.random() * 2 ** 52)),
                                          language: navigator.language || "" });
      if (seconds !== null) query.set("duration", String(seconds));
      try {
        const response = await fetch("/playground/api/voice?" + query, {
          method: "POST", headers: { "Content-Type": file.type || "audio/ogg" }, body: file });
        if (!response.ok) { bubble("bot", texts.error + " (" + response.status + ")"); scrollToEnd(); return; }
        (await response.json()).messages.forEach(show);
      } catch (err) {
        bubble("bot", texts.network_error);
      }
      scrollToEnd();
    });
    return busy;
  }

  document.getElementById("audio-file").addEventListener("change", (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (file) sendAudio(file);
  });

  document.getElementById("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const value = text.value;
    if (!value.trim()) return;
    text.value = "";
    send({ kind: "text", text: value }, value);
  });
  document.getElementById("send-location").addEventListener("click", () => {
    const lat = parseFloat(document.getElementById("lat").value);
    const lon = parseFloat(document.getElementById("lon").value);
    locationForm.hidden = true;
    send({ kind: "location", lat, lon }, "📍 " + lat + ", " + lon);
  });
  // A new chat throws away what was typed so far: ask first, once anything was answered.
  document.getElementById("reset").addEventListener("click", async () => {
    if (chat.querySelector(".me") && !window.confirm(texts.reset_confirm)) return;
    await fetch("/playground/api/session", { method: "POST" });
    chat.innerHTML = "";
    locationForm.hidden = true;
    send({ kind: "text", text: "/start" });
  });
  send({ kind: "text", text: "/start" });
})();
