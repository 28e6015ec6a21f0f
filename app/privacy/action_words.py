"""The French words of the audit log's actions, for the « Qui a consulté ou modifié votre dossier »
table of a subject access summary (``resume.html``): the person reads what was done, never the
stored code (``registrant.read``).

Every action the API records has its words here (a test scans the code for them); an action
recorded by a later version and not yet named here is said as « Autre opération » with its code in
brackets, never as the bare code.
"""

from __future__ import annotations

from typing import Final

ACTIONS: Final = {
    # the person's file
    "registrant.create": "Enregistrement du dossier",
    "registrant.read": "Consultation du dossier",
    "registrant.update": "Modification du dossier",
    "registrant.search": "Recherche dans le registre",
    "registrant.cases_read": "Consultation des demandes du dossier",
    "registrant.history_read": "Consultation de l'historique du dossier",
    "registrant.corrections_read": "Consultation des rectifications du dossier",
    "registrant.legal_holds_read": "Consultation des conservations légales du dossier",
    "registrant.consent_add": "Enregistrement d'un consentement",
    "registrant.consent_withdraw": "Retrait d'un consentement",
    "registrant.import_link": "Rattachement d'une ligne de registre importée",
    "registrant.transfer_copy": "Copie du dossier vers un autre guichet (transfert)",
    "registrant.merge": "Fusion de deux dossiers de la même personne",
    "registrant.merged": "Dossier fusionné dans un autre",
    "registrant.merge_list": "Consultation des fusions proposées",
    "registrant.merge_preview": "Aperçu d'une fusion de dossiers",
    "registrant.merge_propose": "Proposition de fusion de dossiers",
    "registrant.merge_read": "Consultation d'une fusion de dossiers",
    "registrant.merge_reject": "Refus d'une fusion de dossiers",
    "registrant.unmerge": "Annulation d'une fusion de dossiers",
    # requests (cases), notes, referrals
    "case.create": "Ouverture d'une demande",
    "case.read": "Consultation d'une demande",
    "case.list": "Consultation d'une liste de demandes",
    "case.update": "Modification d'une demande",
    "case.assign": "Attribution d'une demande à un agent",
    "case.transition": "Changement de statut d'une demande",
    "case.transfer": "Transfert d'une demande vers un autre guichet",
    "case.timeline_read": "Consultation du suivi d'une demande",
    "case.documents_requested": "Demande de documents manquants",
    "case.erasure": "Effacement d'une demande",
    "case.purge": "Suppression d'une demande",
    "case_note.create": "Ajout d'une note",
    "case_note.list": "Consultation des notes",
    "case_note.erasure": "Effacement d'une note",
    "case_note.purge": "Suppression d'une note",
    "referral.create": "Orientation vers un partenaire",
    "referral.read": "Consultation d'une orientation",
    "referral.list": "Consultation des orientations",
    "referral.update": "Mise à jour d'une orientation",
    "referral.erasure": "Effacement d'une orientation",
    "referral.purge": "Suppression d'une orientation",
    # appointments
    "appointment.create": "Prise de rendez-vous",
    "appointment.read": "Consultation d'un rendez-vous",
    "appointment.list": "Consultation des rendez-vous",
    "appointment.reschedule": "Déplacement d'un rendez-vous",
    "appointment.kept": "Rendez-vous honoré",
    "appointment.missed": "Rendez-vous manqué",
    "appointment.cancelled": "Annulation d'un rendez-vous",
    "appointment.erasure": "Effacement d'un rendez-vous",
    "appointment.purge": "Suppression d'un rendez-vous",
    # documents
    "document.upload": "Dépôt d'un document",
    "document.read": "Consultation d'un document",
    "document.list": "Consultation de la liste des documents",
    "document.download": "Téléchargement d'un document",
    "document.delete": "Suppression d'un document",
    "document.erasure": "Effacement d'un document",
    "document.purge": "Suppression définitive d'un document",
    # messages to the person
    "notification.queue": "Message préparé pour vous",
    "notification.deliver": "Message envoyé",
    "notification.skip": "Message non envoyé",
    "notification.list": "Consultation des messages",
    "notification.list_in_doubt": "Consultation des messages à vérifier",
    "notification.resolve": "Vérification d'un message",
    "notification.readdress": "Nouvelle adresse pour un message",
    "notification.preference_read": "Consultation de vos préférences de contact",
    "notification.preference_update": "Modification de vos préférences de contact",
    # data protection
    "privacy.disclosure": "Communication à un tiers",
    "privacy.erasure": "Effacement des données",
    "privacy.legal_hold_set": "Pose d'une conservation légale",
    "privacy.legal_hold_release": "Levée d'une conservation légale",
    "privacy.register_read": "Consultation du registre des communications",
    "privacy.register_export": "Export du registre des communications",
    "privacy.retention_case": "Fin de conservation d'une demande",
    "privacy.retention_run": "Contrôle des durées de conservation",
    "privacy.subject_access": "Copie de vos données (droit d'accès)",
    "privacy.subject_request": "Enregistrement d'une demande sur vos données",
    "privacy.subject_requests_read": "Consultation des demandes sur vos données",
    # the person's own account
    "self_service.sign_up": "Création de votre compte en ligne",
    "self_service.sign_in": "Connexion à votre compte en ligne",
    "self_service.sign_in_failed": "Connexion refusée à votre compte en ligne",
    "self_service.sign_out": "Déconnexion de votre compte en ligne",
    "self_service.code_send": "Envoi d'un code de connexion",
    "self_service.link": "Rattachement de votre compte en ligne au dossier",
    "self_service.link_failed": "Rattachement refusé de votre compte en ligne",
    "self_service.link_code_issue": "Remise d'un code de rattachement",
    "self_service.unlink": "Détachement de votre compte en ligne",
    "self_service.accounts_read": "Consultation des comptes en ligne du dossier",
    "self_service.requests_read": "Consultation de vos demandes en ligne",
    "self_service.appointments_read": "Consultation de vos rendez-vous en ligne",
    # the desk's administration and its tools
    "sync.read": "Synchronisation vers une application du guichet",
    "export.start": "Début d'un export",
    "export.finish": "Fin d'un export",
    "import.read": "Consultation d'une importation",
    "import.start": "Début d'une importation",
    "import.run": "Importation du registre",
    "import.row_resolve": "Traitement d'une ligne importée",
    "auth.login": "Connexion d'un agent",
    "auth.login_busy": "Connexion d'un agent différée",
    "auth.login_failed": "Connexion d'un agent refusée",
    "auth.logout": "Déconnexion d'un agent",
    "auth.refresh_reused": "Session d'un agent révoquée",
    "oauth.authorize": "Autorisation d'une application",
    "oauth.token": "Jeton remis à une application",
    "oauth.code_reused": "Code d'application réutilisé (refusé)",
    "oauth.refresh_reused": "Jeton d'application réutilisé (refusé)",
    "app_client.create": "Enregistrement d'une application",
    "app_client.revoke": "Révocation d'une application",
    "audit.signing_key_rotated": "Changement de la clé de signature du journal",
    "user.create": "Création d'un compte d'agent",
    "user.update": "Modification d'un compte d'agent",
    "desk.create": "Création d'un guichet",
    "desk.update": "Modification d'un guichet",
    "desk_holiday.create": "Ajout d'un jour férié",
    "desk_holiday.delete": "Retrait d'un jour férié",
    "desk_holiday.import": "Import des jours fériés",
    "partner.create": "Ajout d'un partenaire",
    "partner.update": "Modification d'un partenaire",
    "service_type.create": "Ajout d'un service",
    "service_type.update": "Modification d'un service",
    "service_type.retire": "Retrait d'un service",
}


def action(value: str) -> str:
    """An audit action in French words (``registrant.read`` → ``Consultation du dossier``); one not
    named here → ``Autre opération (the code)``."""
    return ACTIONS.get(value) or f"Autre opération ({value})"
