"""Launch gates: the template, decisions and slips, and what the scheduled pass needs to remind approvers."""
