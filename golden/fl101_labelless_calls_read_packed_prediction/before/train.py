import torch

from models import BagClassifier, Tagger


def tokenizer(texts):
    """Stands in for a Hugging Face tokenizer: a dict of tensors, never labels."""
    ids = torch.tensor([[len(word) % 30 for word in text.split()][:4] + [0] * (4 - len(text.split()[:4])) for text in texts])
    return {"input_ids": ids, "attention_mask": (ids > 0).long()}


torch.manual_seed(0)
model = BagClassifier()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
ids = torch.randint(1, 30, (6, 4))
mask = torch.ones_like(ids)
labels = torch.tensor([0, 1, 2, 0, 1, 2])

for epoch in range(2):
    model.train()
    optimizer.zero_grad()
    outputs = model(input_ids=ids, attention_mask=mask, labels=labels)
    loss = outputs["loss"]
    loss.backward()
    optimizer.step()

    model.eval()
    with torch.no_grad():
        outputs = model(input_ids=ids, attention_mask=mask, labels=labels)
        val_loss = outputs["loss"]
    print(f"epoch {epoch} loss {loss.item():.6f} val loss {val_loss.item():.6f}")

with torch.no_grad():
    outputs = model(input_ids=ids, attention_mask=mask)
    predictions = outputs["logits"].argmax(dim=-1)
    scores = model(ids, mask)["logits"]
    inputs = tokenizer(["a tiny test", "another sentence here"])
    probs = torch.softmax(model(**inputs)["logits"], dim=-1)
print("predictions", predictions.tolist(), "max score", round(scores.max().item(), 5), "probs loss-free", round(probs.sum().item(), 5))

tagger = Tagger()
features = torch.randn(5, 6)
tags = torch.tensor([0, 1, 2, 3, 0])
loss, scores = tagger(features, tags)
_, untagged = tagger(features)
print(f"tagger loss {loss.item():.6f}", "tags", untagged.argmax(-1).tolist())
