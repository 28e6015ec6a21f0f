// The messages of a person's file (GET /registrants/{id}/notifications: what was sent, queued,
// withheld or not sent and why, on which channel; never their content) and how the person wants
// to be contacted (GET/PUT …/notification-preferences with If-Match: a change made meanwhile, 412,
// is read again and said, what the agent chose kept in the form). A message in doubt is decided
// here too (`resolutionForm`, shared with the supervisors' list of messages in doubt).
import { api, keyFor, problemLines, readPart, sent, SessionExpired } from "./api.js";
import { busy, el, focusOn, say, sayLines, unreadNotice } from "./dom.js";
import { code, CODES, colon, i18n, t } from "./i18n.js";
import { deskTime, state } from "./state.js";
import "./i18n_messages.js";

export const STAFF = ["agent", "supervisor", "admin"];  // the roles that may change a preference or decide (the API's)
const CHANNELS = ["whatsapp", "sms", "email", "none"];
const LANGUAGES = ["fr", "wo", "ff", "ar", "en"];

// The reasons the API writes as sentences (app/notifications: worker, doubt, addresses…) in words.
const REASONS = [
  [/^no consent in force for /, "msg_rs_consent_gone"],
  [/^no \w+ address on file any more/, "msg_rs_address_gone"],
  [/^the number is a fixed line/, "msg_rs_fixed_number"],
  [/^the worker stopped after handing the message over/, "msg_rs_worker_lost"],
  [/^answer lost after the hand-over/, "msg_rs_answer_lost"],
  [/^worker stopped during the last attempt/, "msg_rs_worker_stopped"],
  [/^confirmed by the provider/, "msg_rs_provider_confirmed"],
  [/^the provider confirmed it never arrived/, "msg_rs_provider_never"],
  [/^sent decided by staff(?:: ([^]*))?$/, "msg_rs_staff_sent"],
  [/^resend decided by staff(?:: ([^]*))?$/, "msg_rs_staff_resend"],
];
const REASON_CODES = new Set(["no_consent", "no_channel", "fixed_line", "opted_out", "erased", "retention"]);

/** A message's `reason` in words: a code, a sentence of the API (with a staff note quoted), else
 * "refus technique : <what the server or provider answered>". */
export function reasonText(reason) {
  if (!reason) return "";
  if (REASON_CODES.has(reason)) return t(`msg_rs_${reason}`);
  for (const [pattern, key] of REASONS) {
    const m = pattern.exec(reason);
    if (m) return m[1] ? `${t(key)} (« ${m[1]} »)` : t(key);
  }
  return `${t("msg_rs_technical")}${colon()}${reason}`;
}

const words = (prefix, value) => (value ? t(`${prefix}${value}`) : t("empty"));
const languageText = (tag) => (tag ? (CODES[i18n.lang][`lang_${tag}`] ? code(`lang_${tag}`) : tag) : t("pref_language_auto"));

/** One message as a line: when, what, channel and address, status and reason, attempts. */
export function messageLine(n) {
  const parts = [deskTime(n.created_at, n.desk_id, i18n.lang), words("msg_ev_", n.event), words("msg_ch_", n.channel)];
  if (n.recipient) parts.push(t("msg_to", { recipient: n.recipient }));
  let status = words("msg_st_", n.status);
  if (n.reason) status += ` — ${reasonText(n.reason)}`;
  if (n.sent_at && n.status === "sent") status += ` (${t("msg_sent_at", { when: deskTime(n.sent_at, n.desk_id, i18n.lang) })})`;
  if (n.attempts > 1) status += ` · ${t("msg_attempts", { n: n.attempts })}`;
  return [parts.join(" · "), status];
}

/** The decision on message `n` in doubt (received / send again, with how it was checked); `done(message)` once recorded. */
export function resolutionForm(n, done) {
  const form = el("form", null, { class: "resolution" });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const group = el("fieldset");
  group.append(el("legend", t("msg_decision")));
  for (const [value, key] of [["sent", "msg_decide_sent"], ["resend", "msg_decide_resend"]]) {
    const label = el("label", null, { class: "inline" });
    label.append(el("input", null, { type: "radio", name: "decision", value }), el("span", t(key)));
    group.append(label);
  }
  const noteId = `resolution-note-${n.id}`;
  const note = el("input", null, { id: noteId, name: "note", autocomplete: "off" });
  const submit = el("button", t("msg_decide"), { type: "submit" });
  form.append(el("p", t("msg_in_doubt_help")), group, el("label", t("msg_decision_note"), { for: noteId }), note, submit, box);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const decision = (form.querySelector("input[name=decision]:checked") || {}).value;
      if (!decision) { say(box, t("msg_decision_pick")); return focusOn(form.querySelector("input[name=decision]")); }
      const body = { decision, ...(note.value.trim() ? { note: note.value.trim() } : {}) };
      const slot = `resolution:${n.id}`;
      try {
        const r = await api("POST", `/api/v1/notifications/${n.id}/resolution`, { json: body, headers: { "Idempotency-Key": keyFor(slot, body) } });
        if (r.ok) { sent(slot); return done(t(decision === "sent" ? "msg_decided_sent" : "msg_decided_resend")); }
        const type = String((r.body || {}).type || "");
        if (type.endsWith("/notification-not-in-doubt")) say(box, t("msg_refused_decided"));
        else if (type.endsWith("/notification-address-forgotten")) say(box, t("msg_refused_forgotten"));
        else if (r.status === 404) say(box, t("msg_refused_missing"));
        else sayLines(box, problemLines(r.body, form));
      } catch (error) {
        if (!(error instanceof SessionExpired)) say(box, error.message);  // the key is kept: sending the same decision again records it once
      }
      return focusOn(box);
    });
  });
  return form;
}

function option(value, text, chosen) {
  const o = el("option", text, { value });
  if (value === (chosen || "")) o.selected = true;
  return o;
}

/** The person's choice of channel and language: a form for staff (If-Match), read only for others. */
function preferences(person, pref, redraw) {
  const s = el("div", null, { id: "message-preferences" });
  s.append(el("h3", t("messages_prefs")));
  if (!STAFF.includes(state.me.role)) {
    s.append(el("p", t("pref_read_only", { channel: pref.body.channel ? words("msg_ch_", pref.body.channel) : t("pref_channel_auto"), language: languageText(pref.body.language) })));
    return s;
  }
  const current = { etag: pref.etag };
  const form = el("form", null, { id: "preferences-form" });
  const channel = el("select", null, { id: "pref-channel", name: "channel" });
  channel.append(option("", t("pref_channel_auto"), pref.body.channel), ...CHANNELS.map((c) => option(c, words("msg_ch_", c), pref.body.channel)));
  const language = el("select", null, { id: "pref-language", name: "language" });
  const tags = pref.body.language && !LANGUAGES.includes(pref.body.language) ? [...LANGUAGES, pref.body.language] : LANGUAGES;
  language.append(option("", t("pref_language_auto"), pref.body.language), ...tags.map((l) => option(l, languageText(l), pref.body.language)));
  channel.setAttribute("aria-describedby", "pref-channel-hint");
  language.setAttribute("aria-describedby", "pref-language-hint");
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const submit = el("button", t("pref_save"), { type: "submit" });
  form.append(el("label", t("pref_channel"), { for: "pref-channel" }), channel, el("small", t("pref_channel_hint"), { id: "pref-channel-hint" }),
    el("label", t("pref_language"), { for: "pref-language" }), language, el("small", t("pref_language_hint"), { id: "pref-language-hint" }), submit, box);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const body = { channel: channel.value || null, language: language.value || null };
      try {
        const r = await api("PUT", `/api/v1/registrants/${person.id}/notification-preferences`, { json: body, headers: { "If-Match": current.etag } });
        if (r.ok) return redraw(t("pref_saved"));
        if (r.status === 412) {  // changed meanwhile: read again, say what it is now, keep the agent's choice
          const now = await api("GET", `/api/v1/registrants/${person.id}/notification-preferences`);
          if (now.ok) {
            current.etag = now.etag;
            sayLines(box, [t("pref_stale", { channel: now.body.channel ? words("msg_ch_", now.body.channel) : t("pref_channel_auto"), language: languageText(now.body.language) })], "warning");
            return focusOn(box);
          }
          return sayLines(box, problemLines(now.body, form));
        }
        sayLines(box, problemLines(r.body, form));
      } catch (error) {
        if (!(error instanceof SessionExpired)) say(box, error.message);
      }
      return focusOn(box);
    });
  });
  s.append(form);
  return s;
}

/** The "messages" section of `person`'s file: preferences, then the messages newest first (a page
 * at a time), each in doubt with its decision for staff. */
export async function messagesSection(person) {
  const s = el("section", null, { id: "person-messages", class: "wide" });
  const redraw = async (message) => {
    const [list, pref] = await Promise.all([
      readPart(`/api/v1/registrants/${person.id}/notifications?limit=20`),
      readPart(`/api/v1/registrants/${person.id}/notification-preferences`),
    ]);
    const status = el("p", null, { class: "msg", role: "status", hidden: "" });
    const parts = [el("h2", t("messages_title")), status];
    // each part not loaded (a refusal, no answer) is said so in its place
    if (pref.ok) parts.push(preferences(person, pref, redraw));
    else parts.push(el("h3", t("messages_prefs")), unreadNotice());
    const ol = el("ul", null, { class: "plain messages" });
    const append = (items) => {
      for (const n of items) {
        const [what, how] = messageLine(n);
        const li = el("li", null, { class: `message ${n.status}` });
        li.append(el("span", what), el("br"), el("strong", how));
        if (n.status === "in_doubt" && STAFF.includes(state.me.role)) li.append(resolutionForm(n, redraw));
        ol.append(li);
      }
    };
    if (!list.ok) parts.push(unreadNotice());
    else {
      append(list.body.items);
      if (!list.body.items.length) parts.push(el("p", t("messages_none")));
      parts.push(ol);
      let cursor = list.body.next_cursor;
      if (cursor) {
        const more = el("button", t("messages_more"), { type: "button", class: "secondary" });
        more.addEventListener("click", () => busy(more, async () => {
          const next = await readPart(`/api/v1/registrants/${person.id}/notifications?limit=20&cursor=${encodeURIComponent(cursor)}`);
          if (!next.ok) { say(status, t("list_unread"), "warning"); return focusOn(status); }
          append(next.body.items);
          cursor = next.body.next_cursor;
          more.hidden = !cursor;
        }));
        parts.push(more);
      }
    }
    s.replaceChildren(...parts);
    if (message) { say(status, message, "ok"); focusOn(status); }
  };
  await redraw();
  return s;
}
