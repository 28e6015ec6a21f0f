// Words of the appointment confirmations, the partners screen, recording a consent, the receiving
// desk of a transfer and the identity fields of the forms (added by importing this).
import { addWords } from "./i18n.js";

export const FIX_LABELS = {
  fr: {
    fix_pick: "Choisir…", cancel_appt: "Annuler le rendez-vous", confirm_cancel_q: "Annuler ce rendez-vous ({when}) ? La personne en sera prévenue.",
    confirm_cancel_yes: "Oui, annuler le rendez-vous", confirm_cancel_no: "Non, le garder",
    appt_cancelled: "Rendez-vous annulé.", appt_missed: "Absence enregistrée.",
    appt_kept: "Arrivée enregistrée.",
    tab_partners: "Partenaires", partners_intro: "Organisations vers lesquelles les dossiers sont orientés.",
    partners_admin_only: "Seuls les administrateurs peuvent ajouter ou modifier un partenaire.",
    partner_add: "Ajouter un partenaire", partner_edit: "Modifier", partner_save: "Enregistrer le partenaire",
    partner_saved: "Partenaire enregistré.", partner_name: "Nom", partner_kind: "Type d'organisation",
    partner_country: "Pays (code à deux lettres, ex. MA)", partner_city: "Ville", contact_name: "Personne à contacter",
    contact_email: "Courriel de contact", contact_phone: "Téléphone de contact (international, ex. +212…)",
    partner_notes: "Remarques", partner_services: "Services traités", partner_active: "Actif (peut recevoir des orientations)",
    no_partner: "Aucun partenaire.", inactive: "inactif",
    no_partner_referral: "Aucun partenaire n'est encore enregistré : un administrateur peut en ajouter dans l'écran « Partenaires ».",
    referral_first: "Pour passer le dossier à « Adressé à un partenaire », enregistrez d'abord l'orientation dans la section « Orientations » ci-dessous, puis changez le statut.",
    go_referral: "Aller au formulaire d'orientation",
    consent_add: "Enregistrer un consentement", consent_purpose: "Finalité", consent_answer: "Réponse de la personne",
    consent_given: "Accordé", consent_refused: "Refusé", consent_date: "Date du recueil",
    consent_partner: "Partenaire concerné", consent_saved: "Consentement enregistré.",
    consent_withdraw: "Retirer", consent_withdraw_name: "Retirer le consentement",
    consent_withdraw_q: "Retirer le consentement « {purpose} » ? Plus aucune communication de données ne pourra s'appuyer dessus ; il reste dans la fiche avec la date du retrait.",
    consent_withdraw_yes: "Oui, retirer le consentement", consent_withdrawn_msg: "Consentement retiré.",
    consent_language: "Langue de la notice", pick_desk: "Choisir le guichet…", no_other_desk: "Aucun autre guichet actif.",
    id_doc_type: "Pièce d'identité (type)", id_doc_number: "Numéro de la pièce", id_doc_country: "Pays de délivrance (code à deux lettres)",
    none_doc: "Aucune", new_phone: "Ajouter un téléphone", phone_whatsapp: "WhatsApp", id_document: "Pièce d'identité",
    name_arabic_field: "Nom en écriture arabe", email_field_input: "Courriel de la personne",
    nationality_field: "Nationalité (code pays à deux lettres, ex. SN)",
  },
  en: {
    fix_pick: "Choose…", cancel_appt: "Cancel the appointment", confirm_cancel_q: "Cancel this appointment ({when})? The person will be told.",
    confirm_cancel_yes: "Yes, cancel the appointment", confirm_cancel_no: "No, keep it",
    appt_cancelled: "Appointment cancelled.", appt_missed: "No-show recorded.",
    appt_kept: "Arrival recorded.",
    tab_partners: "Partners", partners_intro: "Organisations cases are referred to.",
    partners_admin_only: "Only administrators can add or edit a partner.",
    partner_add: "Add a partner", partner_edit: "Edit", partner_save: "Save the partner",
    partner_saved: "Partner saved.", partner_name: "Name", partner_kind: "Kind of organisation",
    partner_country: "Country (two-letter code, e.g. MA)", partner_city: "City", contact_name: "Contact person",
    contact_email: "Contact email address", contact_phone: "Contact phone (international, e.g. +212…)",
    partner_notes: "Notes", partner_services: "Services handled", partner_active: "Active (can receive referrals)",
    no_partner: "No partner.", inactive: "inactive",
    no_partner_referral: "No partner is recorded yet: an administrator can add one in the “Partners” screen.",
    referral_first: "To move the case to “Referred to a partner”, first record the referral in the “Referrals” section below, then change the status.",
    go_referral: "Go to the referral form",
    consent_add: "Record a consent", consent_purpose: "Purpose", consent_answer: "The person's answer",
    consent_given: "Given", consent_refused: "Refused", consent_date: "Date it was collected",
    consent_partner: "Partner concerned", consent_saved: "Consent recorded.",
    consent_withdraw: "Withdraw", consent_withdraw_name: "Withdraw the consent",
    consent_withdraw_q: "Withdraw the consent “{purpose}”? No disclosure of data can rest on it any more; it stays on the file with the date of the withdrawal.",
    consent_withdraw_yes: "Yes, withdraw the consent", consent_withdrawn_msg: "Consent withdrawn.",
    consent_language: "Language of the notice", pick_desk: "Choose the desk…", no_other_desk: "No other active desk.",
    id_doc_type: "Identity document (type)", id_doc_number: "Document number", id_doc_country: "Issuing country (two-letter code)",
    none_doc: "None", new_phone: "Add a phone", phone_whatsapp: "WhatsApp", id_document: "Identity document",
    name_arabic_field: "Name in Arabic script", email_field_input: "The person's email address",
    nationality_field: "Nationality (two-letter country code, e.g. SN)",
  },
};

export const FIX_CODES = {
  fr: {
    missed: "Absent(e)", contact_email: "contact par e-mail", named_export: "export nominatif", consulate: "Consulat", international_organisation: "Organisation internationale", ngo: "ONG",
    national_agency: "Agence nationale", local_authority: "Collectivité locale",
    likely_senegalese_without_prefix: "tapé sans indicatif, lu comme un numéro du Sénégal : à vérifier avec la personne",
    unverified_number: "numéro non vérifié",
  },
  en: {
    missed: "No-show", contact_email: "contact by e-mail", named_export: "named export", consulate: "Consulate", international_organisation: "International organisation", ngo: "NGO",
    national_agency: "National agency", local_authority: "Local authority",
    likely_senegalese_without_prefix: "typed without a country code, read as a Senegalese number: check it with the person",
    unverified_number: "unverified number",
  },
};

addWords(FIX_LABELS, FIX_CODES);
