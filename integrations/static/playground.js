// The playground client: sends what you type or press to /playground/api/message and shows the
// replies with their buttons, exactly as the dialog engine drew them.
(function () {
  "use strict";
  const chat = document.getElementById("chat");
  const text = document.getElementById("text");
  const locationForm = document.getElementById("location-form");
  // The session is an HttpOnly cookie the server sets with the page: this script never sees it.
  let busy = Promise.resolve();

  function bubble(who, body) {
    const div = document.createElement("div");
    div.className = "bubble " + who;
    div.textContent = body;
    chat.appendChild(div);
    chat.scrollTop = chat.scrollHeight;
    return div;
  }

  function disableOldButtons() {
    chat.querySelectorAll(".buttons button").forEach(b => { b.disabled = true; });
  }

  function show(message) {
    const div = bubble("bot", message.text);
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
          if (b.kind === "location") { locationForm.hidden = false; return; }
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
      if (echo) bubble("me", echo);
      disableOldButtons();
      const body = Object.assign({ message_id: Math.floor(Math.random() * 2 ** 52),
                                   language: navigator.language }, payload);
      try {
        const response = await fetch("/playground/api/message", {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        if (!response.ok) { bubble("bot", "⚠️ " + response.status); return; }
        const data = await response.json();
        data.messages.forEach(show);
      } catch (err) {
        bubble("bot", "⚠️ network");
      }
    });
    return busy;
  }

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
  document.getElementById("reset").addEventListener("click", async () => {
    await fetch("/playground/api/session", { method: "POST" });
    chat.innerHTML = "";
    send({ kind: "text", text: "/start" });
  });
  send({ kind: "text", text: "/start" });
})();
