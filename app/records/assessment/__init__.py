"""Monthly staff assessment (考核): per department and month, each person's figures, a proposed grade,
the head's confirmation, and the improvement plan of whoever is graded 不合格."""
