import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels=None):
        logits = self.fc(x)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits, labels)
        return (loss, logits) if loss is not None else logits


class ProbNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels=None):
        probs = torch.softmax(self.fc(x), dim=-1)
        if labels is not None:
            onehot = F.one_hot(labels, 3).float()
            loss = -(onehot * torch.log(probs)).sum(-1).mean()
            return {"loss": loss, "probs": probs}
        return probs


def main():
    torch.manual_seed(0)
    model, prob_model = Net(), ProbNet()
    opt = torch.optim.SGD(list(model.parameters()) + list(prob_model.parameters()), lr=0.1)
    x = torch.randn(8, 4)
    y = torch.randint(0, 3, (8,))
    for step in range(3):
        opt.zero_grad()
        loss, logits = model(x, y)
        out = prob_model(x, labels=y)
        total = loss + out["loss"]
        total.backward()
        opt.step()
        print(f"step {step} loss {loss.item():.6f} prob loss {out['loss'].item():.6f}")
    with torch.no_grad():
        preds = model(x).argmax(-1)
        probs = prob_model(x)
    print(preds.tolist(), [round(v, 4) for v in probs[0].tolist()])


if __name__ == "__main__":
    main()
