// Case actions beyond taking and moving it: a supervisor assigns it to a colleague of the desk;
// the due date changes with a reason (the API refuses a date before the case was opened).
import { api, problemLines } from "./api.js";
import { el, sayLines } from "./dom.js";
import { code, t } from "./i18n.js";
import { staffOf, state } from "./state.js";
import { action, openCase, rereadIfStale } from "./case.js";
import "./i18n_day.js";

export async function assignForm(c, box) {
  const form = el("form", null, { id: "assign-form" });
  const who = el("select", null, { id: "assign-to", name: "assignee_id", required: "" });
  who.append(el("option", t("pick"), { value: "" }));
  for (const s of await staffOf(c.desk_id)) who.append(el("option", `${s.full_name} (${code(s.role)})`, { value: s.id }));
  who.value = c.assignee_id || "";
  form.append(el("label", t("assign_to"), { for: "assign-to" }), who, el("button", t("assign"), { type: "submit" }));
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
  const reason = el("input", null, { id: "due-reason", name: "due_date_reason", required: "" });
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
