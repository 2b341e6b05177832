"""Pre-sales: prospects (opportunities), their solutions/quotations, the customer's questions and the
follow-up ledger (《机器人集成公司客户服务优化管理制度》 第九条; 《空调部门客户服务管理制度》 售前服务).

models: the records; process: the prospect's link to the ``pre_sales`` process; views: the screens
and the follow-up ledger; kpi: first-contact and answer on-time rates, win rate."""
