// The consents of the person's file: each decision with its purpose in words, the partner named
// for a referral, given or refused, its date and, once withdrawn, the date of the withdrawal. A
// consent given and in force can be withdrawn (POST …/consents/{id}/withdraw, asked first: it
// stops every later disclosure; the API takes no reason and keeps the record). Below, the form to
// record one more (POST /api/v1/registrants/{id}/consents): given or refused, the partner of a
// referral (picked from the partners' list: the consent is about that partner, by its id, whatever
// it is called later), the language the notice was given in. The API dates both (now).
import { api, keyFor, problemLines, readPart, SessionExpired, sent } from "./api.js";
import { busy, confirmButton, el, focusOn, say, sayLines, unreadNotice } from "./dom.js";
import { code, colon, dayText, i18n, t } from "./i18n.js";
import "./i18n_desk.js";
import { works } from "./state.js";
import { refill } from "./unsaved.js";

const purposeText = (c) => `${code(c.purpose)}${c.partner_name ? ` (${c.partner_name})` : ""}`;

// "Retirer" for consent `c`, asked first; the file drawn again saying so, or the refusal in `box`.
function withdrawButton(c, person, box, reopen) {
  const purpose = purposeText(c);
  return confirmButton({
    label: t("consent_withdraw"), name: `${t("consent_withdraw_name")}${colon()}${purpose}`,
    question: t("consent_withdraw_q", { purpose }), yes: t("consent_withdraw_yes"), no: t("confirm_cancel_no"),
  }, async () => {
    const slot = `withdraw:${person.id}:${c.id}`;  // resent after a lost answer: the API answers the withdrawal again
    try {
      const r = await api("POST", `/api/v1/registrants/${person.id}/consents/${c.id}/withdraw`, { headers: { "Idempotency-Key": keyFor(slot, {}) } });
      if (!r.ok) { sayLines(box, problemLines(r.body)); return focusOn(box); }
      sent(slot);
      return reopen(t("consent_withdrawn_msg"));
    } catch (error) {
      if (!(error instanceof SessionExpired)) say(box, error.message);
      return focusOn(box);
    }
  });
}

/** The consents section of `person`'s file: the list (withdrawal offered for a consent given and
 * not withdrawn) and the form to record one; `reopen(message)` redraws the file. */
// The language the notice was given in, in words (« notice donnée en arabe »): a language's name
// is written in lower case within a French sentence.
function noticeLanguage(c) {
  const name = code(`lang_${c.language}`);
  return t("consent_notice_in", { language: i18n.lang === "fr" ? name.toLocaleLowerCase("fr") : name });
}

export function consentsSection(person, reopen) {
  const section = el("section");
  section.append(el("h2", t("consents")));
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  if (!person.consents.length) section.append(el("p", t("none_on_file")));
  const ul = el("ul", null, { class: "plain" });
  for (const c of person.consents) {
    const li = el("li", `${purposeText(c)}${colon()}${c.granted ? t("granted") : t("refused")} · ${t("consent_recorded")} ${dayText(c.recorded_at)} · ${noticeLanguage(c)}`);
    if (c.withdrawn_at) li.append(" · ", el("strong", `${t("withdrawn")} ${dayText(c.withdrawn_at)}`));
    else if (c.granted && !person.anonymised_at && works()) li.append(" ", withdrawButton(c, person, box, reopen));
    ul.append(li);
  }
  if (person.consents.length) section.append(ul);
  section.append(box);
  if (person.anonymised_at || !works()) {  // an erased (anonymised) file takes no new consent, an auditor records none
    section.id = "person-consents";
    return section;
  }
  return withConsentForm(section, person, reopen);
}

const PURPOSES = ["service_delivery", "partner_referral", "desk_transfer", "transfer_to_senegal", "contact_sms_whatsapp",
  "contact_email", "statistics", "named_export"];
const LANGUAGES = ["fr", "wo", "ff", "ar", "en"];

/** The consents section `section` with a form to record one more; `reopen(message)` redraws the file. */
function withConsentForm(section, person, reopen) {
  section.id = "person-consents";
  const form = el("form", null, { id: "consent-form" });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const purpose = el("select", null, { id: "consent-purpose", name: "purpose", required: "" });
  purpose.append(el("option", t("fix_pick"), { value: "" }));
  for (const p of PURPOSES) purpose.append(el("option", code(p), { value: p }));
  const answer = el("fieldset");
  answer.append(el("legend", t("consent_answer")));
  for (const [value, label] of [["true", "consent_given"], ["false", "consent_refused"]]) {
    const l = el("label", null, { class: "inline" });
    l.append(el("input", null, { type: "radio", name: "granted", value, required: "" }), el("span", ` ${t(label)}`));
    answer.append(l);
  }
  const partnerBlock = el("div", null, { hidden: "" });
  const partner = el("select", null, { id: "consent-partner", name: "partner_id" });
  partnerBlock.append(el("label", t("consent_partner"), { for: "consent-partner" }), partner);
  const language = el("select", null, { id: "consent-language", name: "language" });
  for (const l of LANGUAGES) language.append(el("option", code(`lang_${l}`), { value: l }));
  const submit = el("button", t("consent_add"), { type: "submit" });
  form.append(el("h3", t("consent_add")), el("label", t("consent_purpose"), { for: "consent-purpose" }), purpose, answer,
    partnerBlock, el("label", t("consent_language"), { for: "consent-language" }), language, submit, box);
  let partnersLoaded = false;
  purpose.addEventListener("change", async () => {
    const referral = purpose.value === "partner_referral";
    partnerBlock.hidden = !referral;
    partner.disabled = !referral;
    partner.required = referral;
    if (!referral || partnersLoaded) return;
    partnersLoaded = true;
    const r = await readPart("/api/v1/partners?limit=100&active=true").catch(() => ({ ok: false }));
    partnerBlock.querySelector(".unread")?.remove();
    // not loaded (a refusal, no answer): said so, never « no partner yet »; read again at the next choice
    if (!r.ok) { partnersLoaded = false; partnerBlock.append(unreadNotice()); return; }
    const items = r.body.items;
    refill(partner, () => partner.replaceChildren(el("option", t("fix_pick"), { value: "" }), ...items.map((p) => el("option", p.name, { value: p.id }))));
    if (!items.length) partnerBlock.append(el("p", t("no_partner_referral"), { class: "msg info" }));
  });
  partner.disabled = true;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const data = new FormData(form);
      const body = {
        purpose: data.get("purpose"), granted: data.get("granted") === "true", channel: "in_person",
        notice_version: "2026-01", language: data.get("language"),
      };
      if (body.purpose === "partner_referral") body.partner_id = data.get("partner_id") || null;
      const slot = `consent:${person.id}`;
      try {
        const r = await api("POST", `/api/v1/registrants/${person.id}/consents`, { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
        if (!r.ok) { sayLines(box, problemLines(r.body, form)); return focusOn(box); }
        sent(slot);
        return reopen(t("consent_saved"));
      } catch (error) {
        if (!(error instanceof SessionExpired)) say(box, error.message);
        return undefined;
      }
    });
  });
  section.append(form);
  return section;
}
