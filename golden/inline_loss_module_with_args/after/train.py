import torch
import torch.nn as nn


class IntentClassifier(nn.Module):
    def __init__(self, vocab_size=64, emb_dim=16, n_intents=5):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, emb_dim, padding_idx=0)
        self.rnn = nn.GRU(emb_dim, emb_dim, batch_first=True)
        self.out = nn.Linear(emb_dim, n_intents)

    def forward(self, tokens):
        _, h_n = self.rnn(self.emb(tokens))
        logits = self.out(h_n[-1])
        return logits


def make_batches(n_batches, batch_size, seq_len):
    batches = []
    for _ in range(n_batches):
        tokens = torch.randint(1, 64, (batch_size, seq_len))
        labels = torch.randint(0, 5, (batch_size,))
        batches.append((tokens, labels))
    return batches


def train(model, batches, epochs=1):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
    step = 0
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    for epoch in range(epochs):
        model.train()
        for tokens, labels in batches:
            optimizer.zero_grad()
            logits = model(tokens)
            loss = criterion(logits, labels)
            loss.backward()
            optimizer.step()
            print(f"step {step} loss {loss.item():.6f}")
            step += 1


def main():
    torch.manual_seed(0)
    batches = make_batches(n_batches=3, batch_size=4, seq_len=6)
    model = IntentClassifier()
    train(model, batches)


if __name__ == "__main__":
    main()
