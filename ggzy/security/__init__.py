"""Cross-cutting security tests: the access matrix, CSP and inline-script checks, fuzzing."""
