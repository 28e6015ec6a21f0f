// Uploaded documents of a person: upload with progress (scans, photos from a phone camera), list,
// download, and delete with a reason (supervisors). A refused file says why in plain words.
import { api, authorized, problemLines, readPart, SessionExpired, tokens } from "./api.js";
import { $, busy, el, focusOn, saveBlob, say, sayLines, unreadNotice } from "./dom.js";
import { code, colon, i18n, size, t } from "./i18n.js";
import { deskTime, state, works } from "./state.js";
import "./i18n_day.js";

const KINDS = ["passport", "national_id", "residence_card", "birth_extract", "diploma", "contract", "medical_certificate", "photo", "other"];

// The API's refusal in words an agent can act on (the detail lists media types, not for people);
// a file too large says the limit (`max_bytes`), so that the agent knows how much to shrink it.
function refusal(status, problem) {
  const slug = String((problem && problem.type) || "").split("/").pop();
  if (slug === "document-too-large" || status === 413) {
    const limit = problem && Number(problem.max_bytes);
    return limit > 0 ? t("doc_too_large_max", { max: size(limit) }) : t("doc_too_large");
  }
  if (slug === "document-type-not-allowed" || slug === "document-type-mismatch") return t("doc_bad_type");
  if (slug === "empty-document") return t("doc_empty");
  return null;
}

// XMLHttpRequest rather than fetch: it reports upload progress.
function send(url, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Authorization", `Bearer ${tokens().access}`);
    xhr.setRequestHeader("Accept-Language", i18n.lang);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText ? JSON.parse(xhr.responseText) : null });
    xhr.onerror = () => reject(new Error(t("offline")));
    xhr.send(form);
  });
}

async function upload(person, form, box, bar) {
  const data = new FormData(form);
  bar.hidden = false;
  bar.value = 0;
  let r = await send(`/api/v1/registrants/${person.id}/documents`, data, (share) => { bar.value = Math.round(share * 100); });
  if (r.status === 401) {
    await api("GET", "/api/v1/auth/me"); // refreshes the session, or shows the sign-in screen
    r = await send(`/api/v1/registrants/${person.id}/documents`, data, (share) => { bar.value = Math.round(share * 100); });
  }
  bar.hidden = true;
  if (r.status === 200 || r.status === 201) {  // 200: the same file was already in the person's file
    form.reset();
    return { doc: r.body, created: r.status === 201 };
  }
  const plain = refusal(r.status, r.body);
  if (plain) say(box, plain);
  else sayLines(box, problemLines(r.body, form));
  focusOn(box);
  return null;
}

// The bytes through an authorised request (the token never goes in a URL); null when refused.
async function content(doc) {
  const r = await authorized(`/api/v1/documents/${doc.id}/content`);
  return r.ok ? r.blob() : null;
}

// Shown in the page from a blob: URL revoked when the preview closes (or another one opens).
const preview = { url: null };
function closePreview() {
  if (preview.url) URL.revokeObjectURL(preview.url);
  preview.url = null;
  const old = document.getElementById("document-view");
  if (old) old.remove();
}

document.addEventListener("desk:cleared", closePreview);

async function view(doc, li, box) {
  const blob = await content(doc);
  if (!blob) { say(box, t("unexpected")); return focusOn(box); }
  closePreview();
  preview.url = URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: doc.media_type }));
  const figure = el("figure", null, { id: "document-view", tabindex: "-1", "aria-label": `${t("viewing")}${colon()}${doc.original_filename}` });
  const image = doc.media_type.startsWith("image/");
  const shown = image
    ? el("img", null, { src: preview.url, alt: `${code(doc.kind)} — ${doc.original_filename}` })
    : el("iframe", null, { src: preview.url, title: `${t("viewing")}${colon()}${doc.original_filename}` });
  const close = el("button", t("close_view"), { type: "button", class: "secondary" });
  close.addEventListener("click", () => { closePreview(); focusOn($("button", li)); });
  // Escape closes the preview too, focus back on the document's row
  figure.addEventListener("keydown", (event) => { if (event.key === "Escape") close.click(); });
  figure.append(shown, el("figcaption", doc.original_filename), close);
  li.append(figure);
  return focusOn(figure);
}

async function download(doc) {
  const blob = await content(doc);
  if (!blob) return;
  saveBlob(blob, doc.original_filename);
}

function row(doc, onDelete, box) {
  const li = el("li");
  li.append(el("span", `${doc.original_filename} · ${code(doc.kind)} · ${size(doc.size_bytes)}`));
  if (doc.media_type.startsWith("image/") || doc.media_type === "application/pdf") {
    const see = el("button", t("view"), { type: "button", class: "secondary" });
    see.addEventListener("click", () => busy(see, () => view(doc, li, box).catch((e) => say(box, e.message))));
    li.append(see);
  }
  const get = el("button", t("download"), { type: "button", class: "secondary" });
  get.addEventListener("click", () => busy(get, () => download(doc)));
  li.append(get);
  if (state.me && ["supervisor", "admin"].includes(state.me.role)) {
    const del = el("button", t("delete"), { type: "button", class: "secondary" });
    del.addEventListener("click", () => onDelete(doc, li));
    li.append(del);
  }
  return li;
}

export function documentsSection(person, files, refusal = null) {
  const s = el("section", null, { id: "documents" });
  const box = el("p", null, { class: "msg", role: "alert", hidden: "" });
  const list = el("ul", null, { class: "plain", id: "document-list" });
  // The reason asked once (a second click on "Delete" goes back to it); the deletion sent once
  // (its button disabled while it is sent: a double click sends one DELETE, not a second one
  // answered "not found" after the first succeeded).
  const onDelete = async (doc, li) => {
    const open = li.querySelector("form.delete-form");
    if (open) return focusOn(open.elements.namedItem("reason"));
    const reason = el("input", null, { id: `reason-${doc.id}`, name: "reason", required: "", "data-max": "500" });
    const form = el("form", null, { class: "delete-form" });
    const submit = el("button", t("delete"), { type: "submit" });
    form.append(el("label", t("delete_reason"), { for: `reason-${doc.id}` }), reason, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!li.isConnected) return undefined;  // deleted already
      return busy(submit, async () => {
        try {
          const r = await api("DELETE", `/api/v1/documents/${doc.id}`, { json: { reason: reason.value } });
          if (!r.ok) return sayLines(box, problemLines(r.body, form));
          li.remove();
          return say(box, t("deleted"), "ok");
        } catch (error) {
          if (!(error instanceof SessionExpired)) say(box, error.message);
          return undefined;
        }
      });
    });
    li.append(form);
    return focusOn(reason);
  };
  for (const doc of files || []) list.append(row(doc, onDelete, box));
  let shown = files ? list : unreadNotice("list_unread", "p", refusal);  // null: the documents could not be loaded
  // After an upload the list is read again and drawn (one that could not be loaded before shows
  // the new document too); not loaded again: said in its place.
  const relist = async () => {
    const r = await readPart(`/api/v1/registrants/${person.id}/documents`);
    if (r.ok) list.replaceChildren(...r.body.items.map((doc) => row(doc, onDelete, box)));
    const now = r.ok ? list : unreadNotice("list_unread", "p", r);
    shown.replaceWith(now);
    shown = now;
  };
  const form = el("form", null, { id: "upload-form" });
  const kind = el("select", null, { id: "upload-kind", name: "kind" });
  for (const k of KINDS) kind.append(el("option", code(k), { value: k }));
  const bar = el("progress", null, { max: "100", value: "0", hidden: "", "aria-label": t("uploading") });
  form.append(
    el("label", t("file"), { for: "upload-file" }),
    el("input", null, { id: "upload-file", name: "file", type: "file", required: "", accept: "application/pdf,image/*" }),
    el("label", t("doc_kind"), { for: "upload-kind" }), kind, bar, el("button", t("upload"), { type: "submit" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(event.submitter, async () => {
      say(box, "");
      try {
        const sent = await upload(person, form, box, bar);
        if (sent) await relist();
        if (sent && sent.created) {
          say(box, t("uploaded"), "ok");
          focusOn(box);
        } else if (sent) {  // listed already: said, with the name it was filed under, not listed twice
          say(box, t("already_uploaded", { name: sent.doc.original_filename, when: deskTime(sent.doc.created_at, person.desk_id, i18n.lang) }), "warning");
          focusOn(box);
        }
      } catch (error) {
        bar.hidden = true;
        say(box, error.message);
      }
    });
  });
  // an erased (anonymised) file takes no new document, nor does an auditor (who only reads): no upload form
  if (person.anonymised_at || !works()) s.append(el("h2", t("files")), shown, box);
  else s.append(el("h2", t("files")), shown, el("h3", t("upload_new")), form, box);
  return s;
}
