// The correction history of the person's file (GET /registrants/{id}/corrections; supervisors,
// administrators, auditors): each field corrected, its value before and after, the reason given,
// who and when — the trace of the person's right of rectification. Read when asked for (the API
// audits each reading); a correction is made by editing the file, with its reason (edit.js).
import { readPart } from "./api.js";
import { busy, el, focusOn } from "./dom.js";
import { colon, i18n, t } from "./i18n.js";
import { deskTime } from "./state.js";
import { fieldName, valueText } from "./history.js";
import { failed, listUnread, messageBox } from "./admin_common.js";
import "./i18n_day.js";
import "./i18n_rights.js";

function item(c, deskId) {
  const li = el("li", null, { class: "correction" });
  li.append(el("strong", deskTime(c.corrected_at, deskId, i18n.lang)), ` — ${c.corrected_by_label}${colon()}`,
    `${fieldName(c.field)}${colon()}${t("changed_to", { old: valueText(c.field, c.old_value), new: valueText(c.field, c.new_value) })}`);
  li.append(el("p", c.reason ? t("corr_reason", { text: c.reason }) : t("corr_no_reason")));
  return li;
}

/** The corrections part of the person's rights: a button reads the history, oldest first. */
export function correctionsPart(person) {
  const part = el("div", null, { id: "person-corrections" });
  const list = el("ul", null, { class: "list", id: "correction-list", tabindex: "-1", hidden: "" });
  const box = messageBox("corrections-msg");
  const show = el("button", t("corr_show"), { type: "button", class: "secondary" });
  show.addEventListener("click", () => busy(show, async () => {
    try {
      const r = await readPart(`/api/v1/registrants/${person.id}/corrections`);
      list.hidden = false;
      // a refusal, no answer: said in the list's place, never « Aucune correction » nor the list read before
      if (!r.ok) listUnread(list, true);
      else list.replaceChildren(...(r.body.length ? r.body.map((c) => item(c, person.desk_id)) : [el("li", t("corr_none"))]));
      return focusOn(list);
    } catch (error) {
      return failed(box, error);
    }
  }));
  part.append(el("h3", t("corr_title")), el("p", t("corr_intro")), show, box, list);
  return part;
}
