// Documents missing: the agent tells the person which documents the desk waits for
// (`POST /api/v1/cases/{id}/documents-missing`, docs/notifications.md). The service type's usual
// documents (the catalogue's `documents_required`) are ticked, others are typed one per line; the
// answer says whether a message left for the person (`queued`) or why not (`skipped`, `reason`).
import { api, keyFor, problemLines, sent } from "./api.js";
import { el, focusOn, say, sayLines } from "./dom.js";
import { code, CODES, i18n, t } from "./i18n.js";
import { state } from "./state.js";
import "./i18n_followup.js";
import { action, openCase } from "./case.js";

/** The documents named in `form`: the usual ones ticked, then each line typed (blank lines left out). */
function named(form) {
  const ticked = [...form.querySelectorAll("input[name=usual]:checked")].map((x) => x.value);
  const typed = form.elements.namedItem("documents").value.split("\n").map((x) => x.trim()).filter(Boolean);
  return [...ticked, ...typed];
}

// A catalogue's document in words; one the agent typed as it was typed.
const words = (d) => (CODES[i18n.lang][d] ? code(d) : d);

/** The sentence said once the request is recorded, and its tone (a message not sent: a warning). */
function outcome(answer) {
  const documents = answer.documents.map(words).join(", ");
  if (answer.notification_status === "skipped") {
    return [t("docs_skipped", { documents, reason: code(answer.reason) }), "warning"];
  }
  return [t("docs_queued", { documents }), "ok"];
}

/** The section of an open case `c` (a `CaseOut`) that asks the person for documents. */
export function documentsMissingSection(c) {
  const s = el("section");
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const form = el("form", null, { id: "documents-missing-form" });
  const type = (state.serviceTypes || []).find((x) => x.code === c.service_type);
  const usual = type ? type.documents_required : [];
  const group = el("fieldset");
  group.append(el("legend", t("docs_usual")));
  for (const d of usual) {
    const label = el("label", null, { class: "inline" });
    label.append(el("input", null, { type: "checkbox", name: "usual", value: d, checked: "" }), el("span", words(d)));
    group.append(label);
  }
  if (!usual.length) group.append(el("p", t("docs_no_usual")));
  const other = el("textarea", null, { id: "documents-other", name: "documents", rows: "3" });
  form.append(group, el("label", t("docs_other"), { for: "documents-other" }), other, el("button", t("docs_send"), { type: "submit" }));
  action(form, box, async () => {
    const documents = named(form);
    if (!documents.length) {  // an empty list would be refused: said here, at the field
      other.setAttribute("aria-invalid", "true");
      say(box, t("docs_none_named"));
      return focusOn(other);
    }
    const body = { documents };
    const slot = `documents-missing:${c.id}`;
    const r = await api("POST", `/api/v1/cases/${c.id}/documents-missing`, { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
    if (!r.ok) return sayLines(box, problemLines(r.body, form));
    sent(slot);
    const [sentence, tone] = outcome(r.body);
    return openCase(c.id, sentence, { tone });
  });
  s.append(el("h2", t("docs_missing")), el("p", t("docs_intro")), form, box);
  return s;
}
