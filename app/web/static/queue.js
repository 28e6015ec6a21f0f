// Case queues: mine, unassigned, overdue, due today, waiting on a partner. Each row: the person's
// name, service type, status, due date and how late it is; a row opens the person's file.
import { api, readPart, SessionExpired } from "./api.js";
import { $, busy, el, openRow, say, unreadNotice } from "./dom.js";
import { code, dayText, t } from "./i18n.js";
import { loadServiceTypes, openCase, serviceLabel } from "./case.js";

function lateness(c) {
  if (!c.is_overdue) return t("on_time");
  const days = Math.max(1, Math.round((Date.now() - new Date(`${c.due_date}T23:59:59`).getTime()) / 86400000));
  return `${t("late_by")} ${days}\u00a0${t("days")}`;
}

/** The names of the people of `items` (each with a `registrant_id`), read one file each:
 * {registrant id: "given names family name"}. A name that could not be read (a refusal, no answer)
 * is « nom indisponible » (`who.unread`: those ids), and the list is drawn all the same; only an
 * expired session stops it. */
export async function names(items) {
  const ids = [...new Set(items.map((c) => c.registrant_id))];
  const found = await Promise.all(ids.map((id) => api("GET", `/api/v1/registrants/${id}`).catch((error) => {
    if (error instanceof SessionExpired) throw error;
    return { ok: false };
  })));
  const out = {};
  const unread = new Set();
  found.forEach((r, i) => {
    if (!r.ok) unread.add(ids[i]);
    out[ids[i]] = r.ok ? `${r.body.given_names} ${r.body.family_name}` : t("name_unavailable");
  });
  Object.defineProperty(out, "unread", { value: unread, enumerable: false });
  return out;
}

// Only the latest load draws: opening the screen loads the agent's own queue, and another asked
// for meanwhile must not be drawn over when the first answer comes late (loaded server, slow link).
const loading = { n: 0 };
document.addEventListener("desk:cleared", () => { loading.n += 1; }); // sign-out: an answer on the way draws nothing

async function loadQueue() {
  const seq = ++loading.n;
  const box = $("#queue-msg");
  try {
    // the closures awaiting a supervisor's decision are the cases in that status, at the caller's desks
    const queue = $("#queue").value;
    const filter = queue === "pending_closure" ? "status=pending_closure" : `queue=${encodeURIComponent(queue)}`;
    const r = await readPart(`/api/v1/cases?${filter}&limit=50`);
    if (seq !== loading.n) return undefined;
    // not loaded (a refusal, no answer): said so, never an empty queue nor the one shown before
    if (!r.ok) { say(box, ""); return $("#cases").replaceChildren(unreadNotice("list_unread", "li", r)); }
    say(box, "");
    const cases = r.body.items || [];
    const [who] = await Promise.all([names(cases), loadServiceTypes()]);
    if (seq !== loading.n) return undefined;
    $("#cases").replaceChildren(...cases.map((c) => openRow([
      el("strong", who[c.registrant_id]), el("span", c.case_number, { class: "mono" }), el("span", serviceLabel(c.service_type)),
      el("span", `${code(c.status)} · ${t("due")} ${dayText(c.due_date)} · ${lateness(c)}`, { class: c.is_overdue ? "late" : "" }),
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
