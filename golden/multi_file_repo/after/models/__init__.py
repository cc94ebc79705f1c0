from .net import Classifier

__all__ = ["Classifier"]
