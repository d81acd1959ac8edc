"""One module per figure set: each builds its ``figures.report.Report`` from the facts and
registers itself with ``figures.report.register_set`` when loaded (``FiguresConfig.ready``)."""

import importlib
import pkgutil


def load() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
