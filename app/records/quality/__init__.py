"""Quality and maintenance: daily spot checks and the monthly inspection (质量监测), the quality
analysis meeting and its improvement actions (质量改进), and the equipment's maintenance return
visits (维修保养).

models: the records; service: the domain rules (sampling, verdicts, counts, the report mail, the
service-standard rate); process: how the records follow their processes; views: the screens."""
