// Booking and rescheduling: the agent picks a day, the API lists the free slots of the desk for
// the chosen agent (opening hours minus holidays and existing bookings, in the desk's time zone),
// the agent picks one. Nothing about the calendar is computed in the browser.
import { api, keyFor, problemLines, readAsShown, readPart, SessionExpired, sent } from "./api.js";
import { $, busy, drawTurn, el, focusOn, say, sayLines, unreadNotice } from "./dom.js";
import { code, dateText, t } from "./i18n.js";
import { staffRead, state } from "./state.js";
import "./i18n_day.js";

let counter = 0;

function hhmm(iso) {
  return String(iso).slice(11, 16); // the desk's own clock, as the API wrote it
}

// On a day the desk's clock changes, the repeated hour's slots come twice: their offsets tell them apart.
function slotClock(slots) {
  const offsets = new Set(slots.flatMap((s) => [String(s.start_local).slice(19), String(s.end_local).slice(19)]));
  return offsets.size > 1 ? (iso) => `${hhmm(iso)} (UTC${String(iso).slice(19)})` : hhmm;
}

export function dayWords(isoDate) {
  return dateText(new Date(`${isoDate}T12:00:00`), { dateStyle: "full" });
}

// Why a day has no free slot: the desk is closed that day, the day is over, or all is booked.
function noSlotReason(dayOut, timeZone) {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date()); // YYYY-MM-DD
  if (dayOut.date < today) return "no_slot_past";
  if (!dayOut.opening_hours.length) return "no_slot_closed";
  return "no_slot";
}

// A form: agent, day, length → free slots as radio buttons → purpose → `submitLabel`.
// `send({starts_at, ends_at, agent_id, purpose})` returns the API's answer.
// `explain(r)`, when given, turns a refused answer into sentences (or returns null for the usual
// problem lines); after a 409 or 412 the free slots are fetched again, the slot taken may be gone,
// and `onClash()`, when given, reads again what the clash may have changed (the person's appointments).
// `key`: the form's own name (its id `slot-form-<key>` and its fields'), for a form drawn again in
// place of another (the file in the other language, carry.js: `data-carry`); else a number of its own.
export async function slotForm({ deskId, agentId, day, purpose = "", submitLabel, send, onDone, explain, onClash, key = null }) {
  const n = key || ++counter;
  const form = el("form", null, { class: "slot-form", id: `slot-form-${n}`, ...(key ? { "data-carry": "" } : {}) });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const agent = el("select", null, { id: `slot-agent-${n}`, name: "agent_id" });
  // the desk's staff not loaded (a refusal, no answer): said under the list, which keeps the agent
  const staff = await staffRead(deskId);
  for (const s of staff || []) agent.append(el("option", s.full_name, { value: s.id }));
  if (state.me && !agent.querySelector(`option[value="${state.me.id}"]`)) {
    agent.prepend(el("option", state.me.email, { value: state.me.id }));
  }
  agent.value = agentId || (state.me && state.me.id) || "";
  // The API's names for these fields (`data-api`): a refusal at `start` is said at "Jour".
  const date = el("input", null, { id: `slot-day-${n}`, name: "day", type: "date", required: "", "data-api": "start" });
  date.value = day || new Date().toISOString().slice(0, 10);
  const length = el("select", null, { id: `slot-length-${n}`, name: "minutes", "data-api": "duration_minutes" });
  for (const m of ["15", "30", "45", "60"]) length.append(el("option", m, { value: m }));
  length.value = "30";
  const find = el("button", t("free_slots"), { type: "button", class: "secondary" });
  const choices = el("fieldset", null, { class: "slots", hidden: "", "data-api": "starts_at ends_at" });
  const what = el("input", null, { id: `slot-purpose-${n}`, name: "purpose", autocomplete: "off" });
  what.value = purpose;
  const submit = el("button", submitLabel, { type: "submit" });
  form.append(
    el("label", t("with_agent"), { for: agent.id }), agent, ...(staff ? [] : [unreadNotice("staff_unread")]),
    el("label", t("day"), { for: date.id }), date,
    el("label", t("minutes"), { for: length.id }), length, find, choices,
    el("label", t("appointment_purpose"), { for: what.id }), what, submit, box,
  );
  const found = {};
  // Only the latest read draws the slots (the agent's, and the one after a slot was taken
  // meanwhile); an answer for a day, agent or length changed while it loaded draws nothing: the
  // slots of those chosen now are read instead. Not loaded (a refusal, no answer): said in their
  // place, never « no free slot »; what was asked refused (422) is said at its field.
  const load = async ({ focus = true } = {}) => {
    const asked = { desk_id: deskId, start: date.value, days: "1", duration_minutes: length.value, agent_id: agent.value };
    const current = drawTurn(choices);
    const r = await readPart(`/api/v1/appointments/free-slots?${new URLSearchParams(asked)}`);
    if (!current()) return undefined;
    if (date.value !== asked.start || length.value !== asked.duration_minutes || agent.value !== asked.agent_id) return load({ focus });
    if (r.status === 422) { choices.hidden = true; return sayLines(box, problemLines(r.body, form)); }
    say(box, "");
    if (!r.ok) {
      choices.replaceChildren(el("legend", asked.start ? `${t("slots_of")} ${dayWords(asked.start)}` : t("slot")), unreadNotice());
      choices.hidden = false;
      return focus ? focusOn(choices) : undefined;
    }
    const dayOut = r.body.days[0];
    choices.replaceChildren(el("legend", `${t("slots_of")} ${dayWords(dayOut.date)}`));
    if (dayOut.holiday) choices.append(el("p", t("closed_holiday", { name: dayOut.holiday })));
    else if (!dayOut.slots.length) choices.append(el("p", t(noSlotReason(dayOut, r.body.time_zone))));
    const clock = slotClock(dayOut.slots);
    dayOut.slots.forEach((s, i) => {
      const id = `slot-${n}-${i}`;
      // the slot's own times as its value: chosen again after the form is drawn again (carry.js),
      // the same time or none, never the slot that now has its rank
      const value = `${s.start_local}/${s.end_local}`;
      found[value] = s;
      const label = el("label", null, { class: "inline slot", for: id });
      label.append(el("input", null, { type: "radio", name: "slot", id, value }), el("span", `${clock(s.start_local)}–${clock(s.end_local)}`));
      choices.append(label);
    });
    choices.hidden = false;
    return focus ? focusOn($("input", choices) || choices) : undefined;
  };
  // a slot chosen in the form this one replaces (carry.js): the free slots read for it first
  form.refillFor = (name) => (name === "slot" ? load({ focus: false }) : undefined);
  find.addEventListener("click", () => busy(find, () => load().catch((e) => { if (!(e instanceof SessionExpired)) say(box, e.message); })));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const picked = found[(new FormData(form)).get("slot")];
      if (!picked) { say(box, t("pick_slot")); return focusOn(box); }
      try {
        const r = await send({ starts_at: picked.start_local, ends_at: picked.end_local, agent_id: agent.value, purpose: what.value.trim() || null });
        if (!r.ok) {
          const lines = (explain && (await explain(r))) || problemLines(r.body, form);
          if ((r.status === 409 || r.status === 412) && !choices.hidden) await load();
          if ((r.status === 409 || r.status === 412) && onClash) await onClash();
          sayLines(box, lines);
          return focusOn(box);
        }
        return onDone(r.body);
      } catch (error) {
        if (!(error instanceof SessionExpired)) say(box, error.message);
        return undefined;
      }
    });
  });
  return form;
}

// A slot taken meanwhile (409): by another booking of the agent (`agent-double-booked`) or the
// person has an appointment at that time already (`registrant-double-booked`), said in a sentence
// (the free slots are then drawn again); null for any other answer.
function doubleBooked(r) {
  const type = String((r.body && r.body.type) || "");
  if (r.status !== 409) return null;
  if (type.endsWith("/agent-double-booked")) return [t("slot_taken")];
  if (type.endsWith("/registrant-double-booked")) return [t("person_double_booked")];
  return null;
}

// The person file's booking section: a new appointment at the person's desk. `refreshList()`: the
// person's appointments read again after a clash (the slot may have been taken by this very person,
// booked from another tab).
export async function bookingSection(person, reopen, refreshList) {
  const s = el("section", null, { id: "book" });
  s.append(el("h2", t("book")));
  s.append(await slotForm({
    deskId: person.desk_id, submitLabel: t("book_it"), key: "book",
    send: (chosen) => {
      const body = { desk_id: person.desk_id, registrant_id: person.id, ...chosen };
      const slot = `booking:${person.id}`;
      return api("POST", "/api/v1/appointments", { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } })
        .then((r) => { if (r.ok) sent(slot); return r; });
    },
    explain: async (r) => doubleBooked(r),
    onClash: refreshList,
    onDone: () => reopen(t("booked_msg")),
  }));
  return s;
}

// "Tuesday 1 December 2026 at 10:00": an appointment's day and desk-local time, in words.
export function whenWords(a) {
  return t("when_at", { day: dayWords(String(a.local_date)), time: hhmm(a.start_local) });
}

/** The sentence for an appointment someone else changed meanwhile (a 412): nothing saved, and how
 * it is now (`now`: the appointment as read again). */
export function changedWords(now) {
  return t("appt_changed", { when: whenWords(now), status: code(now.status) });
}

// Reschedule: the same picker, sending the new times with the ETag of the appointment as the form
// shows it: `a` as listed, or, when it changed since it was listed, as it is now, said above the form
// (its purpose, agent and day filled from that version, never from the stale one). A change made
// meanwhile (412: moved or cancelled by someone else), a slot taken meanwhile or an appointment no
// longer booked (409) are said in words; the agent picks again. `onDone(message)` after the move;
// `onClose()` when the agent closes the form. Returns the form, or {problem: lines} when the
// appointment cannot be read any more.
export async function rescheduleForm(a, onDone, onClose) {
  const read = await readAsShown(`/api/v1/appointments/${a.id}`, a);
  const changed = read.status === 412 && read.body && read.body.current;
  const first = changed ? { body: read.body.current, etag: read.body.current_etag } : read;
  if (!changed && !read.ok) return { problem: problemLines(read.body) };
  if (first.body.status !== "booked") return { problem: [t("no_longer_booked", { status: code(first.body.status) })] };
  const held = { etag: first.etag, appointment: first.body };
  const now = first.body;
  const explain = async (r) => {
    if (r.status === 412 && r.body && r.body.current) {
      held.etag = r.body.current_etag;
      held.appointment = r.body.current;
      if (r.body.current.status !== "booked") return [t("no_longer_booked", { status: code(r.body.current.status) })];
      return [t("changed_meanwhile", { when: whenWords(r.body.current) })];
    }
    if (doubleBooked(r)) return doubleBooked(r);
    if (r.status === 409) {
      const now = await api("GET", `/api/v1/appointments/${a.id}`);
      if (now.ok && now.body.status !== "booked") return [t("no_longer_booked", { status: code(now.body.status) })];
    }
    return null;
  };
  const form = await slotForm({
    deskId: now.desk_id, agentId: now.agent_id, day: now.local_date, purpose: now.purpose || "", submitLabel: t("move_here"),
    send: (chosen) => api("PATCH", `/api/v1/appointments/${a.id}`, { json: chosen, headers: { "If-Match": held.etag } }),
    explain,
    onDone: () => onDone(t("rescheduled")),
  });
  form.setAttribute("aria-label", t("move_title", { when: whenWords(now) }));
  if (changed) form.prepend(el("p", t("appt_changed_since_shown", { when: whenWords(now) }), { class: "msg warning", role: "status" }));
  if (onClose) {
    const close = el("button", t("keep_time"), { type: "button", class: "secondary" });
    close.addEventListener("click", () => { form.remove(); onClose(); });
    $("button[type=submit]", form).after(close);
  }
  return form;
}
