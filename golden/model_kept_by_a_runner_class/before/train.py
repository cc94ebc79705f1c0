import torch

from model import Classifier


class Trainer:
    def __init__(self, net, lr=0.1):
        self.net = net
        self.optimizer = torch.optim.SGD(net.parameters(), lr=lr)

    def step(self, features, labels):
        self.optimizer.zero_grad()
        loss, scores = self.net(features, labels)
        loss.backward()
        self.optimizer.step()
        return loss.item(), scores.argmax(-1)

    def score(self, features, labels):
        with torch.no_grad():
            loss, scores = self.net(features, labels)
        return loss.item()


def report(net, features, labels):
    loss, _ = net(features, labels)
    print(f"report loss {loss.item():.6f}")


torch.manual_seed(0)
features = torch.randn(16, 5)
labels = torch.randint(0, 3, (16,))
trainer = Trainer(Classifier(5, 3))
for epoch in range(3):
    loss, predicted = trainer.step(features, labels)
    print(f"epoch {epoch} loss {loss:.6f} hits {(predicted == labels).sum().item()}")
print(f"held-out loss {trainer.score(features, labels):.6f}")
report(trainer.net, features, labels)
