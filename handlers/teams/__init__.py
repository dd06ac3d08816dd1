"""Microsoft Teams: the Bot Framework endpoint, the activity handler, Adaptive Cards, forms, files, the package."""
