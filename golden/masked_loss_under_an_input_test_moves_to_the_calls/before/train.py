import torch

from model import TokenTagger

torch.manual_seed(0)
model = TokenTagger()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
embeds = torch.randn(4, 5, 6)
mask = torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 0, 0, 0]])
tags = torch.randint(0, 3, (4, 5))

for step in range(3):
    optimizer.zero_grad()
    loss = model(embeds, attention_mask=mask, labels=tags)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")

# Without a mask every position counts.
full = model(embeds, labels=tags)
print(f"unmasked loss {full.item():.6f}")

batch = {"input_embeds": embeds, "attention_mask": mask, "labels": tags}
with torch.no_grad():
    eval_loss = model(**batch)
    logits = model(embeds, attention_mask=mask)
print(f"eval loss {eval_loss.item():.6f} logits {logits.sum().item():.6f}")
