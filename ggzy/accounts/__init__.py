"""Users, organisations, roles and the second factor."""
