"""In-sales delivery (售中服务): the contract handover, the project in delivery and the customer's orders.

models: the ledger; views: the screens; process: each record's link to its process
(contract_handover, project_delivery, order_fulfilment); kpi: handover on time and progress reports."""
