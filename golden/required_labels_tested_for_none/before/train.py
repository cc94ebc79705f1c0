import torch

from model import SentimentHead


def predict(model, pooled):
    model.eval()
    with torch.no_grad():
        _, logits = model(pooled, labels=None)
    return logits.softmax(-1)


torch.manual_seed(7)
head = SentimentHead(6, 3)
optimizer = torch.optim.AdamW(head.parameters(), lr=0.05)
pooled = torch.randn(8, 6)
labels = torch.randint(0, 3, (8,))
for step in range(3):
    head.train()
    loss, _ = head(pooled, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
print("probabilities", [round(p, 4) for p in predict(head, pooled)[0].tolist()])
