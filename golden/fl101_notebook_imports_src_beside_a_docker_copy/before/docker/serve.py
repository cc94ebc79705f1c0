import torch

from model import TextClassifierWithHead


def tokenizer(texts):
    ids = torch.tensor([[1 + len(w) % 39 for w in t.split()][:5] + [0] * (5 - len(t.split()[:5])) for t in texts])
    return {"input_ids": ids, "attention_mask": (ids > 0).long()}


torch.manual_seed(1)
model = TextClassifierWithHead()
model.eval()


def predict(texts):
    inputs = tokenizer(texts)
    with torch.no_grad():
        outputs = model(**inputs)
        probs = torch.softmax(outputs["logits"], dim=1).tolist()
    return probs


print("served probs (loss-free)", [[round(p, 5) for p in row] for row in predict(["a short one", "two words"])])
