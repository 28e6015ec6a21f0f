// Case actions beyond taking and moving it: a supervisor assigns it to a colleague of the desk;
// a supervisor moves the due date with a reason (the API refuses a date before the case was opened); a
// closure request is said plainly (which case, what the agent proposed) and decided.
import { api, problemLines } from "./api.js";
import { definitionList, el, sayLines, unreadNotice } from "./dom.js";
import { code, i18n, t } from "./i18n.js";
import { deskTime, staffRead, state } from "./state.js";
import { action, openCase, rereadIfStale } from "./case.js";
import "./i18n_day.js";
import "./i18n_followup.js";

/** The statuses that close a case (app/cases/workflow.py CLOSING_STATUSES): those a closure
 * request may propose. */
export const CLOSING_STATUSES = ["resolved", "closed_no_response", "closed_withdrawn"];

/** A case awaiting the approval of its closure (`pending_closure`), said plainly: who asked and
 * when (the latest such move of `events`, the case's timeline), the closing status and outcome
 * proposed, the agent's note; for a supervisor, what deciding does. null for any other status. */
export function closureRequest(c, personName, events) {
  if (c.status !== "pending_closure") return null;
  const asked = [...events].reverse().find((e) => e.kind === "status_changed" && (e.details || {}).to === "pending_closure");
  const supervisor = ["supervisor", "admin"].includes(state.me.role);
  const s = el("section", null, { id: "closure-request" });
  const explain = supervisor ? t("closure_explain_supervisor", { number: c.case_number, person: personName }) : t("closure_explain_agent");
  s.append(el("h2", t("closure_request")), el("p", explain), definitionList([
    [t("closure_asked_by"), asked ? t("closure_asked_at", { who: asked.actor_label, when: deskTime(asked.occurred_at, c.desk_id, i18n.lang) }) : null],
    [t("closure_proposed_status"), code(c.closure_requested_status)],
    [t("closure_proposed_outcome"), code(c.outcome_category)],
    [t("closure_agent_note"), c.outcome_note || t("closure_no_note")],
  ]));
  return s;
}

/** How the status form reads for a supervisor deciding a closure request (null for anyone else,
 * or another status): the proposal first and said "approve", another closing status "close
 * otherwise", back to follow-up "refuse" with its reason. */
export function closureDecision(c) {
  if (c.status !== "pending_closure" || !["supervisor", "admin"].includes(state.me.role)) return null;
  const proposed = c.closure_requested_status;
  const option = (s) => {
    if (s === proposed) return t("closure_approve", { status: code(s) });
    return CLOSING_STATUSES.includes(s) ? t("closure_other", { status: code(s) }) : t("closure_refuse");
  };
  return {
    option,
    order: (statuses) => [...statuses].sort((a, b) => Number(b === proposed) - Number(a === proposed)),
    heading: t("closure_decide"), label: t("closure_decision"), button: t("closure_save"), reason: t("closure_refuse_reason"),
  };
}

/** The supervisor's assignment of case `c` to a colleague of its desk; the desk's staff not loaded
 * (a refusal, no answer): said in its place, and no one to assign to, no button. */
export async function assignForm(c, box) {
  const form = el("form", null, { id: "assign-form" });
  const staff = await staffRead(c.desk_id);
  if (!staff) {
    form.append(el("h2", t("assign_heading")), unreadNotice());
    return form;
  }
  const who = el("select", null, { id: "assign-to", name: "assignee_id", required: "" });
  who.append(el("option", t("pick"), { value: "" }));
  for (const s of staff) who.append(el("option", `${s.full_name} (${code(s.role)})`, { value: s.id }));
  who.value = c.assignee_id || "";
  form.append(el("h2", t("assign_heading")), el("label", t("assign_to"), { for: "assign-to" }), who, el("button", t("assign"), { type: "submit" }));
  action(form, box, async () => {
    const r = await api("POST", `/api/v1/cases/${c.id}/assignment`, {
      json: { assignee_id: who.value }, headers: { "If-Match": state.caseView.etag },
    });
    if (await rereadIfStale(r, c, form)) return undefined;
    if (!r.ok) return sayLines(box, problemLines(r.body, form));
    return openCase(c.id, t("assigned_msg"));
  });
  return form;
}

export function dueDateForm(c, box) {
  const form = el("form", null, { id: "due-form" });
  const date = el("input", null, { id: "due-date", name: "due_date", type: "date", required: "" });
  date.value = c.due_date;
  const reason = el("input", null, { id: "due-reason", name: "due_date_reason", required: "", "data-max": "500" });
  form.append(
    el("h2", t("due_edit")), el("label", t("new_due"), { for: "due-date" }), date,
    el("label", t("due_reason"), { for: "due-reason" }), reason, el("button", t("due_edit"), { type: "submit" }),
  );
  action(form, box, async () => {
    const body = { due_date: date.value, due_date_reason: reason.value.trim() };
    const r = await api("PATCH", `/api/v1/cases/${c.id}`, { json: body, headers: { "If-Match": state.caseView.etag } });
    if (await rereadIfStale(r, c, form)) return undefined;
    if (!r.ok) return sayLines(box, problemLines(r.body, form));
    return openCase(c.id, t("due_saved"));
  });
  return form;
}
