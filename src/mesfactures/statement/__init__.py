"""Use cases of the statement area: an account's entries and balance, its documents, the CSV export."""
