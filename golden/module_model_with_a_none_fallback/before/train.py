import torch

from holder import MODEL

x = torch.randn(8, 4)
labels = torch.randint(0, 3, (8,))
optimizer = torch.optim.SGD(MODEL.parameters(), lr=0.5)
for step in range(3):
    optimizer.zero_grad()
    loss, logits = MODEL(x, labels)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} hits {(logits.argmax(-1) == labels).sum().item()}")
