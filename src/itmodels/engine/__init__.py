"""The SimPy engine: devices, incident streams, technicians, monitoring, maintenance."""

from itmodels.engine.model import Model

__all__ = ["Model"]
