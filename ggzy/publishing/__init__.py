"""Everything that goes public: articles (政务信息), trade notices (交易公告), the release review
that every one of them passes, attachments, and visit counts."""
