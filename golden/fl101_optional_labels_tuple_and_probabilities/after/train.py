import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        logits = self.fc(x)
        return logits


class ProbNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        probs = torch.softmax(self.fc(x), dim=-1)
        return probs


def main():
    torch.manual_seed(0)
    model, prob_model = Net(), ProbNet()
    opt = torch.optim.SGD(list(model.parameters()) + list(prob_model.parameters()), lr=0.1)
    x = torch.randn(8, 4)
    y = torch.randint(0, 3, (8,))
    for step in range(3):
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        probs_2 = prob_model(x)
        loss_2 = -(F.one_hot(y, 3).float() * torch.log(probs_2)).sum(-1).mean()
        total = loss + loss_2
        total.backward()
        opt.step()
        print(f"step {step} loss {loss.item():.6f} prob loss {loss_2.item():.6f}")
    with torch.no_grad():
        preds = model(x).argmax(-1)
        probs = prob_model(x)
    print(preds.tolist(), [round(v, 4) for v in probs[0].tolist()])


if __name__ == "__main__":
    main()
