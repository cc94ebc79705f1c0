from model import Net
from torch import nn


def predict_fn(model: Net, batch):
    """Called by the serving framework with the model it loaded."""
    logits = model(**{k: v for k, v in batch.items() if k != "labels"})
    return logits
