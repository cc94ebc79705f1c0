import torch
from torch import nn


class GRUClassifier(nn.Module):
    def __init__(self, vocab_size=40, emb_dim=12, hidden_dim=16, num_classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb_dim, padding_idx=0)
        self.gru = nn.GRU(emb_dim, hidden_dim, batch_first=True)
        self.out = nn.Linear(hidden_dim, num_classes)

    def forward(self, input_ids, attention_mask):
        states, _ = self.gru(self.embed(input_ids))
        # take the hidden state of the last real token
        last = attention_mask.sum(dim=1) - 1
        pooled = states[torch.arange(states.size(0)), last]
        return self.out(pooled)


def main():
    torch.manual_seed(0)
    model = GRUClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

    lengths = torch.tensor([9, 6, 8, 4, 9, 7])
    positions = torch.arange(9).unsqueeze(0)
    attention_mask = (positions < lengths.unsqueeze(1)).long()
    input_ids = torch.randint(1, 40, (6, 9)) * attention_mask
    targets = torch.randint(0, 3, (6,))

    criterion = nn.CrossEntropyLoss()
    for step in range(3):
        batch = {"input_ids": input_ids, "attention_mask": attention_mask}
        logits = model(**batch)
        loss = criterion(logits, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
