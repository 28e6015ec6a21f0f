// Words of the web client: French first, English second (DOMAIN.md, "Languages"). Codes the API
// sends (statuses, reasons, purposes…) are shown through CODES, never raw.
export const LABELS = {
  fr: {
    logout: "Se déconnecter", login: "Connexion", email: "E-mail", password: "Mot de passe", signin: "Se connecter",
    tab_search: "Rechercher", tab_register: "Nouvelle personne", tab_cases: "Files de dossiers", search: "Chercher",
    search_q: "Nom, téléphone, n° de document ou d'enregistrement", more: "Afficher la suite", filters: "Affiner",
    any: "Tous", status_category: "Situation", results: "Résultats",
    given_names: "Prénom(s)", family_name: "Nom", sex: "Sexe", date_of_birth: "Date de naissance",
    dob_hint: "AAAA, AAAA-MM ou AAAA-MM-JJ", phone: "Téléphone", phones: "Téléphones",
    origin_region: "Région d'origine", host_city: "Ville de résidence", register: "Enregistrer", desk: "Guichet",
    consent: "La personne consent au traitement de ses données pour être servie (notice lue dans sa langue)",
    notice_language: "Langue dans laquelle la notice a été donnée",
    dups: "Personnes déjà enregistrées qui pourraient être la même",
    dups_help: "Comparez avant d'enregistrer : si c'est la même personne, ouvrez son dossier.",
    compare: "Comparer", same_person: "C'est la même personne : ouvrir son dossier", entered: "Saisi",
    on_file: "Déjà enregistré", confirm_new: "C'est une autre personne : enregistrer quand même",
    queue: "File", q_mine: "Mes dossiers", q_unassigned: "Non attribués", q_overdue: "En retard",
    q_due_today: "Échéance aujourd'hui", q_waiting: "En attente d'un partenaire", show: "Afficher",
    registered: "Personne enregistrée sous le numéro", none: "Aucun résultat.", cases_of: "Dossiers",
    due: "Échéance", late_by: "en retard de", days: "jour(s)", on_time: "dans les délais", score: "ressemblance",
    other_language: "English", identity: "Identité", documents: "Pièces d'identité", consents: "Consentements",
    appointments: "Rendez-vous", files: "Documents déposés", granted: "accordé", refused: "refusé",
    withdrawn: "retiré le", edit: "Modifier", save: "Enregistrer les modifications", cancel: "Annuler",
    saved: "Modifications enregistrées.", busy: "Envoi en cours…", loading: "Chargement…",
    registration_number: "N° d'enregistrement", nationality: "Nationalité", email_field: "E-mail",
    occupation: "Profession", notes: "Remarques", back: "Retour aux résultats", service_type: "Service",
    status: "Statut", person: "Personne",
    conflict: "Quelqu'un a modifié cette fiche pendant que vous la modifiiez. Voici ce qui a changé :",
    conflict_field: "{field} : « {old} » est devenu « {new} »", reapply: "Appliquer mes modifications à la version actuelle",
    offline: "Le serveur ne répond pas (connexion coupée ?). Rien n'a été enregistré ; le formulaire est gardé, renvoyez-le.",
    expired: "Votre session a expiré. Reconnectez-vous : ce que vous étiez en train de saisir est gardé.",
    resend: "Vous êtes reconnecté. Vérifiez le formulaire puis renvoyez-le.",
    check_fields: "Vérifiez les champs signalés :", field_missing: "à remplir", field_invalid: "valeur non valide",
    field_too_long: "trop long", field_too_short: "trop court", field_small: "valeur trop petite",
    field_large: "valeur trop grande",
    field_number: "un nombre entier est attendu", field_date: "date non valide (AAAA-MM-JJ)",
    field_choice: "choix non valide", field_identifier: "identifiant non valide",
    field_age_range: "l'âge minimum dépasse l'âge maximum", unexpected: "Une erreur s'est produite. Réessayez.",
    dob_value: "né(e) le", empty: "—", whatsapp: "WhatsApp", phone_unverified: "numéro non vérifié", skip: "Aller au contenu",
    doc_too_large: "Le fichier est trop volumineux. Réduisez-le (photo en qualité normale, PDF compressé) puis réessayez.",
    doc_bad_type: "Ce type de fichier n'est pas accepté (ou son contenu ne correspond pas à son nom). Envoyez un PDF ou une photo (JPEG, PNG, HEIC, WebP).",
    doc_empty: "Le fichier est vide.", kib: "Ko", download: "Télécharger", delete: "Supprimer",
    delete_reason: "Motif de la suppression", deleted: "Document supprimé.", uploading: "Envoi du fichier",
    file: "Fichier (scan, photo ou PDF)", doc_kind: "Nature du document", upload: "Déposer le document",
    uploaded: "Document déposé.", receipt: "Reçu", case_number: "N° de dossier",
    next_appointment: "Prochain rendez-vous", opening_hours: "Horaires d'ouverture", printed_on: "Imprimé le",
    print_receipt: "Imprimer un reçu", tab_day: "Rendez-vous du jour", day: "Jour", arrived: "Arrivé(e)",
    no_show: "Absent(e)", cancel_appointment: "Annuler", appointment_saved: "Rendez-vous mis à jour.",
    tab_reports: "Rapports", start: "Du", end: "Au", export: "Exporter", export_kind: "Données", format: "Format",
    named_export: "Avec noms et contacts (administrateurs)", purpose: "Finalité de l'export nominatif",
    tab_people: "Personnes", referrals_word: "Orientations", exported: "Fichier exporté :",
    report_registrations: "Inscriptions par sexe", report_cases: "Dossiers ouverts par service",
    report_cases_status: "Dossiers en cours par statut", dim_sex: "Sexe", dim_service_type: "Service",
    dim_status: "Statut", count: "Nombre", suppressed: "< seuil (masqué)",
    tab_imports: "Registres importés", batch: "Identifiant du lot d'import", flagged_rows: "lignes signalées comme doublons possibles",
    line: "Ligne", register_number: "N° au registre", may_be: "Peut-être la même que",
    batch_unknown: "Aucun lot d'import avec cet identifiant.", age_min: "Âge minimum", age_max: "Âge maximum",
    week_view: "Semaine du guichet", week_start: "Semaine commençant le", show_week: "Afficher la semaine",
    search_failed: "La recherche n'a pas abouti : le serveur ne répond pas (connexion coupée ?). Réessayez.",
    field_future: "date dans le futur : une date passée est attendue",
    no_slot_closed: "Le guichet est fermé ce jour-là : choisissez un autre jour.",
    no_slot_past: "Cette date est passée : choisissez aujourd'hui ou un jour à venir.",
    named_export_admins: "Les exports avec noms et contacts sont réservés aux administrateurs : votre export sera pseudonymisé.",
  },
  en: {
    logout: "Log out", login: "Log in", email: "E-mail", password: "Password", signin: "Log in",
    tab_search: "Search", tab_register: "New person", tab_cases: "Case queues", search: "Search",
    search_q: "Name, phone, document or registration number", more: "Show more", filters: "Narrow down",
    any: "Any", status_category: "Situation", results: "Results",
    given_names: "Given names", family_name: "Family name", sex: "Sex", date_of_birth: "Date of birth",
    dob_hint: "YYYY, YYYY-MM or YYYY-MM-DD", phone: "Phone", phones: "Phones",
    origin_region: "Region of origin", host_city: "City of residence", register: "Register", desk: "Desk",
    consent: "The person consents to the processing of their data to be served (notice read in their language)",
    notice_language: "Language the notice was given in",
    dups: "Already registered people who may be the same person",
    dups_help: "Compare before registering: if it is the same person, open their file.",
    compare: "Compare", same_person: "This is the same person: open their file", entered: "Entered",
    on_file: "On file", confirm_new: "This is someone else: register anyway",
    queue: "Queue", q_mine: "My cases", q_unassigned: "Unassigned", q_overdue: "Overdue",
    q_due_today: "Due today", q_waiting: "Waiting on a partner", show: "Show",
    registered: "Person registered with number", none: "No result.", cases_of: "Cases",
    due: "Due", late_by: "late by", days: "day(s)", on_time: "on time", score: "likeness",
    other_language: "Français", identity: "Identity", documents: "Identity documents", consents: "Consents",
    appointments: "Appointments", files: "Uploaded documents", granted: "granted", refused: "refused",
    withdrawn: "withdrawn on", edit: "Edit", save: "Save changes", cancel: "Cancel",
    saved: "Changes saved.", busy: "Sending…", loading: "Loading…",
    registration_number: "Registration number", nationality: "Nationality", email_field: "E-mail",
    occupation: "Occupation", notes: "Remarks", back: "Back to results", service_type: "Service",
    status: "Status", person: "Person",
    conflict: "Someone changed this file while you were editing it. This is what changed:",
    conflict_field: "{field}: “{old}” became “{new}”", reapply: "Apply my changes to the current version",
    offline: "The server does not answer (connection lost?). Nothing was saved; the form is kept, send it again.",
    expired: "Your session has ended. Log in again: what you were typing is kept.",
    resend: "You are logged in again. Check the form, then send it again.",
    check_fields: "Check the highlighted fields:", field_missing: "required", field_invalid: "invalid value",
    field_too_long: "too long", field_too_short: "too short", field_small: "value too small",
    field_large: "value too large",
    field_number: "a whole number is expected", field_date: "invalid date (YYYY-MM-DD)",
    field_choice: "invalid choice", field_identifier: "invalid identifier",
    field_age_range: "the minimum age is above the maximum age", unexpected: "Something went wrong. Try again.",
    dob_value: "born", empty: "—", whatsapp: "WhatsApp", phone_unverified: "unverified number", skip: "Skip to content",
    doc_too_large: "The file is too large. Make it smaller (normal-quality photo, compressed PDF) and try again.",
    doc_bad_type: "This type of file is not accepted (or its content does not match its name). Send a PDF or a photo (JPEG, PNG, HEIC, WebP).",
    doc_empty: "The file is empty.", kib: "KB", download: "Download", delete: "Delete",
    delete_reason: "Reason for deleting", deleted: "Document deleted.", uploading: "Uploading the file",
    file: "File (scan, photo or PDF)", doc_kind: "Kind of document", upload: "Upload the document",
    uploaded: "Document uploaded.", receipt: "Receipt", case_number: "Case number",
    next_appointment: "Next appointment", opening_hours: "Opening hours", printed_on: "Printed on",
    print_receipt: "Print a receipt", tab_day: "Today's appointments", day: "Day", arrived: "Arrived",
    no_show: "No-show", cancel_appointment: "Cancel", appointment_saved: "Appointment updated.",
    tab_reports: "Reports", start: "From", end: "To", export: "Export", export_kind: "Data", format: "Format",
    named_export: "With names and contacts (administrators)", purpose: "Purpose of the named export",
    tab_people: "People", referrals_word: "Referrals", exported: "File exported:",
    report_registrations: "Registrations by sex", report_cases: "Cases opened by service",
    report_cases_status: "Open cases by status", dim_sex: "Sex", dim_service_type: "Service",
    dim_status: "Status", count: "Count", suppressed: "< threshold (hidden)",
    tab_imports: "Imported registers", batch: "Import batch identifier", flagged_rows: "rows flagged as possible duplicates",
    line: "Line", register_number: "Register number", may_be: "May be the same as",
    batch_unknown: "No import batch with this identifier.", age_min: "Minimum age", age_max: "Maximum age",
    week_view: "The desk's week", week_start: "Week starting on", show_week: "Show the week",
    search_failed: "The search did not go through: the server does not answer (connection lost?). Try again.",
    field_future: "date in the future: a past date is expected",
    no_slot_closed: "The desk is closed that day: choose another day.",
    no_slot_past: "This date is over: choose today or a day to come.",
    named_export_admins: "Exports with names and contacts are for administrators only: your export will be pseudonymised.",
  },
};

export const CODES = {
  fr: {
    female: "Femme", male: "Homme", unknown: "Non précisé",
    lang_fr: "Français", lang_wo: "Wolof", lang_ff: "Pulaar", lang_ar: "Arabe", lang_en: "Anglais",
    student: "Étudiant(e)", worker: "Salarié(e)", trainee: "Stagiaire", entrepreneur: "Entrepreneur(e)",
    family_member: "Membre de famille", returnee: "De retour", seasonal_worker: "Saisonnier(ère)",
    job_seeker: "En recherche d'emploi", retired: "Retraité(e)", other: "Autre",
    service_delivery: "être servi(e) au guichet", transfer_to_senegal: "transfert vers le Sénégal",
    desk_transfer: "transfert vers un autre guichet", partner_referral: "orientation vers un partenaire",
    contact_sms_whatsapp: "contact par SMS/WhatsApp", statistics: "statistiques",
    passport: "Passeport", cni_ecowas: "CNI CEDEAO", consular_card: "Carte consulaire",
    ma_residence_card: "Carte de séjour (Maroc)", birth_extract: "Extrait de naissance", card_receipt: "Récépissé",
    laissez_passer: "Laissez-passer", student_card: "Carte d'étudiant", work_contract: "Contrat de travail",
    national_id: "Carte d'identité", residence_card: "Titre de séjour", diploma: "Diplôme", contract: "Contrat",
    medical_certificate: "Certificat médical", photo: "Photo",
    same_document: "même pièce d'identité", same_phone: "même téléphone", same_family_name: "même nom",
    same_given_names: "mêmes prénoms", name_variant: "nom proche", same_birth_date: "même date de naissance",
    same_birth_year: "même année de naissance", different_sex: "sexe différent",
    // every reason a duplicate match can give (app/registrants/linkage.py, REASONS)
    family_name_overlap: "nom en partie commun", given_name_overlap: "prénom en partie commun", similar_name: "nom ressemblant",
    same_birth_month: "même mois de naissance", close_birth_date: "date de naissance proche",
    different_birth_year: "année de naissance différente", different_birth_date: "date de naissance différente",
    different_document: "pièce d'identité différente", same_place_of_birth: "même lieu de naissance",
    same_origin_region: "même région d'origine", same_arrival_date: "même date d'arrivée",
    same_host_city: "même ville de résidence", same_occupation: "même profession",
    received: "Reçu", qualified: "Qualifié", oriented: "Orienté", referred: "Adressé à un partenaire",
    in_follow_up: "En suivi", pending_closure: "Clôture demandée", resolved: "Résolu",
    closed_no_response: "Clos sans réponse", closed_withdrawn: "Clos (retrait)", transferred: "Transféré",
    cancelled: "Annulé", booked: "Réservé", kept: "Honoré", missed: "Manqué",
    strong: "forte", possible: "possible",
  },
  en: {
    female: "Female", male: "Male", unknown: "Not stated",
    lang_fr: "French", lang_wo: "Wolof", lang_ff: "Pulaar", lang_ar: "Arabic", lang_en: "English",
    student: "Student", worker: "Worker", trainee: "Trainee", entrepreneur: "Entrepreneur",
    family_member: "Family member", returnee: "Returnee", seasonal_worker: "Seasonal worker",
    job_seeker: "Job seeker", retired: "Retired", other: "Other",
    service_delivery: "being served at the desk", transfer_to_senegal: "transfer to Senegal",
    desk_transfer: "transfer to another desk", partner_referral: "referral to a partner",
    contact_sms_whatsapp: "contact by SMS/WhatsApp", statistics: "statistics",
    passport: "Passport", cni_ecowas: "ECOWAS ID card", consular_card: "Consular card",
    ma_residence_card: "Residence card (Morocco)", birth_extract: "Birth certificate extract",
    card_receipt: "Card receipt", laissez_passer: "Laissez-passer", student_card: "Student card",
    work_contract: "Work contract", national_id: "Identity card", residence_card: "Residence permit",
    diploma: "Diploma", contract: "Contract", medical_certificate: "Medical certificate", photo: "Photo",
    same_document: "same identity document", same_phone: "same phone", same_family_name: "same family name",
    same_given_names: "same given names", name_variant: "similar name", same_birth_date: "same date of birth",
    same_birth_year: "same year of birth", different_sex: "different sex",
    family_name_overlap: "family name partly shared", given_name_overlap: "given name partly shared", similar_name: "similar-looking name",
    same_birth_month: "same month of birth", close_birth_date: "close date of birth",
    different_birth_year: "different year of birth", different_birth_date: "different date of birth",
    different_document: "different identity document", same_place_of_birth: "same place of birth",
    same_origin_region: "same region of origin", same_arrival_date: "same arrival date",
    same_host_city: "same city of residence", same_occupation: "same occupation",
    received: "Received", qualified: "Qualified", oriented: "Oriented", referred: "Referred to a partner",
    in_follow_up: "In follow-up", pending_closure: "Closure requested", resolved: "Resolved",
    closed_no_response: "Closed, no response", closed_withdrawn: "Closed (withdrawn)", transferred: "Transferred",
    cancelled: "Cancelled", booked: "Booked", kept: "Kept", missed: "Missed",
    strong: "strong", possible: "possible",
  },
};

// Words of screens loaded later (case screens) join the tables when their module arrives.
export function addWords(labels, codes) {
  for (const lang of ["fr", "en"]) {
    Object.assign(LABELS[lang], labels[lang]);
    Object.assign(CODES[lang], codes[lang]);
  }
}

export const i18n = { lang: sessionStorage.getItem("lang") || "fr" };

export function t(key, vars = {}) {
  let text = LABELS[i18n.lang][key] || LABELS.fr[key] || key;
  for (const [k, v] of Object.entries(vars)) text = text.replace(`{${k}}`, v);
  return text;
}

// A code from the API in words; an unknown code is shown humanised rather than as a raw token.
// `kind` names a family where one code means two things (`channel:partner_referral` is how a case
// came in, `partner_referral` the consent purpose).
export function code(value, kind = "") {
  if (value === null || value === undefined || value === "") return t("empty");
  return (kind && CODES[i18n.lang][`${kind}:${value}`]) || CODES[i18n.lang][value] || String(value).replaceAll("_", " ");
}

// "Label : value" in French typography, "Label: value" in English.
export function colon() {
  return i18n.lang === "fr" ? " : " : ": ";
}

export function translatePage() {
  document.documentElement.lang = i18n.lang;
  document.querySelectorAll("[data-t]").forEach((n) => { n.textContent = t(n.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((n) => { n.placeholder = t(n.dataset.tp); });
  document.querySelectorAll("[data-code]").forEach((n) => { n.textContent = code(n.dataset.code); });
}
