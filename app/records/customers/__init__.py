"""Customers and what the department keeps about them: contacts, contracts, equipment.

models: the ledger; views: the screens (a customer's requests, complaints and surveys as tabs);
api: read-only customers and contacts (personal data masked)."""
