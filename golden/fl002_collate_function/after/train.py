import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from data import ToyReviews, collate_fn

torch.manual_seed(0)


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab_size=50, dim=16, num_labels=2):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, dim, mode="mean", padding_idx=0)
        self.classifier = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, num_labels))

    def forward(self, input_ids, attention_mask):
        pooled = self.embedding(input_ids * attention_mask)
        return self.classifier(pooled)


model = BagOfEmbeddings()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
loader = DataLoader(ToyReviews(), batch_size=8, shuffle=False, collate_fn=collate_fn)

model.train()
criterion = nn.CrossEntropyLoss()
for step, batch in enumerate(loader):
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    loss = criterion(logits, batch["labels"])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
