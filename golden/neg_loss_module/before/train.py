import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    """Focal loss (Lin et al., 2017) for multi-class classification."""

    def __init__(self, gamma=2.0, reduction="mean"):
        super().__init__()
        self.gamma = gamma
        self.reduction = reduction

    def forward(self, logits, labels):
        log_probs = F.log_softmax(logits, dim=-1)
        log_pt = log_probs.gather(1, labels.unsqueeze(1)).squeeze(1)
        pt = log_pt.exp()
        loss = -((1 - pt) ** self.gamma) * log_pt
        if self.reduction == "mean":
            return loss.mean()
        if self.reduction == "sum":
            return loss.sum()
        return loss


class DefectClassifier(nn.Module):
    def __init__(self, n_features=10, n_classes=3):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(n_features, 20), nn.ReLU())
        self.head = nn.Linear(20, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


if __name__ == "__main__":
    torch.manual_seed(0)
    model = DefectClassifier()
    criterion = FocalLoss(gamma=2.0)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-2)

    # imbalanced toy data: class 0 dominates
    x = torch.randn(8, 10)
    y = torch.tensor([0, 0, 0, 0, 0, 1, 1, 2])

    for step in range(3):
        optimizer.zero_grad()
        logits = model(x)
        loss = criterion(logits, y)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")
