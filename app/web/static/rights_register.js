// The register of disclosures in words (GET /api/v1/privacy/disclosures): who received which data
// of a person, when, for which purpose and on which legal basis — categories of data, never their
// values. One entry is drawn the same way in the person's file and on the data-protection screen.
// Reading the register is audited by the API: the person's entries are read when asked for.
import { readPart } from "./api.js";
import { busy, drawTurn, el, focusOn } from "./dom.js";
import { code, i18n, LABELS, t } from "./i18n.js";
import { deskTime, state } from "./state.js";
import { failed, listUnread, messageBox } from "./admin_common.js";
import "./i18n_rights.js";

const known = (key) => key in LABELS[i18n.lang] || key in LABELS.fr;

/** A field or category the register lists (`given_names`, `case.service_type`, `message:sms`) in words. */
export function fieldWord(field) {
  const key = `df_${String(field).replace(/[.:]/g, "_")}`;
  return known(key) ? t(key) : String(field).replace(/[._:]/g, " ");
}

/** A code of the API in the words of `${prefix}_${value}`, humanised when it has none. */
export const word = (prefix, value) => (known(`${prefix}_${value}`) ? t(`${prefix}_${value}`) : String(value).replaceAll("_", " "));

/** The desk named by its code: "Bureau d'accueil — Casablanca (CASA-BASE)", or the code alone. */
export function deskNamed(deskCode) {
  const desk = state.desks.find((d) => d.code === deskCode);
  return desk ? `${desk.name} (${deskCode})` : deskCode;
}

function when(d) {
  const desk = state.desks.find((x) => x.code === d.desk_code);
  return deskTime(d.disclosed_at, desk ? desk.id : null, i18n.lang);
}

/** One entry as a list item; `opener` (the data-protection screen) adds a button to the person's file. */
export function disclosureItem(d, opener = null) {
  const li = el("li", null, { class: "disclosure" });
  li.append(el("strong", when(d)), ` — ${d.recipient_name} (${word("rt", d.recipient_type)}) · ${word("dk", d.kind)}`);
  if (opener) {
    const open = el("button", d.registration_number, { type: "button", class: "link mono", "aria-label": t("reg_open", { number: d.registration_number }) });
    open.addEventListener("click", () => opener(d.registrant_id));
    li.append(" · ", open, ` · ${t("disc_from", { desk: deskNamed(d.desk_code) })}`);
  }
  const basis = `${t("disc_basis", { basis: word("lb", d.legal_basis) })}${d.consent_id ? ` (${t("disc_consent", { id: d.consent_id })})` : ""}`;
  li.append(el("p", `${t("disc_purpose", { purpose: code(d.purpose) })} · ${basis}`));
  li.append(el("p", t("disc_fields", { fields: d.fields.map(fieldWord).join(", ") || t("empty") })));
  if (d.justification) li.append(el("p", t("disc_justification", { text: d.justification })));
  return li;
}

/** The person's entries of the register, read when asked for (newest first, 20 a page). */
export function disclosuresPart(person) {
  const part = el("div", null, { id: "person-disclosures" });
  const list = el("ul", null, { class: "list", id: "disclosure-list", tabindex: "-1", hidden: "" });
  const box = messageBox("disclosures-msg");
  const show = el("button", t("disc_show"), { type: "button", class: "secondary" });
  const more = el("button", t("more"), { type: "button", class: "secondary", hidden: "" });
  let cursor = null;
  const load = async (first) => {
    const params = new URLSearchParams({ registrant_id: person.id, limit: "20" });
    if (!first) params.set("cursor", cursor);
    if (first) more.hidden = true;  // a page of the entries read before is not added to the new read
    const current = drawTurn(list);  // only the latest read draws
    const r = await readPart(`/api/v1/privacy/disclosures?${params}`);
    if (!current()) return undefined;
    list.hidden = false;
    if (!r.ok) {  // a refusal, no answer: said in the list's place (a page more: after the pages shown)
      listUnread(list, first);
      more.hidden = first || !cursor;
      return focusOn(list);
    }
    if (first) list.replaceChildren();
    else for (const notice of list.querySelectorAll(".unread")) notice.remove();
    const added = r.body.items.map((d) => disclosureItem(d));
    list.append(...added);
    if (first && !added.length) list.append(el("li", t("disc_none")));
    list.hidden = false;
    cursor = r.body.next_cursor;
    more.hidden = !cursor;
    return focusOn(first ? list : added[0]);
  };
  show.addEventListener("click", () => busy(show, () => load(true).catch((error) => failed(box, error))));
  more.addEventListener("click", () => busy(more, () => load(false).catch((error) => failed(box, error))));
  part.append(el("h3", t("disc_title")), el("p", t("disc_intro")), show, box, list, more);
  return part;
}
