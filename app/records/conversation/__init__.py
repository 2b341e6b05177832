"""One conversation per record (a service request or a complaint): every message in or out
(portal, mail in, mail out, phone notes) and the staff's internal notes, with their attachments.

First-contact and first-reply times come from here (``service.first_contact_at`` /
``service.first_reply_at``) and feed the response-time KPI."""
