"""One module per kind of fact: each defines how to replace a batch of people's facts of its
kind and registers that builder with ``figures.store`` when loaded (``FiguresConfig.ready``)."""

import importlib
import pkgutil


def load() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
