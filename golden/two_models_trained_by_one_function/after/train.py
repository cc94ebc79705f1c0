import torch

from models import ConvTagger, MeanTagger


def fit(network, signals, tags, epochs=3):
    optimizer = torch.optim.SGD(network.parameters(), lr=0.2)
    for epoch in range(epochs):
        optimizer.zero_grad()
        logits = network(signals)
        loss = network.loss_fn(logits, tags)
        loss.backward()
        optimizer.step()
        accuracy = (logits.argmax(-1) == tags).float().mean()
        print(f"{type(network).__name__} epoch {epoch} loss {loss.item():.6f} accuracy {accuracy.item():.3f}")


torch.manual_seed(11)
signals = torch.randn(10, 4, 7)
tags = torch.randint(0, 3, (10,))
fit(ConvTagger(), signals, tags)
fit(MeanTagger(), signals, tags, epochs=2)
