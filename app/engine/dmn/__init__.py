"""DMN decision tables: read (model.py), FEEL cells (feel.py), evaluate (evaluate.py), diff (diff.py) and
the business rule task (task.py). The service that deploys and versions them is app/engine/decisions.py."""
