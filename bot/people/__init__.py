"""People: roles and time zones, set by themselves or by a lead."""
