import torch
import torch.nn as nn
import torch.nn.functional as F


class SentimentHead(nn.Module):
    def __init__(self, vocab_size: int, dim: int, num_labels: int):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, dim)
        self.pre_classifier = nn.Linear(dim, dim)
        self.classifier = nn.Linear(dim, num_labels)

    def forward(self, input_ids, attention_mask):
        hidden = self.embeddings(input_ids)
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        pooled = F.relu(self.pre_classifier(pooled))
        logits = self.classifier(pooled)
        return logits


def train_epoch(model, optimizer, input_ids, attention_mask, labels):
    model.train()
    for step in range(3):
        optimizer.zero_grad()
        logits = model(input_ids, attention_mask)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        preds = logits.argmax(-1)
        correct = (preds == labels).sum().item()
        loss_value = loss.item()
        print(f"step {step} loss {loss_value:.6f} correct {correct}")


def main():
    torch.manual_seed(0)
    input_ids = torch.randint(0, 40, (5, 7))
    attention_mask = torch.ones_like(input_ids)
    attention_mask[:, 5:] = 0
    labels = torch.randint(0, 2, (5,))

    model = SentimentHead(vocab_size=40, dim=8, num_labels=2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-2)
    train_epoch(model, optimizer, input_ids, attention_mask, labels)


if __name__ == "__main__":
    main()
