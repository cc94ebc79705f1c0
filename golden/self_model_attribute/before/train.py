import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.l1 = nn.Linear(n_in, n_hidden)
        self.l2 = nn.Linear(n_hidden, n_out)

    def forward(self, x, labels):
        logits = self.l2(F.leaky_relu(self.l1(x)))
        loss = F.cross_entropy(logits, labels)
        return loss


class Learner:
    """Minimal fit loop, the kind people write instead of pulling in a framework."""

    def __init__(self, n_in, n_hidden, n_out, lr=0.1):
        self.model = Net(n_in, n_hidden, n_out)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=lr)
        self.step = 0

    def train_step(self, x, y):
        self.model.train()
        self.opt.zero_grad()
        loss = self.model(x, y)
        loss.backward()
        self.opt.step()
        print(f"step {self.step} loss {loss.item():.6f}")
        self.step += 1
        return loss.item()

    def fit(self, batches):
        for x, y in batches:
            self.train_step(x, y)


def main():
    torch.manual_seed(0)
    batches = [(torch.randn(5, 7), torch.randint(0, 2, (5,))) for _ in range(3)]
    learner = Learner(n_in=7, n_hidden=10, n_out=2)
    learner.fit(batches)


if __name__ == "__main__":
    main()
