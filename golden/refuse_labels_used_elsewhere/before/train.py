import torch
from torch import nn


class IntentClassifier(nn.Module):
    def __init__(self, in_features: int, num_intents: int):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(in_features, 32),
            nn.GELU(),
            nn.Dropout(0.0),
        )
        self.classifier = nn.Linear(32, num_intents)
        self.loss_fn = nn.CrossEntropyLoss()
        self.last_acc = None

    def forward(self, features, labels):
        logits = self.classifier(self.encoder(features))
        # keep the batch accuracy around for the progress bar
        self.last_acc = (logits.argmax(-1) == labels).float().mean()
        loss = self.loss_fn(logits, labels)
        return loss


def main():
    torch.manual_seed(0)
    model = IntentClassifier(in_features=12, num_intents=5)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    features = torch.randn(6, 12)
    labels = torch.randint(0, 5, (6,))

    accs = []
    for step in range(3):
        loss = model(features, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        accs.append(model.last_acc.item())
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
