// The service catalogue (administrators): every type, retired ones included, with its labels,
// time to handle (business days), usual documents and whether it is offered; an edit of the
// labels, the time, the usual documents (the documents the API has words for ticked, any other
// typed as a code, one a line) and the active flag is sent with the If-Match of the type as read
// when its form opened (412: read again, what was typed kept), or cancelled. The other screens
// read the catalogue again afterwards.
import { api } from "./api.js";
import { busy, cancelButton, el, focusOn, say, unreadNotice } from "./dom.js";
import { code, colon, i18n, t } from "./i18n.js";
import { state } from "./state.js";
import { failed, field, listAll, messageBox, refuse, rowWords } from "./admin_common.js";
import { carrySnapshot } from "./unsaved.js";

const label = (s) => (i18n.lang === "fr" ? s.label_fr : s.label_en);

/** A type's usual documents in words ("Passeport, Photo"), or that it has none. */
const documentsText = (codes) => (codes.length ? codes.map((d) => code(d)).join(", ") : t("service_no_documents"));

/** The usual documents as boxes: every document code the API has words for (`known`, in its
 * order), then any other code the type holds; those of `held` ticked. The codes typed in the
 * field below (`documents_required`, one a line) are sent after the ticked ones. */
function documentsField(n, known, held) {
  const set = el("fieldset", null, { class: "checks" });
  set.append(el("legend", t("service_documents")));
  for (const d of [...known, ...held.filter((h) => !known.includes(h))]) {
    const label = el("label", null, { class: "inline" });
    const box = el("input", null, { type: "checkbox", name: "usual", value: d });
    box.checked = held.includes(d);
    label.append(box, el("span", code(d)));
    set.append(label);
  }
  const id = `service-docs-other-${n}`;
  const other = el("textarea", null, { id, name: "documents_required", rows: "2", autocomplete: "off" });
  set.append(el("label", t("service_documents_other"), { for: id }), other);
  return set;
}

/** The usual documents of `form`: the ticked ones, then each code typed (blank lines left out,
 * a code already ticked not sent twice). */
function documentsChosen(form) {
  const data = new FormData(form);
  const typed = String(data.get("documents_required") || "").split("\n").map((x) => x.trim()).filter(Boolean);
  return [...new Set([...data.getAll("usual").map(String), ...typed])];
}

// `read`: the type as read ({body, etag}); `known`: the document codes with words; `opener`: the
// row's "Modifier" button; `typed`: what the administrator had typed (after a 412).
function editForm(read, known, opener, reload, typed = null) {
  const s = { ...read.body, ...(typed || {}) };
  const n = read.body.code;
  const form = el("form", null, { id: `service-form-${n}`, class: "admin-form" });
  const active = el("input", null, { type: "checkbox", name: "is_active", id: `service-active-${n}` });
  active.checked = s.is_active;
  const activeLabel = el("label", null, { class: "inline", for: `service-active-${n}` });
  activeLabel.append(active, el("span", t("service_active")));
  const box = messageBox();
  const submit = el("button", t("service_save"), { type: "submit" });
  form.append(
    ...field(`service-fr-${n}`, "label_fr", t("service_label_fr"), { value: s.label_fr, required: true }),
    ...field(`service-en-${n}`, "label_en", t("service_label_en"), { value: s.label_en, required: true }),
    ...field(`service-sla-${n}`, "default_sla_days", t("service_sla"), { type: "number", value: String(s.default_sla_days), required: true }),
    documentsField(n, known, s.documents_required), activeLabel, box, submit, " ", cancelButton(opener),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const data = new FormData(form);
      const sla = String(data.get("default_sla_days")).trim();
      // A number the browser could not read is sent as typed: the API says what is wrong with it.
      const body = {
        label_fr: String(data.get("label_fr")), label_en: String(data.get("label_en")),
        default_sla_days: /^-?\d+$/.test(sla) ? Number(sla) : sla, documents_required: documentsChosen(form),
        is_active: data.get("is_active") === "on",
      };
      try {
        const r = await api("PATCH", `/api/v1/service-types/${encodeURIComponent(n)}`, { json: body, headers: { "If-Match": read.etag } });
        if (r.status === 412) {
          const again = await api("GET", `/api/v1/service-types/${encodeURIComponent(n)}`);
          if (!again.ok) return refuse(box, again);
          const fresh = editForm(again, known, opener, reload, body);
          form.replaceWith(fresh);
          carrySnapshot(form, fresh);  // what was typed is still not saved
          say(fresh.querySelector(".msg"), t("service_changed"), "warning");
          return focusOn(fresh.querySelector(".msg"));
        }
        if (!r.ok) return refuse(box, r, form);
        state.serviceTypes = null;  // the case screens read the catalogue again, with this change
        return reload(t("service_saved"));
      } catch (error) {
        return failed(box, error);
      }
    });
  });
  return form;
}

/** Draw the service catalogue in `panel` (an empty section with its heading); `done`: a sentence
 * to say first (the change just saved). */
export async function loadServices(panel, done = "") {
  const box = messageBox("services-msg");
  panel.replaceChildren(panel.querySelector("h2"), el("p", t("services_intro")), box);
  const reload = (sentence) => loadServices(panel, sentence);
  const [types, words] = await Promise.all([
    listAll("/api/v1/service-types?include_retired=true"), api("GET", "/api/v1/service-types/document-labels"),
  ]);
  if (!types.ok) return panel.append(unreadNotice());  // a refusal, no answer: said in the list's place
  // the document codes the API has words for, offered as boxes (none: every code typed)
  const known = words.ok ? Object.keys(words.body[i18n.lang] || words.body.fr) : [];
  const list = el("ul", null, { class: "list", id: "service-list" });
  for (const s of types.items) {
    const li = el("li", null, { "data-code": s.code });
    const retired = s.is_active ? "" : ` · ${t("service_retired")}`;
    const documents = t("service_documents_short", { documents: documentsText(s.documents_required) });
    li.append(rowWords(label(s), `${s.code} · ${t("service_sla_short", { days: s.default_sla_days })}${retired} · ${documents}`));
    const edit = el("button", t("service_edit"), { type: "button", class: "secondary", "aria-label": `${t("service_edit")}${colon()}${label(s)}` });
    const rowBox = messageBox();
    edit.addEventListener("click", () => busy(edit, async () => {
      try {
        const read = await api("GET", `/api/v1/service-types/${encodeURIComponent(s.code)}`);
        if (!read.ok) return refuse(rowBox, read);
        const form = editForm(read, known, edit, reload);
        edit.hidden = true;
        li.append(form);
        return focusOn(form.elements.namedItem("label_fr"));
      } catch (error) {
        return failed(rowBox, error);
      }
    }));
    li.append(" ", edit, rowBox);
    list.append(li);
  }
  panel.append(list);
  if (done) {
    say(box, done, "ok");
    focusOn(box);
  }
  return undefined;
}
