// The inbox's only script: live updates from the feed, and forms sent without a reload.
// Plain JavaScript, no build step, nothing fetched from elsewhere: the page works offline.
"use strict";

(function () {
  const body = document.body;
  const status = document.getElementById("live-status");
  const toast = document.getElementById("toast");
  let pending = new Set();
  let timer = null;

  function say(text, failed) {
    if (!toast) return;
    toast.textContent = text;
    toast.classList.toggle("failed", Boolean(failed));
    toast.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.hidden = true; }, 4000);
  }

  // Replace the page's live regions whose topics changed with their fresh rendering. A region
  // holding the field you are typing in waits, so nothing you type is lost.
  async function refresh(topics) {
    const regions = Array.from(document.querySelectorAll("[data-live]")).filter(function (node) {
      return node.dataset.live.split(" ").some(function (topic) { return topics.has(topic); });
    });
    if (!regions.length) return;
    const response = await fetch(location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    regions.forEach(function (region) {
      const replacement = fresh.getElementById(region.id);
      const typing = region.contains(document.activeElement) &&
        document.activeElement.matches("input:not([type=hidden]), textarea, select");
      if (!replacement) return;
      if (typing) { pending.add(region.dataset.live.split(" ")[0]); return; }
      const open = Array.from(region.querySelectorAll("details[open]")).map(function (node) {
        return node.closest("[id]") && node.closest("[id]").id;
      });
      region.replaceWith(replacement);
      open.forEach(function (id) {
        const item = id && document.getElementById(id);
        const details = item && item.querySelector("details");
        if (details) details.open = true;
      });
    });
  }

  function schedule(topics) {
    topics.forEach(function (topic) { pending.add(topic); });
    clearTimeout(timer);
    timer = setTimeout(function () {
      const topicsNow = pending;
      pending = new Set();
      refresh(topicsNow);
    }, 50);
  }

  // A broadcast's progress arrives with the change itself: the bar moves without a fetch.
  function progress(broadcasts) {
    Object.keys(broadcasts).forEach(function (id) {
      const card = document.querySelector('[data-broadcast="' + id + '"]');
      if (!card) return;
      const update = broadcasts[id];
      const counts = update.counts;
      const percent = counts.total ? Math.round(100 * (counts.total - counts.queued) / counts.total) : 100;
      card.querySelector('[data-field="bar"]').value = percent;
      card.querySelector('[data-field="percent"]').textContent = percent + " %";
      card.querySelector('[data-field="status"]').textContent = update.status;
    });
  }

  if (body.dataset.stream && window.EventSource) {
    const feed = new EventSource(body.dataset.stream);
    feed.addEventListener("open", function () { if (status) status.textContent = "updating live"; });
    feed.addEventListener("error", function () { if (status) status.textContent = "reconnecting…"; });
    feed.addEventListener("change", function (message) {
      const change = JSON.parse(message.data);
      progress(change.broadcasts);
      schedule(change.topics);
    });
  }

  // Forms: sent with fetch, answered with the API's own words. Each form carries an
  // idempotency key, so a double click sends once; a fresh key comes back for the next send.
  document.addEventListener("submit", async function (submitted) {
    const form = submitted.target;
    if (!form.matches("[data-action]")) return;
    submitted.preventDefault();
    const button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" },
      });
      const outcome = await response.json();
      say(outcome.ok ? outcome.message : "Refused (" + outcome.status + "): " + outcome.message, !outcome.ok);
      if (outcome.ok) {
        form.querySelector("[name=idempotency_key]").value = outcome.next_key;
        if (form.matches("[data-reset]")) {
          form.querySelectorAll("textarea, input:not([type=hidden])").forEach(function (field) { field.value = ""; });
        }
        schedule(["messages", "webhooks", "broadcasts", "templates", "clock"]);
      }
    } catch (failure) {
      say("The mock did not answer: " + failure, true);
    } finally {
      if (button) button.disabled = false;
    }
  });

  // The reply box: Enter sends, Shift+Enter starts a new line; the kind picks its fields.
  document.addEventListener("keydown", function (key) {
    const field = key.target;
    if (key.key === "Enter" && !key.shiftKey && field.matches("form.reply textarea")) {
      key.preventDefault();
      field.form.requestSubmit();
    }
  });
  document.addEventListener("change", function (changed) {
    const select = changed.target;
    if (!select.matches("[data-kind-select]")) return;
    select.form.querySelectorAll("fieldset[data-kind]").forEach(function (set) {
      const chosen = set.dataset.kind === select.value;
      set.hidden = !chosen;
      set.disabled = !chosen;
    });
  });
  document.addEventListener("focusout", function () {
    if (pending.size) schedule([]);
  });
})();
