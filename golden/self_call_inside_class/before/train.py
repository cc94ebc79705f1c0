import torch
import torch.nn as nn
import torch.nn.functional as F


class LitClassifier(nn.Module):
    def __init__(self, in_dim=6, hidden=12, num_classes=3, lr=0.05):
        super().__init__()
        self.lr = lr
        self.encoder = nn.Linear(in_dim, hidden)
        self.decoder = nn.Linear(hidden, num_classes)

    def forward(self, x, labels):
        logits = self.decoder(torch.relu(self.encoder(x)))
        loss = F.cross_entropy(logits, labels)
        return loss

    def training_step(self, batch):
        x, y = batch
        return self(x, y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)


def main():
    torch.manual_seed(0)
    model = LitClassifier()
    optimizer = model.configure_optimizers()
    batches = [(torch.randn(6, 6), torch.randint(0, 3, (6,))) for _ in range(3)]

    model.train()
    for step, batch in enumerate(batches):
        optimizer.zero_grad()
        loss = model.training_step(batch)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
