// Words of the screens added for the whole working day: booking, the week, history, supervisors'
// actions, document viewing, import batches (added to LABELS and CODES by importing this module).
import { addWords } from "./i18n.js";
import "./i18n_more.js";

export const DAY_LABELS = {
  fr: {
    when_at: "{day} à {time}", move_title: "Déplacer le rendez-vous du {when}", keep_time: "Ne pas déplacer",
    changed_meanwhile: "Ce rendez-vous a été modifié entre-temps par quelqu'un d'autre : il est maintenant le {when}. Les créneaux libres ont été mis à jour : choisissez-en un de nouveau.",
    no_longer_booked: "Ce rendez-vous n'est plus réservé ({status}) : il ne peut plus être déplacé.",
    slot_taken: "Ce créneau vient d'être pris : les créneaux libres ont été mis à jour, choisissez-en un autre.",
    moving: "Rendez-vous à déplacer : {who}, {when}",
    book: "Prendre un rendez-vous", with_agent: "Avec l'agent", free_slots: "Voir les créneaux libres",
    slot: "Créneau", slots_of: "Créneaux libres du", no_slot: "Aucun créneau libre ce jour-là.",
    closed_holiday: "Guichet fermé (jour férié) : {name}", appointment_purpose: "Objet du rendez-vous",
    book_it: "Réserver ce créneau", booked_msg: "Rendez-vous réservé.", reschedule: "Déplacer",
    move_here: "Déplacer à ce créneau", rescheduled: "Rendez-vous déplacé.", pick_slot: "Choisissez un créneau.",
    minutes: "Durée (minutes)", holiday_flag: "Jour férié ({name}) : rendez-vous à déplacer",
    closed_day: "Fermé", history: "Historique de la fiche", changed_to: "« {old} » → « {new} »",
    h_create: "a enregistré la personne", h_update: "a modifié la fiche", h_other: "a agi sur la fiche",
    h_transfer_copy: "a copié la fiche vers un autre guichet", h_disclosure: "a communiqué des données de la fiche : {purpose}",
    h_subject_access: "a remis à la personne une copie de ses données", h_subject_request: "a enregistré une demande de la personne sur ses données",
    h_consent_add: "a enregistré un consentement : {purpose} ({granted})",
    h_consent_withdraw: "a retiré le consentement : {purpose}", name_arabic: "Nom en arabe",
    assign_to: "Attribuer à", assign: "Attribuer", assigned_msg: "Dossier attribué.",
    due_edit: "Changer l'échéance", new_due: "Nouvelle échéance", due_reason: "Motif du changement d'échéance",
    due_saved: "Échéance changée.", referral_status: "Nouveau statut de l'orientation",
    update_referral: "Mettre à jour l'orientation", referral_updated: "Orientation mise à jour.",
    view: "Voir", viewing: "Aperçu du document", close_view: "Fermer l'aperçu", chart: "Graphique",
    batches: "Lots d'import", imported_on: "Importé le", by_whom: "Par", rows: "Lignes",
    show_flagged: "Voir les lignes signalées", no_batch: "Aucun lot d'import.", purpose_word: "finalité",
    consent_recorded: "recueilli le", batch_file: "Fichier",
    to_resolve: "Lignes à résoudre : {n}", resolved_counts: "Déjà résolues : {linked} rattachées, {created} créées, {discarded} écartées.",
    nothing_to_resolve: "Aucune ligne en attente.", compare_file: "Ouvrir le dossier pour comparer", decision: "Décision",
    link_to: "Même personne que {who}", create_new: "Nouvelle personne", discard_row: "Écarter la ligne",
    resolve_row: "Enregistrer la décision", pick_decision: "Choisissez une décision.",
    row_linked: "Ligne {line} rattachée au dossier {number}.", row_created: "Ligne {line} : dossier {number} créé.",
    row_discarded: "Ligne {line} écartée.",
  },
  en: {
    when_at: "{day} at {time}", move_title: "Reschedule the appointment of {when}", keep_time: "Keep this time",
    changed_meanwhile: "Someone else changed this appointment meanwhile: it is now on {when}. The free slots were updated: choose one again.",
    no_longer_booked: "This appointment is no longer booked ({status}): it cannot be rescheduled.",
    slot_taken: "That slot has just been taken: the free slots were updated, choose another one.",
    moving: "Appointment to reschedule: {who}, {when}",
    book: "Book an appointment", with_agent: "With agent", free_slots: "Show free slots",
    slot: "Slot", slots_of: "Free slots on", no_slot: "No free slot that day.",
    closed_holiday: "Desk closed (holiday): {name}", appointment_purpose: "Purpose of the appointment",
    book_it: "Book this slot", booked_msg: "Appointment booked.", reschedule: "Reschedule",
    move_here: "Move to this slot", rescheduled: "Appointment rescheduled.", pick_slot: "Choose a slot.",
    minutes: "Length (minutes)", holiday_flag: "Holiday ({name}): appointment to move",
    closed_day: "Closed", history: "History of the file", changed_to: "“{old}” → “{new}”",
    h_create: "registered the person", h_update: "edited the file", h_other: "acted on the file",
    h_transfer_copy: "copied the file to another desk", h_disclosure: "disclosed data of the file: {purpose}",
    h_subject_access: "gave the person a copy of their data", h_subject_request: "recorded the person's request about their data",
    h_consent_add: "recorded a consent: {purpose} ({granted})",
    h_consent_withdraw: "withdrew the consent: {purpose}", name_arabic: "Name in Arabic",
    assign_to: "Assign to", assign: "Assign", assigned_msg: "Case assigned.",
    due_edit: "Change the due date", new_due: "New due date", due_reason: "Reason for the new due date",
    due_saved: "Due date changed.", referral_status: "New status of the referral",
    update_referral: "Update the referral", referral_updated: "Referral updated.",
    view: "View", viewing: "Document preview", close_view: "Close the preview", chart: "Chart",
    batches: "Import batches", imported_on: "Imported on", by_whom: "By", rows: "Rows",
    show_flagged: "Show the flagged rows", no_batch: "No import batch.", purpose_word: "purpose",
    consent_recorded: "recorded on", batch_file: "File",
    to_resolve: "Rows to resolve: {n}", resolved_counts: "Already resolved: {linked} linked, {created} created, {discarded} discarded.",
    nothing_to_resolve: "No row pending.", compare_file: "Open the file to compare", decision: "Decision",
    link_to: "Same person as {who}", create_new: "New person", discard_row: "Discard the row",
    resolve_row: "Save the decision", pick_decision: "Choose a decision.",
    row_linked: "Line {line} linked to file {number}.", row_created: "Line {line}: file {number} created.",
    row_discarded: "Line {line} discarded.",
  },
};

// A flagged row's resolution, as the API names it (match reasons are in i18n_more.js, with the
// registration screen's duplicate check).
export const DAY_CODES = {
  fr: {
    count: "Nombre", no_appointment: "Aucun rendez-vous.",
    identical_row: "ligne identique", pending: "en attente", linked: "rattachée", created: "créée", discarded: "écartée" },
  en: {
    count: "Count", no_appointment: "No appointment.",
    identical_row: "identical row", pending: "pending", linked: "linked", created: "created", discarded: "discarded" },
};

addWords(DAY_LABELS, DAY_CODES);
