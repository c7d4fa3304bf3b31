"""Money: the ledger of every charge and cost, and the one money formatter."""
