import torch

from lib.fresh import FreshStart
from lib.models import Trainer

torch.manual_seed(0)
tokens = torch.randn(6, 5)
labels = torch.tensor([0, 1, 2, 3, 0, 1])
for name, runner in (("plain", Trainer()), ("fresh", FreshStart().resume())):
    for step in range(2):
        loss = runner.step(tokens, labels)
        print(f"{name} step {step} loss {loss.item():.6f}")
