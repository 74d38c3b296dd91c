"""The HTTP edge shared by the four Chalice apps: errors to statuses, the session cookie, authentication."""
