"""One recipe per paper (plus the app's unified model), discovered by module: each module in this
package defines a ``Recipe`` subclass with a ``name``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from colorizer_app.errors import ColorizerError
from training.recipes.base import Recipe, RecipeSetup


def available() -> dict[str, type[Recipe]]:
    recipes: dict[str, type[Recipe]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, Recipe)
                and not inspect.isabstract(cls)
                and cls.__module__ == module.__name__
            ):
                recipes[cls.name] = cls
    return dict(sorted(recipes.items()))


def build_recipe(name: str, setup: RecipeSetup) -> Recipe:
    recipes = available()
    if name not in recipes:
        raise ColorizerError(f"unknown recipe {name!r}; choose one of: {', '.join(recipes)}")
    cls = recipes[name]
    if setup.config not in cls.configs:
        raise ColorizerError(
            f"recipe {name} has no config {setup.config!r}; choose one of: {', '.join(cls.configs)}"
        )
    try:
        return cls(setup)
    except ValueError as error:
        raise ColorizerError(str(error)) from error
