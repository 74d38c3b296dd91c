"""Identity: signing in through Cognito, and verifying the session's token on every request."""
