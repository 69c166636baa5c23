"""The admin-editable side of the working-day calendar: overrides and hand-entered years."""
