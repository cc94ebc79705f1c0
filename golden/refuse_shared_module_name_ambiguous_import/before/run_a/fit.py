import torch

from model import Classifier

torch.manual_seed(1)
clf = Classifier()
opt = torch.optim.Adam(clf.parameters(), lr=0.01)
inputs = torch.randn(10, 4)
labels = torch.randint(0, 2, (10,))
for epoch in range(2):
    opt.zero_grad()
    loss = clf(inputs, labels)
    loss.backward()
    opt.step()
    print("run_a epoch", epoch, "loss", round(loss.item(), 6))
