"""Spare parts (配件管理): the parts catalogue, stock per location, every movement (in, reserved for a
service, used on a field record, returned, stocktake adjustment), minimum stock with a refill order and
its process (parts_refill), and the stocktake process (parts_stocktake) with counted vs. expected.

models: the ledger; stock: the one service that moves stock (every rule is there); views: the
screens; process: the refill and stocktake links, and the on-site step's parts."""
