import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(5, 4)

    def forward(self, tokens):
        scores = self.proj(tokens)
        return scores


class Trainer:
    def __init__(self):
        self.model = Tagger()
        self.optimizer = None

    def step(self, tokens, labels):
        if self.optimizer is None:
            self.optimizer = __import__("torch").optim.SGD(self.model.parameters(), lr=0.05)
        self.optimizer.zero_grad()
        scores = self.model(tokens)
        loss = nn.functional.cross_entropy(scores, labels)
        loss.backward()
        self.optimizer.step()
        return loss
