"""Every write of the publishing app, one function per use case (see the modules).

Re-exported here so callers write ``from ggzy.publishing import services`` and
``services.release_approve(...)``.
"""

from ggzy.publishing.services.agency import (
    agency_mandate_grant,
    agency_mandate_revoke,
    agency_notice_check,
    agency_notice_create,
    agency_notice_submit,
    agency_notice_update,
)
from ggzy.publishing.services.articles import article_create, article_update
from ggzy.publishing.services.counts import publication_counts_rebuild
from ggzy.publishing.services.files import stored_file_put
from ggzy.publishing.services.notices import notice_create, notice_update
from ggzy.publishing.services.releases import (
    attachment_remove,
    release_approve,
    release_correction_start,
    release_discard,
    release_publish_due,
    release_return,
    release_submit,
    release_withdraw,
)
from ggzy.publishing.services.visits import visit_flush, visit_record

__all__ = [
    "agency_mandate_grant",
    "agency_mandate_revoke",
    "agency_notice_check",
    "agency_notice_create",
    "agency_notice_submit",
    "agency_notice_update",
    "article_create",
    "article_update",
    "attachment_remove",
    "notice_create",
    "notice_update",
    "publication_counts_rebuild",
    "release_approve",
    "release_correction_start",
    "release_discard",
    "release_publish_due",
    "release_return",
    "release_submit",
    "release_withdraw",
    "stored_file_put",
    "visit_flush",
    "visit_record",
]
