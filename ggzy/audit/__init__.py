"""The append-only, hash-chained event log, its signed checkpoints and its verification."""
