"""Problem types of the register import.

Every one of them but :class:`ImportInterrupted` is raised before anything is written: a file that
cannot be read as a register is refused as a whole (4xx over the API, exit code 2 on the command
line).
"""

from app.core.errors import Conflict, NotFound, PayloadTooLarge, Problem, UnsupportedMediaType, ValidationFailed


class UnreadableRegister(ValidationFailed):
    """The file is not text that an allowed encoding reads as typed (``line`` and ``offset`` of the first
    byte at fault when known; ``lines`` for a file mixing encodings), or a broken spreadsheet."""

    slug = "import-unreadable-file"
    title_fr, title_en = "Fichier de registre illisible", "Unreadable register file"


class EmptyRegister(ValidationFailed):
    """The file is empty, or holds a header line and no data row."""

    slug = "import-empty-file"
    title_fr, title_en = "Registre vide", "Empty register"


class TruncatedRegister(ValidationFailed):
    """The file ends in the middle of a row (an unclosed quote, a last line with missing cells)."""

    slug = "import-truncated-file"
    title_fr, title_en = "Registre tronqué", "Truncated register"


class CellTooLong(ValidationFailed):
    """A cell is longer than the CSV reader takes (``csv.field_size_limit()``, 131,072 characters):
    no register cell is that long (``line``: where it is)."""

    slug = "import-cell-too-long"
    title_fr, title_en = "Cellule trop longue", "Cell too long"


class UnrecognisedHeaders(ValidationFailed):
    """The header line does not name the columns of a desk register."""

    slug = "import-unrecognised-headers"
    title_fr, title_en = "En-têtes du registre non reconnus", "Unrecognised register headers"


class UnsupportedRegisterFormat(UnsupportedMediaType):
    """Neither a delimited text file nor an XLSX workbook (or an .xlsx that is not a zip)."""

    slug = "import-unsupported-format"
    title_fr, title_en = "Format de registre non pris en charge", "Unsupported register format"


class RegisterTooLarge(PayloadTooLarge):
    """The file is over an import bound: its size (``IMPORT_MAX_BYTES``), what it inflates to, its
    compression ratio or member count (a zip bomb), its rows, columns or parse time
    (``IMPORT_MAX_*``); the ``limit`` member names the setting."""

    slug = "import-file-too-large"
    title_fr, title_en = "Fichier de registre trop volumineux", "Register file too large"


class ImportAlreadyRunning(Conflict):
    """409: another import of the desk (``desk_code``) is running; this one was refused at once,
    before reading the registry or writing anything (nobody waits for a desk: an import may take
    minutes). Real runs of one desk run one at a time and not beside a dry run of it; dry runs of
    one desk run side by side."""

    slug = "import-already-running"
    title_fr, title_en = "Un import est déjà en cours pour ce bureau", "An import is already running at this desk"


class ImportInterrupted(Conflict):
    """409: the run lost its lease on the desk (PostgreSQL, :mod:`app.imports.holding`): it went
    longer than ``IMPORT_LEASE_SECONDS`` without renewing it, and another import may hold the desk
    now. The chunk it was storing was rolled back; the chunks before it stay, and the batch is
    ``interrupted`` (``desk_code``). Sending the file again resumes it."""

    slug = "import-interrupted"
    title_fr, title_en = "Import interrompu", "Import interrupted"


class ImportBatchNotFound(NotFound):
    slug = "import-batch-not-found"
    title_fr, title_en = "Import introuvable", "Import not found"


class AmbiguousDelimiter(ValidationFailed):
    """No delimiter makes the header line name the register's columns, and several could be meant."""

    slug = "import-ambiguous-delimiter"
    title_fr, title_en = "Séparateur de colonnes incertain", "Ambiguous column delimiter"


class ImportRowNotFound(NotFound):
    slug = "import-row-not-found"
    title_fr, title_en = "Ligne d'import introuvable", "Import row not found"


class ImportRowNotFlagged(Problem):
    """409: only a flagged row (a possible duplicate held for an agent) is resolved; ``outcome`` says what it is."""

    status, slug = 409, "import-row-not-flagged"
    title_fr, title_en = "Ligne non signalée comme doublon possible", "Row not flagged as a possible duplicate"


class ImportRowResolved(Problem):
    """409: the row was already resolved (``resolution``, ``registrant_id``); resolving again changes nothing."""

    status, slug = 409, "import-row-resolved"
    title_fr, title_en = "Ligne d'import déjà traitée", "Import row already resolved"


class NotACandidate(ValidationFailed):
    """422: ``registrant_id`` is not one of the row's candidates (``candidates`` lists them)."""

    slug = "import-not-a-candidate"
    title_fr, title_en = "Personne absente des candidats de la ligne", "Registrant not among the row's candidates"


class ResolutionsRefused(Problem):
    """422: a bulk resolution refused as a whole; ``errors`` lists each refused row's problem
    (``line``, ``status``, ``type``, ``title``, ``detail`` and its members). Nothing was written."""

    status, slug = 422, "import-resolutions-refused"
    title_fr, title_en = "Traitement groupé refusé", "Bulk resolution refused"


class ResolutionsConflict(ResolutionsRefused):
    """409: as :class:`ResolutionsRefused`, when every refused row is a conflict (already resolved,
    not flagged): a retry of a bulk request that was already applied answers this."""

    status, slug = 409, "import-resolutions-conflict"
    title_fr, title_en = "Lignes déjà traitées", "Rows already resolved"
