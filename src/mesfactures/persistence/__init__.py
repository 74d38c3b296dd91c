"""The ledger table (DynamoDB, through pynamodb): keys, item models and the repositories over them."""
