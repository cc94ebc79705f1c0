import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab_size, hidden_size, num_labels):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, hidden_size)
        self.classifier = nn.Linear(hidden_size, num_labels)

    def forward(self, input_ids, attention_mask):
        emb = self.embeddings(input_ids) * attention_mask.unsqueeze(-1)
        pooled = emb.sum(dim=1) / attention_mask.sum(dim=1, keepdim=True)
        logits = self.classifier(pooled)
        return logits


def collate(examples):
    input_ids = torch.stack([ex[0] for ex in examples])
    labels = torch.stack([ex[1] for ex in examples])
    return {
        "input_ids": input_ids,
        "attention_mask": (input_ids != 0).float(),
        "labels": labels,
    }


def train_epoch(model, loader, optimizer):
    model.train()
    for step, batch in enumerate(loader):
        optimizer.zero_grad()
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        loss = F.cross_entropy(logits, batch["labels"])
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


def main():
    torch.manual_seed(0)
    input_ids = torch.randint(1, 30, (12, 6))
    input_ids[::3, 4:] = 0  # some padding
    labels = torch.randint(0, 2, (12,))
    dataset = TensorDataset(input_ids, labels)
    loader = DataLoader(dataset, batch_size=4, shuffle=False, collate_fn=collate)

    model = BagOfEmbeddings(vocab_size=30, hidden_size=8, num_labels=2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    train_epoch(model, loader, optimizer)


if __name__ == "__main__":
    main()
