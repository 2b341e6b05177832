"""DMN 1.3 test tables written the way Camunda Modeler / dmn-js save them."""
from __future__ import annotations

from xml.sax.saxutils import escape

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
        'xmlns:camunda="http://camunda.org/schema/1.0/dmn" id="Definitions_{key}" name="DRD" '
        'namespace="http://camunda.org/schema/1.0/dmn" exporter="Camunda Modeler" exporterVersion="5.31.0">\n')


def table(key: str, rules: list[tuple], *, inputs=(("amount", "integer"),), outputs=(("result", "string"),),
          policy: str | None = None, aggregation: str | None = None, output_values: dict | None = None,
          languages: dict | None = None, name: str | None = None) -> str:
    """rules: (input cells..., output cells...) per row; ``languages``: {(row, column): 'python'}."""
    hit = f' hitPolicy="{policy}"' if policy else ""
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    xml = HEAD.format(key=key) + f'  <decision id="{key}" name="{escape(name or key)}">\n'
    xml += f'    <decisionTable id="Table_{key}"{hit}{agg}>\n'
    for n, (expr, type_ref) in enumerate(inputs, 1):
        xml += (f'      <input id="Input_{n}" label="{expr.title()}"><inputExpression id="InputExpression_{n}" '
                f'typeRef="{type_ref}"><text>{escape(expr)}</text></inputExpression></input>\n')
    for n, (out, type_ref) in enumerate(outputs, 1):
        values = (output_values or {}).get(out)
        body = (f'<outputValues id="OutputValues_{n}"><text>{escape(values)}</text></outputValues>'
                if values else "")
        xml += f'      <output id="Output_{n}" label="{out.title()}" name="{out}" typeRef="{type_ref}">{body}</output>\n'
    for r, row in enumerate(rules, 1):
        xml += f'      <rule id="Rule_{r}">\n'
        for c, cell in enumerate(row, 1):
            tag = "inputEntry" if c <= len(inputs) else "outputEntry"
            lang = (languages or {}).get((r, c))
            attr = f' expressionLanguage="{lang}"' if lang else ""
            xml += f'        <{tag} id="Cell_{r}_{c}"{attr}><text>{escape(cell)}</text></{tag}>\n'
        xml += "      </rule>\n"
    return xml + "    </decisionTable>\n  </decision>\n</definitions>\n"
