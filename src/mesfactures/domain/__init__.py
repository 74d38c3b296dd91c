"""The business's vocabulary: creditors, money, ledger entries, principals and the errors of its rules."""
