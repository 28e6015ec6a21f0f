// Desks (administrators): the list, and for one desk its opening hours (per ISO weekday, any
// number of time ranges, in the desk's local time) sent with the If-Match of the desk as read
// when its form opened (412: read again, the hours typed kept), and its holidays of a year
// (listed, added with an Idempotency-Key, removed with the If-Match of the holiday as listed: one
// replaced meanwhile is not removed, the list read again and that said). The rules (ranges in order, no overlap, a
// holiday already there) are the API's: its refusals are said next to the form; the hours are also
// checked here first, to name the day and mark the inputs at fault (`hoursProblems`).
import { api, keyFor, sent } from "./api.js";
import { busy, drawTurn, el, focusOn, say, sayLines, unreadNotice } from "./dom.js";
import { colon, dateText, i18n, t } from "./i18n.js";
import { failed, field, listAll, messageBox, refuse, rowWords } from "./admin_common.js";
import { carrySnapshot } from "./unsaved.js";

const DAYS = ["1", "2", "3", "4", "5", "6", "7"];  // ISO weekdays, Monday first

// 2024-01-01 was a Monday: the weekday's name in the interface language, no word table needed.
const weekday = (day) => new Intl.DateTimeFormat(i18n.lang, { weekday: "long", timeZone: "UTC" }).format(Date.UTC(2024, 0, Number(day)));
const longDate = (iso) => dateText(new Date(`${iso}T00:00:00Z`), { dateStyle: "full", timeZone: "UTC" });

function rangeRow(day, span) {
  const n = Math.random().toString(36).slice(2, 8);
  const row = el("div", null, { class: "hours-range" });
  const [fromLabel, from] = field(`hours-${day}-${n}-from`, `from-${day}`, t("hours_from"), { type: "time", value: span[0] });
  const [toLabel, to] = field(`hours-${day}-${n}-to`, `to-${day}`, t("hours_to"), { type: "time", value: span[1] });
  const remove = el("button", "×", { type: "button", class: "secondary", "aria-label": `${t("hours_remove")}${colon()}${weekday(day)}` });
  remove.addEventListener("click", () => {
    const set = row.parentElement;
    row.remove();
    focusOn(set.querySelector("input") || set.querySelector("button"));
  });
  // each label kept with its time: on a phone a range wraps between them, never inside one
  row.append(el("span", null, { class: "hours-end" }), el("span", null, { class: "hours-end" }), remove);
  row.children[0].append(fromLabel, from);
  row.children[1].append(toLabel, to);
  return row;
}

function dayFieldset(day, spans) {
  const set = el("fieldset", null, { class: "hours-day", "data-day": day });
  set.append(el("legend", weekday(day)));
  const ranges = el("div");
  for (const span of spans) ranges.append(rangeRow(day, span));
  const add = el("button", t("hours_add"), { type: "button", class: "secondary", "aria-label": `${t("hours_add")}${colon()}${weekday(day)}` });
  add.addEventListener("click", () => {
    const row = rangeRow(day, ["", ""]);
    ranges.append(row);
    focusOn(row.querySelector("input"));
  });
  set.append(ranges, add);
  return set;
}

// What the form holds, as the API's `opening_hours`; a range with only one end typed is sent as
// it is (the API says what is wrong with it), a range left empty is no range.
function hoursOf(form) {
  const hours = {};
  for (const set of form.querySelectorAll(".hours-day")) {
    const spans = [...set.querySelectorAll(".hours-range")]
      .map((row) => [...row.querySelectorAll("input")].map((input) => input.value))
      .filter(([from, to]) => from || to);
    if (spans.length) hours[set.dataset.day] = spans;
  }
  return hours;
}

// What is wrong with the hours typed, said per day before anything is sent (the API, which checks
// them too, names neither the day nor the range): an end left empty (« mardi, à : à remplir »), a
// range ending before it starts, two ranges of a day overlapping; the inputs at fault marked. Null
// when there is nothing to say. The lines say themselves again in the other language (sayAgain).
function hoursProblems(form) {
  const lines = [t("check_fields")];
  for (const set of form.querySelectorAll(".hours-day")) {
    const day = weekday(set.dataset.day);
    const spans = [];
    for (const row of set.querySelectorAll(".hours-range")) {
      const [from, to] = row.querySelectorAll("input");
      if (!from.value && !to.value) continue;  // a range left empty is no range
      const empty = [from, to].filter((input) => !input.value);
      for (const input of empty) {
        input.setAttribute("aria-invalid", "true");
        lines.push(t("hours_day_missing", { day, end: t(input === from ? "hours_from" : "hours_to") }));
      }
      if (empty.length) continue;
      if (from.value >= to.value) {
        for (const input of [from, to]) input.setAttribute("aria-invalid", "true");
        lines.push(t("hours_day_order", { day, from: from.value, to: to.value }));
        continue;
      }
      spans.push([from, to]);
    }
    spans.sort((a, b) => (a[0].value < b[0].value ? -1 : 1));
    for (let i = 1; i < spans.length; i += 1) {
      const [before, after] = [spans[i - 1], spans[i]];
      if (after[0].value >= before[1].value) continue;
      for (const input of [...before, ...after]) input.setAttribute("aria-invalid", "true");
      const range = ([from, to]) => `${from.value}–${to.value}`;
      lines.push(t("hours_day_overlap", { day, first: range(before), second: range(after) }));
    }
  }
  if (lines.length === 1) return null;
  lines.redraw = () => hoursProblems(form);
  return lines;
}

// `read`: the desk as read ({body, etag}); `hours`: the hours to show (the ones typed, after a 412).
function hoursForm(read, hours = null) {
  const desk = read.body;
  const shown = hours || desk.opening_hours;
  const form = el("form", null, { id: "hours-form", class: "admin-form" });
  const all = el("fieldset", null, { name: "opening_hours" });
  all.append(el("legend", t("opening_hours")), el("small", t("hours_zone", { zone: desk.time_zone })));
  for (const day of DAYS) all.append(dayFieldset(day, shown[day] || []));
  const box = messageBox("hours-msg");
  const submit = el("button", t("hours_save"), { type: "submit" });
  form.append(all, box, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const problems = hoursProblems(form);
    if (problems) {
      sayLines(box, problems);
      return focusOn(form.querySelector("[aria-invalid=true]"));
    }
    return busy(submit, async () => {
      const body = { opening_hours: hoursOf(form) };
      try {
        const r = await api("PATCH", `/api/v1/desks/${desk.id}`, { json: body, headers: { "If-Match": read.etag } });
        if (r.status === 412) {
          const again = await api("GET", `/api/v1/desks/${desk.id}`);
          if (!again.ok) return refuse(box, again);
          const fresh = hoursForm(again, body.opening_hours);
          form.replaceWith(fresh);
          carrySnapshot(form, fresh);  // the hours typed are still not saved
          say(fresh.querySelector("#hours-msg"), t("hours_changed"), "warning");
          return focusOn(fresh.querySelector("#hours-msg"));
        }
        if (!r.ok) return refuse(box, r, form);
        const saved = hoursForm({ body: r.body, etag: r.etag });
        form.replaceWith(saved);
        // Appointments booked before the change stay booked; those the new hours leave out are
        // counted, to be moved (the day's list and the week flag each one).
        const outside = (r.body.appointments_outside_hours || []).length;
        say(saved.querySelector("#hours-msg"), outside ? `${t("hours_saved")} ${t(outside === 1 ? "hours_outside_one" : "hours_outside", { count: outside })}` : t("hours_saved"), outside ? "warning" : "ok");
        return focusOn(saved.querySelector("#hours-msg"));
      } catch (error) {
        return failed(box, error);
      }
    });
  });
  return form;
}

// The holidays of `year` in `list`; `box` says what was done or refused.
async function drawHolidays(desk, year, list, box) {
  const current = drawTurn(list);
  const r = await api("GET", `/api/v1/desks/${desk.id}/holidays?year=${encodeURIComponent(year)}`);
  if (!current()) return undefined;  // another year asked since: its answer draws the list
  if (!r.ok) return refuse(box, r);
  const rows = r.body.items.map((h) => {
    const li = el("li");
    const observed = h.observed_from ? ` (${t("holiday_observed", { day: longDate(h.observed_from) })})` : "";
    li.append(rowWords(longDate(h.day), `${h.name}${observed}`));
    const remove = el("button", t("holiday_remove"), { type: "button", class: "secondary", "aria-label": `${t("holiday_remove")}${colon()}${h.name}` });
    remove.addEventListener("click", () => busy(remove, async () => {
      try {
        const gone = await api("DELETE", `/api/v1/desks/${desk.id}/holidays/${h.day}`, { headers: { "If-Match": h.etag } });
        if (gone.status === 412) {
          await drawHolidays(desk, year, list, box);
          say(box, t("holiday_changed"), "warning");
          return focusOn(box);
        }
        if (!gone.ok && gone.status !== 404) return refuse(box, gone);
        await drawHolidays(desk, year, list, box);
        say(box, t("holiday_removed"), "ok");
        return focusOn(box);
      } catch (error) {
        return failed(box, error);
      }
    }));
    li.append(" ", remove);
    return li;
  });
  list.replaceChildren(...(rows.length ? rows : [el("li", t("holidays_none"))]));
  return undefined;
}

function holidays(desk) {
  const section = el("section", null, { "aria-labelledby": "holidays-title" });
  const box = messageBox("holidays-msg");
  const list = el("ul", null, { class: "list", id: "holiday-list" });
  const yearForm = el("form", null, { id: "holiday-year-form", "data-lookup": "" });
  const [yearLabel, year] = field("holiday-year", "year", t("holidays_year"), { type: "number", value: String(new Date().getFullYear()), required: true });
  const show = el("button", t("holidays_show"), { type: "submit", class: "secondary" });
  yearForm.append(yearLabel, year, show);
  yearForm.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(show, () => drawHolidays(desk, year.value, list, box).catch((error) => failed(box, error)));
  });
  const addForm = el("form", null, { id: "holiday-form", class: "admin-form" });
  const addBox = messageBox();
  const submit = el("button", t("holiday_add"), { type: "submit" });
  addForm.append(
    ...field("holiday-day", "day", t("holiday_day"), { type: "date", required: true }),
    ...field("holiday-name", "name", t("holiday_name"), { required: true }), addBox, submit,
  );
  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const body = { day: addForm.elements.namedItem("day").value, name: addForm.elements.namedItem("name").value };
      const slot = `holiday:${desk.id}`;
      try {
        const r = await api("POST", `/api/v1/desks/${desk.id}/holidays`, { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
        if (!r.ok) return refuse(addBox, r, addForm);
        sent(slot);
        addForm.reset();
        say(addBox, "");
        year.value = r.body.day.slice(0, 4);
        await drawHolidays(desk, year.value, list, box);
        const booked = r.body.appointments_booked.length;
        say(box, booked ? `${t("holiday_added")} ${t(booked === 1 ? "holiday_booked_one" : "holiday_booked", { count: booked })}` : t("holiday_added"), booked ? "warning" : "ok");
        return focusOn(box);
      } catch (error) {
        return failed(addBox, error);
      }
    });
  });
  section.append(el("h3", t("holidays_title", { desk: desk.name }), { id: "holidays-title" }), yearForm, box, list, el("h4", t("holiday_new")), addForm);
  drawHolidays(desk, year.value, list, box).catch((error) => failed(box, error));
  return section;
}

async function openDesk(desk, panel, box) {
  const read = await api("GET", `/api/v1/desks/${desk.id}`);
  if (!read.ok) return refuse(box, read);
  const editor = el("section", null, { id: "desk-editor", "aria-labelledby": "hours-title" });
  const title = el("h3", t("hours_title", { desk: read.body.name }), { id: "hours-title" });
  editor.append(title, hoursForm(read), holidays(read.body));
  const earlier = panel.querySelector("#desk-editor");
  if (earlier) earlier.replaceWith(editor);
  else panel.append(editor);
  return focusOn(title);
}

/** Draw the desks in `panel` (an empty section with its heading). */
export async function loadDesks(panel) {
  const box = messageBox("desks-msg");
  panel.replaceChildren(panel.querySelector("h2"), el("p", t("desks_intro")), box);
  const desks = await listAll("/api/v1/desks");
  if (!desks.ok) return panel.append(unreadNotice());  // a refusal, no answer: said in the list's place
  const list = el("ul", null, { class: "list", id: "desk-list" });
  for (const d of desks.items) {
    const li = el("li");
    li.append(rowWords(d.name, `${d.code} · ${d.city}, ${d.country} · ${d.time_zone}${d.is_active ? "" : ` · ${t("desk_inactive")}`}`));
    const open = el("button", t("desk_open"), { type: "button", class: "secondary", "aria-label": `${t("desk_open")}${colon()}${d.name}` });
    open.addEventListener("click", () => busy(open, () => openDesk(d, panel, box).catch((error) => failed(box, error))));
    li.append(" ", open);
    list.append(li);
  }
  if (!desks.items.length) list.append(el("li", t("desk_none")));
  panel.append(list);
  return undefined;
}
