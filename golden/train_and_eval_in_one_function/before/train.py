import torch
import torch.nn as nn


class TaggerHead(nn.Module):
    def __init__(self, vocab=30, dim=12, tags=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.proj = nn.Linear(dim, tags)

    def forward(self, tokens, labels):
        logits = self.proj(self.emb(tokens).mean(1))
        loss = nn.CrossEntropyLoss()(logits, labels)
        return loss, logits


def fit(model, train_batches, val_batches, epochs=1):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for epoch in range(epochs):
        model.train()
        for step, (tokens, tags) in enumerate(train_batches):
            optimizer.zero_grad()
            loss, logits = model(tokens, tags)
            loss.backward()
            optimizer.step()
            print(f"step {step} loss {loss.item():.6f}")
        model.eval()
        total, correct = 0.0, 0
        with torch.no_grad():
            for tokens, tags in val_batches:
                val_loss, logits = model(tokens, tags)
                total += val_loss.item()
                correct += (logits.argmax(-1) == tags).sum().item()
        print(f"val loss {total / len(val_batches):.6f} correct {correct}")


if __name__ == "__main__":
    torch.manual_seed(0)
    data = [(torch.randint(0, 30, (4, 6)), torch.randint(0, 4, (4,))) for _ in range(5)]
    fit(TaggerHead(), data[:3], data[3:])
