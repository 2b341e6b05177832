"""The six-step method's ledgers: service plans with their feedback, and the case library.

models: the ledger; views: the screens."""
