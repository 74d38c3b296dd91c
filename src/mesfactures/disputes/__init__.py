"""Use cases of the disputes area: declaring, following and handling disputes."""
