"""The ownership registry of grey areas: duties, claims and disputes, and who has a say on a release."""
