import torch
import torch.nn as nn
import torch.nn.functional as F


class SharpClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 4)

    def forward(self, features, labels):
        logits = self.body(features)
        return {"loss": F.cross_entropy(logits, labels), "logits": logits}


class SmoothClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 5), nn.GELU(), nn.Linear(5, 4))

    def forward(self, features, labels):
        logits = self.body(features)
        return {"loss": F.cross_entropy(logits, labels, label_smoothing=0.2), "logits": logits}


def run_epochs(classifier, features, labels, epochs):
    optimizer = torch.optim.Adam(classifier.parameters(), lr=0.05)
    for epoch in range(epochs):
        out = classifier(features, labels)
        optimizer.zero_grad()
        out["loss"].backward()
        optimizer.step()
        print(f"epoch {epoch} loss {out['loss'].item():.6f}")


def main():
    torch.manual_seed(5)
    features = torch.randn(12, 6)
    labels = torch.randint(0, 4, (12,))
    sharp = SharpClassifier()
    smooth = SmoothClassifier()
    run_epochs(sharp, features, labels, 2)
    run_epochs(smooth, features, labels, 3)


if __name__ == "__main__":
    main()
