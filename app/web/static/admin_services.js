// The service catalogue (administrators): every type, retired ones included, with its labels,
// time to handle (business days) and whether it is offered; an edit of the labels, the time and
// the active flag is sent with the If-Match of the type as read when its form opened (412: read
// again, what was typed kept). The other screens read the catalogue again afterwards.
import { api } from "./api.js";
import { busy, el, focusOn, say } from "./dom.js";
import { i18n, t } from "./i18n.js";
import { state } from "./state.js";
import { failed, field, listAll, messageBox, refuse, rowWords } from "./admin_common.js";

const label = (s) => (i18n.lang === "fr" ? s.label_fr : s.label_en);

// `read`: the type as read ({body, etag}); `typed`: what the administrator had typed (after a 412).
function editForm(read, reload, typed = null) {
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
    activeLabel, box, submit,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const data = new FormData(form);
      const sla = String(data.get("default_sla_days")).trim();
      // A number the browser could not read is sent as typed: the API says what is wrong with it.
      const body = {
        label_fr: String(data.get("label_fr")), label_en: String(data.get("label_en")),
        default_sla_days: /^-?\d+$/.test(sla) ? Number(sla) : sla, is_active: data.get("is_active") === "on",
      };
      try {
        const r = await api("PATCH", `/api/v1/service-types/${encodeURIComponent(n)}`, { json: body, headers: { "If-Match": read.etag } });
        if (r.status === 412) {
          const again = await api("GET", `/api/v1/service-types/${encodeURIComponent(n)}`);
          if (!again.ok) return refuse(box, again);
          const fresh = editForm(again, reload, body);
          form.replaceWith(fresh);
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
  const types = await listAll("/api/v1/service-types?include_retired=true");
  if (!types.ok) return refuse(box, types.r);
  const list = el("ul", null, { class: "list", id: "service-list" });
  for (const s of types.items) {
    const li = el("li", null, { "data-code": s.code });
    const retired = s.is_active ? "" : ` · ${t("service_retired")}`;
    li.append(rowWords(label(s), `${s.code} · ${t("service_sla_short", { days: s.default_sla_days })}${retired}`));
    const edit = el("button", t("service_edit"), { type: "button", class: "secondary", "aria-label": `${t("service_edit")} : ${label(s)}` });
    const rowBox = messageBox();
    edit.addEventListener("click", () => busy(edit, async () => {
      try {
        const read = await api("GET", `/api/v1/service-types/${encodeURIComponent(s.code)}`);
        if (!read.ok) return refuse(rowBox, read);
        const form = editForm(read, reload);
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
