"""Use cases of the account area: sessions, the user and their creditors, account details."""
