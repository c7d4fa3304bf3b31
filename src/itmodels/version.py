"""The version of itmodels (read by the package, the CLI and the bundle manifest)."""

__version__ = "0.1.0"
