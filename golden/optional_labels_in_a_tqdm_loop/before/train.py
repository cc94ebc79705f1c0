import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels=None):
        logits = self.fc(x)
        if labels is not None:
            return nn.functional.cross_entropy(logits, labels), logits
        return logits


torch.manual_seed(9)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
dataset = TensorDataset(torch.randn(12, 4), torch.randint(0, 3, (12,)))
loader = DataLoader(dataset, batch_size=4)
for step, (x, y) in tqdm(enumerate(loader), disable=True):
    loss, logits = model(x, labels=y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
