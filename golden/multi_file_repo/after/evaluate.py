import torch
import torch.nn.functional as F


def evaluate(model, loader):
    model.eval()
    losses = []
    with torch.no_grad():
        for ids, mask, y in loader:
            logits = model(ids, mask)
            loss = F.cross_entropy(logits, y)
            losses.append(loss.item())
    return sum(losses) / len(losses)
