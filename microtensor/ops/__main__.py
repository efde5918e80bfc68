"""``python -m microtensor.ops > docs/ops.md``: the docs' op table, generated from the registry."""
from .. import _registry

HEADER = (
    "# Ops\n\n"
    "Generated from the registry by `python -m microtensor.ops > docs/ops.md`; each op is declared\n"
    "once, with `@op`, beside its `Function` (see `docs/internals.md`).\n\n"
)

if __name__ == "__main__":
    print(HEADER + _registry.op_table(), end="")
