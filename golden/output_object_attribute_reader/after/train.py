import torch
import torch.nn as nn
import torch.nn.functional as F


class PooledClassifier(nn.Module):
    def __init__(self, vocab_size=48, hidden_size=16, num_labels=3):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, hidden_size)
        self.pooler = nn.Linear(hidden_size, hidden_size)
        self.classifier = nn.Linear(hidden_size, num_labels)

    def forward(self, input_ids, attention_mask):
        hidden = self.embeddings(input_ids)
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = torch.tanh(self.pooler((hidden * mask).sum(1) / mask.sum(1)))
        logits = self.classifier(pooled)
        return logits


def train_epoch(model, optimizer, input_ids, attention_mask, labels):
    model.train()
    for step in range(3):
        logits = model(input_ids, attention_mask)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        n_correct = (logits.argmax(dim=-1) == labels).sum().item()
        print(f"step {step} loss {loss.item():.6f} correct {n_correct}")


def main():
    torch.manual_seed(0)
    input_ids = torch.randint(0, 48, (6, 8))
    attention_mask = torch.ones_like(input_ids)
    attention_mask[3:, 6:] = 0
    labels = torch.randint(0, 3, (6,))

    model = PooledClassifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-2)
    train_epoch(model, optimizer, input_ids, attention_mask, labels)


if __name__ == "__main__":
    main()
