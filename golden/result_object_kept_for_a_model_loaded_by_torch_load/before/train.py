import io

import torch

from evaluation import evaluate
from model import Classifier


def train(model, features, mask, labels, epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for epoch in range(epochs):
        output = model(features, mask, labels)
        loss = output.loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"epoch {epoch} loss {loss.item():.6f} logits {output.logits.sum().item():.6f}")


if __name__ == "__main__":
    torch.manual_seed(0)
    features = torch.randn(10, 6)
    mask = (torch.rand(10, 6) > 0.2).float()
    labels = torch.randint(0, 3, (10,))
    model = Classifier()
    train(model, features, mask, labels, 3)
    saved = io.BytesIO()
    torch.save(model, saved)
    saved.seek(0)
    predictions, missing = evaluate(saved, features, mask)
    print("predictions", predictions.tolist(), "loss", missing)
