import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyEncoderClassifier(nn.Module):
    def __init__(self, vocab_size=40, d_model=16, nhead=2, num_labels=2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward=32, dropout=0.0, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers=1)
        self.classifier = nn.Linear(d_model, num_labels)

    def forward(self, input_ids, attention_mask, labels):
        hidden = self.encoder(
            self.embed(input_ids), src_key_padding_mask=attention_mask == 0
        )
        logits = self.classifier(hidden[:, 0])
        loss = F.cross_entropy(logits, labels)
        return loss


def train_epoch(model, optimizer, input_ids, mask, y):
    model.train()
    for step in range(3):
        optimizer.zero_grad()
        loss = model(input_ids, attention_mask=mask, labels=y)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


def main():
    torch.manual_seed(0)
    input_ids = torch.randint(1, 40, (4, 6))
    mask = torch.ones(4, 6, dtype=torch.long)
    mask[0, 4:] = 0
    mask[2, 5:] = 0
    y = torch.randint(0, 2, (4,))

    model = TinyEncoderClassifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    train_epoch(model, optimizer, input_ids, mask, y)


if __name__ == "__main__":
    main()
