"""E-mail notifications: typed views, Jinja2 templates, the outbox they travel through, and SES."""
