"""Problem types of merges."""

from __future__ import annotations

from app.core.errors import Forbidden, NotFound, Problem, ValidationFailed


class MergeNotFound(NotFound):
    slug = "merge-not-found"
    title_fr, title_en = "Fusion introuvable", "Merge not found"


class MergeWithItself(ValidationFailed):
    """422: the survivor and the merged file are the same file."""

    slug = "merge-same-registrant"
    title_fr, title_en = "Un dossier ne se fusionne pas avec lui-même", "A file cannot be merged with itself"


class MergeChoicesMissing(ValidationFailed):
    """422: conflicting fields with no choice; ``missing`` names them, ``conflicts`` shows the values."""

    slug = "merge-choices-missing"
    title_fr, title_en = "Choix manquants pour des champs en conflit", "Choices missing for conflicting fields"


class MergeTooManyValues(Problem):
    """409: the survivor would hold more items of a list than the API accepts; ``exceeded`` names
    each list (``field``, ``count`` after the merge, ``limit``)."""

    status, slug = 409, "merge-too-many-values"
    title_fr, title_en = "Trop de valeurs pour un seul dossier", "Too many values for one file"


class MergePending(Problem):
    """409: one of the files is already in a merge waiting for approval (``merge_id``)."""

    status, slug = 409, "merge-pending"
    title_fr, title_en = "Fusion déjà proposée", "Merge already proposed"


class MergeNotProposed(Problem):
    """409: approve/reject of a merge that is not waiting for approval (``status``)."""

    status, slug = 409, "merge-not-proposed"
    title_fr, title_en = "Fusion non en attente", "Merge not awaiting approval"


class MergeNotInForce(Problem):
    """409: unmerge of a merge that is not in force (proposed, rejected or already unmerged)."""

    status, slug = 409, "merge-not-in-force"
    title_fr, title_en = "Fusion non en vigueur", "Merge not in force"


class UnmergeRefused(Problem):
    """409: the merge cannot be undone exactly; ``reasons`` lists what changed since (``code``, ``detail``)."""

    status, slug = 409, "unmerge-refused"
    title_fr, title_en = "Défusion impossible", "Unmerge refused"


class MergeApprovalRequired(Forbidden):
    """403: approving, rejecting or (at a desk requiring approval) unmerging needs a supervisor."""

    slug = "merge-approval-required"
    title_fr, title_en = "Validation d'un superviseur requise", "Supervisor approval required"
