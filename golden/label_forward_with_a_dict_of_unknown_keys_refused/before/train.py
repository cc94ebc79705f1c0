import torch
import torch.nn as nn


class Rater(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(6, 1)
        self.loss_fn = nn.MSELoss()

    def forward(self, feats, label):
        rating = self.head(feats).squeeze(-1)
        loss = self.loss_fn(rating, label)
        return loss, rating


torch.manual_seed(5)
model = Rater()
feats = torch.randn(4, 6)
target = torch.randn(4)
batch = dict(zip(["feats", "label"], [feats, target]))
loss, rating = model(**batch)
print(f"loss {loss.item():.6f} rating {rating.sum().item():.6f}")
