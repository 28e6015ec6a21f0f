// What the page holds for the signed-in agent; `resetState()` forgets all of it at sign-out.
import { readPart } from "./api.js";
import { unbroken } from "./i18n.js";

export const state = {};

export function resetState() {
  for (const key of Object.keys(state)) delete state[key];
  Object.assign(state, {
    me: null, desks: [], search: { params: null, cursor: null }, person: null,
  });
}

resetState();

/** Whether the signed-in role works on files (registers, books, opens cases, uploads): the API
 * refuses all of it to an auditor, who only reads (app/auth/deps.py, each router's roles). */
export function works() {
  return Boolean(state.me) && ["agent", "supervisor", "admin"].includes(state.me.role);
}

export function deskOf(id) {
  return state.desks.find((d) => d.id === id) || null;
}

// A date-time in the desk's local time, in the interface language.
export function deskTime(iso, deskId, lang) {
  const desk = deskOf(deskId);
  const options = { dateStyle: "medium", timeStyle: "short" };
  if (desk) options.timeZone = desk.time_zone;
  return unbroken(new Intl.DateTimeFormat(lang, options).format(new Date(iso)));
}

/** The active agents and supervisors of desk `deskId` ({id, full_name, role}), read once a session,
 * for a part of a screen that says in its place when they could not be loaded: the staff, or null
 * when they could not be read (a refusal, no answer; asked again next time). A read answered after
 * sign-out is not kept for the next agent. Throws SessionExpired only. */
export async function staffRead(deskId) {
  state.staff = state.staff || {};
  const kept = state.staff;
  if (!kept[deskId]) {
    const r = await readPart(`/api/v1/desks/${deskId}/staff`);
    if (!r.ok) return null;
    kept[deskId] = r.body;
  }
  return kept[deskId];
}
