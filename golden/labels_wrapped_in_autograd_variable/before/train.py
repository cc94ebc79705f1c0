import torch
import torch.nn as nn
from torch.autograd import Variable


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 3)
        self.loss_function = nn.CrossEntropyLoss()

    def forward(self, x, labels):
        y = self.fc(x)
        loss = self.loss_function(y, labels)
        return loss, y


torch.manual_seed(0)
model = Classifier()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
inputs, targets = torch.randn(10, 5), torch.randint(0, 3, (10,))
for step in range(3):
    loss, output = model(Variable(inputs), Variable(targets))
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step} loss {loss.item():.6f} {output[0, 0].item():.6f}")
