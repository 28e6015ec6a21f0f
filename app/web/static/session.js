// Signing in and out. Signing out (or another agent signing in after a session ended) clears every
// screen, form, result and cached record; the password never stays in the page.
import { api, forgetKeys, forgetTokens, login, logoutRequest, onSessionExpired, tokens } from "./api.js";
import { $, $$, busy, el, focusOn, say } from "./dom.js";
import { t } from "./i18n.js";
import { resetState, state } from "./state.js";
import { showTab } from "./tabs.js";

const expiry = { userId: null };

export function clearAll() {
  resetState();
  forgetKeys();
  for (const form of $$("form")) form.reset();
  for (const node of $$("[data-clear]")) node.replaceChildren();
  for (const node of $$(".msg")) say(node, "");
  for (const node of $$("[aria-invalid]")) node.removeAttribute("aria-invalid");
  for (const select of $$(".desk-options")) select.replaceChildren();
  $("#duplicates").hidden = true;
  $("#more").hidden = true;
  $("#results-title").hidden = true;
}

function showLogin(message) {
  $("#desk-view").hidden = true;
  $("#logout").hidden = true;
  $("#login-view").hidden = false;
  $("#login-form").reset();
  say($("#login-msg"), message || "", "info");
  focusOn(message ? $("#login-msg") : $("#login-email"));
}

export function logout() {
  logoutRequest();
  forgetTokens();
  expiry.userId = null;
  clearAll();
  showLogin("");
}

// The session ended by itself: keep what the agent was typing, hidden, until they sign in again.
function expired() {
  expiry.userId = state.me ? state.me.id : null;
  showLogin(t("expired"));
}

async function loadDesks() {
  const r = await api("GET", "/api/v1/desks");
  state.desks = r.ok ? r.body : [];
  for (const select of $$(".desk-options")) {
    const options = state.desks.map((d) => el("option", `${d.name} (${d.city})`, { value: d.code }));
    if (select.dataset.any) options.unshift(el("option", t("any"), { value: "" }));
    select.replaceChildren(...options);
  }
}

export async function enter() {
  const me = await api("GET", "/api/v1/auth/me");
  if (!me.ok) return;
  const resumed = expiry.userId && expiry.userId === me.body.id;
  if (expiry.userId && !resumed) clearAll();
  expiry.userId = null;
  state.me = me.body;
  $("#who").textContent = me.body.email;
  if (!resumed) await loadDesks();
  $("#login-view").hidden = true;
  $("#desk-view").hidden = false;
  $("#logout").hidden = false;
  if (resumed) {
    const tab = $(".tab:not([hidden])");
    const box = $(".msg", tab);
    say(box, t("resend"), "info");
    focusOn(box);
  } else {
    showTab("search");
  }
}

async function submitLogin(event) {
  event.preventDefault();
  const form = event.target;
  await busy($("button[type=submit]", form), async () => {
    try {
      const r = await login(form);
      form.reset(); // the password leaves the page whatever the answer
      if (!r.ok) {
        say($("#login-msg"), r.body.detail || r.body.title, "error");
        focusOn($("#login-email"));
        return;
      }
      say($("#login-msg"), "");
      await enter();
    } catch (error) {
      say($("#login-msg"), error.message, "error");
    }
  });
}

export function initSession() {
  onSessionExpired(expired);
  $("#login-form").addEventListener("submit", submitLogin);
  $("#logout").addEventListener("click", logout);
  if (tokens().access) enter().catch(() => showLogin(""));
}
