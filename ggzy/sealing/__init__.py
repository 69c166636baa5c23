"""Pure cryptography (no Django, nothing of ggzy): signatures now; sealed envelopes, receipts and
key shares as the trading issue adds them. Kept pure so an independent implementation can be
checked against it and so it can be audited on its own."""
