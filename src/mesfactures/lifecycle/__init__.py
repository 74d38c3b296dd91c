"""The invoices' lifecycle statuses: CDAR messages read from the feed, statuses reported by the portal."""
