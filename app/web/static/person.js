// A person's whole file: identity, phones, identity documents, consents, cases, appointments and
// uploaded documents. Editing lives in edit.js.
import { api, SessionExpired } from "./api.js";
import { $, definitionList, el, focusOn, say } from "./dom.js";
import { code, i18n, t } from "./i18n.js";
import { deskOf, deskTime, state } from "./state.js";
import { showTab } from "./tabs.js";
import { startEdit } from "./edit.js";
import { caseRows, openCaseForm } from "./case_open.js";
import { documentsSection } from "./documents.js";
import { receiptButton } from "./receipt.js";

function section(titleKey, items, empty = t("none")) {
  const s = el("section");
  s.append(el("h2", t(titleKey)));
  if (!items.length) s.append(el("p", empty));
  else {
    const ul = el("ul", null, { class: "plain" });
    for (const item of items) ul.append(el("li", item));
    s.append(ul);
  }
  return s;
}

function day(iso) {
  return iso ? new Intl.DateTimeFormat(i18n.lang, { dateStyle: "medium" }).format(new Date(`${iso.slice(0, 10)}T12:00:00`)) : t("empty");
}

export function identityRows(p) {
  return [
    [t("registration_number"), p.registration_number], [t("given_names"), p.given_names],
    [t("family_name"), p.family_name], [t("sex"), code(p.sex)], [t("date_of_birth"), p.date_of_birth],
    [t("nationality"), p.nationality], [t("origin_region"), p.origin_region_code], [t("host_city"), p.host_city],
    [t("email_field"), p.email], [t("status_category"), p.status_category ? code(p.status_category) : null],
    [t("occupation"), p.occupation], [t("desk"), (deskOf(p.desk_id) || {}).name],
  ];
}

export function renderPerson(extra = {}) {
  const p = state.person.record;
  const box = $("#person");
  const title = el("h1", `${p.given_names} ${p.family_name}`);
  const edit = el("button", t("edit"), { type: "button", id: "edit-person" });
  edit.addEventListener("click", () => startEdit());
  const identity = el("section");
  identity.append(el("h2", t("identity")), definitionList(identityRows(p)));
  box.replaceChildren(
    title, el("p", p.registration_number, { class: "mono" }), edit, receiptButton(p, extra), identity,
    section("phones", p.phones.map((x) => `${phoneText(x)}${x.whatsapp ? ` (${t("whatsapp")})` : ""}`)),
    section("documents", p.documents.map((d) => `${code(d.doc_type)} ${d.number}${d.issuing_country ? ` (${d.issuing_country})` : ""}`)),
    section("consents", p.consents.map((c) => `${code(c.purpose)} : ${c.granted ? t("granted") : t("refused")} · ${day(c.recorded_at)}`
      + (c.withdrawn_at ? ` · ${t("withdrawn")} ${day(c.withdrawn_at)}` : ""))),
    caseRows(extra.cases || []),
    section("appointments", (extra.appointments || []).map((a) => `${deskTime(a.starts_at, a.desk_id, i18n.lang)} · ${code(a.status)}${a.purpose ? ` · ${a.purpose}` : ""}`)),
    documentsSection(p, extra.files || []),
  );
  if (extra.openCase) box.append(extra.openCase);
  return title;
}

async function items(path) {
  const r = await api("GET", path);
  if (!r.ok) return [];
  return Array.isArray(r.body) ? r.body : r.body.items || [];
}

export async function openPerson(id) {
  const box = $("#person-msg");
  say(box, "");
  try {
    const r = await api("GET", `/api/v1/registrants/${id}`);
    showTab("person", { focus: false });
    if (!r.ok) {
      $("#person").replaceChildren();
      say(box, r.body.detail || r.body.title);
      return focusOn(box);
    }
    state.person = { record: r.body, etag: r.etag };
    const [cases, appointments, files] = await Promise.all([
      items(`/api/v1/registrants/${id}/cases`), items(`/api/v1/appointments?registrant_id=${id}`),
      items(`/api/v1/registrants/${id}/documents`),
    ]);
    state.person.extra = { cases, appointments, files, openCase: await openCaseForm(r.body) };
    focusOn(renderPerson(state.person.extra));
  } catch (error) {
    if (!(error instanceof SessionExpired)) say(box, error.message);
  }
  return undefined;
}

export function initPerson() {
  $("#back").addEventListener("click", () => showTab("search"));
}

/** A phone as the agent should read it: E.164 when verified, else as typed and marked for a check. */
export function phoneText(phone) {
  return phone.verified === false || !phone.e164 ? `${phone.raw} (${t("phone_unverified")})` : phone.e164;
}
