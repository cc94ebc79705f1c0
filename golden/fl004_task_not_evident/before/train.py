from transformers import AutoModel


def training_step(batch, checkpoint="some/checkpoint"):
    model = AutoModel.from_pretrained(checkpoint)
    outputs = model(input_ids=batch["input_ids"], labels=batch["labels"])
    return outputs.loss
