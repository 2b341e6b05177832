"""Services around the customer-service records (exports, survey links, time display)."""
