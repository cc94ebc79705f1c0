import pickle

import torch

from model import Classifier
from predict import predict

torch.manual_seed(3)
net = Classifier(4)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
x = torch.randn(16, 5)
mask = (torch.rand(16, 5) > 0.1).float()
y = torch.randint(0, 4, (16,))

for step in range(3):
    net.train()
    loss, logits = net(x, mask)
    loss = net.criterion(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} logits {logits.mean().item():.6f}")

net.eval()
with torch.no_grad():
    outputs = net(x, mask)
    print(f"eval loss {net.criterion(outputs[1], y).item():.6f} top {outputs[1].argmax(-1).tolist()}")

predictions, nothing = predict(pickle.dumps(net), x, mask)
print("predictions", predictions.tolist(), nothing)
