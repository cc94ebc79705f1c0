import importlib


def run_plugin(name, batch):
    """Build the plugin a config names and apply it: whatever the module's `build` returns."""
    plugin_module = getattr(importlib.import_module("tools." + name), "build")()
    return plugin_module(batch)
