// The data-protection screen (`#/privacy`; supervisors, administrators and auditors: its tab is
// shown to them alone and its module fetched when the tab first opens): the register of
// disclosures of the desks the reader follows (period and kind chosen, newest first, page after
// page, each entry opening the person's file) and its CSV export (same filters, fetched with the
// token, saved from a blob: URL); for supervisors and administrators, the people's requests still
// awaiting their answer, overdue ones said, each opening the person's file.
import "./i18n_rights.js";
import { readPart } from "./api.js";
import { download } from "./downloads.js";
import { $, busy, drawTurn, el, focusOn, openRow, say, unreadNotice } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { askedAmiss, failed, field, listAll, listUnread, messageBox, refuse } from "./admin_common.js";
import { disclosureItem } from "./rights_register.js";
import { REQUEST_ROLES, requestParts } from "./rights.js";
import { names } from "./queue.js";

const KINDS = ["referral", "transfer", "notification"];

async function openFile(id) {
  (await import("./person.js")).openPerson(id);
}

// The filters of the form as the API's query (empty fields left out).
function filters(form) {
  const params = new URLSearchParams();
  for (const name of ["start", "end", "kind"]) {
    const value = form.elements.namedItem(name).value;
    if (value) params.set(name, value);
  }
  return params;
}

function registerForm(shown) {
  const form = el("form", null, { id: "disclosures-form", "data-lookup": "" });
  const period = el("div", null, { class: "period" });
  const from = el("div");
  from.append(...field("disc-start", "start", t("reg_from"), { type: "date", value: shown.start || "" }));
  const to = el("div");
  to.append(...field("disc-end", "end", t("reg_to"), { type: "date", value: shown.end || "" }));
  const kind = el("select", null, { id: "disc-kind", name: "kind" });
  kind.append(el("option", t("any"), { value: "" }), ...KINDS.map((k) => el("option", t(`dk_${k}`), { value: k })));
  kind.value = shown.kind || "";
  const more = el("div");
  more.append(el("label", t("reg_kind"), { for: "disc-kind" }), kind);
  period.append(from, to, more);
  const show = el("button", t("reg_show"), { type: "submit" });
  const csv = el("button", t("reg_csv"), { type: "button", class: "secondary", id: "disc-csv" });
  const actions = el("div");
  actions.append(show, csv);
  form.append(period, actions);
  return form;
}

// The register as CSV, with the filters of the form, by the download every screen uses.
async function exportCsv(form, box) {
  const saved = await download(`/api/v1/privacy/disclosures.csv?${filters(form)}`, box, form, "disclosures.csv");
  if (saved) say(box, t("reg_exported", { name: saved.name }), "ok");
  return focusOn(box);
}

function registerPart(shown) {
  const part = el("section", null, { id: "disclosures-register", "aria-labelledby": "disc-register-title" });
  const form = registerForm(shown);
  const box = messageBox("disc-register-msg");
  const list = el("ul", null, { class: "list", id: "disc-register-list", tabindex: "-1" });
  const more = el("button", t("more"), { type: "button", class: "secondary", hidden: "" });
  let cursor = null;
  let asked = null;
  // Only the latest read draws (drawTurn): the register asked with other filters while the one
  // read on opening still loads is never replaced by that older answer; « Afficher la suite » is
  // hidden while a new register loads (a page of the one before would be added to it).
  const load = async (first) => {
    const wanted = first ? filters(form) : asked;
    const params = new URLSearchParams(wanted);
    params.set("limit", "50");
    if (!first) params.set("cursor", cursor);
    else more.hidden = true;
    const current = drawTurn(list);
    const r = await readPart(`/api/v1/privacy/disclosures?${params}`);
    if (!current()) return undefined;
    if (!r.ok && askedAmiss(r)) {  // the filters refused: said at their fields, the register shown kept
      more.hidden = !cursor;
      return refuse(box, r, form);
    }
    say(box, "");
    if (!r.ok) {
      listUnread(list, first);
      if (first) cursor = null;
      more.hidden = !cursor;
      return first ? [] : undefined;  // the notice read (focus on the list) on a register asked for
    }
    asked = wanted;
    if (first) list.replaceChildren();
    else for (const notice of list.querySelectorAll(".unread")) notice.remove();
    const added = r.body.items.map((d) => disclosureItem(d, openFile));
    list.append(...added);
    if (first && !added.length) list.append(el("li", t("disc_none")));
    cursor = r.body.next_cursor;
    more.hidden = !cursor;
    return added;
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(event.submitter, async () => { if (await load(true).catch((error) => failed(box, error))) focusOn(list); });
  });
  const csv = $("#disc-csv", form);
  csv.addEventListener("click", () => busy(csv, () => exportCsv(form, box).catch((error) => failed(box, error))));
  more.addEventListener("click", () => busy(more, async () => {
    const added = await load(false).catch((error) => failed(box, error));
    if (added && added.length) focusOn(added[0]);
  }));
  part.append(el("h2", t("reg_title"), { id: "disc-register-title" }), form, box, list, more);
  load(true).catch((error) => failed(box, error));
  return part;
}

async function pendingPart() {
  const part = el("section", null, { id: "pending-requests", "aria-labelledby": "pending-title" });
  const box = messageBox("pending-msg");
  const list = el("ul", null, { class: "list", id: "pending-list" });
  part.append(el("h2", t("pending_title"), { id: "pending-title" }), box, list);
  const found = await listAll("/api/v1/privacy/subject-requests?open_only=true&limit=200");
  if (!found.ok) {  // a refusal, no answer: said in the list's place, never « none pending »
    list.replaceChildren(unreadNotice("list_unread", "li", found.r));
    return part;
  }
  const who = await names(found.items);
  const rows = found.items.map((request) => {
    return openRow([el("span", `${who[request.registrant_id]} — `), ...requestParts(request, request.desk_id)], () => openFile(request.registrant_id));
  });
  list.replaceChildren(...(rows.length ? rows : [el("li", t("pending_none"))]));
  return part;
}

// The audit log for the roles the API lets read it (auditors, administrators; docs/audit.md): its
// export (every event, CSV) and the latest signed checkpoint, each saved by the download every
// screen uses (a refusal, none signed yet, said in the section's box).
const AUDIT_ROLES = ["auditor", "admin"];

function auditPart() {
  const part = el("section", null, { id: "audit-log", "aria-labelledby": "audit-title" });
  const box = messageBox("audit-msg");
  const save = (button, path, fallback) => button.addEventListener("click", () => busy(button, async () => {
    say(box, "");
    try {
      const saved = await download(path, box, null, fallback);
      if (saved) say(box, t("audit_saved", { name: saved.name }), "ok");
    } catch (error) {
      failed(box, error);
    }
    return focusOn(box);
  }));
  const exported = el("button", t("audit_export"), { type: "button", class: "secondary" });
  const checkpoint = el("button", t("audit_checkpoint"), { type: "button", class: "secondary" });
  save(exported, "/api/v1/exports/audit?format=csv", "audit.csv");
  save(checkpoint, "/api/v1/audit/checkpoint", "audit-checkpoint.json");
  part.append(el("h2", t("audit_title"), { id: "audit-title" }), el("p", t("audit_intro")), exported, " ", checkpoint, box);
  return part;
}

/** Draw the screen again (on opening, and in the other language): the filters typed are kept. */
export async function openPrivacy() {
  const view = $("#privacy");
  const form = $("#disclosures-form", view);
  const shown = form ? Object.fromEntries(filters(form)) : {};
  const intro = el("p", t("privacy_intro"));
  const register = registerPart(shown);
  view.replaceChildren(intro, register);
  if (state.me && AUDIT_ROLES.includes(state.me.role)) view.append(auditPart());
  if (state.me && REQUEST_ROLES.includes(state.me.role)) {
    try {
      register.before(await pendingPart());
    } catch (error) {
      failed($("#privacy-msg"), error);
    }
  }
}

document.addEventListener("desk:language", () => { if (!$("#tab-privacy").hidden) openPrivacy(); });
