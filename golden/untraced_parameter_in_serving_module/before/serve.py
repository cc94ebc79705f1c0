def predict_fn(model, batch):
    """Called by the serving framework with the model it loaded."""
    return model(**batch)["logits"]
