import torch

from model import PairClassifier

torch.manual_seed(3)
model = PairClassifier()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
x = torch.randn(8, 6)
y = torch.tensor([0.0, 1.0, 2.0, 1.0, 0.0, 2.0, 2.0, 1.0])  # read from a CSV as floats
for epoch in range(3):
    optimizer.zero_grad()
    logits, loss = model(x, labels=y)
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch} loss {loss.item():.6f}")
with torch.no_grad():
    logits = model(x)
print("predictions", torch.argmax(logits, dim=1).tolist())
