// Case queues: mine, unassigned, overdue, due today, waiting on a partner. Each row: the person's
// name, service type, status, due date and how late it is; a row opens the person's file.
import { api, problemLines, SessionExpired } from "./api.js";
import { $, busy, el, openRow, say, sayLines } from "./dom.js";
import { code, i18n, t } from "./i18n.js";
import { openCase } from "./case.js";
import { loadServiceTypes, serviceLabel } from "./case.js";

function lateness(c) {
  if (!c.is_overdue) return t("on_time");
  const days = Math.max(1, Math.round((Date.now() - new Date(`${c.due_date}T23:59:59`).getTime()) / 86400000));
  return `${t("late_by")} ${days} ${t("days")}`;
}

export async function names(cases) {
  const ids = [...new Set(cases.map((c) => c.registrant_id))];
  const found = await Promise.all(ids.map((id) => api("GET", `/api/v1/registrants/${id}`)));
  const out = {};
  found.forEach((r, i) => { out[ids[i]] = r.ok ? `${r.body.given_names} ${r.body.family_name}` : t("person"); });
  return out;
}

async function loadQueue() {
  const box = $("#queue-msg");
  try {
    const r = await api("GET", `/api/v1/cases?queue=${encodeURIComponent($("#queue").value)}&limit=50`);
    if (!r.ok) return sayLines(box, problemLines(r.body));
    say(box, "");
    const cases = r.body.items || [];
    const who = await names(cases);
    await loadServiceTypes(); // the service by its name in the catalogue, never its code
    const day = (iso) => new Intl.DateTimeFormat(i18n.lang, { dateStyle: "medium" }).format(new Date(`${iso}T12:00:00`));
    $("#cases").replaceChildren(...cases.map((c) => openRow([
      el("strong", who[c.registrant_id]), el("span", `${c.case_number} · ${serviceLabel(c.service_type)}`, { class: "mono" }),
      el("span", `${code(c.status)} · ${t("due")} ${day(c.due_date)} · ${lateness(c)}`, { class: c.is_overdue ? "late" : "" }),
    ], () => openCase(c.id))));
    if (!cases.length) $("#cases").append(el("li", t("none")));
  } catch (error) {
    if (!(error instanceof SessionExpired)) say(box, error.message);
  }
  return undefined;
}

export function initQueue() {
  $("#queue-form").removeAttribute("data-wait");
  $("#queue-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("#queue-form button[type=submit]"), loadQueue);
  });
}

export { loadQueue };
