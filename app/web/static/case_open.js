// Open a case for the person whose file is shown: service type from the catalogue, channel,
// description, and from the start its priority and the person's vulnerabilities (the API's default
// priority, "normal", chosen; none ticked).
import { api, keyFor, problemLines, sent } from "./api.js";
import { el, openRow, sayLines, unreadNotice } from "./dom.js";
import { code, t } from "./i18n.js";
import { action, day, loadServiceTypes, openCase, serviceLabel } from "./case.js";
import { flagsField, flagsTicked, priorityField } from "./case_details.js";

/** The file's cases, each opening the case; `cases` null: they could not be loaded, said so. */
export function caseRows(cases, refusal = null) {
  const s = el("section", null, { id: "person-cases" });
  s.append(el("h2", t("cases_of")));
  if (!cases) { s.append(unreadNotice("list_unread", "p", refusal)); return s; }
  const ul = el("ul", null, { class: "list" });
  for (const c of cases) {
    ul.append(openRow([
      el("strong", c.case_number, { class: "mono" }), el("span", serviceLabel(c.service_type)),
      el("span", `${code(c.status)} · ${t("due")} ${day(c.due_date)}${c.is_overdue ? ` · ${t("q_overdue")}` : ""}`),
    ], () => openCase(c.id)));
  }
  if (!cases.length) ul.append(el("li", t("none_on_file")));
  s.append(ul);
  return s;
}

export async function openCaseForm(person) {
  const types = await loadServiceTypes();
  const form = el("form", null, { id: "open-case-form", "data-carry": "" });  // kept across a language switch
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const service = el("select", null, { id: "case-service", name: "service_type", required: "" });
  service.append(el("option", t("pick"), { value: "" }));
  for (const s of types) service.append(el("option", serviceLabel(s.code), { value: s.code }));
  const channel = el("select", null, { id: "case-channel", name: "channel" });
  for (const c of ["walk_in", "phone", "mobile_app", "web", "partner_referral"]) channel.append(el("option", code(c, "channel"), { value: c }));
  form.append(
    el("label", t("service_type"), { for: "case-service" }), service,
    el("label", t("channel"), { for: "case-channel" }), channel,
    el("label", t("description"), { for: "case-description" }),
    el("textarea", null, { id: "case-description", name: "description", rows: "3", "data-max": "10000" }),
    ...priorityField("case-open-priority", "normal"), flagsField([]),
    el("button", t("open_case"), { type: "submit" }),
  );
  action(form, box, async () => {
    const data = new FormData(form);
    const body = {
      registrant_id: person.id, service_type: data.get("service_type"), channel: data.get("channel"), description: data.get("description"),
      priority: data.get("priority"), vulnerability_flags: flagsTicked(form),
    };
    const slot = `case:${person.id}`;
    const r = await api("POST", "/api/v1/cases", { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
    if (!r.ok) return sayLines(box, problemLines(r.body, form));
    sent(slot);
    return openCase(r.body.id, t("case_opened_msg"));
  });
  const s = el("section", null, { id: "open-case" });
  s.append(el("h2", t("open_case")), form, box);
  return s;
}
