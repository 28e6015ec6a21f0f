// Signing in and out. Signing out (or another agent signing in after a session ended) clears every
// screen, form, result and cached record; the password never stays in the page.
import { api, forgetKeys, forgetTokens, login, logoutRequest, onSessionExpired, tokens } from "./api.js";
import { $, $$, busy, el, focusOn, say } from "./dom.js";
import { t } from "./i18n.js";
import { resetState, state } from "./state.js";
import { awaitSignIn, mayLeave, showTab } from "./tabs.js";
import { refill } from "./unsaved.js";

const expiry = { userId: null };
// Each sign-in and sign-out starts a new turn: an answer that arrives after the agent signed out (or
// another agent signed in) is dropped. Not the access token: a renewal by a request sent meanwhile
// changes it within the same session, and the later screens would then never be loaded.
const session = { turn: 0 };

// What the role may do is shown, the rest hidden. A hidden option of a list can still be chosen
// by typing its first letter: it is disabled too, and a list left on one takes its first allowed.
function showForRole(role) {
  for (const b of $$("[data-roles]")) {
    b.hidden = !role || !b.dataset.roles.split(" ").includes(role);
    if (b instanceof HTMLOptionElement) b.disabled = b.hidden;
  }
  for (const option of $$("option[data-roles]")) {
    const select = option.closest("select");
    if (select.selectedOptions[0] && select.selectedOptions[0].disabled) {
      select.selectedIndex = [...select.options].findIndex((o) => !o.disabled);
    }
  }
}

export function clearAll() {
  document.dispatchEvent(new Event("desk:cleared")); // screens drop what they hold (blob: URLs…)
  resetState();
  forgetKeys();
  for (const form of $$("form")) form.reset();
  for (const node of $$("[data-clear]")) node.replaceChildren();
  for (const node of $$(".msg")) say(node, "");
  for (const node of $$("[aria-invalid]")) node.removeAttribute("aria-invalid");
  for (const select of $$(".desk-options")) select.replaceChildren();
  showForRole(null);
  $("#export-purpose-field").hidden = true;
  $("#duplicates").hidden = true;
  $("#more").hidden = true;
  $("#results-title").hidden = true;
}

function showLogin(message) {
  awaitSignIn();
  $("#desk-view").hidden = true;
  $("#logout").hidden = true;
  $("#login-view").hidden = false;
  $("#login-form").reset();
  say($("#login-msg"), message || "", "info");
  focusOn(message ? $("#login-msg") : $("#login-email"));
}

export function logout() {
  session.turn += 1;
  logoutRequest();
  forgetTokens();
  expiry.userId = null;
  clearAll();
  showLogin("");
}

// The session ended by itself: keep what the agent was typing, hidden, until they sign in again.
function expired() {
  session.turn += 1;
  expiry.userId = state.me ? state.me.id : null;
  $("#who").textContent = ""; // the sign-in screen names no one
  showLogin(t("expired"));
}

// `known`: the desk list is the server's answer (not the empty one drawn before it arrives). An
// account that belongs to no desk can do nothing at one: each desk list says so, and whom to ask.
// A form gone into before the list arrived: the desk it then chooses is not the agent's input.
function fillDesks(known = true) {
  const lists = $$(".desk-options");
  refill(lists, () => { for (const select of lists) fillDeskList(select, known && !state.desks.length); });
}

function fillDeskList(select, none) {
  const options = state.desks.map((d) => el("option", `${d.name} (${d.city})`, { value: d.code }));
  if (select.dataset.any) options.unshift(el("option", t("any"), { value: "" }));
  select.replaceChildren(...options);
  const note = document.getElementById(`${select.id}-none`);
  // a list that cannot be filled is no browser's "select an item" popup: the note says why
  if (none && select.required) { select.required = false; select.dataset.required = "1"; }
  if (!none && select.dataset.required) { select.required = true; delete select.dataset.required; }
  if (none && !note) {
    select.after(el("p", t("no_desk"), { id: `${select.id}-none`, class: "note", "data-t": "no_desk" }));
    select.setAttribute("aria-describedby", `${select.id}-none`);
  } else if (!none && note) {
    note.remove();
    select.removeAttribute("aria-describedby");
  }
}

// `ready`: the desk names are known, the other screens (which need them) can load.
function open(me, desks, resumed, ready = true) {
  state.me = me;
  $("#who").textContent = me.email;
  showForRole(me.role);
  if (!resumed) { state.desks = desks; fillDesks(ready); }
  $("#login-view").hidden = true;
  $("#desk-view").hidden = false;
  $("#logout").hidden = false;
  if (resumed) {
    const box = $(".msg", $(".tab:not([hidden])"));
    say(box, t("resend"), "info");
    focusOn(box);
  } else {
    showTab("search");
  }
  if (ready) document.dispatchEvent(new Event("desk:ready"));
}

// The agent named by an access token (its `sub` and `role` claims), read without checking the
// signature: only to draw the screen at once; the server checks the token on every call.
function claimsOf(token) {
  try {
    const part = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
    const claims = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
    return claims.sub && claims.role ? claims : null;
  } catch {
    return null;
  }
}

function opened(me, desks, ready = true) {
  const resumed = Boolean(expiry.userId) && expiry.userId === me.id;
  if (expiry.userId && !resumed) clearAll();
  expiry.userId = null;
  open(me, desks, resumed, ready);
}

// After sign-in (`email` typed): the search screen is shown at once from the token's claims, no
// round trip before it can be used; the agent's account and the desk names follow and fill in the
// desk lists. Opening the client with a token but no account in the tab: both first.
export async function enter(email = "") {
  const turn = ++session.turn;
  const access = tokens().access;
  const desks = api("GET", "/api/v1/desks"); // in parallel with /me: one round trip, not two
  const me = api("GET", "/api/v1/auth/me");
  const claims = email ? claimsOf(access || "") : null;
  if (claims) opened({ id: claims.sub, role: claims.role, email, desk_ids: null }, [], false);
  const [mine, list] = [await me, await desks];
  if (session.turn !== turn) return undefined; // signed out (or in again) meanwhile
  if (!mine.ok) return claims ? document.dispatchEvent(new Event("desk:ready")) : undefined;
  // The agent's own account and the desk names, so that opening the client again in this tab
  // shows the search at once (checked with the server just after); forgotten at sign-out.
  sessionStorage.setItem("agent", JSON.stringify({ me: mine.body, desks: list.ok ? list.body : [] }));
  if (!claims) return opened(mine.body, list.ok ? list.body : []);
  state.me = mine.body;
  $("#who").textContent = mine.body.email;
  if (!state.desks.length) { state.desks = list.ok ? list.body : []; fillDesks(); }
  document.dispatchEvent(new Event("desk:ready")); // forms of later screens wait for it (app.js)
  return undefined;
}

async function submitLogin(event) {
  event.preventDefault();
  const form = event.target;
  await busy($("button[type=submit]", form), async () => {
    try {
      const email = form.elements.namedItem("username").value;
      const r = await login(form);
      form.reset(); // the password leaves the page whatever the answer
      if (!r.ok) {
        say($("#login-msg"), (r.body && (r.body.detail || r.body.title)) || t("unexpected"), "error");
        // the e-mail typed stays (not a secret): only the password is typed again
        $("#login-email").value = email;
        focusOn(email ? $("#login-password") : $("#login-email"));
        return;
      }
      say($("#login-msg"), "");
      await enter(email);
    } catch (error) {
      say($("#login-msg"), error.message, "error");
    }
  });
}

export function initSession() {
  onSessionExpired(expired);
  $("#login-form").addEventListener("submit", submitLogin);
  // Enabled only now: before the script runs, a submit would send the password in the URL.
  $("#login-form button[type=submit]").disabled = false;
  // Signing out clears every form: input not saved on the screen is asked about first.
  $("#logout").addEventListener("click", async () => { if (await mayLeave()) logout(); });
  const cached = sessionStorage.getItem("agent");
  if (tokens().access && cached) {
    const agent = JSON.parse(cached);
    open(agent.me, agent.desks, false);
    api("GET", "/api/v1/auth/me").catch(() => {}); // an ended session shows the sign-in screen
  } else if (tokens().access) {
    enter().catch(() => showLogin(""));
  }
}
