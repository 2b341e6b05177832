"""After-sales service: service requests, their field-service records and satisfaction surveys.

models: the ledger; views: the screens; process: the request's link to the after-sales process."""
