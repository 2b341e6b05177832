"""Complaints and their rectification rounds.

models: the ledger; views: the screens; process: the complaint's link to complaint handling."""
