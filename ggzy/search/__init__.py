"""全文检索: Chinese tokenizer and full-text index behind one backend interface (SQLite FTS5, PostgreSQL)."""
