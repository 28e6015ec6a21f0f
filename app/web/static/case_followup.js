// Notes (confidential ones marked), referrals to partners (the person's consent shown before
// sending; the partner's answer recorded and shown) and the documents asked of the person.
// A note that could not be sent stays in its form and is resent with the same key.
import { api, keyFor, problemLines, readAsShown, readPart, sent } from "./api.js";
import { definitionList, el, say, sayLines, unreadNotice } from "./dom.js";
import { code, i18n, t } from "./i18n.js";
import { deskTime, state } from "./state.js";
import "./i18n_day.js";
import "./i18n_desk.js";
import "./i18n_followup.js";
import { action, day, openCase, rereadIfStale } from "./case.js";
import { documentsMissingSection } from "./case_documents_missing.js";
import { referralConsent } from "./case_referral_transfer.js";

// Notes or referrals not loaded (a refusal, no answer) are said so in their place, never an empty
// list; the forms to add one stay.
async function notes(c) {
  const s = el("section", null, { id: "case-notes" });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const list = el("ul", null, { class: "plain", id: "notes" });
  const r = await readPart(`/api/v1/cases/${c.id}/notes?limit=100`);
  for (const n of r.ok ? r.body.items : []) {
    const li = el("li");
    li.append(el("span", `${deskTime(n.created_at, c.desk_id, i18n.lang)} — ${n.author_label}`, { class: "meta" }));
    if (n.confidential) li.append(el("strong", ` ${t("confidential_mark")}`, { class: "tag" }));
    // null: not for this reader; "": erased with the person's data or at the end of retention
    li.append(el("p", n.text === null ? t("hidden_text") : n.text || t("note_erased")));
    list.append(li);
  }
  const form = el("form", null, { id: "note-form" });
  form.append(
    el("label", t("note_text"), { for: "note-text" }),
    el("textarea", null, { id: "note-text", name: "text", rows: "3", required: "", "data-max": "10000" }),
  );
  const check = el("label", null, { class: "inline" });
  check.append(el("input", null, { type: "checkbox", name: "confidential" }), el("span", t("confidential")));
  form.append(check, el("button", t("add_note"), { type: "submit" }));
  action(form, box, async () => {
    const data = new FormData(form);
    const body = { text: data.get("text"), confidential: data.get("confidential") === "on" };
    const slot = `note:${c.id}`;
    const r2 = await api("POST", `/api/v1/cases/${c.id}/notes`, { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
    if (!r2.ok) return sayLines(box, problemLines(r2.body, form));
    sent(slot);
    return openCase(c.id, t("note_saved"));
  });
  s.append(el("h2", t("case_notes")), r.ok ? list : unreadNotice("notes_unread"), el("h3", t("note_new")), form, box);
  return s;
}

// The statuses that carry the partner's answer (app/cases/workflow.py ANSWER_STATUSES): only they
// take an answer date. What each new status shows; all optional (the API takes each with any move,
// `answered_on` only with an answer; an empty answer date is the desk's today).
const ANSWER_STATUSES = ["answered", "declined"];
const REFERRAL_FIELDS = {
  acknowledged: ["partner_reference", "expected_answer_on"],
  answered: ["outcome", "partner_reference", "answered_on"],
  declined: ["outcome", "partner_reference", "answered_on"],
  no_answer: [],
};

// The partner's acknowledgement, answer or silence: only the statuses the API allows next, with
// the fields the status chosen takes; refusals said under the form, the field at fault marked.
function referralStatusForm(c, x) {
  const id = `referral-status-${x.id}`;
  const form = el("form", null, { class: "referral-answer", id: `${id}-form` });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const select = el("select", null, { id, name: "status", required: "" });
  select.append(el("option", t("pick"), { value: "" }));
  for (const s of x.allowed_statuses) select.append(el("option", code(s), { value: s }));
  const field = (name, label, input, hint) => {
    input.id = `${id}-${name}`;
    input.name = name;
    const div = el("div", null, { "data-field": name });
    div.append(el("label", label, { for: input.id }), input);
    if (hint) {
      div.append(el("small", hint, { id: `${input.id}-hint` }));
      input.setAttribute("aria-describedby", `${input.id}-hint`);
    }
    return div;
  };
  const reference = el("input", null, { autocomplete: "off", "data-max": "120" });
  reference.value = x.partner_reference || "";
  const expected = el("input", null, { type: "date" });
  expected.value = x.expected_answer_on || "";
  form.append(
    el("label", `${t("referral_status")} (${x.partner_name})`, { for: id }), select,
    field("outcome", t("referral_answer"), el("textarea", null, { rows: "3", "data-max": "2000" }), t("optional")),
    field("partner_reference", t("referral_reference"), reference, t("optional")),
    field("answered_on", t("referral_answered_on"), el("input", null, { type: "date" }), t("referral_answered_on_hint")),
    field("expected_answer_on", t("referral_expected_on"), expected, t("optional")),
    el("button", t("update_referral"), { type: "submit" }),
  );
  const showFields = () => {
    const wanted = REFERRAL_FIELDS[select.value] || [];
    for (const div of form.querySelectorAll("[data-field]")) {
      div.hidden = !wanted.includes(div.dataset.field);
      for (const input of div.querySelectorAll("input, textarea")) input.disabled = div.hidden;
    }
  };
  select.addEventListener("change", showFields);
  showFields();
  action(form, box, async () => {
    const body = { status: select.value };
    for (const input of form.querySelectorAll("[data-field] input, [data-field] textarea")) {
      if (!input.disabled && input.value.trim()) body[input.name] = input.value.trim();
    }
    // The ETag of the referral as this form shows it: one answered or changed meanwhile is a 412
    // (the case read again, the choice kept in the form), never written over unseen.
    const current = await readAsShown(`/api/v1/cases/${c.id}/referrals/${x.id}`, x);
    const r = current.ok
      ? await api("PATCH", `/api/v1/cases/${c.id}/referrals/${x.id}`, { json: body, headers: { "If-Match": current.etag } })
      : current;
    if (await rereadIfStale(r, c, form)) return undefined;
    if (!r.ok) return sayLines(box, problemLines(r.body, form));
    return openCase(c.id, t("referral_updated"));
  });
  return [form, box];
}

// One referral as recorded: partner, status, dates, and the partner's reference and answer.
function referralItem(c, x) {
  const li = el("li", null, { class: "referral" });
  const dates = ANSWER_STATUSES.includes(x.status) && x.answered_on
    ? t("referral_answered_line", { date: day(x.answered_on) }) : `${t("expected_answer")} ${day(x.expected_answer_on)}`;
  li.append(el("p", `${x.partner_name} · ${code(x.status)} · ${day(x.referred_on)} · ${dates}`));
  const known = [];
  if (x.partner_reference) known.push([t("referral_reference"), x.partner_reference]);
  if (x.outcome) known.push([t("referral_answer"), x.outcome]);
  if (known.length) li.append(definitionList(known));
  if ((x.allowed_statuses || []).length) li.append(...referralStatusForm(c, x));
  return li;
}

async function referrals(c) {
  const s = el("section", null, { id: "case-referrals" });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const r = await readPart(`/api/v1/cases/${c.id}/referrals`);
  s.append(box);
  const list = el("ul", null, { class: "plain" });
  for (const x of r.ok ? r.body : []) list.append(referralItem(c, x));
  s.append(el("h2", t("referrals")), r.ok ? list : unreadNotice("referrals_unread"));
  if (c.closed_at) return s; // an open case is referred whatever the reader's moves
  const partners = await readPart("/api/v1/partners?limit=100&active=true");
  if (!partners.ok) { s.append(el("h3", t("referral_new")), unreadNotice()); return s; }
  if (!partners.body.items.length) { s.append(el("p", t("no_partner_referral"), { id: "referral-no-partner", class: "msg info" })); return s; }
  const form = el("form", null, { id: "referral-form" });
  const select = el("select", null, { id: "referral-partner", name: "partner_id", required: "" });
  select.append(el("option", t("pick"), { value: "" }));
  for (const p of partners.body.items) select.append(el("option", p.name, { value: p.id }));
  const consent = el("p", null, { id: "referral-consent", class: "msg info", hidden: "", "aria-live": "polite" });
  select.addEventListener("change", () => {
    const chosen = partners.body.items.find((p) => p.id === select.value);
    if (!chosen) { consent.hidden = true; return; }
    const answer = referralConsent(state.caseView.person.consents, chosen.id);
    say(consent, t(`referral_consent_${answer}`), answer === "ok" ? "ok" : "warning");
  });
  form.append(el("label", t("partner"), { for: "referral-partner" }), select, consent, el("button", t("refer"), { type: "submit" }));
  action(form, box, async () => {
    const body = { partner_id: select.value };
    const slot = `referral:${c.id}`;
    const r2 = await api("POST", `/api/v1/cases/${c.id}/referrals`, { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
    if (!r2.ok) return sayLines(box, problemLines(r2.body, form));
    sent(slot);
    return openCase(c.id, t("referral_saved"));
  });
  s.append(el("h3", t("referral_new")), form, box);
  return s;
}

export async function followUp(c) {
  const open = !c.closed_at; // not closed nor transferred (allowed_transitions are the reader's own moves)
  return [await notes(c), await referrals(c), ...(open ? [documentsMissingSection(c)] : [])];
}
