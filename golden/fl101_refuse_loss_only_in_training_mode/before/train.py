import torch

from tagger import Tagger

torch.manual_seed(0)
model = Tagger(30, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
ids = torch.randint(0, 30, (4, 9))
tags = torch.randint(0, 5, (4, 9))
model.train()
for step in range(2):
    loss, emissions = model(ids, tags)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step} loss {loss.item():.6f}")
model.eval()
with torch.no_grad():
    emissions = model(ids, tags)
print(f"accuracy {(emissions.argmax(-1) == tags).float().mean().item():.6f}")
