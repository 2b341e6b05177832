"""The customer portal: sign-in by one-time link, the customer's cases, submissions, messages, ratings;
and the public feedback form. Views in ``views.py`` (thin), rules in ``service.py``."""
