// Diaspora Desk web client: plain ES modules, no build step. All text is inserted with
// textContent (never as HTML), so nothing a registrant typed can run in an agent's browser.
import { LABELS } from "./i18n.js";

const $ = (sel) => document.querySelector(sel);
const state = { lang: sessionStorage.getItem("lang") || "fr", cursor: null, query: "", pending: null };
const t = (key) => LABELS[state.lang][key] || key;

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function translate() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-t]").forEach((n) => { n.textContent = t(n.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((n) => { n.placeholder = t(n.dataset.tp); });
  $("#lang").textContent = t("other_language");
}

function show(message, isError = true) {
  const box = $("#message");
  box.hidden = !message;
  box.className = isError ? "error" : "ok";
  box.textContent = message || "";
}

// A problem+json body (RFC 9457) rendered for a person: title, detail and the invalid fields.
function problemText(problem) {
  const parts = [problem.title, problem.detail].filter(Boolean);
  for (const e of problem.errors || []) parts.push(`${(e.loc || []).slice(1).join(".")}: ${e.msg}`);
  return parts.join(" — ");
}

async function refresh() {
  const token = sessionStorage.getItem("refresh");
  if (!token) return false;
  const r = await fetch("/api/v1/auth/token", {
    method: "POST",
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token }),
  });
  if (!r.ok) return false;
  storeTokens(await r.json());
  return true;
}

function storeTokens(tokens) {
  sessionStorage.setItem("access", tokens.access_token);
  sessionStorage.setItem("refresh", tokens.refresh_token);
}

async function api(method, path, { json, retry = true, extraHeaders = {} } = {}) {
  const headers = {
    "Accept-Language": state.lang, Authorization: `Bearer ${sessionStorage.getItem("access")}`, ...extraHeaders,
  };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  if (r.status === 401 && retry && (await refresh())) return api(method, path, { json, retry: false, extraHeaders });
  if (r.status === 401) { logout(); throw new Error(t("login")); }
  const body = r.status === 204 ? null : await r.json();
  return { status: r.status, ok: r.ok, body };
}

async function login(event) {
  event.preventDefault();
  const r = await fetch("/api/v1/auth/token", {
    method: "POST", headers: { "Accept-Language": state.lang }, body: new URLSearchParams(new FormData(event.target)),
  });
  const body = await r.json();
  if (!r.ok) return show(problemText(body));
  storeTokens(body);
  show("");
  await enter();
}

function logout() {
  const token = sessionStorage.getItem("refresh");
  if (token) {
    fetch("/api/v1/auth/logout", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${sessionStorage.getItem("access")}` },
      body: JSON.stringify({ refresh_token: token }),
    });
  }
  sessionStorage.removeItem("access");
  sessionStorage.removeItem("refresh");
  $("#desk-view").hidden = true;
  $("#login-view").hidden = false;
  $("#logout").hidden = true;
  $("#who").textContent = "";
}

async function enter() {
  const me = await api("GET", "/api/v1/auth/me");
  if (!me.ok) return;
  $("#who").textContent = `${me.body.email} (${me.body.role})`;
  const desks = await api("GET", "/api/v1/desks");
  if (desks.ok) {
    $("#desk-select").replaceChildren(...desks.body.map((d) => el("option", `${d.code} — ${d.city}`, { value: d.code })));
  }
  $("#login-view").hidden = true;
  $("#desk-view").hidden = false;
  $("#logout").hidden = false;
}

function registrantLine(r) {
  const li = el("li");
  const name = `${r.given_names} ${r.family_name}`;
  li.append(el("strong", name), el("span", ` ${r.registration_number} `), el("span", r.date_of_birth || ""));
  li.tabIndex = 0;
  li.addEventListener("click", () => openRegistrant(r.id));
  return li;
}

async function search(event, more = false) {
  if (event) event.preventDefault();
  if (!more) { state.query = new FormData($("#search-form")).get("q"); state.cursor = null; $("#results").replaceChildren(); }
  const params = new URLSearchParams({ q: state.query, limit: "25" });
  if (state.cursor) params.set("cursor", state.cursor);
  const r = await api("GET", `/api/v1/registrants?${params}`);
  if (!r.ok) return show(problemText(r.body));
  show("");
  for (const item of r.body.items) $("#results").append(registrantLine(item));
  if (!r.body.items.length && !more) $("#results").append(el("li", t("none")));
  state.cursor = r.body.next_cursor;
  $("#more").hidden = !state.cursor;
}

async function openRegistrant(id) {
  const r = await api("GET", `/api/v1/registrants/${id}`);
  if (!r.ok) return show(problemText(r.body));
  const p = r.body;
  const box = $("#detail");
  box.hidden = false;
  const dl = el("dl");
  // An unverified number (not validated by the phone library) is shown as typed, marked for a check.
  const phoneText = (x) =>
    (x.verified === false ? `${x.raw} (${t("phone_unverified")})` : x.e164) + (x.whatsapp ? " (WhatsApp)" : "");
  const rows = [
    [t("given_names"), p.given_names], [t("family_name"), p.family_name], [t("sex"), p.sex],
    [t("dob"), p.date_of_birth], [t("phone"), (p.phones || []).map(phoneText).join(", ")],
    [t("host_city"), p.host_city],
  ];
  for (const [k, v] of rows) dl.append(el("dt", k), el("dd", v || "—"));
  box.replaceChildren(el("h3", `${p.registration_number} — ${p.given_names} ${p.family_name}`), dl);
  const cases = await api("GET", `/api/v1/registrants/${id}/cases`);
  if (cases.ok) {
    box.append(el("h4", t("cases_of")));
    const ul = el("ul", null, { class: "list" });
    for (const c of cases.body.items || []) ul.append(caseLine(c));
    box.append(ul);
  }
}

function caseLine(c) {
  const li = el("li");
  li.append(el("strong", c.case_number), el("span", ` ${c.status} `), el("span", `${t("due")} ${c.due_date || "—"}`));
  li.addEventListener("click", () => openTimeline(c.id, li));
  return li;
}

async function openTimeline(caseId, anchor) {
  const r = await api("GET", `/api/v1/cases/${caseId}/timeline`);
  if (!r.ok) return show(problemText(r.body));
  const ol = el("ol", null, { class: "timeline" });
  for (const e of r.body.items || r.body) {
    ol.append(el("li", `${new Date(e.occurred_at).toLocaleString(state.lang)} — ${e.kind} — ${e.actor_label || ""}`));
  }
  anchor.after(ol);
}

// crypto.randomUUID exists only in secure contexts (HTTPS, localhost); getRandomValues everywhere.
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function registrationBody(form, confirm) {
  const data = new FormData(form);
  const body = {
    desk_code: data.get("desk_code"),
    given_names: data.get("given_names"), family_name: data.get("family_name"), sex: data.get("sex"),
    consents: [{ purpose: "service_delivery", granted: true, channel: "in_person", notice_version: "2026-01", language: state.lang }],
  };
  for (const key of ["date_of_birth", "origin_region", "host_city"]) if (data.get(key)) body[key] = data.get(key);
  if (data.get("phone")) body.phones = [{ number: data.get("phone"), whatsapp: data.get("whatsapp") === "on" }];
  return { body, confirm };
}

async function register(event, confirm = false) {
  if (event) event.preventDefault();
  const { body } = registrationBody($("#register-form"), confirm);
  const key = state.pending || newKey();
  state.pending = key;
  const path = `/api/v1/registrants${confirm ? "?confirm_duplicates=true" : ""}`;
  // One key per person being registered: a retry after a network failure cannot create them twice.
  const r = await api("POST", path, { json: body, extraHeaders: { "Idempotency-Key": key } });
  if (r.status === 409 && r.body.candidates) {
    $("#duplicates").hidden = false;
    $("#candidates").replaceChildren(...r.body.candidates.map((c) => {
      const li = el("li");
      li.append(el("strong", `${c.given_names || ""} ${c.family_name || ""}`), el("span", ` ${c.registration_number} `),
        el("span", `${t("score")} ${Math.round(c.score * 100)}% — ${(c.reasons || []).join(", ")}`));
      return li;
    }));
    return;
  }
  state.pending = null;
  if (!r.ok) return show(problemText(r.body));
  $("#duplicates").hidden = true;
  $("#register-form").reset();
  show(`${t("registered")}: ${r.body.registration_number}`, false);
}

async function loadQueue() {
  const r = await api("GET", `/api/v1/cases?queue=${encodeURIComponent($("#queue").value)}`);
  if (!r.ok) return show(problemText(r.body));
  $("#cases").replaceChildren(...(r.body.items || []).map(caseLine));
  if (!(r.body.items || []).length) $("#cases").append(el("li", t("none")));
}

function switchTab(name) {
  document.querySelectorAll(".tab").forEach((n) => { n.hidden = n.id !== `tab-${name}`; });
  if (name === "cases") loadQueue();
}

$("#login-form").addEventListener("submit", login);
$("#logout").addEventListener("click", logout);
$("#search-form").addEventListener("submit", search);
$("#more").addEventListener("click", () => search(null, true));
$("#register-form").addEventListener("submit", register);
$("#confirm-new").addEventListener("click", () => register(null, true));
$("#queue").addEventListener("change", loadQueue);
document.querySelectorAll("[data-tab]").forEach((b) => b.addEventListener("click", () => switchTab(b.dataset.tab)));
$("#lang").addEventListener("click", () => {
  state.lang = state.lang === "fr" ? "en" : "fr";
  sessionStorage.setItem("lang", state.lang);
  translate();
});
translate();
if (sessionStorage.getItem("access")) enter();
