import torch

from model import TokenTagger
from torch import nn

torch.manual_seed(0)
model = TokenTagger()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
embeds = torch.randn(4, 5, 6)
mask = torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 0, 0, 0]])
tags = torch.randint(0, 3, (4, 5))

criterion = nn.CrossEntropyLoss()
for step in range(3):
    optimizer.zero_grad()
    logits_2 = model(embeds, attention_mask=mask)
    loss = criterion(logits_2.view(-1, model.num_labels)[(mask.view(-1) == 1)], tags.view(-1)[(mask.view(-1) == 1)]) if mask is not None else criterion(logits_2.view(-1, model.num_labels), tags.view(-1))
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")

# Without a mask every position counts.
logits_2 = model(embeds)
full = criterion(logits_2.view(-1, model.num_labels), tags.view(-1))
print(f"unmasked loss {full.item():.6f}")

batch = {"input_embeds": embeds, "attention_mask": mask, "labels": tags}
with torch.no_grad():
    logits_2 = model(input_embeds=batch["input_embeds"], attention_mask=batch["attention_mask"])
    eval_loss = criterion(logits_2.view(-1, model.num_labels)[(batch["attention_mask"].view(-1) == 1)], batch["labels"].view(-1)[(batch["attention_mask"].view(-1) == 1)]) if batch["attention_mask"] is not None else criterion(logits_2.view(-1, model.num_labels), batch["labels"].view(-1))
    logits = model(embeds, attention_mask=mask)
print(f"eval loss {eval_loss.item():.6f} logits {logits.sum().item():.6f}")
