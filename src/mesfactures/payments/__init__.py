"""Use cases of the payments area, and the adapter over Stripe."""
