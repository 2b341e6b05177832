"""The customer-service records, one package a record kind (customers, service, complaints,
emergency, planning), each with its models, screens, process link and API side by side.

Shared by the kinds: screens (the record view base), fields, menu (the "Service" menu), links and
process_link (records follow their processes), and the services export, kpi, surveys,
contacts and timefmt. Demo data stays in app/demo: it seeds the kinds in order, across them."""
