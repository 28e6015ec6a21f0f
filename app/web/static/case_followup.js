// Notes (confidential ones marked) and referrals to partners (the person's consent shown before
// sending). A note that could not be sent stays in its form and is resent with the same key.
import { api, keyFor, problemLines, sent } from "./api.js";
import { el, say, sayLines } from "./dom.js";
import { code, i18n, t } from "./i18n.js";
import { deskTime, state } from "./state.js";
import "./i18n_day.js";
import "./i18n_desk.js";
import { action, day, openCase, rereadIfStale } from "./case.js";

async function notes(c) {
  const s = el("section");
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const list = el("ul", null, { class: "plain", id: "notes" });
  const r = await api("GET", `/api/v1/cases/${c.id}/notes?limit=100`);
  for (const n of r.ok ? r.body.items : []) {
    const li = el("li");
    li.append(el("span", `${deskTime(n.created_at, c.desk_id, i18n.lang)} — ${n.author_label}`, { class: "meta" }));
    if (n.confidential) li.append(el("strong", ` ${t("confidential_mark")}`, { class: "tag" }));
    li.append(el("p", n.text === null ? t("hidden_text") : n.text));
    list.append(li);
  }
  const form = el("form", null, { id: "note-form" });
  form.append(
    el("label", t("note_text"), { for: "note-text" }),
    el("textarea", null, { id: "note-text", name: "text", rows: "3", required: "" }),
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
  s.append(el("h2", t("case_notes")), list, form, box);
  return s;
}

// "ok" when the latest answer on file for this partner is yes, "refused" when it is no, else "missing".
function consentFor(partnerName) {
  const answers = (state.caseView.person.consents || []).filter((x) => x.purpose === "partner_referral" && !x.withdrawn_at
    && (x.partner_name || "").toLowerCase() === partnerName.toLowerCase());
  if (!answers.length) return "missing";
  const latest = answers.reduce((a, b) => (String(b.recorded_at || "") >= String(a.recorded_at || "") ? b : a));
  return latest.granted ? "ok" : "refused";
}

// The partner's acknowledgement, answer or silence: only the statuses the API allows next.
function referralStatusForm(c, x, box) {
  const id = `referral-status-${x.id}`;
  const form = el("form", null, { class: "inline-form", id: `${id}-form` });
  const select = el("select", null, { id, name: "status", required: "" });
  select.append(el("option", t("pick"), { value: "" }));
  for (const s of x.allowed_statuses) select.append(el("option", code(s), { value: s }));
  form.append(el("label", `${t("referral_status")} (${x.partner_name})`, { for: id }), select, el("button", t("update_referral"), { type: "submit" }));
  action(form, box, async () => {
    const current = await api("GET", `/api/v1/cases/${c.id}/referrals/${x.id}`);
    if (!current.ok) return sayLines(box, problemLines(current.body, form));
    const r = await api("PATCH", `/api/v1/cases/${c.id}/referrals/${x.id}`, { json: { status: select.value }, headers: { "If-Match": current.etag } });
    if (await rereadIfStale(r, c, form)) return undefined;
    if (!r.ok) return sayLines(box, problemLines(r.body, form));
    return openCase(c.id, t("referral_updated"));
  });
  return form;
}

async function referrals(c) {
  const s = el("section");
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const r = await api("GET", `/api/v1/cases/${c.id}/referrals`);
  s.append(box);
  const list = el("ul", null, { class: "plain" });
  for (const x of r.ok ? r.body : []) {
    const li = el("li", `${x.partner_name} · ${code(x.status)} · ${day(x.referred_on)} · ${t("expected_answer")} ${day(x.expected_answer_on)}`);
    if ((x.allowed_statuses || []).length) li.append(referralStatusForm(c, x, box));
    list.append(li);
  }
  s.append(el("h2", t("referrals")), list);
  const partners = await api("GET", "/api/v1/partners?limit=100&active=true");
  if (!partners.ok || !c.allowed_transitions.length) return s;
  if (!partners.body.items.length) { s.append(el("p", t("no_partner_referral"), { id: "referral-no-partner", class: "msg info" })); return s; }
  const form = el("form", null, { id: "referral-form" });
  const select = el("select", null, { id: "referral-partner", name: "partner_id", required: "" });
  select.append(el("option", t("pick"), { value: "" }));
  for (const p of partners.body.items) select.append(el("option", p.name, { value: p.id }));
  const consent = el("p", null, { id: "referral-consent", class: "msg info", hidden: "", "aria-live": "polite" });
  select.addEventListener("change", () => {
    const chosen = partners.body.items.find((p) => p.id === select.value);
    if (!chosen) { consent.hidden = true; return; }
    const answer = consentFor(chosen.name);
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
  s.append(form, box);
  return s;
}

export async function followUp(c) {
  return [await notes(c), await referrals(c)];
}
