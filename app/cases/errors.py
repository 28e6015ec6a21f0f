"""Problem types of cases, the service catalogue, partners and referrals."""

from app.core.errors import Forbidden, NotFound, Problem, ValidationFailed


class UnknownServiceType(ValidationFailed):
    slug = "unknown-service-type"
    title_fr, title_en = "Type de service inconnu", "Unknown service type"


class ServiceTypeRetired(ValidationFailed):
    slug = "service-type-retired"
    title_fr, title_en = "Type de service retiré", "Service type retired"


class ServiceTypeCodeTaken(Problem):
    status, slug = 409, "service-type-code-taken"
    title_fr, title_en = "Code de type de service déjà utilisé", "Service type code already in use"


class PartnerNameTaken(Problem):
    status, slug = 409, "partner-name-taken"
    title_fr, title_en = "Nom de partenaire déjà utilisé", "Partner name already in use"


class UnknownPartner(ValidationFailed):
    slug = "unknown-partner"
    title_fr, title_en = "Partenaire inconnu", "Unknown partner"


class PartnerInactive(ValidationFailed):
    slug = "partner-inactive"
    title_fr, title_en = "Partenaire inactif", "Partner inactive"


class UnknownRegistrant(NotFound):
    """404: the registrant does not exist or belongs to a desk the actor cannot see."""

    slug = "unknown-registrant"
    title_fr, title_en = "Personne inconnue", "Unknown registrant"


class TransitionNotAllowed(Problem):
    status, slug = 409, "transition-not-allowed"
    title_fr, title_en = "Changement de statut non autorisé", "Status change not allowed"


class TransitionRequirementMissing(ValidationFailed):
    slug = "transition-requirement-missing"
    title_fr, title_en = "Information manquante pour ce changement de statut", "Missing data for this status change"


class ReferralRequired(Problem):
    status, slug = 409, "referral-required"
    title_fr, title_en = "Une orientation en cours est requise", "A pending referral is required"


class ClosureApprovalRequired(Forbidden):
    slug = "closure-approval-required"
    title_fr, title_en = "Clôture soumise à l'approbation d'un superviseur", "Closure needs a supervisor's approval"


class CaseNotOpen(Problem):
    status, slug = 409, "case-not-open"
    title_fr, title_en = "Le dossier n'est pas en cours", "The case is not open"


class CaseReadOnly(Problem):
    status, slug = 409, "case-read-only"
    title_fr, title_en = "Dossier transféré : lecture seule", "Transferred case: read-only"


class InvalidAssignee(ValidationFailed):
    slug = "invalid-assignee"
    title_fr, title_en = "Personne assignée invalide", "Invalid assignee"


class DueDateTooFar(ValidationFailed):
    slug = "due-date-too-far"
    title_fr, title_en = "Échéance trop lointaine", "Due date too far ahead"


class DueDateBeforeCreation(ValidationFailed):
    slug = "due-date-before-creation"
    title_fr, title_en = "Échéance antérieure à l'ouverture du dossier", "Due date before the case was opened"


class ReferralStatusNotAllowed(Problem):
    status, slug = 409, "referral-status-not-allowed"
    title_fr, title_en = "Changement de statut d'orientation non autorisé", "Referral status change not allowed"


class InvalidTransferTarget(ValidationFailed):
    slug = "invalid-transfer-target"
    title_fr, title_en = "Guichet destinataire invalide", "Invalid receiving desk"


class DueDateSupervisorOnly(Forbidden):
    """403: only a supervisor or an administrator moves a case's due date (they watch overdue cases)."""

    slug = "due-date-supervisor-only"
    title_fr, title_en = "Seul un superviseur déplace l'échéance", "Only a supervisor moves the due date"


class ReferralAlreadyOpen(Problem):
    """409: the case already has a referral to this partner awaiting its answer."""

    status, slug = 409, "referral-already-open"
    title_fr, title_en = "Orientation déjà en cours vers ce partenaire", "A referral to this partner is already open"
