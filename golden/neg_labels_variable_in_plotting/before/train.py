import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Scorer(nn.Module):
    def __init__(self, d_in=8, d_hidden=16, n_out=3):
        super().__init__()
        self.lin1 = nn.Linear(d_in, d_hidden)
        self.lin2 = nn.Linear(d_hidden, n_out)

    def forward(self, x):
        return self.lin2(F.leaky_relu(self.lin1(x), 0.1))


def plot(values, labels, width=40):
    """Poor man's bar chart: one row per value, scaled to the largest one."""
    top = max(values)
    for label, value in zip(labels, values):
        bar = "#" * round(width * value / top)
        print(f"{label:>8} | {bar} {value:g}")


model = Scorer()
optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
loss_fn = nn.CrossEntropyLoss()

inputs = torch.randn(7, 8)
targets = torch.randint(0, 3, (7,))

lrs = []
for step in range(3):
    lrs.append(scheduler.get_last_lr()[0])
    logits = model(inputs)
    loss = loss_fn(logits, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    print(f"step {step} loss {loss.item():.6f}")

labels = [f"epoch {i}" for i in range(3)]
plot(lrs, labels=labels)
