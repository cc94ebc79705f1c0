def score_batch(model, batch):
    return model(**batch)
