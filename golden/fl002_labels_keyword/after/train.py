import torch
import torch.nn as nn

torch.manual_seed(0)

VOCAB_SIZE = 30
NUM_LABELS = 2


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, hidden_size, num_labels):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, hidden_size, padding_idx=0)
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(hidden_size, num_labels)

    def forward(self, input_ids, attention_mask):
        hidden = self.embeddings(input_ids)
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.classifier(self.dropout(pooled))


model = TextClassifier(VOCAB_SIZE, hidden_size=16, num_labels=NUM_LABELS)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3)

input_ids = torch.randint(1, VOCAB_SIZE, (4, 10))
mask = torch.ones_like(input_ids)
mask[:, 7:] = 0
input_ids = input_ids * mask
labels = torch.randint(0, NUM_LABELS, (4,))

model.train()
criterion = nn.CrossEntropyLoss()
for step in range(3):
    logits = model(input_ids, attention_mask=mask)
    loss = criterion(logits, labels)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step} loss {loss.item():.6f}")
