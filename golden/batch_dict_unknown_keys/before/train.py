import torch
import torch.nn as nn
import torch.nn.functional as F


class PairClassifier(nn.Module):
    def __init__(self, vocab=40, dim=8):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim)
        self.out = nn.Linear(2 * dim, 2)

    def forward(self, left_ids, right_ids, labels):
        features = torch.cat([self.emb(left_ids), self.emb(right_ids)], dim=-1)
        logits = self.out(features)
        return F.cross_entropy(logits, labels)


def load_batches(n_batches, size=4):
    batches = []
    for _ in range(n_batches):
        example = {}
        example["left_ids"] = torch.randint(0, 40, (size, 5))
        example["right_ids"] = torch.randint(0, 40, (size, 7))
        example["labels"] = torch.randint(0, 2, (size,))
        batches.append(example)
    return batches


def main():
    torch.manual_seed(0)
    model = PairClassifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for step, batch in enumerate(load_batches(3)):
        optimizer.zero_grad()
        loss = model(**batch)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


main()
