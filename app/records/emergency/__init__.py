"""Emergency incidents, contingency plans and the notifications sent to affected customers.

models: the ledger; views: the screens; process: the incident's link to the emergency response."""
