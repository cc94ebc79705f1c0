def serve(model, batch):
    return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
