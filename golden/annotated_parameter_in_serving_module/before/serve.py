from model import Net


def predict_fn(model: Net, batch):
    """Called by the serving framework with the model it loaded."""
    return model(**batch)["logits"]
