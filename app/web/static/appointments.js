// The desk's appointments of a day: time at the desk, person, status; mark arrived or no-show, or
// cancel. Times are the API's desk-local times (start_local), never recomputed in the browser.
import { api, problemLines, readAsShown, readPart, SessionExpired } from "./api.js";
import { $, $$, busy, drawTurn, el, focusOn, say, sayLines, unreadNotice } from "./dom.js";
import { code, colon, t } from "./i18n.js";
import { names } from "./queue.js";
import { state } from "./state.js";
import { changedWords, dayWords, rescheduleForm, whenWords } from "./slots.js";
import "./i18n_day.js";
import { appointmentDone, cancelButton, offeredStatuses } from "./appointment_actions.js";

const ACTIONS = [["kept", "arrived"], ["missed", "no_show"], ["cancelled", "cancel_appointment"]];

function localTime(iso) {
  return String(iso).slice(11, 16); // "2026-12-01T10:00:00+01:00" → "10:00", the desk's own clock
}

// Why a booked appointment is to be moved, in words ("" when it is not): the desk closed that day
// for a holiday (named from the desk's holidays), or the API's `to_move_reason`
// "outside-opening-hours" — the desk's hours, changed since it was booked, no longer hold it.
function moveFlag(a, holiday) {
  if (a.status !== "booked") return "";
  if (holiday) return t("holiday_flag", { name: holiday });
  return a.to_move_reason === "outside-opening-hours" ? t("hours_flag") : "";
}

// A day's or a week's appointments not loaded: what was asked refused (422) is said at its field;
// any other refusal, or no answer, is said so — the list shown before emptied, never left as if current.
function notLoaded(box, r, form, list) {
  if (r.status === 422) { list.replaceChildren(); return sayLines(box, problemLines(r.body, form)); }
  say(box, "");
  return list.replaceChildren(unreadNotice("list_unread", list.tagName === "UL" ? "li" : "p", r));
}

// After a move from the calendar: the day and the week (when shown) drawn again, the message said
// where the agent acted.
async function redrawAfterMove(message, where) {
  if (where === "week") {
    if ($("#day-list").children.length) await loadDay();
    return loadWeek(message);
  }
  if ($("#week").children.length) await loadWeek();
  return loadDay(message);
}

// "Déplacer": the free slots of the appointment's day for its agent, in a form under the
// appointment (the day's list) or under the week (`#week-move`), focus moved to it.
function moveButton(a, who, box, li, where = "day") {
  const b = el("button", t("reschedule"), { type: "button", class: "secondary" });
  b.setAttribute("aria-label", `${t("reschedule")}${colon()}${who}, ${whenWords(a)}`);
  b.addEventListener("click", () => busy(b, async () => {
    try {
      const back = () => { b.hidden = false; if (where === "week") $("#week-move").replaceChildren(); focusOn(b); };
      const form = await rescheduleForm(a, (message) => redrawAfterMove(message, where), back);
      if (form.problem) { sayLines(box, form.problem); return focusOn(box); }
      say(box, "");
      for (const open of $$(".slot-form", $("#tab-day"))) open.remove();
      for (const hidden of $$("button[data-moving]", $("#tab-day"))) { hidden.hidden = false; delete hidden.dataset.moving; }
      b.hidden = true;
      b.dataset.moving = "1";
      if (where === "week") {
        const title = el("h3", t("moving", { who, when: whenWords(a) }));
        $("#week-move").replaceChildren(title, form);
      } else {
        li.append(form);
      }
      return focusOn($("select", form));
    } catch (error) {
      if (!(error instanceof SessionExpired)) say(box, error.message);
      return undefined;
    }
  }));
  return b;
}

// Arrived, no-show or cancelled, sent with the ETag of the appointment as the list shows it: one
// moved or changed meanwhile (412) is drawn again as it is now and said so, nothing written over it.
async function act(a, status, box) {
  const current = await readAsShown(`/api/v1/appointments/${a.id}`, a);
  const r = current.ok
    ? await api("POST", `/api/v1/appointments/${a.id}/transitions`, { json: { status }, headers: { "If-Match": current.etag } })
    : current;
  if (r.status === 412 && r.body && r.body.current) return loadDay(changedWords(r.body.current), "warning");
  if (!r.ok) return sayLines(box, problemLines(r.body));
  await loadDay(appointmentDone(status, r.body.person_notified));
  return undefined;
}

// Signed out: a day or a week still loading draws nothing, not even for the next agent signing in.
document.addEventListener("desk:cleared", () => { drawTurn($("#day-list")); drawTurn($("#week")); });

export async function loadDay(done = "", tone = "ok") {
  const box = $("#day-msg");
  const form = $("#day-form");
  const data = new FormData(form);
  const desk = state.desks.find((d) => d.code === data.get("desk"));
  if (!state.desks.length) return say(box, t("no_desk"), "warning");
  if (!desk || !data.get("day")) return undefined;
  // Only the latest read draws the day: one asked while another was loading (another day, the
  // language changed, an appointment marked) must not be replaced by the earlier answer.
  const list = $("#day-list");
  const current = drawTurn(list);
  try {
    const day = data.get("day");
    const [r, holidays] = await Promise.all([
      readPart(`/api/v1/appointments?desk_id=${desk.id}&day=${day}&limit=100`), holidaysOf(desk, [day]),
    ]);
    if (!current()) return undefined;
    if (!r.ok) return notLoaded(box, r, form, list);
    const who = await names(r.body.items);
    if (!current()) return undefined;
    // A holiday declared after the appointments were booked: the day says so, each booking to move.
    const closed = holidays[day];
    list.replaceChildren(...(closed ? [el("li", t("closed_holiday", { name: closed }), { class: "tag", id: "day-holiday" })] : []), ...r.body.items.map((a) => {
      const li = el("li");
      li.append(el("strong", `${localTime(a.start_local)}–${localTime(a.end_local)}`), el("span", ` ${who[a.registrant_id]} · ${code(a.status)}${a.purpose ? ` · ${a.purpose}` : ""} `));
      const flag = moveFlag(a, closed);
      if (flag) li.append(el("strong", ` ${flag} `, { class: "to-move" }));
      if (a.status === "booked") {
        li.append(moveButton(a, who[a.registrant_id], box, li));
        // Each button named with whose appointment and when: a day lists many "Arrivé(e)" buttons.
        const which = `${who[a.registrant_id]}, ${localTime(a.start_local)}`;
        const offered = offeredStatuses(a);
        for (const [status, label] of ACTIONS.filter(([s]) => offered.includes(s))) {
          if (status === "cancelled") { li.append(cancelButton(which, () => act(a, status, box).catch((e) => { if (!(e instanceof SessionExpired)) say(box, e.message); }))); continue; }
          const b = el("button", t(label), { type: "button", class: "secondary", "aria-label": `${t(label)}${colon()}${which}` });
          b.addEventListener("click", () => busy(b, () => act(a, status, box).catch((e) => { if (!(e instanceof SessionExpired)) say(box, e.message); })));
          li.append(b);
        }
      }
      return li;
    }));
    if (!r.body.items.length) list.append(el("li", code("no_appointment")));
    const unknown = holidaysUnknown(holidays);
    say(box, [done, unknown].filter(Boolean).join(" "), done ? tone : "warning");
    if (done) focusOn(box);
  } catch (error) {
    if (current() && !(error instanceof SessionExpired)) say(box, error.message);
  }
  return undefined;
}

function addDays(isoDate, n) {
  const d = new Date(`${isoDate}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// The years a desk's calendar holds holidays for (the API's `app.core.dates` FIRST_YEAR–LAST_YEAR):
// none can be declared outside them, so none is asked for.
const HOLIDAY_YEARS = [2000, 2100];

// The desk's holidays on `days` ({day: name}), and `unknown`: the years whose holidays could not be
// read (a refusal, no answer), said to the agent rather than drawing those days as open.
async function holidaysOf(desk, days) {
  const years = [...new Set(days.map((d) => Number(d.slice(0, 4))))].filter((y) => y >= HOLIDAY_YEARS[0] && y <= HOLIDAY_YEARS[1]);
  const found = await Promise.all(years.map((y) => api("GET", `/api/v1/desks/${desk.id}/holidays?year=${y}`).catch((e) => {
    if (e instanceof SessionExpired) throw e;
    return { ok: false };
  })));
  const out = {};
  const unknown = years.filter((y, i) => !found[i].ok);
  for (const r of found) for (const h of r.ok ? r.body.items : []) out[h.day] = h.name;
  Object.defineProperty(out, "unknown", { value: unknown, enumerable: false });
  return out;
}

// What the day or the week says when some holidays could not be read.
const holidaysUnknown = (holidays) => (holidays.unknown.length ? t("holidays_unknown", { years: holidays.unknown.join(", ") }) : "");

// Seven days of the desk from the chosen day: each day's appointments in desk time; a holiday
// says the desk is closed, and an appointment still booked on it is flagged to be moved.
export async function loadWeek(done = "") {
  const box = $("#week-msg");
  const form = $("#week-form");
  const data = new FormData(form);
  const desk = state.desks.find((d) => d.code === data.get("desk"));
  if (!state.desks.length) return say(box, t("no_desk"), "warning");
  if (!desk || !data.get("start")) return undefined;
  const days = Array.from({ length: 7 }, (_, i) => addDays(String(data.get("start")), i));
  const out = $("#week");
  const current = drawTurn(out);  // only the latest read draws the week (as the day, loadDay)
  try {
    const [holidays, ...lists] = await Promise.all([
      holidaysOf(desk, days), ...days.map((d) => readPart(`/api/v1/appointments?desk_id=${desk.id}&day=${d}&limit=100`)),
    ]);
    if (!current()) return undefined;
    const failed = lists.find((r) => !r.ok);
    if (failed) return notLoaded(box, failed, form, out);
    say(box, "");
    const who = await names(lists.flatMap((r) => r.body.items));
    if (!current()) return undefined;
    out.replaceChildren(...days.map((d, i) => {
      const s = el("section", null, { class: "week-day" });
      s.append(el("h3", dayWords(d)));
      const weekday = String(new Date(`${d}T12:00:00Z`).getUTCDay() || 7); // ISO: Monday 1 … Sunday 7
      if (holidays[d]) s.append(el("p", t("closed_holiday", { name: holidays[d] }), { class: "tag" }));
      else if (!((desk.opening_hours || {})[weekday] || []).length) s.append(el("p", t("closed_day")));
      const ul = el("ul", null, { class: "plain" });
      for (const a of lists[i].body.items) {
        const li = el("li", `${localTime(a.start_local)}–${localTime(a.end_local)} ${who[a.registrant_id]} · ${code(a.status)}`);
        const flag = moveFlag(a, holidays[d]);
        if (flag) {
          li.classList.add("flagged");
          li.append(el("strong", ` ${flag}`, { class: "to-move" }));
        }
        if (a.status === "booked") li.append(moveButton(a, who[a.registrant_id], box, li, "week"));
        ul.append(li);
      }
      if (!lists[i].body.items.length && s.children.length === 1) ul.append(el("li", code("no_appointment")));
      s.append(ul);
      return s;
    }));
    $("#week-move").replaceChildren();
    const unknown = holidaysUnknown(holidays);
    if (done) { say(box, [done, unknown].filter(Boolean).join(" "), "ok"); return focusOn(box); }
    if (unknown) say(box, unknown, "warning");
    return focusOn($("h3", out));
  } catch (error) {
    if (current() && !(error instanceof SessionExpired)) say(box, error.message);
    return undefined;
  }
}

export function initAppointments() {
  const week = $("#week-form");
  week.removeAttribute("data-wait");
  // Default values: a sign-out resets the forms to them, not to empty fields.
  if (!week.elements.namedItem("start").value) week.elements.namedItem("start").defaultValue = new Date().toISOString().slice(0, 10);
  week.addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("button[type=submit]", week), () => loadWeek());
  });
  const form = $("#day-form");
  form.removeAttribute("data-wait");
  const day = form.elements.namedItem("day");
  if (!day.value) day.defaultValue = new Date().toISOString().slice(0, 10);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("button[type=submit]", form), () => loadDay());
  });
}
